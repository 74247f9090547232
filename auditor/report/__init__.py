"""The audit PDF: a report a regulator can file, built from the audit JSON (audit-v1).

>>> import auditor
>>> from auditor.report import audit_pdf_bytes
>>> result = auditor.audit("predictions.csv", label="y", prediction="y_hat",
...                        protected=["race"])                      # doctest: +SKIP
>>> pdf = audit_pdf_bytes(result.to_dict(), vocabulary="compas")   # doctest: +SKIP

Inputs are plain dicts — ``AuditResult.to_dict()`` or a saved ``--json`` file — so a PDF can be
made later from the JSON alone. In DP mode the report prints only what the document holds (the
released noisy counts), never exact row counts.

Modules: ``cover`` (cover page, contents), ``summary`` (verdict, findings, small groups),
``breakdowns`` (per-attribute and intersection tables and charts), ``baseline`` (the
input-restriction study), ``appendix`` (privacy statement, methodology), ``tables``, ``figures``
(Altair → PNG via vl-convert), ``text`` (escaping, number formats), ``styles``, ``fonts``,
``document`` (page templates, headers, "page X of Y", metadata, the build).

Errors::

    AuditorError (auditor.errors)
    └── ReportError          the document cannot be rendered (wrong schema, unwritable path)
        ├── FontMissingError DejaVu Sans is not installed (Debian: fonts-dejavu-core)
        └── RenderFailedError the PDF worker crashed, ran out of time or out of memory

Isolation: the public functions build the PDF in a worker process (``isolation``, ``worker``)
with a time and memory limit, so a native crash in the chart renderer or a pathological layout
costs one PDF, never the server. Text from the data is bounded first (``bounded``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..atomic import write_atomic
from ..narrative import Vocabulary
from ..worker import WorkerError, WorkerRaised
from .appendix import methodology, privacy_statement
from .baseline import baseline_section, check_baseline
from .bounded import bound_document, bound_text, bounding_note
from .breakdowns import attribute_sections, intersection_sections
from .context import new_context, resolve_vocabulary
from .cover import cover, report_title, table_of_contents
from .document import PdfMetadata, build_pdf
from .errors import FontMissingError, RenderFailedError, ReportError
from .estimated import estimated_method
from .fonts import register_fonts
from .summary import executive_summary
from .templates import template_chapter, template_methodology

__all__ = [
    "FontMissingError",
    "RenderFailedError",
    "ReportError",
    "audit_pdf_bytes",
    "baseline_pdf_bytes",
    "template_pdf_bytes",
    "write_audit_pdf",
    "write_baseline_pdf",
]

AUDIT_SCHEMA = "auditor/audit-v1"
WRONG_AUDIT = (
    "the audit document has schema {schema!r}, not 'auditor/audit-v1': pass "
    "AuditResult.to_dict() or the JSON written by `auditor audit … --json`"
)


def audit_pdf_bytes(
    document: Mapping[str, Any],
    *,
    baseline: Mapping[str, Any] | None = None,
    vocabulary: str | Vocabulary | None = None,
    title: str | None = None,
    charts: bool = True,
) -> bytes:
    """The audit report as PDF bytes, built in a worker process (see the module docstring).

    Parameters
    ----------
    document : audit-v1 dict (``AuditResult.to_dict()``).
    baseline : optional baseline-v1 dict; adds the input-restriction study.
    vocabulary : a name in ``auditor.narrative.VOCABULARIES`` ("compas", "adult", "generic")
        or a ``Vocabulary``, used for the plain-language findings.
    title : model / data set name for the cover (default: prediction column on file name).
    charts : draw the charts (tables are always there).
    """
    _check_audit(document)
    if baseline is not None:
        check_baseline(baseline)
    resolve_vocabulary(vocabulary)  # an unknown name fails here, not in the worker
    register_fonts()  # so does a missing font
    options = {"baseline": baseline, "vocabulary": vocabulary, "title": title, "charts": charts}
    return _in_worker("audit", document, options)


def _check_audit(document: Any) -> None:
    if not isinstance(document, Mapping) or document.get("schema") != AUDIT_SCHEMA:
        schema = document.get("schema") if isinstance(document, Mapping) else type(document)
        raise ReportError(WRONG_AUDIT.format(schema=schema))


RENDER_FAILED = (
    "the PDF could not be built: the renderer {what}. The audit itself is not affected (its "
    "JSON and the dashboard's tables are complete); try again, or build the PDF without charts"
)
_ERRORS = {cls.__name__: cls for cls in (ReportError, FontMissingError)}


def _in_worker(kind: str, document: Mapping[str, Any], options: dict[str, Any]) -> bytes:
    from .isolation import render_pool
    from .request import encode_options

    request = {"kind": kind, "document": document, "options": encode_options(options)}
    payload = json.dumps(request, default=str).encode("utf-8", "surrogatepass")
    try:
        return render_pool().call(payload)
    except WorkerRaised as error:
        cls = _ERRORS.get(error.kind)
        if cls is None:
            raise RuntimeError(f"the PDF worker failed: {error.kind}: {error.message}") from None
        raise cls(error.message) from None
    except WorkerError as error:
        raise RenderFailedError(RENDER_FAILED.format(what=str(error))) from None


def template_pdf_bytes(document: Mapping[str, Any], *, title: str | None = None) -> bytes:
    """The regulatory templates' chapter (tables, summary fields, formulas, notice) as a PDF
    of its own, built in a worker process; ``document`` is an audit-v1 dict with "ll144"
    and/or "ugesp" keys."""
    _check_audit(document)
    return _in_worker("templates", document, {"title": title})


def build_audit_pdf_here(
    document: Mapping[str, Any],
    *,
    baseline: Mapping[str, Any] | None = None,
    vocabulary: str | Vocabulary | None = None,
    title: str | None = None,
    charts: bool = True,
) -> bytes:
    """:func:`audit_pdf_bytes` in this process (the worker calls it; nothing else should)."""
    _check_audit(document)
    if baseline is not None:
        check_baseline(baseline)
    bounded = bound_document(document)
    document = bounded.document
    baseline = bound_document(baseline).document if baseline is not None else None
    title = bound_text(title) if title else title
    ctx = new_context(document, vocabulary=vocabulary, charts=charts)
    note = bounding_note(bounded)
    story = [
        *cover(ctx, title=title),
        *([ctx.plain(note, "small")] if note else []),
        *table_of_contents(ctx),
        *executive_summary(ctx),
        *attribute_sections(ctx),
        *intersection_sections(ctx),
        *template_chapter(ctx),
    ]
    if baseline is not None:
        story += baseline_section(ctx, baseline)
    story += privacy_statement(ctx)
    story += estimated_method(ctx)
    story += methodology(ctx)
    story += template_methodology(ctx)
    dataset = document.get("dataset") or {}
    sha = str(dataset.get("sha256", ""))
    name = report_title(document, title)
    private = ctx.private
    meta = PdfMetadata(
        title=f"Fairness audit: {name}",
        subject="Group-fairness audit of model outputs"
        + (" (differentially private)" if private else " (exact)"),
        keywords=[
            "fairness audit",
            "output specification",
            "differential privacy" if private else "exact",
            # a DP report carries no hash of the data (a hash is a function of every row)
            *([f"sha256:{sha}"] if sha and not private else []),
        ],
        header=f"Fairness audit · {name}",
        footer=(
            f"DP release {str((document.get('privacy') or {}).get('release_id', ''))[:12]} · "
            f"{document.get('created_at', '')}"
            if private
            else f"data SHA-256 {sha[:16]}… · exact · {document.get('created_at', '')}"
        ),
        created_at=document.get("created_at"),
    )
    return build_pdf(story, meta=meta)


def baseline_pdf_bytes(
    baseline: Mapping[str, Any], *, title: str | None = None, charts: bool = True
) -> bytes:
    """The input-restriction study alone as PDF bytes (baseline-v1 dict), built in a worker."""
    check_baseline(baseline)
    register_fonts()
    return _in_worker("baseline", baseline, {"title": title, "charts": charts})


def build_baseline_pdf_here(
    baseline: Mapping[str, Any], *, title: str | None = None, charts: bool = True
) -> bytes:
    """:func:`baseline_pdf_bytes` in this process (the worker calls it)."""
    check_baseline(baseline)
    baseline = bound_document(baseline).document
    title = bound_text(title) if title else title
    ctx = new_context(baseline, vocabulary=None, charts=charts)
    protected = str(baseline.get("protected", "protected attribute"))
    name = title or str(baseline.get("title") or f"dropping {protected} from the inputs")
    from reportlab.platypus import Paragraph, Spacer

    from .text import esc

    story = [
        Spacer(1, 40),
        Paragraph("Input restriction study", ctx.styles.title),
        Paragraph(esc(name), ctx.styles.subtitle),
        *baseline_section(ctx, baseline, standalone=True),
    ]
    source = (
        (baseline.get("dataset") or {}).get("sha256")
        if isinstance(baseline.get("dataset"), Mapping)
        else None
    )
    meta = PdfMetadata(
        title=f"Input restriction study: {name}",
        subject="Does restricting a model's inputs make its outputs fair?",
        keywords=["fairness", "input restriction", "proxies"]
        + ([f"sha256:{source}"] if source else []),
        header=f"Input restriction study · {name}",
        footer=f"protected attribute: {protected}",
        created_at=baseline.get("created_at"),
    )
    return build_pdf(story, meta=meta)


CANNOT_WRITE = "cannot write the PDF to {path!r}: {reason}; choose a writable path"


def _target(out: str | os.PathLike[str]) -> Path:
    """The output path, checked before the (slow) build."""
    path = Path(out)
    if not path.parent.is_dir():
        raise ReportError(CANNOT_WRITE.format(path=str(path), reason="its folder does not exist"))
    return path


def _write(data: bytes, path: Path) -> Path:
    try:
        write_atomic(path, data)
    except OSError as error:
        raise ReportError(CANNOT_WRITE.format(path=str(path), reason=error.strerror)) from error
    return path


def write_audit_pdf(
    document: Mapping[str, Any], out: str | os.PathLike[str], **options: Any
) -> Path:
    """Write the audit report to ``out``; options as in :func:`audit_pdf_bytes`."""
    path = _target(out)
    return _write(audit_pdf_bytes(document, **options), path)


def write_baseline_pdf(
    document: Mapping[str, Any], out: str | os.PathLike[str], **options: Any
) -> Path:
    """Write the input-restriction study (baseline-v1 dict) to ``out``."""
    path = _target(out)
    return _write(baseline_pdf_bytes(document, **options), path)
