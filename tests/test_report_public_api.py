"""The report package's public surface is exactly these names (the CLI and dashboard use them)."""

from __future__ import annotations

import inspect

import auditor.report as report
from auditor.errors import AuditorError


def test_public_names_are_exactly_the_intended_ones():
    assert set(report.__all__) == {
        "FontMissingError",
        "RenderFailedError",
        "ReportError",
        "audit_pdf_bytes",
        "baseline_pdf_bytes",
        "template_pdf_bytes",
        "write_audit_pdf",
        "write_baseline_pdf",
    }


def test_errors_are_auditor_errors_so_the_cli_exits_2():
    assert issubclass(report.ReportError, AuditorError)
    assert issubclass(report.FontMissingError, report.ReportError)
    assert issubclass(report.RenderFailedError, report.ReportError)


def test_options_are_keyword_only():
    parameters = inspect.signature(report.audit_pdf_bytes).parameters
    assert [p for p in parameters.values() if p.kind is not p.KEYWORD_ONLY] == [
        parameters["document"]
    ]
    assert {"baseline", "vocabulary", "title", "charts"} <= set(parameters)
