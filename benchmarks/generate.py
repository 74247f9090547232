"""Seeded synthetic prediction files for the benchmarks (1 M, 10 M, 100 M rows; Parquet and CSV).

The rows are made by DuckDB itself (``COPY (SELECT … FROM range(N)) TO …``), so 100 M rows
take about a minute and little memory. Every value is a pure function of the row number and
the seed (DuckDB's ``hash``), so the same seed gives the same file on any machine and any
number of threads.

Columns (skewed on purpose, like real populations):

========== ============================================================================
race       6 values; "Pacific Islander" is tiny (0.1 %), "White" is half
sex        "Female" / "Male" (48 / 52 %)
age_band   5 bands, the oldest small
region     50 regions "R01" … "R50" with Zipf-like sizes (R01 is ~40× R50)
label      0/1, base rate differs by race and age band
prediction 0/1 from the score at 0.5 (so errors differ by group)
score      probability with two decimals (0.00 … 1.00)
========== ============================================================================

Usage::

    python benchmarks/generate.py --rows 1e6,1e7 --formats parquet,csv   # into /tmp/auditor-bench

Files are written under ``--out`` (default ``$TMPDIR/auditor-bench``) and never committed.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import duckdb

__all__ = ["DEFAULT_DIR", "PROTECTED", "dataset_path", "generate", "parse_rows"]

DEFAULT_DIR = Path(tempfile.gettempdir()) / "auditor-bench"
PROTECTED = ("race", "sex", "age_band", "region")
LABEL, PREDICTION, SCORE = "label", "prediction", "score"
FORMATS = ("parquet", "csv")

# A uniform number in [0, 1) from the row number, the seed and a stream id (one per column).
_U = "((hash(i, {seed}, {stream}) % 1000000007)::DOUBLE / 1000000007.0)"


def _uniform(seed: int, stream: int) -> str:
    return _U.format(seed=int(seed), stream=int(stream))


def _row_sql(rows: int, seed: int) -> str:
    u = {k: _uniform(seed, k) for k in range(1, 8)}
    race = (
        f"CASE WHEN {u[1]} < 0.50 THEN 'White' WHEN {u[1]} < 0.70 THEN 'Black' "
        f"WHEN {u[1]} < 0.85 THEN 'Hispanic' WHEN {u[1]} < 0.95 THEN 'Asian' "
        f"WHEN {u[1]} < 0.999 THEN 'Other' ELSE 'Pacific Islander' END"
    )
    sex = f"CASE WHEN {u[2]} < 0.48 THEN 'Female' ELSE 'Male' END"
    age = (
        f"CASE WHEN {u[3]} < 0.15 THEN '18-25' WHEN {u[3]} < 0.45 THEN '26-40' "
        f"WHEN {u[3]} < 0.75 THEN '41-55' WHEN {u[3]} < 0.95 THEN '56-70' ELSE '71+' END"
    )
    # Zipf-like: region index = floor(50 ** u) gives sizes falling roughly as 1/k.
    region = f"'R' || lpad(CAST(least(50, CAST(floor(pow(51.0, {u[4]})) AS INTEGER)) AS VARCHAR), 2, '0')"
    return f"""
        WITH base AS (
            SELECT i, {race} AS race, {sex} AS sex, {age} AS age_band, {region} AS region,
                   {u[5]} AS u_label, {u[6]} AS u_score
            FROM range({int(rows)}) AS t(i)
        ), risk AS (
            SELECT *,
                   0.25 + CASE race WHEN 'Black' THEN 0.10 WHEN 'Hispanic' THEN 0.05
                                    WHEN 'Pacific Islander' THEN 0.08 ELSE 0.0 END
                        + CASE age_band WHEN '18-25' THEN 0.10 WHEN '71+' THEN -0.10 ELSE 0.0 END
                        AS p_label
            FROM base
        ), labelled AS (
            SELECT *, CAST(u_label < p_label AS INTEGER) AS label FROM risk
        )
        SELECT race, sex, age_band, region, label,
               CAST(score >= 0.5 AS INTEGER) AS prediction, score
        FROM (
            SELECT race, sex, age_band, region, label,
                   round(least(1.0, greatest(0.0,
                       0.30 + 0.35 * label + 0.45 * (u_score - 0.5)
                       + CASE race WHEN 'Black' THEN 0.06 WHEN 'Asian' THEN -0.03 ELSE 0.0 END
                       + CASE sex WHEN 'Male' THEN 0.02 ELSE 0.0 END)), 2) AS score
            FROM labelled
        )
    """


def parse_rows(text: str) -> list[int]:
    """``"1e6,1e7"`` → ``[1000000, 10000000]``."""
    sizes = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        value = float(part)
        if value < 1 or not value.is_integer():
            raise SystemExit(f"--rows: {part!r} is not a positive whole number (e.g. 1e6)")
        sizes.append(int(value))
    if not sizes:
        raise SystemExit("--rows: give at least one size, e.g. --rows 1e6,1e7")
    return sizes


def _label(rows: int) -> str:
    for unit, size in (("b", 10**9), ("m", 10**6), ("k", 10**3)):
        if rows % size == 0:
            return f"{rows // size}{unit}"
    return str(rows)


def dataset_path(rows: int, fmt: str, *, seed: int = 0, out: Path = DEFAULT_DIR) -> Path:
    """Where the file for ``rows`` rows in format ``fmt`` lives."""
    return Path(out) / f"predictions_{_label(rows)}_seed{seed}.{fmt}"


def generate(
    rows: int,
    fmt: str,
    *,
    seed: int = 0,
    out: Path = DEFAULT_DIR,
    force: bool = False,
    threads: int | None = None,
) -> Path:
    """Write (or reuse) the synthetic file and return its path."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} is not one of {FORMATS}")
    path = dataset_path(rows, fmt, seed=seed, out=out)
    if path.exists() and not force:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".partial")
    options = (
        "FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000"
        if fmt == "parquet"
        else "FORMAT csv, HEADER true"
    )
    con = duckdb.connect()
    try:
        con.execute("SET memory_limit = '1GB'")
        con.execute("SET preserve_insertion_order = false")
        con.execute("SET enable_progress_bar = false")
        con.execute(f"SET temp_directory = '{tempfile.gettempdir()}/auditor-bench-spill'")
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        target = str(partial).replace("'", "''")
        con.execute(f"COPY ({_row_sql(rows, seed)}) TO '{target}' ({options})")
    finally:
        con.close()
    os.replace(partial, path)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", default="1e6", help="comma-separated sizes, e.g. 1e6,1e7,1e8")
    parser.add_argument("--formats", default="parquet,csv", help="parquet, csv or both")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--force", action="store_true", help="regenerate existing files")
    args = parser.parse_args(argv)
    for rows in parse_rows(args.rows):
        for fmt in [f.strip() for f in args.formats.split(",") if f.strip()]:
            start = time.perf_counter()
            path = generate(rows, fmt, seed=args.seed, out=args.out, force=args.force)
            size = path.stat().st_size / 2**20
            print(f"{path}  {size:,.0f} MiB  ({time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()
