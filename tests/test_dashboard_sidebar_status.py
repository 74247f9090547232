"""The sidebar says which data is loaded on the same run that loads it (it lagged one run)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
COMPAS = ROOT / "sample_data" / "compas_predictions.csv"


@pytest.fixture(autouse=True)
def _private_store(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDITOR_STORE", str(tmp_path / "audits.duckdb"))
    monkeypatch.delenv("AUDITOR_SAMPLE", raising=False)


def _sidebar_text(at: AppTest) -> str:
    return "\n".join(c.value for c in at.sidebar.caption)


def test_sidebar_names_the_upload_on_the_run_that_audits_it():
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert "No data loaded." in _sidebar_text(at)
    at.switch_page("pages/upload.py").run()
    at.file_uploader(key="upload_file").set_value(
        ("compas_predictions.csv", COMPAS.read_bytes(), "text/csv")
    ).run()
    at.button(key="run_audit").click().run()
    assert any("Audited 6,172 rows" in s.value for s in at.success)
    text = _sidebar_text(at)
    assert "No data loaded." not in text
    assert "compas_predictions.csv" in text and "6,172 rows audited" in text
