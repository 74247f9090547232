"""The Spark engine counts the same cube as DuckDB, and the audit built on it is the same.

Spark runs in local mode (``local[2]``, one session for the whole test run, see
``conftest.spark``). Every comparison is against the DuckDB engine on the same input: the
finest cells, then the whole audit JSON except the fields that name the engine or identify
the input by engine-specific means (fingerprint, encoding, format).
"""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import auditor
from auditor.cli import main
from auditor.cube import build_cube
from auditor.engine import connect
from auditor.ingest import ColumnMapping, open_source
from auditor.spark import open_spark_source

from .conftest import ADULT_PREDICTIONS, COMPAS_PREDICTIONS

COMPAS = dict(
    label="two_year_recid",
    prediction="high_risk",
    protected=["race", "sex", "age_cat"],
    score="decile_score",
)
ENGINE_FIELDS = ("engine", "sha256", "fingerprint_method", "size_bytes", "encoding", "format")


def comparable(result: auditor.AuditResult) -> dict:
    """The audit JSON without the fields that say which engine read the input, and how."""
    document = result.to_dict()
    document.pop("created_at")
    for name in ENGINE_FIELDS:
        document["dataset"].pop(name, None)
    document["dataset"].pop("source")
    return document


def assert_same_cells(left: pd.DataFrame, right: pd.DataFrame) -> None:
    keys = [c for c in left.columns if c != "n"]
    ordered = [
        frame.sort_values(keys, kind="stable").reset_index(drop=True) for frame in (left, right)
    ]
    pd.testing.assert_frame_equal(*ordered, check_dtype=False)


def test_compas_audit_is_identical_on_both_engines(spark):
    duck = auditor.audit(COMPAS_PREDICTIONS, **COMPAS)
    on_spark = auditor.audit(COMPAS_PREDICTIONS, engine="spark", spark=spark, **COMPAS)
    assert on_spark.dataset.engine == "spark" and duck.dataset.engine == "duckdb"
    assert_same_cells(duck.cube.cells, on_spark.cube.cells)
    assert comparable(on_spark) == comparable(duck)
    assert on_spark.to_dict()["breakdowns"][0]["groups"]  # not two empty audits
    # The file is fingerprinted in the cluster: SHA-256 over "path<TAB>size<TAB>sha256".
    data = COMPAS_PREDICTIONS.read_bytes()
    line = f"file:{COMPAS_PREDICTIONS}\t{len(data)}\t{hashlib.sha256(data).hexdigest()}\n"
    assert on_spark.dataset.sha256 == hashlib.sha256(line.encode()).hexdigest()
    assert on_spark.dataset.size_bytes == len(data)


def test_score_audit_with_float_scores_bins_like_duckdb(spark):
    """Adult's scores are floats: Spark must round them to the same three significant digits."""
    options = dict(
        label="income",
        score="score",
        threshold=0.5,
        positive_label=">50K",
        protected=["sex", "race"],
    )
    duck = auditor.audit(ADULT_PREDICTIONS, **options)
    on_spark = auditor.audit(ADULT_PREDICTIONS, engine="spark", spark=spark, **options)
    assert duck.cube.cells["score_bin"].nunique() > 100
    assert_same_cells(duck.cube.cells, on_spark.cube.cells)
    assert comparable(on_spark) == comparable(duck)


def test_score_bins_break_ties_like_duckdb(spark):
    """Scores whose scaled value is (or looks like) an exact half, at every magnitude."""
    scores = [
        0.1755, -0.1755, 0.0001755, 175.5, 1755.0, 1.005, 2.675, 0.1745, 0.125, 12.35, 0.3335,
        999.5, 9995.0, 1e-300, 1e-306, 1e-307, 5e-324, 1.7976931348623157e308, 7.5e305, 0.5,
        0.0, -0.0, 123456789.5, 0.000123456, -2.5, 33.35, 4.4445, 0.0625,
    ]  # fmt: skip
    frame = pd.DataFrame(
        {"g": ["a", "b"] * (len(scores) // 2), "y": [1, 0, 0, 1] * (len(scores) // 4)}
    ).assign(s=scores)
    mapping = ColumnMapping(label="y", protected=("g",), score="s", threshold=0.5)
    with connect() as con:
        duck = build_cube(open_source(frame, connection=con), mapping)
    on_spark = build_cube(open_spark_source(spark.createDataFrame(frame), spark=spark), mapping)
    assert duck.cells["score_bin"].nunique() > 15
    assert_same_cells(duck.cells, on_spark.cells)


def test_partitioned_parquet_folder_and_glob(spark, tmp_path, compas_frame):
    frame = compas_frame.assign(date=["2026-01", "2026-02", "2025-12"] * 2057 + ["2026-01"])
    pq.write_to_dataset(pa.Table.from_pandas(frame), tmp_path / "preds", partition_cols=["date"])
    wanted = frame[frame["date"].str.startswith("2026-")].drop(columns="date")
    duck = auditor.audit(wanted.reset_index(drop=True), **COMPAS)
    glob = str(tmp_path / "preds" / "date=2026-*" / "*.parquet")
    on_spark = auditor.audit(glob, engine="spark", spark=spark, **COMPAS)
    assert on_spark.dataset.rows == len(wanted) < len(frame)
    assert comparable(on_spark) == comparable(duck)
    # The partition column survives the glob (Spark's basePath), so it can be audited too.
    assert "date" in open_spark_source(glob, spark=spark).columns
    # The whole folder: every partition, three files.
    by_date = {**COMPAS, "protected": ["date"], "score": None}
    whole = auditor.audit(str(tmp_path / "preds"), engine="spark", spark=spark, **by_date)
    assert whole.dataset.rows == len(frame)
    assert {g.key["date"] for g in whole.breakdown("date").groups} == {
        "2025-12",
        "2026-01",
        "2026-02",
    }
    assert "3 file(s)" in whole.dataset.fingerprint_method


def test_spark_dataframe_and_table_sources(spark, compas_frame):
    duck = auditor.audit(compas_frame, **COMPAS)
    frame = spark.createDataFrame(compas_frame)
    from_frame = auditor.audit(frame, spark=spark, **COMPAS)  # engine chosen by the source
    assert from_frame.dataset.engine == "spark"
    assert comparable(from_frame) == comparable(duck)
    assert "xxhash64" in from_frame.dataset.fingerprint_method

    # Same rows in another order and partitioning: the same fingerprint; fewer rows: another.
    def fingerprint(rows):
        return open_spark_source(rows, spark=spark).fingerprint().sha256

    assert fingerprint(frame.orderBy("race").repartition(3)) == from_frame.dataset.sha256
    assert fingerprint(frame.limit(6000)) != from_frame.dataset.sha256
    spark.read.option("header", "true").csv(str(COMPAS_PREDICTIONS)).createOrReplaceTempView(
        "compas_table"
    )
    table = auditor.audit("table:compas_table", engine="spark", spark=spark, **COMPAS)
    assert comparable(table) == comparable(duck)


def test_grouping_sets_fallback_matches_duckdb(spark):
    """When the finest table would be too large, both engines count breakdowns directly."""
    mapping = ColumnMapping(
        label="two_year_recid",
        prediction="high_risk",
        protected=("race", "sex"),
        score="decile_score",
    )
    with connect() as con:
        duck = build_cube(
            open_source(COMPAS_PREDICTIONS, connection=con), mapping, max_finest_cells=1
        )
    on_spark = build_cube(
        open_spark_source(str(COMPAS_PREDICTIONS), spark=spark), mapping, max_finest_cells=1
    )
    assert duck.cells is None and on_spark.cells is None
    for by in [(), ("race",), ("sex",), ("race", "sex")]:
        pd.testing.assert_frame_equal(duck.counts(by), on_spark.counts(by), check_dtype=False)
    for by in [(), ("race",)]:
        pd.testing.assert_frame_equal(
            duck.score_counts(by), on_spark.score_counts(by), check_dtype=False
        )


@pytest.mark.parametrize(
    ("source", "options", "message"),
    [
        (COMPAS_PREDICTIONS, {**COMPAS, "label": "two_year_recidd"}, "Did you mean"),
        ("/nonexistent/preds.parquet", COMPAS, "does not exist"),
    ],
)
def test_errors_are_the_same_one_line_input_errors(spark, source, options, message):
    messages = []
    for engine in ("duckdb", "spark"):
        with pytest.raises(auditor.InputError, match=message) as caught:
            auditor.audit(source, engine=engine, spark=spark, **options)
        messages.append(str(caught.value))
    assert messages[0] == messages[1]


def test_unreadable_file_is_one_line_input_error(spark, tmp_path):
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 this is not parquet PAR1")
    with pytest.raises(auditor.InputError, match="could not be read") as caught:
        auditor.audit(broken, engine="spark", spark=spark, **COMPAS)
    assert "\n" not in str(caught.value) and "at org.apache" not in str(caught.value)


def test_cli_engine_spark(spark, tmp_path, capsys):
    out = tmp_path / "audit.json"
    code = main(
        [
            "audit",
            str(COMPAS_PREDICTIONS),
            "--label", "two_year_recid",
            "--prediction", "high_risk",
            "--protected", "race,sex",
            "--engine", "spark",
            "--spark-master", "local[2]",
            "--spark-conf", "spark.sql.shuffle.partitions=2",
            "--spark-fingerprint", "listing",
            "--json", str(out),
            "--quiet",
        ]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    document = json.loads(out.read_text())
    assert document["dataset"]["engine"] == "spark"
    assert "not the content" in document["dataset"]["fingerprint_method"]
    assert main(["audit", "x.csv", "--label", "y", "--prediction", "p", "--protected", "g",
                 "--engine", "spark", "--spark-conf", "novalue"]) == 2  # fmt: skip
    assert "key=value" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--spark-master", "local[1]"], "already running in this process on master 'local[2]'"),
        (["--spark-conf", "spark.executor.memory=1g"], "cannot be changed in the SparkSession"),
    ],
)
def test_running_session_refuses_a_master_or_setting_it_would_ignore(
    spark, capsys, option, message
):
    code = main(["audit", str(COMPAS_PREDICTIONS), "--label", "two_year_recid",
                 "--prediction", "high_risk", "--protected", "race", "--engine", "spark",
                 *option])  # fmt: skip
    error = capsys.readouterr().err
    assert code == 2 and error.count("\n") == 1 and message in error, error


def test_running_session_takes_run_time_settings(spark):
    from auditor.spark import spark_session

    try:
        assert spark_session(conf=["spark.sql.shuffle.partitions=3"]) is spark
        assert spark.conf.get("spark.sql.shuffle.partitions") == "3"
    finally:
        spark.conf.set("spark.sql.shuffle.partitions", "2")
