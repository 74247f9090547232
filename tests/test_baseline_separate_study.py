"""Input vs output is a study on its own data, not part of the audit: the page says so, the
Report page leaves it out of the audit PDF unless asked, and the PDF chapter says so too."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import auditor
from auditor.report import audit_pdf_bytes

from .test_report_baseline import HAND_MADE, _text

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"


@pytest.fixture(autouse=True)
def _private_store(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDITOR_STORE", str(tmp_path / "audits.duckdb"))
    monkeypatch.delenv("AUDITOR_SAMPLE", raising=False)


def test_the_baseline_page_says_it_is_a_separate_study_on_its_own_data():
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.switch_page("pages/baseline.py").run()
    assert not at.exception
    info = " ".join(i.value for i in at.info)
    assert "A separate study on its own data" in info
    assert "not part of this audit" in info


def test_the_report_page_leaves_the_study_out_unless_asked():
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.button(key="load_compas").click().run()
    at.session_state["baseline_document"] = HAND_MADE
    at.switch_page("pages/report.py").run()
    assert not at.exception, [e.value for e in at.exception]
    box = at.checkbox(key="report_include_study")
    assert box.value is False
    assert "not on the audited data" in box.proto.help


def test_the_pdf_chapter_says_the_study_is_not_part_of_the_audit():
    document = auditor.audit(
        str(ROOT / "sample_data" / "compas_predictions.csv"),
        label="two_year_recid",
        prediction="high_risk",
        protected="sex",
    ).to_dict()
    with_study = _text(audit_pdf_bytes(document, baseline=HAND_MADE, charts=False))
    assert "Input restriction study (a separate study on its own data)" in with_study
    assert "Not part of this audit." in with_study
    without = _text(audit_pdf_bytes(document, charts=False))
    assert "Input restriction study" not in without


def test_the_navigation_puts_the_study_outside_the_audit_section():
    import ast

    tree = ast.parse((ROOT / "app.py").read_text())
    sections = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and isinstance(value, ast.List):
                    sections[key.value] = ast.unparse(value)
    assert "pages/baseline.py" not in sections["Audit"]
    assert "pages/baseline.py" in sections["Separate study"]
