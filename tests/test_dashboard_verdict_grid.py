"""One-glance verdicts: every check × breakdown as PASS / FAIL / NOT EVALUABLE, coloured, with the
groups not judged listed beside it, and a headline that agrees with the grid."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import auditor
from dashboard.tables import VERDICT_COLOURS, groups_not_judged, verdict_grid, verdict_style

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
COMPAS = ROOT / "sample_data" / "compas_predictions.csv"


@pytest.fixture(autouse=True)
def _private_store(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDITOR_STORE", str(tmp_path / "audits.duckdb"))
    monkeypatch.delenv("AUDITOR_SAMPLE", raising=False)


def test_grid_has_one_cell_per_check_and_breakdown_with_three_outcomes():
    policy = {
        "checks": [
            {"description": "impact ratio ≥ 0.8", "by": ["race"], "outcome": "fail"},
            {"description": "impact ratio ≥ 0.8", "by": ["sex"], "outcome": "pass"},
            {
                "description": "FNR difference ≤ 0.1",
                "by": ["sex"],
                "outcome": "not_evaluable",
                "skipped_groups": [{"sex": "X"}],
            },
        ]
    }
    grid = verdict_grid(policy)
    assert grid.loc["impact ratio ≥ 0.8", "race"] == "FAIL"
    assert grid.loc["impact ratio ≥ 0.8", "sex"] == "PASS"
    assert grid.loc["FNR difference ≤ 0.1", "sex"] == "NOT EVALUABLE"
    assert grid.loc["FNR difference ≤ 0.1", "race"] == "—"
    assert groups_not_judged(policy) == ["sex: X"]
    assert verdict_style("FAIL") == VERDICT_COLOURS["FAIL"] != verdict_style("PASS")


def test_grid_matches_the_audit_json_on_compas():
    result = auditor.audit(
        COMPAS,
        label="two_year_recid",
        prediction="high_risk",
        protected=["race", "sex"],
        policy=ROOT / "sample_data" / "policy.toml",
    )
    policy = result.to_dict()["policy"]
    grid = verdict_grid(policy)
    for check in policy["checks"]:
        column = " × ".join(check["by"])
        assert grid.loc[check["description"], column] == check["outcome"].replace(
            "_", " "
        ).upper().replace("NOT EVALUABLE", "NOT EVALUABLE")
    assert "race: Native American" in groups_not_judged(policy)


def test_disparities_page_shows_the_grid_and_a_headline_that_agrees():
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.button(key="load_compas").click().run()
    assert not at.exception
    grid = at.dataframe[0].value
    assert "FAIL" in grid.values and "PASS" in grid.values
    headline = at.markdown[0].value
    assert ("FAIL" in headline) == ("FAIL" in grid.values)
    assert any("Not judged" in c.value and "Native American" in c.value for c in at.caption)
