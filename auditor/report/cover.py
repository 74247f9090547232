"""The cover page and the table of contents.

In DP mode the cover prints no exact row count: only the released noisy total.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer, TableStyle
from reportlab.platypus.tableofcontents import TableOfContents

from .. import narrative
from ..engagement import ENGAGEMENT_FIELDS
from ..findings import estimated_attributes
from .context import ReportContext
from .fonts import BODY
from .tables import grid_table
from .text import esc, fmt_count, is_defined

__all__ = [
    "MECHANISM_NAMES",
    "cover",
    "mode_text",
    "report_title",
    "signature_block",
    "table_of_contents",
]

MECHANISM_NAMES = {
    "laplace": "discrete Laplace (pure ε-DP)",
    "discrete_laplace": "discrete Laplace (pure ε-DP)",
    "gaussian": "discrete Gaussian (zCDP, converted to (ε, δ)-DP)",
    "discrete_gaussian": "discrete Gaussian (zCDP, converted to (ε, δ)-DP)",
}


def report_title(document: Mapping[str, Any], title: str | None = None) -> str:
    """The model / data set name shown on the cover and in the running header."""
    if title:
        return title
    if document.get("title"):
        return str(document["title"])
    dataset = document.get("dataset") or {}
    source = PurePath(str(dataset.get("source") or "uploaded data")).name
    columns = document.get("columns") or {}
    if columns.get("prediction"):
        model = str(columns["prediction"])
    elif columns.get("score"):
        model = f"{columns['score']} ≥ {columns.get('threshold')}"
    else:
        model = "model"
    return f"{model} on {source}"


def mode_text(document: Mapping[str, Any]) -> str:
    privacy = document.get("privacy") or {}
    if privacy.get("mode") != "dp":
        return "exact (no noise; every count is the true count)"
    mechanism = str(privacy.get("mechanism", "unknown mechanism"))
    if privacy.get("guarantee"):  # what is actually spent, e.g. δ from choosing the groups
        return "; ".join(
            [
                f"differentially private: {privacy['guarantee']}",
                f"counts: {MECHANISM_NAMES.get(mechanism, mechanism)}",
                *([f"neighbours: {privacy['neighbours']}"] if privacy.get("neighbours") else []),
            ]
        )
    parts = [
        f"differentially private: {MECHANISM_NAMES.get(mechanism, mechanism)}",
        f"ε = {privacy.get('epsilon', 'n/a'):g}"
        if is_defined(privacy.get("epsilon"))
        else "ε = n/a",
    ]
    if is_defined(privacy.get("delta")):
        parts.append(f"δ = {float(privacy['delta']):g}")
    if privacy.get("neighbours"):
        parts.append(f"neighbours: {privacy['neighbours']}")
    return "; ".join(parts)


def _facts_table(ctx: ReportContext, facts: list[tuple[str, str]]) -> Flowable:
    rows = [[Paragraph("<b>Item</b>", ctx.styles.head), Paragraph("<b>Value</b>", ctx.styles.head)]]
    rows += [
        [Paragraph(label, ctx.styles.cell_bold), Paragraph(value, ctx.styles.cell)]
        for label, value in facts
    ]
    return grid_table(rows, widths=[28, 72], frame_width=ctx.frame_width)


def _rows_fact(ctx: ReportContext) -> str:
    dataset = ctx.document.get("dataset") or {}
    if ctx.private:
        overall = (ctx.document.get("overall") or {}).get("n")
        noisy = (
            f"; released noisy total of rows used: {fmt_count(overall, private=True)}"
            if is_defined(overall)
            else ""
        )
        return f"exact row counts are not published in DP mode{noisy}"
    parts = [
        f"{fmt_count(dataset.get('rows'), private=False)} read",
        f"{fmt_count(dataset.get('rows_used'), private=False)} used",
        f"{fmt_count(dataset.get('rows_excluded'), private=False)} excluded",
    ]
    exclusions = dataset.get("exclusions") or {}
    reasons = [
        f"{esc(k.replace('_', ' '))}: {fmt_count(v, private=False)}"
        for k, v in exclusions.items()
        if is_defined(v)
    ]
    return ", ".join(parts) + (f" ({'; '.join(reasons)})" if reasons else "")


def cover(ctx: ReportContext, *, title: str | None = None) -> list[Flowable]:
    document = ctx.document
    dataset = document.get("dataset") or {}
    columns = document.get("columns") or {}
    options = document.get("options") or {}
    tool = document.get("tool") or {}
    outcome = esc(
        columns.get("prediction") or f"{columns.get('score')} ≥ {columns.get('threshold')}"
    )
    positive = columns.get("positive_label")
    if ctx.private:  # no hash, path or other function of the rows in a DP report
        identity = [
            ("Data set", esc(dataset.get("source") or "unnamed data set")),
            ("Release id", esc((document.get("privacy") or {}).get("release_id") or "n/a")),
        ]
    else:
        identity = [
            ("Data set", esc(dataset.get("source", "n/a"))),
            ("Fingerprint (SHA-256)", esc(dataset.get("sha256", "n/a"))),
            ("Fingerprint method", esc(dataset.get("fingerprint_method", "SHA-256"))),
        ]
    engagement = [
        (label, esc(value))
        for field, label in ENGAGEMENT_FIELDS.items()
        if (value := (document.get("engagement") or {}).get(field))
    ]
    facts = [
        *engagement,
        *identity,
        ("Rows", _rows_fact(ctx)),
        (
            "Label / prediction",
            f"{esc(columns.get('label', 'n/a'))} / {outcome}"
            + (f" (positive label: {esc(positive)})" if positive is not None else "")
            + (
                f" (positive prediction: {esc(columns['positive_prediction'])})"
                if columns.get("positive_prediction") is not None
                else ""
            ),
        ),
        ("Score", esc(columns.get("score") or "none")),
        (
            "Protected attributes",
            esc(
                ", ".join(
                    f"{a} (estimated)" if a in estimated_attributes(document) else str(a)
                    for a in columns.get("protected", [])
                )
                or "n/a"
            ),
        ),
        ("Mode", esc(mode_text(document))),
        ("Output specification", esc((document.get("policy") or {}).get("name") or "none applied")),
        ("Minimum group size", f"{ctx.min_group_size} (smaller groups are flagged)"),
        ("Confidence level", f"{100 * float(options.get('confidence', 0.95)):g}%"),
        ("Audit date", esc(document.get("created_at", "n/a"))),
        ("Tool", esc(f"{tool.get('name', 'auditor')} {tool.get('version', '')}".strip())),
    ]
    flow: list[Flowable] = [
        Spacer(1, 40),
        Paragraph("Fairness audit of model outputs", ctx.styles.title),
        Paragraph(esc(report_title(document, title)), ctx.styles.subtitle),
        Paragraph(esc(narrative.verdict_sentence(document)), ctx.styles.verdict),
        _facts_table(ctx, facts),
        Spacer(1, 10),
        ctx.p(
            "This report measures how the model's <i>outputs</i> — its decisions and their "
            "errors — differ across protected groups. It does not inspect the model's inputs "
            "or internals: an output specification is what an auditor can check.",
            "small",
        ),
    ]
    if engagement:
        flow += signature_block(ctx)
    if ctx.private:
        flow.append(
            ctx.p(
                "<b>Differential privacy.</b> Every count in this report is a released "
                "noisy count; see “Privacy statement”.",
                "small",
            )
        )
    return flow


def signature_block(ctx: ReportContext) -> list[Flowable]:
    """Lines for the auditor's signature, name and date (printed when engagement details are
    given: the report is then one to file)."""
    auditor = esc((ctx.document.get("engagement") or {}).get("auditor") or "")
    line = "_" * 34
    rows = [
        [Paragraph("<b>Signature</b>", ctx.styles.cell_bold), Paragraph(line, ctx.styles.cell)],
        [
            Paragraph("<b>Name</b>", ctx.styles.cell_bold),
            Paragraph(auditor or line, ctx.styles.cell),
        ],
        [Paragraph("<b>Date</b>", ctx.styles.cell_bold), Paragraph(line, ctx.styles.cell)],
    ]
    return [Spacer(1, 8), grid_table(rows, widths=[28, 72], frame_width=ctx.frame_width)]


def table_of_contents(ctx: ReportContext) -> list[Flowable]:
    toc = TableOfContents(
        dotsMinLevel=0,
        tableStyle=TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), BODY),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        ),
    )
    toc.levelStyles = list(ctx.styles.toc)
    # Not the H1 style: the contents page does not list itself.
    title = ParagraphStyle("ContentsTitle", parent=ctx.styles.h1)
    return [PageBreak(), Paragraph("Contents", title), toc]
