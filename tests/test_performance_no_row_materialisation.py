"""No row-level data reaches pandas or Python anywhere in the audit path.

The audit reads a file of ``ROWS`` rows. Spying on DuckDB from the outside (every way a
relation's result can be fetched into Python), each fetched result must be a small table of
counts; and Python's own allocations (tracemalloc, which also sees numpy and pandas buffers)
must stay far below what holding the rows would take.
"""

from __future__ import annotations

import tracemalloc

import duckdb
import pandas as pd
import pytest

import auditor

pytestmark = pytest.mark.slow  # writes two 1 M-row files and audits each three times (~15 s)

ROWS = 1_000_000
PROTECTED = ["race", "sex", "age_band"]
FETCH_METHODS = ("df", "fetchdf", "fetchall", "fetchnumpy", "arrow", "fetch_arrow_table", "pl")


def _write(path, fmt: str) -> None:
    options = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true"
    query = f"""
        SELECT CASE i % 6 WHEN 0 THEN 'White' WHEN 1 THEN 'Black' WHEN 2 THEN 'Asian'
                          WHEN 3 THEN 'Hispanic' WHEN 4 THEN 'Other' ELSE
                          CASE WHEN i % 600 = 5 THEN 'Pacific Islander' ELSE 'White' END END AS race,
               CASE WHEN hash(i, 1) % 2 = 0 THEN 'Female' ELSE 'Male' END AS sex,
               CASE hash(i, 2) % 4 WHEN 0 THEN '18-25' WHEN 1 THEN '26-40'
                                   WHEN 2 THEN '41-60' ELSE '61+' END AS age_band,
               CAST(hash(i, 3) % 3 = 0 AS INTEGER) AS label,
               CAST(hash(i, 4) % 5 < 2 AS INTEGER) AS prediction,
               round((hash(i, 5) % 1000) / 1000.0, 2) AS score
        FROM range({ROWS}) AS t(i)
    """
    con = duckdb.connect()
    try:
        con.execute(f"COPY ({query}) TO '{path}' ({options})")
    finally:
        con.close()


@pytest.fixture(scope="module", params=["parquet", "csv"])
def prediction_file(request, tmp_path_factory):
    path = tmp_path_factory.mktemp("rows") / f"predictions.{request.param}"
    _write(path, request.param)
    return path


@pytest.fixture
def fetch_sizes(monkeypatch):
    """Row counts of every result fetched from any DuckDB relation during the test."""
    sizes: list[int] = []

    def spy(original):
        def fetch(relation, *args, **kwargs):
            value = original(relation, *args, **kwargs)
            sizes.append(_rows_in(value))
            return value

        return fetch

    for name in FETCH_METHODS:
        monkeypatch.setattr(
            duckdb.DuckDBPyRelation, name, spy(getattr(duckdb.DuckDBPyRelation, name))
        )
    return sizes


def _rows_in(value) -> int:
    if hasattr(value, "num_rows"):
        return int(value.num_rows)
    if isinstance(value, dict):
        return max((len(column) for column in value.values()), default=0)
    return len(value)


@pytest.fixture
def no_pandas_readers(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the audit path read a file into pandas")

    for name in ("read_csv", "read_parquet", "read_json", "read_table"):
        monkeypatch.setattr(pd, name, refuse)


def test_every_fetched_result_is_a_small_table_of_counts(
    prediction_file, fetch_sizes, no_pandas_readers
):
    result = auditor.audit(
        prediction_file, label="label", prediction="prediction", score="score", protected=PROTECTED
    )

    assert result.dataset.rows == ROWS
    assert fetch_sizes, "the spy saw no fetch: it no longer watches how the audit reads DuckDB"
    # the finest cube here is 6 × 2 × 4 groups × 2 × 2 outcomes × ≤ 101 score bins ≈ 19 000 cells
    assert max(fetch_sizes) <= ROWS // 40


def test_python_memory_stays_far_below_the_size_of_the_rows(prediction_file):
    auditor.audit(
        prediction_file, label="label", prediction="prediction", protected=PROTECTED
    )  # warm
    tracemalloc.start()
    try:
        auditor.audit(prediction_file, label="label", prediction="prediction", protected=PROTECTED)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Holding just the two outcome columns of 1 M rows as int64 would take 16 MB.
    assert peak < 6 * 2**20, f"the audit allocated {peak / 2**20:.1f} MiB in Python"
