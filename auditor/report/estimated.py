"""The method section for estimated protected attributes (race by BISG/BIFSG)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer

from ..bisg.describe import ESTIMATOR_TEXT, FALLBACK_TEXT, FORMULAS, INTERVALS_TEXT, KNOWN_BIAS
from .context import ReportContext
from .tables import grid_table
from .text import esc, fmt_rate, fmt_ratio

__all__ = ["estimated_method", "estimated_note", "estimated_suffix"]


def _estimate(document: Mapping[str, Any]) -> Mapping[str, Any] | None:
    for breakdown in document.get("breakdowns", []):
        if isinstance(breakdown.get("estimated"), Mapping):
            return breakdown["estimated"]
    return None


def _trusted(estimate: Mapping[str, Any], key: str) -> str:
    """The method's fixed wording, looked up from the estimator/method names (the document's
    long strings are bounded before a report is built, so they are not reprinted from it)."""
    method, estimator = str(estimate.get("method")), str(estimate.get("estimator"))
    table = {
        "formula": FORMULAS.get(method),
        "known_bias": KNOWN_BIAS.get(estimator),
        "estimator_description": ESTIMATOR_TEXT.get(estimator),
        "fallback_rules": FALLBACK_TEXT,
    }
    return table.get(key) or str(estimate.get(key, ""))


def _intervals(document: Mapping[str, Any]) -> str:
    """What the intervals carry: a private release's do not carry the proxy's uncertainty."""
    privacy = document.get("privacy")
    private = isinstance(privacy, Mapping) and privacy.get("mode") not in (None, "exact")
    return INTERVALS_TEXT["private" if private else "exact"]


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
            f"tables), not recorded. {esc(_trusted(estimate, 'known_bias'))} "
            "Group sizes are effective sizes (sums of probabilities). "
            f"{esc(_intervals(ctx.document))}",
            ctx.styles.note,
        )
    ]


def _comparison(ctx: ReportContext) -> list[Flowable]:
    """Both estimators side by side (``--bisg-estimator both``): selection rate by race."""
    comparison = ctx.document.get("bisg_comparison")
    if not isinstance(comparison, Mapping):
        return []
    weighted = next(
        (b for b in ctx.document.get("breakdowns", []) if b.get("by") == ["race"]), None
    )
    threshold = next((b for b in comparison.get("breakdowns", []) if b.get("by") == ["race"]), None)
    if weighted is None or threshold is None:
        return []

    def rates(breakdown: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
        found = {}
        for group in breakdown.get("groups", []):
            rate = (group.get("metrics") or {}).get("selection_rate")
            ratio = (group.get("ratio_to_reference") or {}).get("selection_rate")
            found[str(group["key"]["race"])] = (fmt_rate(rate), fmt_ratio(ratio))
        return found

    first, second = rates(weighted), rates(threshold)
    head = ["Race", "Weighted: selection rate", "ratio", "Threshold: selection rate", "ratio"]
    table = [[Paragraph(esc(h), ctx.styles.head) for h in head]]
    for race in sorted(set(first) | set(second)):
        values = [race, *first.get(race, ("—", "—")), *second.get(race, ("—", "—"))]
        table.append([Paragraph(esc(v), ctx.styles.cell) for v in values])
    return [
        ctx.p(
            "Both estimators, as asked for. Ratios are to each estimator's reference group. "
            f"{esc(KNOWN_BIAS['weighted'])} {esc(KNOWN_BIAS['threshold'])} When they disagree, "
            "the truth is usually at or beyond the threshold figure (see docs/bisg.md)."
        ),
        grid_table(table, widths=[28, 18, 18, 18, 18], frame_width=ctx.frame_width),
        Spacer(1, 8),
    ]


def estimated_method(ctx: ReportContext) -> list[Flowable]:
    """Formula, estimator, known bias, fallbacks and Census vintage."""
    estimate = _estimate(ctx.document)
    if estimate is None:
        return []
    rows = [
        ("Method", str(estimate.get("method"))),
        ("Formula", _trusted(estimate, "formula")),
        ("Census tables", str(estimate.get("vintage"))),
        *(
            (f"Table: {key.replace('_', ' ')}", str(value))
            for key, value in (estimate.get("tables") or {}).items()
        ),
        ("Estimator", _trusted(estimate, "estimator_description")),
        ("Known bias", _trusted(estimate, "known_bias")),
        ("Categories", ", ".join(estimate.get("categories") or [])),
        ("Fallback rules", _trusted(estimate, "fallback_rules")),
        ("Intervals", _intervals(ctx.document)),
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
            "appear nowhere in this report. " + _intervals(ctx.document)
        ),
        grid_table(table, widths=[30, 70], frame_width=ctx.frame_width),
        Spacer(1, 8),
        *_comparison(ctx),
    ]
