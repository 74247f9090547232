"""Native renderers cannot take the process down: PDFs are built in a worker process.

The worker pool is tested with real children that crash (``os.abort()``, and a real vl-convert
panic on a vertical tab), hang and balloon; the PDF path is tested end to end through the CLI
with limits small enough to trip, and with the control characters that used to abort it.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import auditor
from auditor.report import audit_pdf_bytes
from auditor.worker import (
    WorkerCrashed,
    WorkerOutOfMemory,
    WorkerPool,
    WorkerRaised,
    WorkerTimeout,
)

from .cli_run import run_cli

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import os, sys, time
sys.path.insert(0, {root!r})
from auditor.worker import serve

def handle(payload):
    if payload == b"abort":
        os.abort()
    if payload == b"hang":
        time.sleep(600)
    if payload == b"hog":
        hog = b"x" * (1 << 30)
        time.sleep(600)
    if payload == b"raise":
        raise ValueError("a handled error")
    if payload == b"vl-convert":
        import vl_convert
        spec = {{"title": "a\\x0bb", "mark": "bar", "data": {{"values": [{{"v": 1}}]}},
                 "encoding": {{"x": {{"field": "v", "type": "quantitative"}}}}}}
        return vl_convert.vegalite_to_png(spec)
    print("noise on stdout must not corrupt the replies")
    return payload[::-1]

serve(handle)
"""


@pytest.fixture(scope="module")
def pool():
    pool = WorkerPool(
        [sys.executable, "-c", CHILD.format(root=str(ROOT))],
        size=1,
        timeout=30,
        memory_limit=300 * 2**20,
    )
    yield pool
    pool.close()


def test_a_worker_answers_requests_and_survives_raised_errors(pool):
    assert pool.call(b"abc") == b"cba"
    with pytest.raises(WorkerRaised, match="a handled error") as raised:
        pool.call(b"raise")
    assert raised.value.kind == "ValueError"
    assert pool.call(b"xyz") == b"zyx"


def test_a_crashing_worker_is_an_error_for_that_request_only(pool):
    assert pool.call(b"one") == b"eno"
    with pytest.raises(WorkerCrashed, match="SIGABRT"):
        pool.call(b"abort")
    assert pool.call(b"two") == b"owt"  # a fresh worker took over


def test_the_real_vl_convert_panic_is_contained(pool):
    # Unsanitised, a vertical tab in chart text makes vl-convert panic and abort its process.
    with pytest.raises(WorkerCrashed):
        pool.call(b"vl-convert", timeout=120)
    assert pool.call(b"after") == b"retfa"


def test_a_hanging_worker_is_stopped_at_the_timeout(pool):
    started = time.monotonic()
    with pytest.raises(WorkerTimeout, match="longer than 2 s"):
        pool.call(b"hang", timeout=2)
    assert time.monotonic() - started < 15
    assert pool.call(b"ok") == b"ko"


def test_a_worker_over_its_memory_limit_is_stopped(pool):
    with pytest.raises(WorkerOutOfMemory, match="300 MiB"):
        pool.call(b"hog")
    assert pool.call(b"ok") == b"ko"


CONTROL_VALUES = ["a\x0bb", "c\x1bd", "e\ufffef", "plain"]


def _frame(rows: int = 240) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame(
        {
            "y": rng.integers(0, 2, rows),
            "p": rng.integers(0, 2, rows),
            "g": rng.choice(CONTROL_VALUES, rows),
            "h": rng.choice(["x", "y"], rows),
        }
    )


@pytest.mark.parametrize("kind", ["parquet", "jsonl", "dataframe"])
def test_control_characters_in_group_values_give_a_pdf(kind, tmp_path):
    frame = _frame()
    if kind == "parquet":
        source = tmp_path / "data.parquet"
        frame.to_parquet(source)
    elif kind == "jsonl":
        source = tmp_path / "data.jsonl"
        frame.to_json(source, orient="records", lines=True)
    else:
        source = frame
    result = auditor.audit(source, label="y", prediction="p", protected=["g", "h"])
    pdf = audit_pdf_bytes(result.to_dict())
    assert pdf.startswith(b"%PDF")
    text = _pdf_text(pdf, tmp_path)
    for escaped in ("a\\x0bb", "c\\x1bd", "e\\ufffef"):
        assert escaped in text
    assert "shown as escapes" in text


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def _cli(args: list[str], env_extra: dict[str, str], tmp_path: Path):
    import os

    env = {**os.environ, **env_extra}
    return subprocess.run(
        [sys.executable, "-m", "auditor", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )


def test_cli_pdf_with_control_characters_exits_0(tmp_path):
    data = tmp_path / "data.parquet"
    _frame().to_parquet(data)
    out = tmp_path / "report.pdf"
    run = run_cli(
        "audit", str(data), "--label", "y", "--prediction", "p", "--protected", "g,h",
        "--pdf", str(out),
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    assert out.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("limit", "wording"),
    [
        ({"AUDITOR_RENDER_MEMORY_MB": "64"}, "used more than 64 MiB of memory"),
        ({"AUDITOR_RENDER_TIMEOUT": "1"}, "took longer than 1 s"),
    ],
)
def test_cli_pdf_over_the_renderer_limits_is_a_clear_error_and_no_file(limit, wording, tmp_path):
    data = tmp_path / "data.parquet"
    _frame().to_parquet(data)
    out = tmp_path / "report.pdf"
    run = _cli(
        ["audit", str(data), "--label", "y", "--prediction", "p", "--protected", "g",
         "--pdf", str(out)],
        limit,
        tmp_path,
    )  # fmt: skip
    assert run.returncode == 2, run.stderr[-2000:]
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in run.stderr, run.stderr
    assert "the PDF could not be built" in lines[0] and wording in lines[0]
    assert not out.exists()
    assert not list(tmp_path.glob(".report.pdf.*"))
