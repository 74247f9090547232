"""Time and peak memory of the auditor CLI on each hostile input of issue #12.

Usage: ``python benchmarks/hostile_inputs.py [--out docs/hostile-inputs-measured.md]``

Each case is generated in a temporary folder and audited by ``python -m auditor audit`` in a
child process; the wall time and the peak resident memory (``wait4`` rusage: the CLI and its
PDF worker, which it reaps at exit) are printed as a Markdown table with the exit code and the
first line of stderr. Nothing is timed inside the test suite; these numbers go to
``docs/hostile-inputs.md``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

ROWS = 600


def _frame(column: str = "g", values: list[str] | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    values = values or ["a", "b", "c"]
    return pd.DataFrame(
        {
            "y": rng.integers(0, 2, ROWS),
            "p": rng.integers(0, 2, ROWS),
            column: [values[i % len(values)] for i in range(ROWS)],
        }
    )


def _member(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    return compressor.compress(data) + compressor.flush()


def _policy(folder: Path, name: str) -> Path:
    path = folder / "policy.toml"
    path.write_text(
        f'name = "{name}"\n[[checks]]\nmetric = "selection_rate"\n'
        'rule = "ratio_at_least"\nbound = 0.8\n'
    )
    return path


def cases(folder: Path):
    """(name, argv after 'audit', environment) for each hostile input."""
    audit = ["--label", "y", "--prediction", "p", "--protected", "g"]

    path = folder / "plain.parquet"
    _frame().to_parquet(path)
    yield (
        "reference: plain group values (Parquet) → PDF",
        [str(path), *audit, "--pdf", str(folder / "plain.pdf")],
    )

    path = folder / "controls.parquet"
    _frame(values=["a\x0bb", "c\x1bd", "e\ufffef"]).to_parquet(path)
    yield (
        "VT, ESC, U+FFFE in group values (Parquet) → PDF",
        [str(path), *audit, "--pdf", str(folder / "c.pdf")],
    )

    for size in (2, 30, 100):
        path = folder / f"long{size}.parquet"
        _frame(values=["G" * size * 1000, "short"]).to_parquet(path)
        yield (
            f"{size} KB group value (Parquet) → PDF",
            [str(path), *audit, "--pdf", str(folder / f"l{size}.pdf")],
        )

    policy = _policy(folder, "N" * 150_000)
    yield (
        "150 KB policy name → PDF",
        [str(path), *audit, "--policy", str(policy), "--pdf", str(folder / "p.pdf")],
    )

    path = folder / "column.parquet"
    _frame(column="c" * 30_000).to_parquet(path)
    yield (
        "30 KB column name (Parquet) → PDF",
        [
            str(path),
            "--label",
            "y",
            "--prediction",
            "p",
            "--protected",
            "c" * 30_000,
            "--pdf",
            str(folder / "col.pdf"),
        ],
    )

    path = folder / "hidden_bomb.csv.gz"
    rows = [b"y,p,g\n"] + [
        f"{i % 2},{(i // 2) % 2},{os.urandom(24).hex()}\n".encode() for i in range(400_000)
    ]
    tail = _member(b"1,0,a\n" * (64 * 2**20 // 6))
    with path.open("wb") as handle:
        handle.write(_member(b"".join(rows)))
        for _ in range(480):
            handle.write(tail)
    yield (
        f"gzip, incompressible start, {path.stat().st_size / 1e6:.1f} MB → ~30 GiB",
        [str(path), *audit],
    )

    for keys in (2_000 - 3, 50_000, 100_000):
        path = folder / f"keys{keys}.jsonl"
        extra = {f"k{i}": 1 for i in range(keys)}
        with path.open("w") as handle:
            for r in range(200 if keys < 10_000 else 20):
                handle.write(
                    json.dumps({"y": r % 2, "p": (r // 2) % 2, "g": "ab"[r % 2], **extra}) + "\n"
                )
        yield f"{keys + 3:,} JSON keys", [str(path), *audit]

    path = folder / "wide.csv"
    columns = 50_000
    with path.open("w") as handle:
        handle.write(",".join(["y", "p", "g", *(f"c{i}" for i in range(columns))]) + "\n")
        row = "1,0,a" + ",1" * columns + "\n"
        while handle.tell() < 20_000_000:
            handle.write(row)
    yield f"{path.stat().st_size / 1e6:.0f} MB CSV with {columns:,} columns", [str(path), *audit]


def run(argv: list[str]) -> tuple[float, float, int, str]:
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "auditor", "audit", *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    stderr = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.monotonic() - started
    code = os.waitstatus_to_exitcode(status)
    first = next((line for line in stderr.splitlines() if line.strip()), "")
    return elapsed, usage.ru_maxrss / 1024, code, first[:160]


def main() -> None:
    print("| case | exit | time (s) | peak RSS (MiB) | stderr (first line, cut) |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for name, argv in cases(Path(folder)):
            elapsed, rss, code, first = run(argv)
            first = first.replace("|", "\\|")
            print(f"| {name} | {code} | {elapsed:.1f} | {rss:.0f} | {first} |", flush=True)


if __name__ == "__main__":
    main()
