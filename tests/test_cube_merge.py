"""Saved count cubes sum exactly: cube(A ∪ B) == cube(A) + cube(B), and the audit agrees.

Real data (COMPAS) split into shards; the reference is always DuckDB counting the
concatenated rows in one pass.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import auditor
from auditor.cli import main
from auditor.counting import count_source
from auditor.cubefile import count_cube, merge_counted, read_cube, write_cube
from auditor.errors import BudgetExceededError, PrivacyError
from auditor.ingest import ColumnMapping
from auditor.store import AuditStore

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


CATEGORIES = {
    "race": ["African-American", "Caucasian", "Hispanic", "Other", "Asian", "Native American"],
    "sex": ["Male", "Female"],
    "age_cat": ["Less than 25", "25 - 45", "Greater than 45"],
}
PRIVATE = dict(**MAPPING.__dict__, categories=CATEGORIES, seed=7)


def test_private_merged_audit_is_charged_to_every_input_in_one_transaction(shards, tmp_path):
    folder, _ = shards
    cubes = [folder / "jan.parquet", folder / "feb.parquet"]
    store = tmp_path / "ledger.duckdb"
    merged = auditor.audit(cubes, **PRIVATE, epsilon=1.0, store=store, privacy_budget=2.5)
    ledger = merged.to_dict()["privacy"]["ledger"]
    charged = {item["dataset"]: item for item in ledger["charged_to"]}
    assert len(charged) == 2
    assert all(item["spent_epsilon"] == 1.0 and item["releases"] == 1 for item in charged.values())
    # Each input is the same data set as its rows audited on their own (recognised by content):
    # January's own release spends from the budget the merged release charged.
    alone = auditor.audit(folder / "jan.csv", **PRIVATE, epsilon=1.0, store=store)
    january = alone.to_dict()["privacy"]["ledger"]
    assert january["dataset"] in charged and january["spent_epsilon"] == 2.0
    (february,) = set(charged) - {january["dataset"]}
    with AuditStore(store) as ledger_store:
        assert ledger_store.budget(february).spent_epsilon == 1.0
        # The merged release is listed under both data sets, re-issuable by its one id.
        assert [r.id for r in ledger_store.releases(february)] == [f"{ledger['release_id']}.2"]
        assert ledger_store.release(ledger["release_id"]).dataset in charged
    # January has 0.5 left: a second merged release is refused as a whole, naming the input,
    # and February is not charged for it.
    with pytest.raises(BudgetExceededError, match=r"refused as a whole: input '.*jan\.parquet'"):
        auditor.audit(cubes, **PRIVATE, epsilon=1.0, store=store)
    with AuditStore(store) as ledger_store:
        assert ledger_store.budget(february).spent_epsilon == 1.0
        assert ledger_store.budget(january["dataset"]).spent_epsilon == 2.0


def test_merged_release_needs_one_name_per_input_and_a_budget_for_each(shards, tmp_path, capsys):
    folder, _ = shards
    cubes = [str(folder / "jan.parquet"), str(folder / "feb.parquet")]
    store = tmp_path / "ledger.duckdb"
    with pytest.raises(PrivacyError, match="pass 2 data-set names in the order of the inputs"):
        auditor.audit(cubes, **PRIVATE, epsilon=1.0, store=store, dataset_name="q1")
    with AuditStore(store) as ledger_store:
        ledger_store.set_budget("jan-2026", 1.0)
    # February has no budget yet and none is declared: the whole release is refused.
    with pytest.raises(PrivacyError, match=r"input '.*feb\.parquet': store .* has no privacy"):
        auditor.audit(
            cubes, **PRIVATE, epsilon=0.5, store=store, dataset_name=["jan-2026", "feb-2026"]
        )
    with AuditStore(store) as ledger_store:
        assert ledger_store.budget("jan-2026").spent_epsilon == 0.0
    categories = tmp_path / "categories.toml"
    categories.write_text("\n".join(f"{k} = {json.dumps(v)}" for k, v in CATEGORIES.items()) + "\n")
    private = ["--epsilon", "0.5", "--store", str(store), "--categories", str(categories),
               "--seed", "3", "--dataset-name", "jan-2026", "--dataset-name", "feb-2026"]  # fmt: skip
    out = tmp_path / "private.json"
    assert main(["audit", *cubes, *private, "--privacy-budget", "1", "--json", str(out),
                 "--quiet"]) == 0, capsys.readouterr().err  # fmt: skip
    document = json.loads(out.read_text())
    assert document["privacy"]["ledger"]["dataset"] == "jan-2026 + feb-2026"
    assert [i["remaining_epsilon"] for i in document["privacy"]["ledger"]["charged_to"]] == [
        0.5,
        0.5,
    ]
    assert main(["audit", *cubes, *private[:-4], "--epsilon", "0.75", "--quiet"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "jan.parquet" in error and "feb.parquet" in error


def test_concurrent_merged_releases_never_overspend(shards, tmp_path):
    """Four threads race for a budget that holds two releases: the ledger lock lets two in."""
    folder, _ = shards
    cubes = [folder / "jan.parquet", folder / "feb.parquet"]
    store = tmp_path / "ledger.duckdb"
    names = ["jan-2026", "feb-2026"]
    with AuditStore(store) as ledger_store:
        for name in names:
            ledger_store.set_budget(name, 2.5)

    def release(_):
        try:
            auditor.audit(cubes, **PRIVATE, epsilon=1.0, store=store, dataset_name=names)
        except BudgetExceededError:
            return False
        return True

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(release, range(4)))
    assert sorted(outcomes) == [False, False, True, True]
    with AuditStore(store) as ledger_store:
        assert [ledger_store.budget(n).spent_epsilon for n in names] == [2.0, 2.0]
