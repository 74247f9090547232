"""The Compare page (AppTest): COMPAS, decile ≥ 5 (production) against decile ≥ 7 (candidate)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from auditor.compare import compare

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
COMPAS = ROOT / "sample_data" / "compas_predictions.csv"


@pytest.fixture(autouse=True)
def _private_store(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDITOR_STORE", str(tmp_path / "audits.duckdb"))
    monkeypatch.delenv("AUDITOR_SAMPLE", raising=False)


def _compare_page() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    at.button(key="load_compas").click().run()
    at.switch_page("pages/compare.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_paired_compas_thresholds_with_the_bundled_gate():
    at = _compare_page()
    assert at.number_input(key="cmp_baseline_threshold").value == 5.0
    assert at.number_input(key="cmp_candidate_threshold").value == 7.0
    at.button(key="cmp_run_paired").click().run()
    assert not at.exception, [e.value for e in at.exception]
    expected = compare(
        COMPAS,
        label="two_year_recid",
        protected=["race", "sex", "age_cat"],
        score="decile_score",
        baseline_threshold=5,
        candidate_threshold=7,
        policy=ROOT / "sample_data" / "compare_gate.toml",
    ).to_dict()
    outcome = {"pass": "PASS", "fail": "FAIL", "not_evaluable": "NOT EVALUABLE"}[
        expected["policy"]["outcome"]
    ]
    document = at.session_state["cmp_result"]
    # the outputs name the data by its file name, never by a server path
    assert document["dataset"]["source"] == "compas_predictions.csv"
    assert "/" not in document["baseline"]["source"]
    banners = [b.value for b in (*at.success, *at.error, *at.warning)]
    assert f"Release gate: {outcome}" in banners
    verdicts = at.table[0].value
    assert len(verdicts) == len(expected["policy"]["checks"])
    summary = at.table[1].value
    race = next(b for b in expected["breakdowns"] if b["by"] == ["race"])
    dpd = race["summary"]["demographic_parity_difference"]
    row = summary.loc["Demographic parity difference"]
    assert row["baseline"] == f"{dpd['baseline']:.3f}"
    assert row["change [95% interval]"].startswith(f"{dpd['change']:+.3f} [")
    groups = at.table[2].value
    black = next(g for g in race["groups"] if g["key"]["race"] == "African-American")
    selection = black["metrics"]["selection_rate"]
    assert groups.loc["African-American"]["baseline"] == f"{100 * selection['baseline']:.1f}%"
    assert groups.loc["African-American"]["candidate"] == f"{100 * selection['candidate']:.1f}%"
    low, high = selection["interval"]
    assert groups.loc["African-American"]["change [95% interval]"] == (
        f"{100 * selection['change']:+.1f} pp [{100 * low:+.1f}, {100 * high:+.1f}]"
    )


def test_unpaired_needs_two_files_and_a_bad_gate_is_an_error_not_a_crash():
    at = _compare_page()
    at.radio(key="cmp_mode").set_value("Two saved audits (unpaired)").run()
    assert at.button(key="cmp_run_unpaired").disabled
    at.radio(key="cmp_mode").set_value("Two decisions in the loaded file (paired)").run()
    at.text_area(key="cmp_gate").set_value(
        "[[checks]]\nmetric = 'selection_rate'\nrule = 'no_worse_than_baseline'\n"
    ).run()
    at.button(key="cmp_run_paired").click().run()
    assert not at.exception
    assert any("no better or worse direction" in e.value for e in at.error)
