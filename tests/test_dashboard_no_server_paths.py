"""Reports name the data by the file the user uploaded, never by a path on the server.

An upload is saved in the session's private folder (``…/auditor-session-…/uploads/…``); the
audit JSON and PDF used to carry that path, and the bundled samples and the baseline study
carried the checkout's path.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from auditor.samples import get_sample

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
COMPAS = ROOT / "sample_data" / "compas_predictions.csv"


@pytest.fixture(autouse=True)
def _private_store(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDITOR_STORE", str(tmp_path / "audits.duckdb"))
    monkeypatch.delenv("AUDITOR_SAMPLE", raising=False)


def test_an_uploaded_file_is_named_by_its_own_name_in_json_and_pdf():
    from auditor.report import audit_pdf_bytes

    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.switch_page("pages/upload.py").run()
    at.file_uploader(key="upload_file").set_value(
        ("german predictions.csv", COMPAS.read_bytes(), "text/csv")
    ).run()
    at.button(key="run_audit").click().run()
    assert not at.exception
    workspace = at.session_state["workspace"].directory
    document = at.session_state["audit"].to_dict()
    assert document["dataset"]["source"] == "german predictions.csv"
    text = json.dumps(document)
    assert str(workspace) not in text and "auditor-session-" not in text
    reader = PdfReader(io.BytesIO(audit_pdf_bytes(document, charts=False)))
    pdf_text = "\n".join(page.extract_text() for page in reader.pages)
    assert "german predictions.csv" in pdf_text
    assert "auditor-session-" not in pdf_text and "/uploads/" not in pdf_text


def test_bundled_samples_are_named_by_file_name_not_checkout_path():
    document = get_sample("compas").audit().to_dict()
    assert document["dataset"]["source"] == "compas_predictions.csv"
    assert str(ROOT) not in json.dumps(document)


def test_an_explicit_path_on_the_command_line_is_kept():
    import auditor

    result = auditor.audit(
        COMPAS, label="two_year_recid", prediction="high_risk", protected=["race"]
    )
    assert result.dataset.source == str(COMPAS)


def test_the_history_page_does_not_show_where_the_store_lives(tmp_path):
    """The History caption printed the store's path on the server (``/tmp/…/audits.duckdb``)."""
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.switch_page("pages/history.py").run()
    assert not at.exception
    shown = " ".join(
        str(element.value)
        for kind in ("caption", "markdown", "info", "warning", "text")
        for element in getattr(at, kind)
    )
    assert "History" in shown or "store" in shown  # the page drew its text
    assert str(tmp_path) not in shown and "audits.duckdb" not in shown
