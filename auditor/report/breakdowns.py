"""Per-attribute and intersection sections: tables with intervals, the dashboard's charts.

In DP mode they print only what the document holds (its counts are the released noisy
counts); rates too noisy to read print as "not estimable at this ε".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, PageBreak, Paragraph, Spacer

from .. import charts
from ..heatmap_cells import worst_cell_sentence
from ..metrics import SUMMARY_DEFINITIONS
from ..rate_definitions import SUMMARY_NAMES
from ..vocabulary import impact_ratio_words, metric_label
from .context import ReportContext
from .estimated import estimated_note, estimated_suffix
from .figures import chart_image
from .tables import (
    grid_table,
    group_rate_table,
    impact_ratio_table,
    intersection_table,
    is_suppressed,
    ratio_table,
)
from .text import clamp, esc, fmt_count, fmt_number, group_name, is_defined

__all__ = [
    "MAX_CHART_GROUPS",
    "attribute_sections",
    "chart_block",
    "for_display",
    "intersection_sections",
]

_SUMMARY_SHORT = {key: name[0].upper() + name[1:] for key, name in SUMMARY_NAMES.items()}


def _summary_table(ctx: ReportContext, breakdown: Mapping[str, Any]) -> Flowable:
    """Summaries over all groups (as fairlearn computes them) and over groups with enough data."""
    summary = breakdown.get("summary") or {}
    keys = [k for k in SUMMARY_DEFINITIONS if k in summary] or list(summary)
    variants = [("All groups", summary)]
    if breakdown.get("summary_sufficient_data") is not None:
        variants.append(("Groups with enough data", breakdown["summary_sufficient_data"]))
    rows = [
        [Paragraph("", ctx.styles.head)]
        + [Paragraph(esc(_SUMMARY_SHORT.get(k, k)), ctx.styles.head) for k in keys]
    ]
    for label, values in variants:
        shown = [values.get(k) for k in keys]
        if ctx.private:  # noisy rates can leave [0, 1]; every summary lies in it: clamp for display
            shown = [_shown(v, 1.0) for v in shown]
        rows.append(
            [Paragraph(label, ctx.styles.cell)]
            + [Paragraph(fmt_number(v), ctx.styles.cell) for v in shown]
        )
    return grid_table(rows, widths=[1.1] + [1] * len(keys), frame_width=ctx.frame_width)


def _comparison_text(breakdown: Mapping[str, Any]) -> str:
    comparison = breakdown.get("impact_ratio_comparison")
    if not comparison:
        return "no group has enough data and a selection rate above 0"
    return "here " + esc(", ".join(f"{k} = {v}" for k, v in comparison.items()))


def _reference_text(breakdown: Mapping[str, Any]) -> str:
    reference = breakdown.get("reference") or {}
    rule = breakdown.get("reference_rule")
    text = esc(", ".join(f"{k} = {v}" for k, v in reference.items()) or "none")
    return text + (f" ({esc(rule)})" if rule else "")


def chart_block(
    ctx: ReportContext, chart: Any, caption: str, height_share: float = 0.42
) -> list[Flowable]:
    image = chart_image(
        chart, max_width=ctx.frame_width, max_height=ctx.frame_height * height_share
    )
    return [KeepTogether([image, Paragraph(caption, ctx.styles.caption)])]


def _has_values(breakdown: Mapping[str, Any], metric: str, field: str = "metrics") -> bool:
    """Whether any non-reference group has a defined ``field[metric]`` (a chart has data)."""
    return any(
        is_defined((g.get(field) or {}).get(metric))
        for g in breakdown.get("groups", [])
        if field == "metrics" or not g.get("is_reference")
    )


def _shown(value: Any, high: float) -> Any:
    if isinstance(value, list | tuple):
        return [_shown(v, high) for v in value]
    return clamp(float(value), 0.0, high) if is_defined(value) else None


def for_display(breakdown: Mapping[str, Any]) -> dict[str, Any]:
    """A copy for the charts: DP 'not estimable' rates undefined (left out), noisy rates
    clamped to [0, 1] and ratios to ≥ 0. Exact documents pass through unchanged in value."""
    groups = []
    for group in breakdown.get("groups", []):
        hidden = set(group.get("not_estimable") or ())
        shown = dict(group)
        for field, high in (
            ("metrics", 1.0),
            ("intervals", 1.0),
            ("ratio_to_reference", math.inf),
            ("ratio_intervals", math.inf),
        ):
            shown[field] = {
                k: (None if k in hidden else _shown(v, high))
                for k, v in (group.get(field) or {}).items()
            }
        groups.append(shown)
    return {**breakdown, "groups": groups}


MAX_CHART_GROUPS = 40
"""More groups than this make a per-group chart unreadable on a page: the table stands alone."""


def _too_many(ctx: ReportContext, count: int) -> list[Flowable]:
    return [
        Paragraph(
            f"Charts omitted: {count} groups are too many to read on a page; the "
            "tables above hold every figure.",
            ctx.styles.caption,
        )
    ]


def _attribute_charts(ctx: ReportContext, breakdown: Mapping[str, Any]) -> list[Flowable]:
    if len(breakdown.get("groups", [])) > MAX_CHART_GROUPS:
        return _too_many(ctx, len(breakdown["groups"]))
    breakdown = for_display(breakdown)
    flow: list[Flowable] = []
    for metric in ("selection_rate", "fpr"):
        name = metric_label(metric, ctx.vocabulary)
        if _has_values(breakdown, metric):
            flow += chart_block(
                ctx,
                charts.rate_chart(breakdown, metric, vocabulary=ctx.vocabulary),
                f"{esc(name[:1].upper() + name[1:])} per group with 95% intervals; grey bars "
                "are the reference group, light bars groups with insufficient "
                "data.",
            )
        if _has_values(breakdown, metric, "ratio_to_reference"):
            flow += chart_block(
                ctx,
                charts.disparity_chart(breakdown, metric, vocabulary=ctx.vocabulary),
                f"Each group's rate — {name} — as a ratio to the reference group's, "
                "log scale. The shaded band (0.8–1.25, within a factor of 1.25 of the "
                "reference) is a visual guide, not a verdict: the four-fifths rule "
                "compares selection rates with the highest rate (impact ratios).",
            )
    return flow


def _total(score_group: Mapping[str, Any]) -> float:
    values = [score_group.get("positives"), score_group.get("negatives")]
    return sum(float(v) for v in values if is_defined(v))


def _score_section(ctx: ReportContext, attribute: str) -> list[Flowable]:
    groups = (ctx.document.get("scores") or {}).get(attribute) or []
    if not groups:
        return []
    rows: list[list[Any]] = [
        [Paragraph(h, ctx.styles.head) for h in ("Group", "ROC AUC", "Positives", "Negatives")]
    ]
    for group in groups:
        rows.append(
            [
                Paragraph(esc(group_name(group.get("key") or {})), ctx.styles.cell),
                Paragraph(fmt_number(group.get("roc_auc")), ctx.styles.cell),
                Paragraph(fmt_count(group.get("positives"), private=ctx.private), ctx.styles.cell),
                Paragraph(fmt_count(group.get("negatives"), private=ctx.private), ctx.styles.cell),
            ]
        )
    flow: list[Flowable] = [
        ctx.heading(f"Score: ranking and calibration by {attribute}", 3),
        grid_table(rows, widths=[40, 20, 20, 20], frame_width=ctx.frame_width),
    ]
    large = [g for g in groups if g.get("calibration") and _total(g) >= ctx.min_group_size]
    if ctx.charts and large:
        flow += chart_block(
            ctx,
            charts.calibration_chart(large, width=400),
            "Observed positive rate against the mean score in each score bin, per group "
            f"(groups of at least {ctx.min_group_size} rows); a calibrated score gives the same "
            "observed rate at the same score for every group.",
        )
    return flow


def _other_level_note(ctx: ReportContext) -> list[Flowable]:
    """DP partition selection pools rare values into one group: say what it is."""
    domain = (ctx.document.get("privacy") or {}).get("group_domain") or {}
    other = domain.get("other_level") if isinstance(domain, Mapping) else None
    if not ctx.private or not other:
        return []
    return [
        ctx.p(
            f"“{esc(other)}” pools every value of an attribute that was not selected "
            "for release (DP partition selection: its noisy count fell below the "
            "threshold, or it was not declared); which values it holds is not published. "
            "Rates below are computed from noisy counts and shown clamped to 0–100%."
        )
    ]


def rates_note(vocabulary: Any) -> str:
    """What the rate columns mean, in the audit's words when it has them."""
    decision = getattr(vocabulary, "decision", "")
    outcome = getattr(vocabulary, "outcome", "")
    if not decision:
        return (
            "Selection rate = share predicted positive; TPR/FPR/FNR = true positive, false "
            "positive, false negative rate; PPV = precision. Brackets: 95% interval."
        )
    not_decision = vocabulary.not_decision
    text = f"Selection rate = share {decision}"
    if outcome:
        text += (
            f"; TPR = share {decision} among those who {vocabulary.actual_positive}; FPR = share "
            f"{decision} among those who {vocabulary.actual_negative}; FNR = share "
            f"{not_decision} among those who {vocabulary.actual_positive}"
        )
    return text + "; PPV = precision. Brackets: 95% interval."


def attribute_sections(ctx: ReportContext) -> list[Flowable]:
    singles = [b for b in ctx.document.get("breakdowns", []) if len(b.get("by", [])) == 1]
    if not singles:
        return []
    flow: list[Flowable] = [PageBreak(), ctx.heading("Results by protected attribute")]
    flow.append(
        ctx.p(
            "For each protected attribute: each group's size, its selection rate and error rates "
            "with 95% intervals, and its ratio to the reference group. “n/a” marks a rate whose "
            "denominator is zero (undefined, never 0)."
        )
    )
    flow += _other_level_note(ctx)
    for index, breakdown in enumerate(singles):
        attribute = breakdown["by"][0]
        if index:
            flow.append(CondPageBreak(ctx.frame_height * 0.35))
        # KeepTogether: a table that fits on a page moves there with its heading; a longer one
        # starts right away and splits (header row repeated).
        flow += [
            KeepTogether(
                [
                    ctx.heading(f"By {attribute}{estimated_suffix(breakdown)}", 2),
                    ctx.p(
                        f"Reference group: {_reference_text(breakdown)}. "
                        f"{len(breakdown.get('groups', []))} groups."
                    ),
                    *estimated_note(ctx, breakdown),
                    _summary_table(ctx, breakdown),
                    Spacer(1, 6),
                    ctx.heading("Rates by group", 3),
                    Paragraph(
                        esc(rates_note(ctx.vocabulary)),
                        ctx.styles.note,
                    ),
                    group_rate_table(
                        breakdown,
                        ctx.styles,
                        frame_width=ctx.frame_width,
                        private=ctx.private,
                        min_group_size=ctx.min_group_size,
                    ),
                ]
            ),
            ctx.heading("Impact ratios (four-fifths rule)", 3),
            Paragraph(
                impact_ratio_words(breakdown, ctx.vocabulary)
                + f" among the groups with enough data ({_comparison_text(breakdown)}); "
                "red = below 0.8. "
                + (
                    "No significance tests in DP mode. "
                    if ctx.private
                    else "Tests against that group: pooled two-proportion z test (the "
                    "“two standard deviations” test) and Fisher's exact test; Holm p = the "
                    "test used (Fisher when an expected count is below 5) corrected over the "
                    "breakdown's groups; † = significant. "
                )
                + "Shortfall: additional selections the group needs to reach four-fifths of "
                "the highest rate, and parity with it.",
                ctx.styles.note,
            ),
            impact_ratio_table(
                breakdown, ctx.styles, frame_width=ctx.frame_width, private=ctx.private
            ),
            Spacer(1, 6),
            ctx.heading("Ratios to the reference group", 3),
            Paragraph(
                "Ratio of the group's rate to the reference group's, with 95% interval. "
                + (
                    "No significance tests in DP mode. "
                    if ctx.private
                    else "† = difference statistically significant after Holm correction. "
                )
                + "For exploration: no verdict depends on the reference group.",
                ctx.styles.note,
            ),
            ratio_table(breakdown, ctx.styles, frame_width=ctx.frame_width),
            Spacer(1, 8),
        ]
        if ctx.charts:
            flow += _attribute_charts(ctx, breakdown)
        flow += _score_section(ctx, attribute)
    return flow


def intersection_sections(ctx: ReportContext) -> list[Flowable]:
    pairs = [b for b in ctx.document.get("breakdowns", []) if len(b.get("by", [])) > 1]
    if not pairs:
        return []
    flow: list[Flowable] = [PageBreak(), ctx.heading("Intersections")]
    flow.append(
        ctx.p(
            f"Groups defined by two or more attributes at once. Cells with fewer than "
            f"{ctx.min_group_size} rows{' (noisy count)' if ctx.private else ''} are suppressed: "
            "their rates are not printed, because a rate over so few people is mostly noise and "
            "could single out individuals."
        )
    )
    for index, breakdown in enumerate(pairs):
        label = " × ".join(breakdown["by"])
        suppressed = sum(1 for g in breakdown.get("groups", []) if is_suppressed(g))
        if index:
            flow.append(CondPageBreak(ctx.frame_height * 0.35))
        flow += [
            KeepTogether(
                [
                    ctx.heading(f"By {label}{estimated_suffix(breakdown)}", 2),
                    ctx.p(
                        f"Reference group: {_reference_text(breakdown)}. "
                        f"{len(breakdown.get('groups', []))} groups, {suppressed} suppressed."
                    ),
                    *estimated_note(ctx, breakdown),
                    _summary_table(ctx, breakdown),
                    Spacer(1, 6),
                    Paragraph(
                        "'All groups' spans every group whose rate is defined, suppressed "
                        "cells included, so a few tiny cells can dominate it; 'groups with "
                        "enough data' leaves them out. Below, brackets: 95% interval; impact ratio: the "
                        "group's selection rate over the highest selection rate among the cells "
                        f"with enough data ({_comparison_text(breakdown)}); “suppressed”: "
                        f"fewer than {ctx.min_group_size} rows.",
                        ctx.styles.note,
                    ),
                    intersection_table(
                        breakdown,
                        ctx.styles,
                        frame_width=ctx.frame_width,
                        private=ctx.private,
                        min_group_size=ctx.min_group_size,
                    ),
                ]
            ),
            Spacer(1, 8),
        ]
        levels = [
            len({g["key"].get(a) for g in breakdown.get("groups", [])}) for a in breakdown["by"]
        ]
        if ctx.charts and len(breakdown["by"]) == 2 and max(levels) > MAX_CHART_GROUPS // 2:
            flow += _too_many(ctx, len(breakdown.get("groups", [])))
        elif ctx.charts and len(breakdown["by"]) == 2:
            breakdown = for_display(breakdown)
            for metric in ("selection_rate", "fpr"):
                visible = [g for g in breakdown.get("groups", []) if not is_suppressed(g)]
                if not any(is_defined((g.get("metrics") or {}).get(metric)) for g in visible):
                    continue
                name = metric_label(metric, ctx.vocabulary)
                worst = worst_cell_sentence(breakdown, metric, vocabulary=ctx.vocabulary)
                flow += chart_block(
                    ctx,
                    charts.intersection_heatmap(
                        breakdown, metric, suppress_small=True, vocabulary=ctx.vocabulary
                    ),
                    f"{esc(name[:1].upper() + name[1:])} for each "
                    f"combination of {esc(label)}, coloured by "
                    "the ratio to the reference cell; suppressed cells (grey, dashed) have "
                    "fewer than the minimum group size." + (f" {esc(worst)}" if worst else ""),
                    height_share=0.5,
                )
    return flow
