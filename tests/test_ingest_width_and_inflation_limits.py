"""Bounded work per upload: inflation counted while streaming, columns and line length limited.

Before: the gzip check inflated only the first 1 MiB and projected, so a file whose
incompressible start hid a compressible tail passed (48.6 MB → ~30 GiB); 50,000 JSON keys took
86 s; a 20 MB CSV with 50,000 columns needed over 1 GB.
"""

from __future__ import annotations

import json
import os
import time
import zlib

import pandas as pd
import pytest

import auditor
from auditor.errors import InputError
from auditor.limits import check_gzip_inflation, inflated_size


def _member(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    return compressor.compress(data) + compressor.flush()


def _hidden_bomb(path, *, tail_members: int) -> None:
    """A CSV gzip: ~2 MiB of incompressible text first, then members of 64 MiB of one row."""
    rows = [b"y,p,g\n"] + [
        f"{i % 2},{(i // 2) % 2},{os.urandom(24).hex()}\n".encode() for i in range(40_000)
    ]
    tail = _member(b"1,0,a\n" * (64 * 2**20 // 6))
    with path.open("wb") as handle:
        handle.write(_member(b"".join(rows)))
        for _ in range(tail_members):
            handle.write(tail)


def test_a_bomb_behind_an_incompressible_start_is_refused_while_counting(tmp_path):
    bomb = tmp_path / "hidden.csv.gz"
    _hidden_bomb(bomb, tail_members=16)  # ~1 GiB inflated, a few MB on disk
    limit = 256 * 2**20
    started = time.process_time()
    with pytest.raises(InputError, match="more than the limit.*decompression bomb"):
        check_gzip_inflation(bomb, limit=limit)
    assert time.process_time() - started < 30
    assert limit < inflated_size(bomb, stop_after=limit) < limit + 2 * 2**20


def test_the_audit_refuses_the_hidden_bomb_under_the_environment_limit(tmp_path, monkeypatch):
    bomb = tmp_path / "hidden.csv.gz"
    _hidden_bomb(bomb, tail_members=8)
    monkeypatch.setenv("AUDITOR_MAX_INFLATED_BYTES", str(128 * 2**20))
    with pytest.raises(InputError, match="decompression bomb"):
        auditor.audit(bomb, label="y", prediction="p", protected="g")


def test_an_ordinary_gzip_passes_and_is_counted_exactly(tmp_path):
    data = b"y,p,g\n" + b"1,0,a\n0,1,b\n" * 1000
    path = tmp_path / "ok.csv.gz"
    path.write_bytes(_member(data[:5000]) + _member(data[5000:]))
    assert inflated_size(path, stop_after=10**9) == len(data)
    check_gzip_inflation(path, limit=10**6)


def _wide_jsonl(path, keys: int, rows: int = 20) -> None:
    extra = {f"k{i}": 1 for i in range(keys)}
    with path.open("w") as handle:
        for r in range(rows):
            handle.write(json.dumps({"y": r % 2, "p": (r // 2) % 2, "g": "ab"[r % 2], **extra}))
            handle.write("\n")


def test_50000_json_keys_are_refused_quickly(tmp_path):
    path = tmp_path / "wide.jsonl"
    _wide_jsonl(path, 50_000)
    started = time.process_time()
    with pytest.raises(InputError, match="50,003 columns, more than the limit of 2,000"):
        auditor.audit(path, label="y", prediction="p", protected="g")
    assert time.process_time() - started < 20


def test_50000_csv_columns_are_refused_quickly(tmp_path):
    path = tmp_path / "wide.csv"
    header = ",".join(["y", "p", "g", *(f"c{i}" for i in range(50_000))])
    path.write_text(header + "\n" + "\n".join(["1,0,a" + ",1" * 50_000] * 20) + "\n")
    started = time.process_time()
    with pytest.raises(InputError, match="more than the limit of 2,000"):
        auditor.audit(path, label="y", prediction="p", protected="g")
    assert time.process_time() - started < 20


def test_wide_dataframes_and_parquet_are_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDITOR_MAX_COLUMNS", "10")
    frame = pd.DataFrame({f"c{i}": [1, 0] for i in range(20)})
    with pytest.raises(InputError, match="20 columns, more than the limit of 10"):
        auditor.audit(frame, label="c0", prediction="c1", protected="c2")
    frame.to_parquet(tmp_path / "wide.parquet")
    with pytest.raises(InputError, match="20 columns, more than the limit of 10"):
        auditor.audit(tmp_path / "wide.parquet", label="c0", prediction="c1", protected="c2")


def test_a_first_line_past_the_line_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDITOR_MAX_LINE_BYTES", "1000")
    path = tmp_path / "long.csv"
    path.write_text("y,p,g" + "x" * 5000 + "\n1,0,a\n")
    with pytest.raises(InputError, match="longer than 1,000 bytes.*AUDITOR_MAX_LINE_BYTES"):
        auditor.audit(path, label="y", prediction="p", protected="g")


def test_a_json_file_under_the_limit_is_read_with_its_schema_pinned(tmp_path):
    # The inferred schema is written into the reader once (re-inferring it on every query took
    # 86 s for 2,000 keys; benchmarks/hostile_inputs.py measures it): the counts must not change.
    path = tmp_path / "wide.jsonl"
    _wide_jsonl(path, 1_500, rows=500)
    result = auditor.audit(path, label="y", prediction="p", protected="g")
    assert sum(g.n for g in result.breakdowns[0].groups) == 500
