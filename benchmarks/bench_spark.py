"""Benchmark the cube on Spark (local mode) against DuckDB, on the same synthetic Parquet file.

Both engines count the same cube (the audit's protected attributes race, sex, age_band and
region, label × prediction) from the same file written by
``benchmarks/generate.py``; the time is the counting (what differs between engines), not the
statistics after it (the same code for both) nor the fingerprint. Spark runs in local mode on
this machine's cores (``--master``, default ``local[2]``), after one warm-up count so the JVM's
JIT is done; its start-up time is printed apart. Per size: the best of ``--repeat`` runs.

Printed as ratios in one run: Spark / DuckDB at each size, and each engine's cost per row
relative to its cost per row at the smallest size (1.0 = linear scaling).

Usage::

    python benchmarks/bench_spark.py --rows 1e6,1e7            # about 10 min on 2 busy cores
    python benchmarks/bench_spark.py --rows 1e6,1e7,1e8 --repeat 1
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from auditor.counting import count_source  # noqa: E402
from auditor.ingest import ColumnMapping  # noqa: E402
from benchmarks.generate import PROTECTED, generate, parse_rows  # noqa: E402

MAPPING = ColumnMapping(label="label", prediction="prediction", protected=PROTECTED)


def _best(action, repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - start)
    return best, result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1e6,1e7", help="comma-separated sizes")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--master", default="local[2]")
    args = parser.parse_args(argv)
    sizes = parse_rows(args.rows)
    files = {rows: generate(rows, "parquet") for rows in sizes}

    from auditor.spark import spark_session

    start = time.perf_counter()
    spark = spark_session(
        master=args.master,
        conf={
            "spark.ui.enabled": "false",
            "spark.sql.shuffle.partitions": "4",
            "spark.driver.memory": "2g",
            "spark.driver.host": "127.0.0.1",
            "spark.driver.bindAddress": "127.0.0.1",
        },
    )
    started = time.perf_counter() - start
    warm = count_source(str(files[sizes[0]]), MAPPING, engine="spark", spark=spark,
                        fingerprint=False)  # fmt: skip
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; Spark {spark.version} "
          f"({args.master}) started in {started:.1f} s; cube cells: {len(warm.cube.cells):,}")  # fmt: skip

    rows_out = []
    for rows in sizes:
        path = str(files[rows])
        duck, duck_cube = _best(
            lambda path=path: count_source(path, MAPPING, fingerprint=False), args.repeat
        )
        on_spark, spark_cube = _best(
            lambda path=path: count_source(
                path, MAPPING, engine="spark", spark=spark, fingerprint=False
            ),
            args.repeat,
        )
        assert duck_cube.cube.rows == spark_cube.cube.rows == rows
        same = (
            duck_cube.cube.cells.sort_values(list(duck_cube.cube.cells.columns[:-1]))["n"].tolist()
            == spark_cube.cube.cells.sort_values(list(spark_cube.cube.cells.columns[:-1]))[
                "n"
            ].tolist()
        )
        rows_out.append((rows, duck, on_spark, same))
        print(f"  {rows:>13,} rows: DuckDB {duck:7.2f} s, Spark {on_spark:7.2f} s", flush=True)

    first_rows, first_duck, first_spark, _ = rows_out[0]
    print()
    print(f"{'rows':>13}  {'DuckDB s':>9}  {'Spark s':>9}  {'Spark/DuckDB':>12}  "
          f"{'DuckDB ns/row':>13}  {'Spark ns/row':>12}  {'DuckDB per-row vs first':>23}  "
          f"{'Spark per-row vs first':>22}  same cube")  # fmt: skip
    for rows, duck, on_spark, same in rows_out:
        print(
            f"{rows:>13,}  {duck:9.2f}  {on_spark:9.2f}  {on_spark / duck:11.1f}x  "
            f"{duck / rows * 1e9:13.1f}  {on_spark / rows * 1e9:12.1f}  "
            f"{(duck / rows) / (first_duck / first_rows):22.2f}x  "
            f"{(on_spark / rows) / (first_spark / first_rows):21.2f}x  {same}"
        )
    spark.stop()


if __name__ == "__main__":
    main()
