"""Every file of the hostile-input corpus, uploaded through the dashboard: an audit or one
clear st.error, never an exception or a traceback on the page."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
CORPUS = sorted((ROOT / "tests" / "corpus" / "files").iterdir())


@pytest.fixture(autouse=True)
def _private_store(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDITOR_STORE", str(tmp_path / "audits.duckdb"))


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_hostile_upload_gives_an_audit_or_a_clear_error(path):
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.switch_page("pages/upload.py").run()
    at.file_uploader(key="upload_file").set_value(
        (path.name, path.read_bytes(), "text/plain")
    ).run()
    assert not at.exception, [e.value for e in at.exception]
    if at.error:  # refused when reading: one message that says why, not an unexpected error
        assert all("cannot be audited" in e.value for e in at.error)
        assert not any("it could not be read (" in e.value for e in at.error), at.error
        return
    columns = at.selectbox(key="map_label").options
    if {"y", "p", "g"} <= set(columns):
        at.selectbox(key="map_label").set_value("y")
        at.radio(key="map_mode").set_value("Prediction column").run()
        at.selectbox(key="map_prediction").set_value("p")
        at.multiselect(key="map_protected").set_value(["g"])
    at.button(key="run_audit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.success or at.error
    for error in at.error:
        # either the audit ran into a clear input error, or the page asked for the one thing
        # the values do not say (which outcome is favourable) before running it
        assert error.value.startswith(
            ("The audit could not run: ", "The audit needs to know which outcome")
        )
        assert "Traceback" not in error.value
        assert "an unexpected" not in error.value, error.value
