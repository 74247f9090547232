"""The Templates page (AppTest): LL144 and UGESP tables, PDF and CSV downloads."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
HIRING = ROOT / "sample_data" / "hiring.csv"


@pytest.fixture(autouse=True)
def _private_store(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDITOR_STORE", str(tmp_path / "audits.duckdb"))
    monkeypatch.delenv("AUDITOR_SAMPLE", raising=False)


def _hiring_loaded() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=90).run()
    at.switch_page("pages/upload.py").run()
    at.file_uploader(key="upload_file").set_value(
        ("hiring.csv", HIRING.read_bytes(), "text/csv")
    ).run()
    at.selectbox(key="map_label").set_value("hired").run()
    at.selectbox(key="map_prediction").set_value("selected").run()
    at.multiselect(key="map_protected").set_value(["sex", "race_ethnicity"]).run()
    at.selectbox(key="map_score").set_value("score").run()
    at.button(key="run_audit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    at.switch_page("pages/templates.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _downloads(at: AppTest) -> list[str]:
    return [element.proto.label for element in at.get("download_button")]


def test_templates_page_without_data_points_to_upload():
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.switch_page("pages/templates.py").run()
    assert not at.exception
    assert any("No data is loaded" in info.value for info in at.info)


def test_ll144_selection_and_scoring_tables_on_the_hiring_sample():
    at = _hiring_loaded()
    assert any("does not give legal advice" in info.value for info in at.info)
    at.checkbox(key="template_exclude").check().run()
    at.button(key="template_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    tables = [t.value for t in at.table]
    sex = next(t for t in tables if "Female" in t.index)
    assert sex.loc["Female", "\\# Selected"] == 185 and sex.loc["Female", "Impact ratio"] == "0.715"
    race = next(t for t in tables if "Asian" in t.index and "Asian Female" not in t.index)
    assert race.loc["Native Hawaiian or Other Pacific Islander", "Impact ratio"].startswith(
        "excluded"
    )
    assert any("would be the comparison" in c.value for c in at.caption)
    labels = _downloads(at)
    assert "Download this section as PDF" in labels and labels.count("CSV of this table") == 3

    at.radio(key="template_kind").set_value("Scoring tool (score above the sample's median)").run()
    at.button(key="template_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    fields = at.table[0].value
    assert "56.9" in fields["Value"].tolist()  # the median score of the sample
    sex = next(t for t in (t.value for t in at.table) if "Female" in t.index)
    assert sex.loc["Female", "Scoring rate"] == "42.0%"


def test_ugesp_with_job_group_strata_shows_the_pooled_table():
    at = _hiring_loaded()
    at.radio(key="template_choice").set_value("EEOC / OFCCP adverse-impact battery").run()
    assert "job_group" in at.multiselect(key="template_strata").options
    at.multiselect(key="template_strata").set_value(["job_group"]).run()
    at.button(key="template_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    headers = [h.value for h in at.subheader]
    assert "sex — stratum Engineering" in headers
    assert "Pooled over strata (job_group)" in headers
    pooled = at.table[-1].value
    assert pooled.loc[("sex", "Female"), "Comparison"] == "Male"
    assert "CSV of the pooled table" in _downloads(at)


def test_a_bundled_sample_is_found_again_for_strata():
    at = AppTest.from_file(str(APP), default_timeout=90).run()
    at.button(key="load_compas").click().run()
    at.switch_page("pages/templates.py").run()
    at.radio(key="template_choice").set_value("EEOC / OFCCP adverse-impact battery").run()
    strata = at.multiselect(key="template_strata")
    assert "c_charge_degree" in strata.options and "race" not in strata.options
    strata.set_value(["c_charge_degree"]).run()
    at.button(key="template_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert "race — stratum F" in [h.value for h in at.subheader]
