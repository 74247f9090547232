"""release_cube: one release over a public group domain, with its accounting stated in the JSON."""

from __future__ import annotations

import pandas as pd
import pytest

import auditor
from auditor.cube import build_cube
from auditor.engine import connect
from auditor.errors import PrivacyError
from auditor.ingest import ColumnMapping, open_source
from auditor.privacy import OTHER, release_cube

from .conftest import COMPAS_PREDICTIONS

RACES = ["African-American", "Caucasian", "Hispanic", "Other", "Asian", "Native American"]
COMPAS = dict(label="two_year_recid", prediction="high_risk")


def _cube(protected=("race", "sex"), max_finest_cells=10**9):
    con = connect()
    source = open_source(COMPAS_PREDICTIONS, connection=con)
    mapping = ColumnMapping(protected=protected, **COMPAS)
    return build_cube(source, mapping, max_finest_cells=max_finest_cells)


def test_privacy_section_states_mechanism_unit_and_neighbours():
    result = auditor.audit(
        COMPAS_PREDICTIONS, protected=["race"], epsilon=1.0, categories={"race": RACES}, **COMPAS
    )
    privacy = result.to_dict()["privacy"]
    assert privacy["mode"] == "dp" and privacy["mechanism"] == "laplace"
    assert privacy["epsilon"] == 1.0 and privacy["delta"] == 0.0
    assert privacy["guarantee"] == "ε = 1, δ = 0 (pure ε-DP)"
    assert privacy["scale"] == pytest.approx(1.0)
    assert privacy["neighbours"] == "add/remove one row"
    assert privacy["privacy_unit"] == "one row (one person)"
    assert privacy["sensitivity"] == {"l1": 1}
    assert privacy["private"] is True and "warning" not in privacy
    assert result.to_dict()["options"]["interval_method"] == "dp_noise_aware_score"


def test_gaussian_release_converts_zcdp_to_approximate_dp():
    result = auditor.audit(
        COMPAS_PREDICTIONS,
        protected=["sex"],
        epsilon=1.0,
        delta=1e-6,
        mechanism="gaussian",
        categories={"sex": ["Male", "Female"]},
        **COMPAS,
    )
    privacy = result.to_dict()["privacy"]
    assert privacy["mechanism"] == "gaussian" and privacy["sensitivity"] == {"l2": 1}
    assert privacy["delta"] == 1e-6 and 4.0 < privacy["scale"] < 5.0


def test_seeded_noise_is_labelled_not_private_and_reproducible():
    first = auditor.audit(
        COMPAS_PREDICTIONS,
        protected=["sex"],
        epsilon=1.0,
        seed=3,
        categories={"sex": ["Male", "Female"]},
        **COMPAS,
    ).to_dict()
    second = auditor.audit(
        COMPAS_PREDICTIONS,
        protected=["sex"],
        epsilon=1.0,
        seed=3,
        categories={"sex": ["Male", "Female"]},
        **COMPAS,
    ).to_dict()
    assert first["privacy"]["private"] is False
    assert "NOT private" in first["privacy"]["warning"]
    assert first["breakdowns"] == second["breakdowns"]


def test_declared_absent_category_gets_a_noisy_count_and_undeclared_rows_are_not_counted():
    cube = _cube(("race",))
    declared = ["African-American", "Caucasian", "Martian"]  # Hispanic, Other, … undeclared
    noisy, privacy = release_cube(cube, epsilon=2.0, categories={"race": declared}, seed=1)
    table = noisy.counts(("race",)).set_index("race")
    assert list(table.index) == sorted(declared)  # two or more declared values: no (other)
    assert abs(table.loc["Martian", "n"]) < 40  # no rows: pure noise, still reported
    exact = cube.counts(("race",)).set_index("race")["n"]
    assert abs(noisy.counts(()).loc[0, "n"] - exact[["African-American", "Caucasian"]].sum()) < 40
    assert privacy["group_domain"]["source"] == "declared"
    assert privacy["group_domain"]["levels"]["race"] == declared


def test_declaring_other_keeps_a_catch_all_group_for_undeclared_values():
    cube = _cube(("race",))
    declared = ["African-American", "Caucasian", OTHER]
    noisy, privacy = release_cube(cube, epsilon=2.0, categories={"race": declared}, seed=1)
    table = noisy.counts(("race",)).set_index("race")
    exact = cube.counts(("race",)).set_index("race")["n"]
    pooled = exact.drop(["African-American", "Caucasian"]).sum()
    assert abs(table.loc[OTHER, "n"] - pooled) < 40  # undeclared rows did not vanish
    assert privacy["group_domain"]["levels"]["race"] == declared


def test_undeclared_attributes_alone_go_through_partition_selection():
    noisy, privacy = release_cube(
        _cube(), epsilon=1.0, categories={"sex": ["Male", "Female"]}, seed=4
    )
    domain = privacy["group_domain"]
    assert domain["source"] == "declared_and_selected"
    assert domain["levels"]["sex"] == ["Male", "Female"]  # as declared, no (other)
    assert domain["levels"]["race"][-1] == OTHER  # selected, with a pool for the rest
    assert privacy["partition_selection"]["attributes"] == ["race"]
    assert privacy["delta"] == 1e-6
    assert privacy["guarantee"] == "ε = 1, δ = 1e-6 from choosing the groups"
    assert set(noisy.counts(("sex",))["sex"]) == {"Male", "Female"}


def test_categories_must_name_protected_attributes():
    with pytest.raises(PrivacyError, match="not a protected attribute"):
        release_cube(_cube(), epsilon=1.0, categories={"race": RACES, "sex": ["M"], "age": ["1"]})
    with pytest.raises(PrivacyError, match="are empty"):
        release_cube(_cube(), epsilon=1.0, categories={"race": []})


def test_partition_selection_spends_delta_and_pools_small_groups():
    cube = _cube(("race",))
    noisy, privacy = release_cube(cube, epsilon=1.0, seed=8)
    selection = privacy["partition_selection"]
    assert privacy["group_domain"]["source"] == "partition_selection"
    assert privacy["delta"] == selection["delta"] == 1e-6
    assert privacy["guarantee"] == "ε = 1, δ = 1e-6 from choosing the groups"
    assert selection["epsilon"] == pytest.approx(0.25) and privacy[
        "cells_epsilon"
    ] == pytest.approx(0.75)
    levels = privacy["group_domain"]["levels"]["race"]
    # 3175 and 2103 rows: far above the threshold; 11 Native Americans: far below
    assert {"African-American", "Caucasian"} <= set(levels) and "Native American" not in levels
    assert levels[-1] == OTHER and selection["selected_values"]["race"] == len(levels) - 1
    assert set(noisy.counts(("race",))["race"]) == set(levels)


def test_gaussian_needs_delta_and_budget_needs_a_store():
    with pytest.raises(PrivacyError, match="needs --delta"):
        release_cube(_cube(), epsilon=1.0, mechanism="gaussian")
    with pytest.raises(PrivacyError, match="pass --store DB"):
        release_cube(_cube(), epsilon=1.0, privacy_budget=2.0)
    with pytest.raises(PrivacyError, match="between 0 and 1"):
        release_cube(_cube(), epsilon=1.0, delta=2.0)


def test_grouping_sets_cube_is_refused_with_the_fix():
    cube = _cube(max_finest_cells=0)
    assert cube.cells is None
    with pytest.raises(PrivacyError, match="too many groups"):
        release_cube(cube, epsilon=1.0, categories={"race": RACES, "sex": ["Male", "Female"]})


def test_a_duckdb_relation_can_use_the_ledger_keyed_by_its_content(tmp_path):
    con = connect()
    relation = con.sql(f"SELECT * FROM read_csv('{COMPAS_PREDICTIONS}')")
    result = auditor.audit(
        relation,
        protected=["sex"],
        epsilon=1.0,
        store=tmp_path / "s.duckdb",
        privacy_budget=2.0,
        connection=con,
        **COMPAS,
    )
    assert result.privacy["ledger"]["spent_epsilon"] == 1.0
    # the same rows from the file are the same data set: one budget
    again = auditor.audit(
        COMPAS_PREDICTIONS, protected=["sex"], epsilon=1.0, store=tmp_path / "s.duckdb", **COMPAS
    )
    assert again.privacy["ledger"]["dataset"] == result.privacy["ledger"]["dataset"]
    assert again.privacy["ledger"]["remaining_epsilon"] == pytest.approx(0.0)


def test_noisy_cube_holds_no_exact_totals():
    cube = _cube(("sex",))
    noisy, _ = release_cube(cube, epsilon=1.0, categories={"sex": ["Male", "Female"]}, seed=2)
    assert noisy.rows == int(noisy.cells["n"].sum())
    assert noisy.rows_excluded == 0 and noisy.exclusions == {} and not noisy.has_score
    assert noisy.is_private and isinstance(noisy.cells, pd.DataFrame)
