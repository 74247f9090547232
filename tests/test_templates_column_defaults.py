"""The LL 144 template's sex and race/ethnicity columns default by their names, not by their
position among the protected attributes (COMPAS maps race first: it was offered as 'sex')."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.templates import ll144_column_guess

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _private_store(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDITOR_STORE", str(tmp_path / "audits.duckdb"))
    monkeypatch.delenv("AUDITOR_SAMPLE", raising=False)


def test_columns_are_guessed_by_name():
    assert ll144_column_guess(["race", "sex", "age_cat"]) == ("sex", "race")
    assert ll144_column_guess(["Gender", "Ethnicity"]) == ("Gender", "Ethnicity")
    assert ll144_column_guess(["job_group", "region"]) == (None, None)  # the user picks


def test_the_compas_sample_offers_sex_as_sex_and_race_as_race():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.button(key="load_compas").click().run()
    at.switch_page("pages/templates.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="template_sex").value == "sex"
    assert at.selectbox(key="template_race").value == "race"
