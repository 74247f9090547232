"""Engagement details (organisation, case number, auditor, audited party, model, report date):
entered once, printed on the PDF cover with a signature block, kept in the JSON."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from auditor.engagement import Engagement, load_engagement, with_engagement
from auditor.errors import InputError
from auditor.report import audit_pdf_bytes

from .cli_run import run_cli

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
COMPAS = ROOT / "sample_data" / "compas_predictions.csv"

DETAILS = {
    "organisation": "State Consumer Protection Office",
    "case_reference": "CP-2026-0147",
    "auditor": "J. Rivera",
    "audited_party": "Acme Lending LLC",
    "model": "credit approval model v3",
    "report_date": "2026-12-01",
}


@pytest.fixture(autouse=True)
def _private_store(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDITOR_STORE", str(tmp_path / "audits.duckdb"))
    monkeypatch.delenv("AUDITOR_SAMPLE", raising=False)


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages[:2])


def test_details_are_validated_with_messages_that_name_the_fix():
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        Engagement(report_date="01/12/2026")
    with pytest.raises(InputError, match="unknown engagement field"):
        Engagement.from_mapping({"organization": "x"})
    assert Engagement(auditor="  J.   Rivera ").auditor == "J. Rivera"
    assert with_engagement({"a": 1}, Engagement()) == {"a": 1}


def test_the_cover_lists_the_details_and_a_signature_block(compas_audit):
    document = with_engagement(compas_audit.to_dict(), Engagement(**DETAILS))
    text = _pdf_text(audit_pdf_bytes(document, charts=False))
    for value in DETAILS.values():
        assert value in text
    assert "Signature" in text and "Case / reference number" in text
    plain = _pdf_text(audit_pdf_bytes(compas_audit.to_dict(), charts=False))
    assert "Signature" not in plain


def test_cli_engagement_file_goes_into_json_and_a_bad_file_fails_first(tmp_path):
    details = tmp_path / "engagement.toml"
    details.write_text("".join(f'{k} = "{v}"\n' for k, v in DETAILS.items()), encoding="utf-8")
    assert load_engagement(details).case_reference == "CP-2026-0147"
    command = ["audit", str(COMPAS), "--label", "two_year_recid"]
    command += ["--prediction", "high_risk", "--protected", "race", "--quiet"]
    done = run_cli(*command, "--engagement", str(details), "--json", "-")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["engagement"] == DETAILS
    bad = tmp_path / "bad.toml"
    bad.write_text('report_date = "yesterday"\n', encoding="utf-8")
    done = run_cli(*command, "--engagement", str(bad))
    assert done.returncode == 2 and "YYYY-MM-DD" in done.stderr
    assert "Traceback" not in done.stderr


def test_report_page_keeps_the_details_for_the_session():
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.button(key="load_compas").click().run()
    at.switch_page("pages/report.py").run()
    at.text_input(key="engagement_case_reference").input("CP-2026-0147").run()
    at.text_input(key="engagement_report_date").input("not a date").run()
    assert any("YYYY-MM-DD" in e.value for e in at.error)
    at.text_input(key="engagement_report_date").input("2026-12-01").run()
    assert not at.error
    at.switch_page("pages/history.py").run()
    at.switch_page("pages/report.py").run()
    assert at.text_input(key="engagement_case_reference").value == "CP-2026-0147"
    assert at.session_state["engagement"]["report_date"] == "2026-12-01"
