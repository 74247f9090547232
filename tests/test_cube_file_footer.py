"""Telling a saved cube from an ordinary Parquet file by its footer, without DuckDB."""

from __future__ import annotations

import duckdb
import pandas as pd

from auditor.cubefile import _footer_may_hold_key, count_cube, is_cube_file, write_cube

COMPAS = "sample_data/compas_predictions.csv"


def test_saved_cube_is_recognised_and_plain_parquet_is_not(tmp_path):
    cube = tmp_path / "cube.parquet"
    write_cube(
        count_cube([COMPAS], label="two_year_recid", prediction="high_risk", protected=["race"]),
        cube,
    )
    plain = tmp_path / "plain.parquet"
    pd.read_csv(COMPAS).to_parquet(plain)
    with_other_metadata = tmp_path / "other.parquet"
    with duckdb.connect() as con:
        con.execute(
            f"COPY (SELECT 1 AS a) TO '{with_other_metadata}' "
            "(FORMAT parquet, KV_METADATA {'auditor.other': 'x'})"
        )
    assert is_cube_file(cube) and _footer_may_hold_key(cube)
    for path in (plain, with_other_metadata):
        assert not _footer_may_hold_key(path)  # decided from the footer's bytes alone
        assert not is_cube_file(path)


def test_files_that_are_not_plain_parquet_are_left_to_duckdb(tmp_path):
    fake = tmp_path / "fake.parquet"
    fake.write_bytes(b"not a parquet file at all")
    tiny = tmp_path / "tiny.parquet"
    tiny.write_bytes(b"PAR1")
    assert _footer_may_hold_key(fake) and _footer_may_hold_key(tiny)
    assert not is_cube_file(fake) and not is_cube_file(tiny)
