"""Saved count cubes sum exactly: cube(A ∪ B) == cube(A) + cube(B), and the audit agrees.

Real data (COMPAS) split into shards; the reference is always DuckDB counting the
concatenated rows in one pass.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import auditor
from auditor.cli import main
from auditor.counting import count_source
from auditor.cubefile import count_cube, merge_counted, read_cube, write_cube
from auditor.ingest import ColumnMapping

MAPPING = ColumnMapping(
    label="two_year_recid",
    prediction="high_risk",
    protected=("race", "sex", "age_cat"),
    score="decile_score",
)
CLI_MAPPING = [
    "--label", "two_year_recid",
    "--prediction", "high_risk",
    "--protected", "race,sex,age_cat",
    "--score", "decile_score",
]  # fmt: skip


def sorted_cells(frame: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in frame.columns if c != "n"]
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32 - 1), share=st.floats(0.0, 1.0), shards=st.integers(2, 4))
def test_cube_of_union_is_sum_of_cubes(compas_frame, seed, share, shards):
    rng = np.random.default_rng(seed)
    # Uneven shards (one may hold almost everything), each with at least one row.
    weights = np.r_[share, rng.random(shards - 1)] + 1e-3
    shard = rng.choice(shards, size=len(compas_frame), p=weights / weights.sum())
    shard[:shards] = np.arange(shards)
    parts = [
        count_source(compas_frame[shard == i].reset_index(drop=True), MAPPING)
        for i in range(shards)
    ]
    merged = merge_counted(parts)
    whole = count_source(compas_frame, MAPPING)
    pd.testing.assert_frame_equal(sorted_cells(merged.cube.cells), sorted_cells(whole.cube.cells))
    assert merged.cube.rows == whole.cube.rows
    assert dict(merged.cube.exclusions) == dict(whole.cube.exclusions)
    assert len(merged.inputs) == shards


def comparable(document: dict) -> dict:
    document = dict(document)
    for key in ("created_at", "inputs"):
        document.pop(key, None)
    document["dataset"] = {
        k: v
        for k, v in document["dataset"].items()
        if k in ("rows", "rows_used", "rows_excluded", "exclusions")
    }
    return document


@pytest.fixture
def shards(tmp_path, compas_frame):
    """COMPAS as two CSV shards (by month of a made-up date), their cubes, and the whole file."""
    first = compas_frame.iloc[::3]
    second = compas_frame.drop(first.index)
    paths = {}
    for name, part in (("jan", first), ("feb", second)):
        path = tmp_path / f"{name}.csv"
        part.to_csv(path, index=False)
        assert main(["cube", str(path), "--out", str(tmp_path / f"{name}.parquet"), "--quiet",
                     *CLI_MAPPING]) == 0  # fmt: skip
        paths[name] = path
    whole = tmp_path / "whole.csv"
    pd.concat([first, second]).to_csv(whole, index=False)
    return tmp_path, whole


def test_audit_of_merged_cubes_equals_audit_of_concatenated_file(shards, capsys):
    folder, whole = shards
    merged_json, whole_json = folder / "merged.json", folder / "whole.json"
    code = main(["audit", str(folder / "jan.parquet"), str(folder / "feb.parquet"),
                 "--json", str(merged_json), "--quiet"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert main(["audit", str(whole), *CLI_MAPPING, "--json", str(whole_json), "--quiet"]) == 0
    merged, reference = json.loads(merged_json.read_text()), json.loads(whole_json.read_text())
    assert comparable(merged) == comparable(reference)
    assert merged["dataset"]["format"] == "cube"
    # Both inputs are listed with their own fingerprints (SHA-256 of each shard's bytes).
    import hashlib

    listed = {item["source"].rsplit("/", 1)[-1]: item for item in merged["inputs"]}
    assert set(listed) == {"jan.csv", "feb.csv"}
    for name, item in listed.items():
        assert item["sha256"] == hashlib.sha256((folder / name).read_bytes()).hexdigest()
    assert sum(item["rows"] for item in merged["inputs"]) == reference["dataset"]["rows"]


def test_one_saved_cube_keeps_the_file_fingerprint_and_answers_a_subset(shards):
    folder, _ = shards
    cube_path = folder / "jan.parquet"
    from_cube = auditor.audit(cube_path, **{**MAPPING.__dict__, "protected": ["race"]})
    from_file = auditor.audit(folder / "jan.csv", **{**MAPPING.__dict__, "protected": ["race"]})
    assert from_cube.dataset.sha256 == from_file.dataset.sha256
    assert comparable(from_cube.to_dict()) == comparable(from_file.to_dict())
    with pytest.raises(auditor.InputError, match="counted with label 'two_year_recid'"):
        auditor.audit(cube_path, **{**MAPPING.__dict__, "label": "other"})


def test_cubes_with_different_mappings_refuse_to_merge(shards, tmp_path, capsys):
    folder, _ = shards
    other = tmp_path / "race_only.parquet"
    write_cube(
        count_cube([folder / "feb.csv"], label="two_year_recid", prediction="high_risk",
                   protected=["race"], score="decile_score"),
        other,
    )  # fmt: skip
    code = main(["audit", str(folder / "jan.parquet"), str(other)])
    error = capsys.readouterr().err
    assert code == 2 and error.count("\n") == 1
    assert "different mappings (protected" in error
    assert main(["audit", str(folder / "jan.parquet"), str(folder / "jan.parquet")]) == 2
    assert "count its rows twice" in capsys.readouterr().err
    assert main(["audit", "--cube", str(folder / "jan.parquet"), str(folder / "jan.csv")]) == 2
    assert "is not a count cube" in capsys.readouterr().err


def test_private_audit_of_merged_cubes_releases_once_without_fingerprints(shards, tmp_path):
    folder, _ = shards
    cubes = [folder / "jan.parquet", folder / "feb.parquet"]
    options = dict(
        **MAPPING.__dict__,
        epsilon=1.0,
        categories={
            "race": [
                "African-American",
                "Caucasian",
                "Hispanic",
                "Other",
                "Asian",
                "Native American",
            ],
            "sex": ["Male", "Female"],
            "age_cat": ["Less than 25", "25 - 45", "Greater than 45"],
        },
        seed=7,
    )
    document = auditor.audit(cubes, **options).to_dict()
    assert document["privacy"]["mode"] == "dp"
    text = json.dumps(document)
    for counted in map(read_cube, cubes):
        for item in counted.inputs:
            assert item.sha256 not in text and item.source not in text
    assert document["inputs"] == [{"engine": "duckdb"}, {"engine": "duckdb"}]
    # The ledger keys one data set per release: a merged release is refused, not half-charged.
    with pytest.raises(auditor.InputError, match="cannot be charged to a ledger"):
        auditor.audit(cubes, **options, store=tmp_path / "ledger.duckdb", privacy_budget=2.0)
