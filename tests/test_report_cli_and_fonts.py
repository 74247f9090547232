"""``auditor audit … --pdf OUT`` writes the report; a missing font names the package to install."""

from __future__ import annotations

import io
import json

import pypdf
import pytest

from auditor.cli import main
from auditor.report import FontMissingError, audit_pdf_bytes
from auditor.report.fonts import FONT_DIR_ENV

from .conftest import COMPAS_CLI

AUDIT = ["audit", *COMPAS_CLI, "--quiet"]


def test_cli_writes_the_pdf_and_keeps_its_exit_code(tmp_path):
    out = tmp_path / "audit.pdf"
    json_out = tmp_path / "audit.json"
    code = main(
        [*AUDIT, "--policy", "sample_data/policy.toml", "--pdf", str(out), "--json", str(json_out)]
    )
    assert code == 1  # the sample fails its policy: the PDF does not change the exit code
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    sha = json.loads(json_out.read_text())["dataset"]["sha256"]
    assert sha in pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()


def test_cli_without_policy_exits_zero(tmp_path):
    out = tmp_path / "audit.pdf"
    assert main([*AUDIT, "--pdf", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF")


def test_saved_json_makes_the_same_pdf(tmp_path):
    """A report can be made later from the saved JSON alone."""
    json_out = tmp_path / "audit.json"
    main([*AUDIT, "--json", str(json_out)])
    document = json.loads(json_out.read_text())
    assert audit_pdf_bytes(document, charts=False) == audit_pdf_bytes(document, charts=False)


def test_unwritable_output_is_a_usage_error(tmp_path, capsys):
    code = main([*AUDIT, "--pdf", str(tmp_path / "missing-dir" / "audit.pdf")])
    assert code == 2
    assert "cannot write the PDF" in capsys.readouterr().err
    assert not (tmp_path / "missing-dir").exists()


def test_missing_font_names_the_debian_package(tmp_path, monkeypatch):
    monkeypatch.setenv(FONT_DIR_ENV, str(tmp_path))
    with pytest.raises(FontMissingError, match="fonts-dejavu-core") as error:
        audit_pdf_bytes({"schema": "auditor/audit-v1"})
    assert str(tmp_path / "DejaVuSans.ttf") in str(error.value)


def test_cli_dp_audit_writes_a_private_report(tmp_path):
    out = tmp_path / "dp.pdf"
    assert main([*AUDIT, "--epsilon", "1", "--pdf", str(out)]) == 0
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(out).pages)
    assert "Privacy statement" in text and "add/remove one row" in text
    # the cover states the file's rows only in exact mode (the noisy total may equal it by
    # chance, so the search for exact counts is in test_report_dp_no_exact_counts.py)
    assert "exact row counts are not published in DP mode" in text
    assert "6,172 read" not in text


def test_cli_vocabulary_words_the_pdf_for_the_data_set(tmp_path):
    texts = {}
    for vocabulary in ("generic", "compas"):
        out = tmp_path / f"{vocabulary}.pdf"
        code = main([*AUDIT, "--no-intersections", "--pdf", str(out), "--vocabulary", vocabulary])
        assert code == 0
        texts[vocabulary] = " ".join(p.extract_text() for p in pypdf.PdfReader(out).pages)
    assert "did not re-offend" in texts["compas"]
    assert "did not re-offend" not in texts["generic"]
