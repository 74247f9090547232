"""The method section for estimated protected attributes (race by BISG/BIFSG)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer

from .context import ReportContext
from .tables import grid_table
from .text import esc

__all__ = ["estimated_method", "estimated_note", "estimated_suffix"]


def _estimate(document: Mapping[str, Any]) -> Mapping[str, Any] | None:
    for breakdown in document.get("breakdowns", []):
        if isinstance(breakdown.get("estimated"), Mapping):
            return breakdown["estimated"]
    return None


def estimated_suffix(breakdown: Mapping[str, Any]) -> str:
    """' (race estimated by BISG)' for a breakdown over an estimated attribute, else ''."""
    estimate = breakdown.get("estimated")
    if not isinstance(estimate, Mapping):
        return ""
    return f" (race estimated by {estimate.get('method', 'BISG')})"


def estimated_note(ctx: ReportContext, breakdown: Mapping[str, Any]) -> list[Flowable]:
    """The warning printed next to every table over estimated race."""
    estimate = breakdown.get("estimated")
    if not isinstance(estimate, Mapping):
        return []
    return [
        Paragraph(
            f"<b>Race is estimated</b> ({esc(str(estimate.get('method')))}, "
            f"{esc(str(estimate.get('estimator')))} estimator, {esc(str(estimate.get('vintage')))} "
            f"tables), not recorded. {esc(str(estimate.get('known_bias', '')))} "
            "Group sizes are effective sizes (sums of probabilities).",
            ctx.styles.note,
        )
    ]


def estimated_method(ctx: ReportContext) -> list[Flowable]:
    """Formula, estimator, known bias, fallbacks and Census vintage."""
    estimate = _estimate(ctx.document)
    if estimate is None:
        return []
    rows = [
        ("Method", str(estimate.get("method"))),
        ("Formula", str(estimate.get("formula"))),
        ("Census tables", str(estimate.get("vintage"))),
        *(
            (f"Table: {key.replace('_', ' ')}", str(value))
            for key, value in (estimate.get("tables") or {}).items()
        ),
        ("Estimator", str(estimate.get("estimator_description"))),
        ("Known bias", str(estimate.get("known_bias"))),
        ("Categories", ", ".join(estimate.get("categories") or [])),
        ("Fallback rules", str(estimate.get("fallback_rules"))),
    ]
    fallbacks = estimate.get("fallbacks")
    if isinstance(fallbacks, Mapping):
        rows += [
            (f"Rows: {key.replace('_', ' ')}", f"{value:,}") for key, value in fallbacks.items()
        ]
    else:
        rows.append(("Fallback counts", str(estimate.get("fallbacks_omitted", "not reported"))))
    table = [[Paragraph("Item", ctx.styles.head), Paragraph("Value", ctx.styles.head)]]
    table += [
        [Paragraph(esc(k), ctx.styles.cell_bold), Paragraph(esc(v), ctx.styles.cell)]
        for k, v in rows
    ]
    return [
        PageBreak(),
        ctx.heading("Estimated race: method"),
        ctx.p(
            "The data does not record race. Each person's probability of belonging to each "
            "Census race and ethnicity category was estimated from their surname and ZIP code "
            "(Bayesian Improved Surname Geocoding; with a first name, BIFSG) using public Census "
            "tables. The surname, ZIP code and first name were used only for this estimate and "
            "appear nowhere in this report. Intervals on estimated groups include the "
            "uncertainty of the estimate (multiple imputation of race from each person's "
            "probabilities) as well as sampling error, but not the estimator's bias below."
        ),
        grid_table(table, widths=[30, 70], frame_width=ctx.frame_width),
        Spacer(1, 8),
    ]
