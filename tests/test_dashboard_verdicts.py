"""Issue #11's hand-computed fixture through the dashboard (AppTest): the verdict table shows
FAIL, PASS and NOT EVALUABLE, the small group left out, and the impact ratios."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from . import fixture_verdicts as fx

APP = Path(__file__).resolve().parent.parent / "app.py"


@pytest.fixture(autouse=True)
def _private_store(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDITOR_STORE", str(tmp_path / "audits.duckdb"))
    monkeypatch.delenv("AUDITOR_SAMPLE", raising=False)


def test_fixture_verdicts_and_impact_ratios_on_the_disparities_page():
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.switch_page("pages/upload.py").run()
    csv = fx.frame().to_csv(index=False).encode()
    at.file_uploader(key="upload_file").set_value(("fixture.csv", csv, "text/csv")).run()
    at.selectbox(key="map_label").set_value("outcome").run()
    at.selectbox(key="map_prediction").set_value("decision").run()
    at.multiselect(key="map_protected").set_value(["grp"]).run()
    at.button(key="run_audit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    at.switch_page("pages/disparities.py").run()
    at.text_area(key="policy_editor").set_value(fx.POLICY_TEXT).run()
    at.button(key="apply_policy").click().run()
    assert not at.exception, [e.value for e in at.exception]
    tables = [table.value for table in at.table]
    verdicts = next(t for t in tables if t.index.name == "verdict")
    assert list(verdicts.index) == ["FAIL", "PASS", "NOT EVALUABLE"]
    assert list(verdicts["not judged (too small)"])[:2] == ["D", "D"]
    assert "undefined for D" in verdicts["reason"].iloc[2]
    groups = next(t for t in tables if "impact ratio (÷ highest)" in t.columns)
    ratios = groups["impact ratio (÷ highest)"].to_dict()
    assert ratios["B"] == "1 (highest)" and ratios["A"].startswith("0.67")
    assert groups["short of 4/5"].to_dict()["A"] == "10"
    text = "\n".join(str(m.value) for m in at.markdown)
    assert "NOT EVALUABLE" in text or "could not be evaluated" in text
    assert "Holm-adjusted" in text


def test_upload_without_an_outcome_column_audits_selection_rates():
    from dashboard.mapping import NO_LABEL

    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.switch_page("pages/upload.py").run()
    csv = fx.frame(with_label=False).to_csv(index=False).encode()
    at.file_uploader(key="upload_file").set_value(("hires.csv", csv, "text/csv")).run()
    at.selectbox(key="map_label").set_value(NO_LABEL).run()
    at.selectbox(key="map_prediction").set_value("decision").run()
    at.multiselect(key="map_protected").set_value(["grp"]).run()
    at.button(key="run_audit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Audited 205 rows" in s.value for s in at.success)
    at.switch_page("pages/disparities.py").run()
    assert not at.exception, [e.value for e in at.exception]
    groups = next(t.value for t in at.table if "impact ratio (÷ highest)" in t.value.columns)
    assert groups["impact ratio (÷ highest)"].to_dict()["A"].startswith("0.67")
    assert not any("false positive" in column for column in groups.columns)
    assert at.selectbox(key="disp_metric").value == "selection_rate"
    assert len(at.selectbox(key="disp_metric").options) == 1
    for page in ("intersections", "scores", "report"):
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, (page, [e.value for e in at.exception])
