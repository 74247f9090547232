"""The PDF worker process: ``python -m auditor.report.worker`` builds PDFs on request.

Charts are drawn by vl-convert (Rust and V8) and pages laid out by ReportLab; a panic in the
former aborts the whole process, and pathological text can make the latter run for minutes.
So the dashboard and the CLI never build a PDF in their own process: :mod:`auditor.report`
sends the audit document here (JSON over stdin, see :mod:`auditor.worker`) and gets the PDF's
bytes back, or a clear error if this process crashed, ran out of time or of memory.
"""

from __future__ import annotations

import json

from ..worker import serve
from .request import decode_options

__all__ = ["handle"]


def handle(payload: bytes) -> bytes:
    """Build the PDF a request describes (see ``auditor.report._request``)."""
    from . import build_audit_pdf_here, build_baseline_pdf_here
    from .templates import build_template_pdf_here

    request = json.loads(payload.decode("utf-8"))
    options = decode_options(request["options"])
    if request["kind"] == "audit":
        return build_audit_pdf_here(request["document"], **options)
    if request["kind"] == "templates":
        return build_template_pdf_here(request["document"], **options)
    return build_baseline_pdf_here(request["document"], **options)


if __name__ == "__main__":
    serve(handle)
