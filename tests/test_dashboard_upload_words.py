"""Upload page: the decision and outcome named in words, a numeric attribute offered in bands,
and the file with its mapping remembered across page switches."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
GERMAN = ROOT / "sample_data" / "german_credit_predictions.csv"


@pytest.fixture(autouse=True)
def _private_store(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDITOR_STORE", str(tmp_path / "audits.duckdb"))
    monkeypatch.delenv("AUDITOR_SAMPLE", raising=False)


def _text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += (
        [e.value for e in at.info] + [e.value for e in at.success] + [e.value for e in at.error]
    )
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", "\n".join(str(p) for p in parts))


def _uploaded(name: str = "german_credit_predictions_of_the_lender_2026.csv") -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=90).run()
    at.switch_page("pages/upload.py").run()
    at.file_uploader(key="upload_file").set_value((name, GERMAN.read_bytes(), "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_words_are_suggested_and_used_in_the_audit_and_its_tables():
    at = _uploaded()
    # the whole file is counted (the preview holds 500 rows), and named as uploaded
    assert "german_credit_predictions_of_the_lender_2026.csv** · 1,000 rows" in _text(at)
    assert at.selectbox(key="map_positive").value == "good"
    assert at.text_input(key="map_outcome_name").value == "good credit"
    assert at.radio(key="map_direction").value.startswith("favourable")
    at.text_input(key="map_decision_name").set_value("approved").run()
    at.text_input(key="map_not_decision").set_value("denied").run()
    at.text_input(key="map_people").set_value("applicants").run()
    at.multiselect(key="map_protected").set_value(["sex"]).run()
    at.button(key="run_audit").click().run()
    assert any("Audited 1,000 rows" in s.value for s in at.success), _text(at)
    result = at.session_state["audit"]
    assert result.vocabulary.predicted_negative == "were denied"
    assert result.options["decision_favourable"] is True

    at.switch_page("pages/disparities.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="disp_metric").value == "selection_rate"
    headers = list(at.table[0].value.columns)
    assert "approved (selection rate) (95% interval)" in headers, headers
    at.selectbox(key="disp_metric").set_value("fnr").run()
    assert "female applicants who had good credit were denied" in _text(at)


def test_a_numeric_attribute_is_offered_in_quartiles_computed_by_the_query():
    at = _uploaded()
    at.multiselect(key="map_protected").set_value(["sex", "age"]).run()
    assert at.selectbox(key="map_bin_age").value.startswith("quartiles")
    at.button(key="run_audit").click().run()
    groups = [g.key["age"] for g in at.session_state["audit"].breakdown("age").groups]
    assert len(groups) == 4 and groups[0].startswith("<") and groups[-1].endswith("+"), groups
    # the user's own edges
    at.selectbox(key="map_bin_age").set_value("bands at my edges").run()
    at.text_input(key="map_edges_age").set_value("25, 40, 60").run()
    at.button(key="run_audit").click().run()
    groups = [g.key["age"] for g in at.session_state["audit"].breakdown("age").groups]
    assert groups == ["<25", "25-39", "40-59", "60+"]
    at.text_input(key="map_edges_age").set_value("40, 25").run()
    at.button(key="run_audit").click().run()
    assert any("must increase" in e.value for e in at.error)


def test_the_file_and_mapping_survive_a_page_switch_and_the_mapping_can_change():
    at = _uploaded()
    at.text_input(key="map_decision_name").set_value("approved").run()
    at.multiselect(key="map_protected").set_value(["sex"]).run()
    at.button(key="run_audit").click().run()
    at.switch_page("pages/disparities.py").run()
    at.switch_page("pages/upload.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "german_credit_predictions_of_the_lender_2026.csv** is loaded (1,000 rows)" in _text(at)
    assert at.text_input(key="map_decision_name").value == "approved"
    assert at.multiselect(key="map_protected").value == ["sex"]
    # change the mapping without uploading again
    at.multiselect(key="map_protected").set_value(["sex", "foreign_worker"]).run()
    at.button(key="run_audit").click().run()
    assert any("Audited 1,000 rows" in s.value for s in at.success)
    assert at.session_state["audit"].mapping.protected == ("sex", "foreign_worker")
    assert at.session_state["dataset"]["name"] == "german_credit_predictions_of_the_lender_2026.csv"
    at.button(key="upload_forget").click().run()
    assert "inspection" not in at.session_state


def test_a_risk_flag_is_suggested_as_unfavourable():
    at = AppTest.from_file(str(APP), default_timeout=90).run()
    at.switch_page("pages/upload.py").run()
    data = (ROOT / "sample_data" / "compas_predictions.csv").read_bytes()
    at.file_uploader(key="upload_file").set_value(("compas.csv", data, "text/csv")).run()
    assert at.radio(key="map_direction").value.startswith("unfavourable")
    assert at.text_input(key="map_decision_name").value == "flagged high risk"


def test_the_user_sets_the_order_of_the_groups():
    at = _uploaded()
    at.multiselect(key="map_protected").set_value(["sex", "foreign_worker"]).run()
    at.checkbox(key="map_set_order").check().run()
    at.multiselect(key="map_order_foreign_worker").set_value(["yes", "no"]).run()
    at.button(key="run_audit").click().run()
    groups = at.session_state["audit"].breakdown("foreign_worker").groups
    assert [g.key["foreign_worker"] for g in groups] == ["yes", "no"]


def test_the_page_prints_no_stray_text():
    at = _uploaded()
    assert not any("widget values" in m.value for m in at.markdown)
