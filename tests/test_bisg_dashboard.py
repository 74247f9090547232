"""Dashboard with estimated race: the Upload page offers BISG when surname and ZIP columns
exist, and pages say "estimated" wherever race appears (Streamlit AppTest, real audit)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import auditor
from dashboard.bisg import suggest_bisg_columns

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
SAMPLE = ROOT / "sample_data" / "bisg_applicants.csv"


@pytest.fixture(autouse=True)
def _private_store(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDITOR_STORE", str(tmp_path / "audits.duckdb"))
    monkeypatch.delenv("AUDITOR_SAMPLE", raising=False)


def test_bisg_columns_are_suggested_by_name():
    found = suggest_bisg_columns(["id", "Last_Name", "first_name", "zip_code", "approved"])
    assert (found.surname, found.zip, found.first_name) == ("Last_Name", "zip_code", "first_name")
    assert found.spec_text() == "surname=Last_Name,zip=zip_code,first_name=first_name"
    assert suggest_bisg_columns(["surname", "sex", "approved"]) is None  # no ZIP: no offer


def _with_audit() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    frame = pd.read_csv(SAMPLE, dtype={"zip": str}).drop(columns="true_race")
    result = auditor.audit(
        frame, label="repaid", prediction="approved", bisg="surname=last_name,zip=zip"
    )
    at.session_state["audit"] = result
    at.session_state["dataset"] = {"name": "applicants", "vocabulary": "generic", "sample": None}
    at.session_state["references"] = {"race": result.breakdown("race").reference["race"]}
    at.session_state["views"] = {}
    return at


def test_disparities_page_says_race_is_estimated():
    at = _with_audit()
    at.switch_page("pages/disparities.py").run()
    assert not at.exception, [e.value for e in at.exception]
    warnings = " ".join(w.value for w in at.warning)
    assert "Race is estimated" in warnings and "2010 Census" in warnings
    assert "understate" in warnings.lower()
    assert any("race (estimated)" in s.value for s in at.subheader)
    assert at.selectbox(key="disp_attribute").format_func("race") == "race (estimated)"
    people = pd.read_csv(SAMPLE, dtype={"zip": str})
    shown = " ".join(
        str(e.value) for e in [*at.markdown, *at.caption, *at.warning, *at.subheader, *at.title]
    )
    shown += " ".join(str(t.value.to_csv()) for t in at.table)
    for name in people["last_name"].head(50):
        assert name not in shown and name.upper() not in shown


def test_upload_page_offers_bisg_and_runs_it():
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    at.switch_page("pages/upload.py").run()
    at.file_uploader(key="upload_file").set_value(
        ("applicants.csv", SAMPLE.read_bytes(), "text/csv")
    ).run()
    assert not at.exception, [e.value for e in at.exception]
    at.selectbox(key="map_label").set_value("repaid")
    at.radio(key="map_mode").set_value("Prediction column").run()
    at.selectbox(key="map_prediction").set_value("approved")
    at.multiselect(key="map_protected").set_value([])
    offer = at.checkbox(key="map_bisg")
    assert offer.label == "Estimate race from surname and ZIP code"
    offer.check().run()
    assert at.selectbox(key="map_bisg_surname").value == "last_name"
    assert at.selectbox(key="map_bisg_zip").value == "zip"
    assert at.selectbox(key="map_bisg_first").value == "first_name"
    at.button(key="run_audit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.success, [e.value for e in at.error]
    result = at.session_state["audit"]
    assert result.estimated["race"]["method"] == "BIFSG"
    assert list(result.mapping.protected) == ["race"]


def _shown(at: AppTest) -> str:
    return " ".join(str(e.value) for e in [*at.warning, *at.info, *at.markdown, *at.caption])


def test_privacy_page_says_race_is_estimated_and_dp_intervals_lack_proxy_uncertainty():
    at = _with_audit()
    at.switch_page("pages/privacy.py").run()
    assert not at.exception, [e.value for e in at.exception]
    warnings = " ".join(w.value for w in at.warning)
    assert "Race is estimated" in warnings and "understate" in warnings.lower()
    assert "not the uncertainty of the estimated race" in warnings
    assert at.checkbox(key="dp_declare_race").label == "Declare race (estimated)"
    assert at.multiselect(key="dp_values_race").label == "Public values of race (estimated)"
    at.text_input(key="dp_dataset_name").input("applicants").run()
    at.button(key="dp_release").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.success, [e.value for e in at.error]
    assert at.selectbox(key="dp_attribute").format_func("race") == "race (estimated)"
    private = " ".join(w.value for w in at.warning)
    assert "Intervals of this private release carry the noise and sampling error only" in private


def test_scores_page_says_race_is_estimated_and_why_there_are_no_score_analyses():
    at = _with_audit()
    at.switch_page("pages/scores.py").run()
    assert not at.exception, [e.value for e in at.exception]
    warnings = " ".join(w.value for w in at.warning)
    assert "Race is estimated" in warnings and "score analyses" in warnings
    assert "has no score column" not in _shown(at)


def test_report_page_says_race_is_estimated():
    at = _with_audit()
    at.switch_page("pages/report.py").run()
    assert not at.exception, [e.value for e in at.exception]
    warnings = " ".join(w.value for w in at.warning)
    assert "Race is estimated" in warnings and "2010 Census" in warnings
    assert "Intervals include the uncertainty of the estimate" in warnings
    assert "protected: race (estimated)" in " ".join(c.value for c in at.caption)
    assert "People who took a fallback: surname not in the Census list" in warnings


def test_pages_without_estimated_race_say_nothing_about_it():
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    result = auditor.audit(
        ROOT / "sample_data" / "compas_predictions.csv",
        label="two_year_recid",
        prediction="high_risk",
        protected=["race"],
    )
    at.session_state["audit"] = result
    at.session_state["dataset"] = {"name": "compas", "vocabulary": "generic", "sample": None}
    at.session_state["references"] = {}
    at.session_state["views"] = {}
    for page in ("pages/privacy.py", "pages/scores.py", "pages/report.py"):
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert "estimated" not in _shown(at).lower(), page
