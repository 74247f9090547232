"""The executive summary: verdict, the output specification's checks, the largest disparities
in plain words, and the groups with too little data.
"""

from __future__ import annotations

from typing import Any

from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer

from .. import narrative
from ..findings import estimated_attributes
from .context import ReportContext
from .cover import mode_text
from .tables import grid_table
from .text import esc, fmt_count, fmt_number, fmt_rate, group_name

__all__ = [
    "executive_summary",
]


def _policy_table(ctx: ReportContext) -> Flowable | None:
    policy = ctx.document.get("policy") or {}
    checks = policy.get("checks") or []
    if not checks:
        return None
    rows: list[list[Any]] = [
        [Paragraph(h, ctx.styles.head) for h in ("Check", "By", "Value", "Bound", "Result")]
    ]
    for check in checks:
        outcome = narrative._outcome(check)
        status = outcome.replace("_", " ")
        colour = {"pass": "#1d6b2f", "fail": "#a61b1b"}.get(outcome, "#6b5a00")
        detail = ""
        worst = check.get("worst_group")
        if outcome == "fail" and worst:
            detail = f"<br/>worst: {esc(group_name(worst))}"
            comparison = check.get("comparison_group")
            if comparison:
                detail += f" (vs highest: {esc(group_name(comparison))})"
            test = check.get("test")
            if test and test.get("p_adjusted") is not None:
                detail += "<br/>" + esc(
                    f"{narrative.format_p(test['p_adjusted'])} (Holm), "
                    + ("significant" if test.get("significant") else "not significant")
                )
        if outcome == "not_evaluable" and check.get("reason"):
            detail += "<br/>" + esc(check["reason"])
        skipped = check.get("skipped_groups") or []
        if skipped:
            why = "too small, or not estimable at this ε" if ctx.private else "too small"
            detail += f"<br/>not judged ({why}): " + esc(", ".join(group_name(g) for g in skipped))
        rows.append(
            [
                Paragraph(esc(check.get("description") or check.get("metric")), ctx.styles.cell),
                Paragraph(esc(", ".join(check.get("by", []))), ctx.styles.cell),
                Paragraph(fmt_number(check.get("value")), ctx.styles.cell),
                Paragraph(esc(check.get("bound")), ctx.styles.cell),
                Paragraph(
                    f'<font color="{colour}"><b>{esc(status.upper())}</b></font>{detail}',
                    ctx.styles.cell,
                ),
            ]
        )
    return grid_table(rows, widths=[40, 12, 10, 8, 30], frame_width=ctx.frame_width)


MAX_LISTED = 60
"""Small groups named in the summary; the rest are marked in the tables."""


def executive_summary(ctx: ReportContext) -> list[Flowable]:
    document = ctx.document
    flow: list[Flowable] = [
        PageBreak(),
        ctx.heading("Executive summary"),
        Paragraph(esc(narrative.verdict_sentence(document)), ctx.styles.verdict),
    ]
    table = _policy_table(ctx)
    if table is not None:
        flow += [ctx.heading("Output specification checks", 3), table, Spacer(1, 6)]

    overall = document.get("overall") or {}
    metrics = overall.get("metrics") or {}
    if metrics:
        n_text = fmt_count(overall.get("n"), private=ctx.private)
        parts = [
            f"{name} {fmt_rate(metrics.get(key))}"
            for key, name in (
                ("selection_rate", "selection rate"),
                ("base_rate", "base rate"),
                ("accuracy", "accuracy"),
            )
            if key in metrics  # without a label only the selection rate exists
        ]
        noisy = " (noisy)" if ctx.private else ""
        flow.append(ctx.p(f"<b>Overall.</b> {n_text} rows{noisy}: " + ", ".join(parts) + "."))

    findings = narrative.largest_disparities(document, vocabulary=ctx.vocabulary, top=8)
    flow.append(ctx.heading("Largest disparities", 3))
    if findings:
        flow.append(
            ctx.p(
                "Each disparity against the reference group, with its test (Holm-corrected "
                "within its breakdown and metric); strongest evidence first, then the largest "
                "ratio. A small group appears only when its difference is significant, with "
                "its caveat."
            )
        )
        estimated = estimated_attributes(document)
        for finding in findings:
            note = f" <i>({esc(finding.evidence)})</i>"
            by = ", ".join(f"{a} (estimated)" if a in estimated else a for a in finding.by)
            flow.append(ctx.bullet(f"<b>{esc(by)}:</b> {esc(finding.sentence)}{note}"))
    else:
        flow.append(ctx.p("No disparity could be computed (no groups with enough data)."))

    small = narrative.small_groups(document)
    flow.append(ctx.heading("Groups with insufficient data", 3))
    if small:
        flow.append(
            ctx.p(
                f"These groups have fewer than {ctx.min_group_size} rows"
                f"{' (judged on noisy counts)' if ctx.private else ''}; their rates are shown "
                "with wide intervals (single attributes) or suppressed (intersections), and policy "
                "checks do not judge them:"
            )
        )
        shown = "; ".join(small[:MAX_LISTED])
        if len(small) > MAX_LISTED:
            shown += f"; … and {len(small) - MAX_LISTED} more (marked in the tables)"
        flow.append(ctx.plain(shown, "small"))
    else:
        flow.append(ctx.p(f"None: every group has at least {ctx.min_group_size} rows."))
    if ctx.private:
        flow.append(
            ctx.p(
                "<b>Privacy.</b> " + esc(mode_text(document)) + ". All figures are "
                "computed from noisy counts; intervals include the noise. See the "
                "privacy statement."
            )
        )
    return flow
