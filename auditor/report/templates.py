"""The regulatory templates' chapter (NYC LL144, EEOC/OFCCP battery) and their formulas.

Built from the audit JSON's ``"ll144"`` / ``"ugesp"`` keys. :func:`template_pdf_bytes` makes
the chapter on its own (with the formulas and the notice), for the dashboard's download.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Paragraph, Spacer

from ..templates.text import (
    LEGAL_NOTICE,
    TemplateTable,
    ll144_tables_text,
    pooled_frame,
    ugesp_tables_text,
)
from .context import ReportContext, new_context
from .tables import grid_table
from .text import esc

__all__ = [
    "build_template_pdf_here",
    "has_templates",
    "template_chapter",
    "template_methodology",
]


def has_templates(document: Mapping[str, Any]) -> bool:
    return bool(document.get("ll144") or document.get("ugesp"))


def _table(
    ctx: ReportContext,
    item: TemplateTable,
    *,
    widths: list[float],
    before: list[Flowable] | None = None,
) -> list[Flowable]:
    title, frame, notes = item
    rows = [[Paragraph(esc(c), ctx.styles.head) for c in frame.columns]]
    for record in frame.itertuples(index=False):
        rows.append(
            [
                Paragraph(
                    esc("" if pd.isna(v) else v), ctx.styles.cell if i else ctx.styles.cell_bold
                )
                for i, v in enumerate(record)
            ]
        )
    table = grid_table(rows, widths=widths[: len(frame.columns)], frame_width=ctx.frame_width)
    lead = [*(before or []), *([ctx.heading(title, 3)] if title else [])]
    flow: list[Flowable] = [KeepTogether([*lead, table])] if lead else [table]
    flow += [Paragraph(esc(n), ctx.styles.note) for n in notes]
    flow.append(Spacer(1, 6))
    return flow


def _summary_fields(ctx: ReportContext, ll144: Mapping[str, Any]) -> Flowable:
    kind = "Scoring tool (scoring rate: share scoring above the sample's median)"
    if ll144["kind"] == "selection":
        kind = "Selection tool (selection rate: share selected)"
    fields = [
        ("Audit date", ll144.get("audit_date")),
        ("Data source", ll144.get("data_source")),
        ("Tool distribution date", ll144.get("tool_distribution_date") or "not given"),
        ("Type of tool", kind),
        ("Applicants in the data", ll144.get("applicants")),
    ]
    if ll144.get("median_score") is not None:
        fields.append((f"Median score ({ll144.get('score_column')})", f"{ll144['median_score']:g}"))
    if ll144.get("excluded_under") is not None:
        fields.append(
            ("Categories excluded from impact ratios", f"under {ll144['excluded_under']:.0%}")
        )
    rows = [[Paragraph("Field", ctx.styles.head), Paragraph("Value", ctx.styles.head)]]
    rows += [
        [Paragraph(esc(k), ctx.styles.cell_bold), Paragraph(esc(v), ctx.styles.cell)]
        for k, v in fields
    ]
    return grid_table(rows, widths=[35, 65], frame_width=ctx.frame_width)


def _ll144_section(ctx: ReportContext, ll144: Mapping[str, Any]) -> list[Flowable]:
    flow: list[Flowable] = [
        ctx.heading("NYC Local Law 144 bias audit", 2),
        ctx.p(
            "Tables as 6 RCNY §5-301 lays them out, for sex, race/ethnicity and their "
            "intersection. The impact ratio divides each category's rate by the rate of the "
            "<b>most selected</b> category. Applicants whose category is unknown are counted "
            "and left out of the rates."
        ),
        _summary_fields(ctx, ll144),
        Spacer(1, 6),
    ]
    if ll144.get("exclusion_justification"):
        flow.append(ctx.p("<b>Exclusion.</b> " + esc(ll144["exclusion_justification"])))
    scoring = ll144["kind"] == "scoring"
    widths = [40, 14, 16, 15, 15] if scoring else [36, 13, 13, 19, 19]
    for item in ll144_tables_text(ll144):
        flow += _table(ctx, item, widths=widths)
    return flow


def _ugesp_section(ctx: ReportContext, ugesp: Mapping[str, Any]) -> list[Flowable]:
    flow: list[Flowable] = [
        ctx.heading("EEOC / OFCCP adverse-impact battery", 2),
        ctx.p(
            "Per breakdown, each category against the category with the highest selection "
            "rate (29 CFR 1607.4(D)): impact ratio with its 95% interval, the "
            "two-standard-deviation test (pooled two-proportion Z; * marks |Z| ≥ 1.96), "
            "Fisher's exact test, and the shortfall (additional selections needed to reach the "
            "comparison rate). " + esc(ugesp.get("fisher_rule", ""))
        ),
    ]
    widths = [21, 11, 10, 7, 8, 11, 8, 9, 6, 10]
    for item in ugesp_tables_text(ugesp):
        flow += _table(ctx, item, widths=widths)
    if ugesp.get("pooled"):
        frame = pooled_frame(ugesp)
        intro = [
            ctx.heading(f"Pooled over strata ({', '.join(ugesp['strata'])})", 3),
            ctx.p(
                "Cochran–Mantel–Haenszel test (continuity-corrected), Mantel–Haenszel common "
                "odds ratio (focal vs comparison; below 1: lower odds of selection) with its "
                "95% interval, Breslow–Day test of homogeneity, and the total shortfall "
                "Σ(E[a<sub>k</sub>] − a<sub>k</sub>) (negative: more selections than expected). "
                + esc(ugesp.get("breslow_day_caveat") or "")
            ),
        ]
        widths = [19, 16, 7, 8, 9, 7, 8, 10, 8, 9]
        for breakdown, part in frame.groupby("Breakdown", sort=False):
            title = f"Pooled: {breakdown}"
            flow += _table(
                ctx,
                (title, part.drop(columns="Breakdown"), []),
                widths=widths,
                before=intro,
            )
            intro = []
    return flow


def template_chapter(ctx: ReportContext) -> list[Flowable]:
    """The chapter with every template the document holds (nothing if it holds none)."""
    document = ctx.document
    if not has_templates(document):
        return []
    flow: list[Flowable] = [
        PageBreak(),
        ctx.heading("Regulatory templates"),
        ctx.p("<b>Notice.</b> " + esc(LEGAL_NOTICE)),
    ]
    if document.get("ll144"):
        flow += _ll144_section(ctx, document["ll144"])
    if document.get("ugesp"):
        flow += _ugesp_section(ctx, document["ugesp"])
    return flow


FORMULAS = [
    ("LL144 selection rate", "SR_c = selected_c / n_c (unknown category left out, counted)"),
    ("LL144 scoring rate", "ScR_c = #{i in c : score_i > M} / n_c, M = median of all scores"),
    ("LL144 impact ratio", "IR_c = rate_c / max_k rate_k over the included categories"),
    (
        "Impact ratio interval",
        "exp(log IR ± 1.96·√(1/x₁ − 1/n₁ + 1/x₂ − 1/n₂)) (Katz; with a zero count, 0.5 is "
        "added to each cell of the 2×2 table)",
    ),
    ("Two-SD test", "Z = (p₁ − p₂) / √(p̄(1 − p̄)(1/n₁ + 1/n₂)), p̄ = (x₁ + x₂)/(n₁ + n₂)"),
    ("Fisher's exact test", "two-sided, on the 2×2 table focal/comparison × selected/not"),
    ("Shortfall", "smallest k with (x₁ + k)/n₁ ≥ p₂ (to parity with the comparison rate)"),
    (
        "CMH",
        "χ²_MH = (|Σa_k − ΣE[a_k]| − ½)² / ΣV_k, E[a_k] = n₁ₖm₁ₖ/Nₖ, "
        "V_k = n₁ₖn₂ₖm₁ₖm₂ₖ/(Nₖ²(Nₖ − 1)); Z_MH = sign·√χ²_MH",
    ),
    (
        "MH odds ratio",
        "OR_MH = Σ(a_k d_k/N_k) / Σ(b_k c_k/N_k); interval: Robins–Breslow–"
        "Greenland variance of log OR_MH",
    ),
    (
        "Breslow–Day",
        "Σ (a_k − Â_k)² / Var(Â_k), Â_k fitted with margins fixed and OR = OR_MH; χ² with K − 1 df",
    ),
    ("Pooled shortfall", "Σ_k (E[a_k] − a_k)"),
]


def template_methodology(ctx: ReportContext) -> list[Flowable]:
    """The templates' formulas, for the methodology appendix."""
    if not has_templates(ctx.document):
        return []
    rows = [[Paragraph("Quantity", ctx.styles.head), Paragraph("Formula", ctx.styles.head)]]
    rows += [
        [Paragraph(esc(name), ctx.styles.cell_bold), Paragraph(esc(formula), ctx.styles.cell)]
        for name, formula in FORMULAS
    ]
    return [
        ctx.heading("Regulatory template formulas", 2),
        ctx.p(
            "a<sub>k</sub>, b<sub>k</sub>: focal group selected / not selected in stratum k; "
            "c<sub>k</sub>, d<sub>k</sub>: the comparison group's; n₁ₖ, n₂ₖ: the two groups' "
            "applicants; m₁ₖ, m₂ₖ: selected and not selected; N<sub>k</sub> the stratum's total. "
            "Strata without both groups, or where everyone or no one was selected, carry no "
            "information and are left out."
        ),
        grid_table(rows, widths=[25, 75], frame_width=ctx.frame_width),
        ctx.p("<b>Notice.</b> " + esc(LEGAL_NOTICE)),
    ]


def build_template_pdf_here(document: Mapping[str, Any], *, title: str | None = None) -> bytes:
    """The templates' chapter, formulas and notice as a PDF of their own, in this process
    (the PDF worker calls it; others call :func:`auditor.report.template_pdf_bytes`)."""
    from .bounded import bound_document, bound_text
    from .cover import report_title
    from .document import PdfMetadata, build_pdf

    document = bound_document(document).document
    title = bound_text(title) if title else title
    ctx = new_context(document, vocabulary=None, charts=False)
    name = report_title(document, title)
    story: list[Flowable] = [
        Paragraph("Regulatory templates", ctx.styles.title),
        Paragraph(esc(name), ctx.styles.subtitle),
        *template_chapter(ctx)[2:],
        *template_methodology(ctx),
    ]
    dataset = document.get("dataset") or {}
    sha = str(dataset.get("sha256", ""))
    meta = PdfMetadata(
        title=f"Regulatory templates: {name}",
        subject="NYC Local Law 144 / EEOC adverse-impact tables",
        keywords=["LL144", "adverse impact", f"sha256:{sha}"],
        header=f"Regulatory templates · {name}",
        footer=f"data SHA-256 {sha[:16]}… · {document.get('created_at', '')}",
        created_at=document.get("created_at"),
    )
    return build_pdf(story, meta=meta)
