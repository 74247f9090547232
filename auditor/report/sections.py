"""The audit sections: cover, executive summary, per-attribute results, intersections.

Each builder takes a :class:`~auditor.report.context.ReportContext` and returns flowables. In DP
mode they print only what the document holds (its counts are the released noisy counts) and
never the data set's exact row counts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    Spacer,
    TableStyle,
)
from reportlab.platypus.tableofcontents import TableOfContents

from .. import charts, narrative
from ..metrics import SUMMARY_DEFINITIONS
from .context import ReportContext
from .figures import chart_image
from .fonts import BODY
from .tables import (
    grid_table,
    group_rate_table,
    intersection_table,
    is_suppressed,
    ratio_table,
)
from .text import clamp, esc, fmt_count, fmt_number, fmt_rate, group_name, is_defined

__all__ = [
    "attribute_sections",
    "cover",
    "executive_summary",
    "intersection_sections",
    "mode_text",
    "report_title",
    "table_of_contents",
]

MECHANISM_NAMES = {
    "laplace": "discrete Laplace (pure ε-DP)",
    "discrete_laplace": "discrete Laplace (pure ε-DP)",
    "gaussian": "discrete Gaussian (zCDP, converted to (ε, δ)-DP)",
    "discrete_gaussian": "discrete Gaussian (zCDP, converted to (ε, δ)-DP)",
}
_SUMMARY_SHORT = {
    "demographic_parity_difference": "Demographic parity difference",
    "demographic_parity_ratio": "Demographic parity ratio",
    "equalized_odds_difference": "Equalized odds difference",
    "equalized_odds_ratio": "Equalized odds ratio",
    "equal_opportunity_difference": "Equal opportunity difference",
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
    parts = [f"differentially private: {MECHANISM_NAMES.get(mechanism, mechanism)}",
             f"ε = {privacy.get('epsilon', 'n/a'):g}" if is_defined(privacy.get("epsilon"))
             else "ε = n/a"]
    if is_defined(privacy.get("delta")):
        parts.append(f"δ = {float(privacy['delta']):g}")
    if privacy.get("neighbours"):
        parts.append(f"neighbours: {privacy['neighbours']}")
    return "; ".join(parts)


def _facts_table(ctx: ReportContext, facts: list[tuple[str, str]]) -> Flowable:
    rows = [[Paragraph("<b>Item</b>", ctx.styles.head), Paragraph("<b>Value</b>", ctx.styles.head)]]
    rows += [[Paragraph(label, ctx.styles.cell_bold), Paragraph(value, ctx.styles.cell)]
             for label, value in facts]
    return grid_table(rows, widths=[28, 72], frame_width=ctx.frame_width)


def _rows_fact(ctx: ReportContext) -> str:
    dataset = ctx.document.get("dataset") or {}
    if ctx.private:
        overall = (ctx.document.get("overall") or {}).get("n")
        noisy = f"; released noisy total of rows used: {fmt_count(overall, private=True)}" \
            if is_defined(overall) else ""
        return f"exact row counts are not published in DP mode{noisy}"
    parts = [f"{fmt_count(dataset.get('rows'), private=False)} read",
             f"{fmt_count(dataset.get('rows_used'), private=False)} used",
             f"{fmt_count(dataset.get('rows_excluded'), private=False)} excluded"]
    exclusions = dataset.get("exclusions") or {}
    reasons = [f"{esc(k.replace('_', ' '))}: {fmt_count(v, private=False)}"
               for k, v in exclusions.items() if is_defined(v)]
    return ", ".join(parts) + (f" ({'; '.join(reasons)})" if reasons else "")


def cover(ctx: ReportContext, *, title: str | None = None) -> list[Flowable]:
    document = ctx.document
    dataset = document.get("dataset") or {}
    columns = document.get("columns") or {}
    options = document.get("options") or {}
    tool = document.get("tool") or {}
    outcome = esc(columns.get("prediction") or
                  f"{columns.get('score')} ≥ {columns.get('threshold')}")
    positive = columns.get("positive_label")
    facts = [
        ("Data set", esc(dataset.get("source", "n/a"))),
        ("Fingerprint (SHA-256)", esc(dataset.get("sha256", "n/a"))),
        ("Fingerprint method", esc(dataset.get("fingerprint_method", "SHA-256"))),
        ("Rows", _rows_fact(ctx)),
        ("Label / prediction", f"{esc(columns.get('label', 'n/a'))} / {outcome}"
         + (f" (positive label: {esc(positive)})" if positive is not None else "")),
        ("Score", esc(columns.get("score") or "none")),
        ("Protected attributes", esc(", ".join(map(str, columns.get("protected", []))) or "n/a")),
        ("Mode", esc(mode_text(document))),
        ("Output specification", esc((document.get("policy") or {}).get("name")
                                     or "none applied")),
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
        ctx.p("This report measures how the model's <i>outputs</i> — its decisions and their "
              "errors — differ across protected groups. It does not inspect the model's inputs "
              "or internals: an output specification is what an auditor can check.", "small"),
    ]
    if ctx.private:
        flow.append(ctx.p("<b>Differential privacy.</b> Every count in this report is a released "
                          "noisy count; see “Privacy statement”.", "small"))
    return flow


def table_of_contents(ctx: ReportContext) -> list[Flowable]:
    toc = TableOfContents(dotsMinLevel=0, tableStyle=TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), BODY),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]))
    toc.levelStyles = list(ctx.styles.toc)
    # Not the H1 style: the contents page does not list itself.
    title = ParagraphStyle("ContentsTitle", parent=ctx.styles.h1)
    return [PageBreak(), Paragraph("Contents", title), toc]


def _policy_table(ctx: ReportContext) -> Flowable | None:
    policy = ctx.document.get("policy") or {}
    checks = policy.get("checks") or []
    if not checks:
        return None
    rows: list[list[Any]] = [[Paragraph(h, ctx.styles.head) for h in
                              ("Check", "By", "Value", "Bound", "Result")]]
    for check in checks:
        passed = check.get("passed")
        status = str(check.get("status") or ("pass" if passed else "fail"))
        colour = "#1d6b2f" if passed else "#a61b1b"
        detail = ""
        worst = check.get("worst_group")
        if not passed and worst:
            detail = f"<br/>worst: {esc(group_name(worst))}"
        skipped = check.get("skipped_groups") or []
        if skipped:
            detail += "<br/>not judged (too small): " + esc(
                ", ".join(group_name(g) for g in skipped))
        rows.append([
            Paragraph(esc(check.get("description") or check.get("metric")), ctx.styles.cell),
            Paragraph(esc(", ".join(check.get("by", []))), ctx.styles.cell),
            Paragraph(fmt_number(check.get("value")), ctx.styles.cell),
            Paragraph(esc(check.get("bound")), ctx.styles.cell),
            Paragraph(f'<font color="{colour}"><b>{esc(status.upper())}</b></font>{detail}',
                      ctx.styles.cell),
        ])
    return grid_table(rows, widths=[40, 12, 10, 8, 30], frame_width=ctx.frame_width)


MAX_LISTED = 60
"""Small groups named in the summary; the rest are marked in the tables."""


def executive_summary(ctx: ReportContext) -> list[Flowable]:
    document = ctx.document
    flow: list[Flowable] = [PageBreak(), ctx.heading("Executive summary"),
                            Paragraph(esc(narrative.verdict_sentence(document)),
                                      ctx.styles.verdict)]
    table = _policy_table(ctx)
    if table is not None:
        flow += [ctx.heading("Output specification checks", 3), table, Spacer(1, 6)]

    overall = document.get("overall") or {}
    metrics = overall.get("metrics") or {}
    if metrics:
        n_text = fmt_count(overall.get("n"), private=ctx.private)
        parts = [f"{name} {fmt_rate(metrics.get(key))}" for key, name in
                 (("selection_rate", "selection rate"), ("base_rate", "base rate"),
                  ("accuracy", "accuracy"))]
        noisy = " (noisy)" if ctx.private else ""
        flow.append(ctx.p(f"<b>Overall.</b> {n_text} rows{noisy}: " + ", ".join(parts) + "."))

    findings = narrative.largest_disparities(document, vocabulary=ctx.vocabulary)
    flow.append(ctx.heading("Largest disparities", 3))
    if findings:
        for finding in findings:
            note = ""
            if finding.significant is True:
                note = " <i>(statistically significant after Holm correction)</i>"
            elif finding.significant is False:
                note = " <i>(not statistically significant after Holm correction)</i>"
            flow.append(ctx.bullet(
                f"<b>{esc(', '.join(finding.by))}:</b> {esc(finding.sentence)}{note}"))
    else:
        flow.append(ctx.p("No disparity could be computed (no groups with enough data)."))

    small = narrative.small_groups(document)
    flow.append(ctx.heading("Groups with insufficient data", 3))
    if small:
        flow.append(ctx.p(
            f"These groups have fewer than {ctx.min_group_size} rows"
            f"{' (judged on noisy counts)' if ctx.private else ''}; their rates are shown "
            "with wide intervals (single attributes) or suppressed (intersections), and policy "
            "checks do not judge them:"))
        shown = "; ".join(small[:MAX_LISTED])
        if len(small) > MAX_LISTED:
            shown += f"; … and {len(small) - MAX_LISTED} more (marked in the tables)"
        flow.append(ctx.plain(shown, "small"))
    else:
        flow.append(ctx.p(f"None: every group has at least {ctx.min_group_size} rows."))
    if ctx.private:
        flow.append(ctx.p("<b>Privacy.</b> " + esc(mode_text(document)) + ". All figures are "
                          "computed from noisy counts; intervals include the noise. See the "
                          "privacy statement."))
    return flow


def _summary_table(ctx: ReportContext, breakdown: Mapping[str, Any]) -> Flowable:
    summary = breakdown.get("summary") or {}
    keys = [k for k in SUMMARY_DEFINITIONS if k in summary] or list(summary)
    values = [summary.get(k) for k in keys]
    if ctx.private:  # noisy rates can leave [0, 1]; every summary lies in it: clamp for display
        values = [_shown(v, 1.0) for v in values]
    rows = [[Paragraph(esc(_SUMMARY_SHORT.get(k, k)), ctx.styles.head) for k in keys],
            [Paragraph(fmt_number(v), ctx.styles.cell) for v in values]]
    return grid_table(rows, widths=[1] * len(keys), frame_width=ctx.frame_width)


def _reference_text(breakdown: Mapping[str, Any]) -> str:
    reference = breakdown.get("reference") or {}
    rule = breakdown.get("reference_rule")
    text = esc(", ".join(f"{k} = {v}" for k, v in reference.items()) or "none")
    return text + (f" ({esc(rule)})" if rule else "")


def _chart_block(ctx: ReportContext, chart: Any, caption: str,
                 height_share: float = 0.42) -> list[Flowable]:
    image = chart_image(chart, max_width=ctx.frame_width,
                        max_height=ctx.frame_height * height_share)
    return [KeepTogether([image, Paragraph(caption, ctx.styles.caption)])]


def _has_values(breakdown: Mapping[str, Any], metric: str, field: str = "metrics") -> bool:
    """Whether any non-reference group has a defined ``field[metric]`` (a chart has data)."""
    return any(is_defined((g.get(field) or {}).get(metric))
               for g in breakdown.get("groups", [])
               if field == "metrics" or not g.get("is_reference"))


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
        for field, high in (("metrics", 1.0), ("intervals", 1.0),
                            ("ratio_to_reference", math.inf), ("ratio_intervals", math.inf)):
            shown[field] = {k: (None if k in hidden else _shown(v, high))
                            for k, v in (group.get(field) or {}).items()}
        groups.append(shown)
    return {**breakdown, "groups": groups}


MAX_CHART_GROUPS = 40
"""More groups than this make a per-group chart unreadable on a page: the table stands alone."""


def _too_many(ctx: ReportContext, count: int) -> list[Flowable]:
    return [Paragraph(f"Charts omitted: {count} groups are too many to read on a page; the "
                      "tables above hold every figure.", ctx.styles.caption)]


def _attribute_charts(ctx: ReportContext, breakdown: Mapping[str, Any]) -> list[Flowable]:
    if len(breakdown.get("groups", [])) > MAX_CHART_GROUPS:
        return _too_many(ctx, len(breakdown["groups"]))
    breakdown = for_display(breakdown)
    flow: list[Flowable] = []
    for metric in ("selection_rate", "fpr"):
        name = narrative.METRIC_NAMES.get(metric, metric)
        if _has_values(breakdown, metric):
            flow += _chart_block(ctx, charts.rate_chart(breakdown, metric),
                                 f"{name.capitalize()} per group with 95% intervals; grey bars "
                                 "are the reference group, light bars groups with insufficient "
                                 "data.")
        if _has_values(breakdown, metric, "ratio_to_reference"):
            flow += _chart_block(ctx, charts.disparity_chart(breakdown, metric),
                                 f"Ratio of each group's {name} to the reference group's, log "
                                 "scale; the shaded band is 0.8–1.25 (four-fifths rule).")
    return flow


def _total(score_group: Mapping[str, Any]) -> float:
    values = [score_group.get("positives"), score_group.get("negatives")]
    return sum(float(v) for v in values if is_defined(v))


def _score_section(ctx: ReportContext, attribute: str) -> list[Flowable]:
    groups = (ctx.document.get("scores") or {}).get(attribute) or []
    if not groups:
        return []
    rows: list[list[Any]] = [[Paragraph(h, ctx.styles.head) for h in
                              ("Group", "ROC AUC", "Positives", "Negatives")]]
    for group in groups:
        rows.append([
            Paragraph(esc(group_name(group.get("key") or {})), ctx.styles.cell),
            Paragraph(fmt_number(group.get("roc_auc")), ctx.styles.cell),
            Paragraph(fmt_count(group.get("positives"), private=ctx.private), ctx.styles.cell),
            Paragraph(fmt_count(group.get("negatives"), private=ctx.private), ctx.styles.cell),
        ])
    flow: list[Flowable] = [ctx.heading(f"Score: ranking and calibration by {attribute}", 3),
                            grid_table(rows, widths=[40, 20, 20, 20],
                                       frame_width=ctx.frame_width)]
    large = [g for g in groups if g.get("calibration") and _total(g) >= ctx.min_group_size]
    if ctx.charts and large:
        flow += _chart_block(ctx, charts.calibration_chart(large, width=400),
            "Observed positive rate against the mean score in each score bin, per group "
            f"(groups of at least {ctx.min_group_size} rows); a calibrated score gives the same "
            "observed rate at the same score for every group.")
    return flow


def _other_level_note(ctx: ReportContext) -> list[Flowable]:
    """DP partition selection pools rare values into one group: say what it is."""
    domain = (ctx.document.get("privacy") or {}).get("group_domain") or {}
    other = domain.get("other_level") if isinstance(domain, Mapping) else None
    if not ctx.private or not other:
        return []
    return [ctx.p(f"“{esc(other)}” pools every value of an attribute that was not selected "
                  "for release (DP partition selection: its noisy count fell below the "
                  "threshold, or it was not declared); which values it holds is not published. "
                  "Rates below are computed from noisy counts and shown clamped to 0–100%.")]


def attribute_sections(ctx: ReportContext) -> list[Flowable]:
    singles = [b for b in ctx.document.get("breakdowns", []) if len(b.get("by", [])) == 1]
    if not singles:
        return []
    flow: list[Flowable] = [PageBreak(), ctx.heading("Results by protected attribute")]
    flow.append(ctx.p(
        "For each protected attribute: each group's size, its selection rate and error rates "
        "with 95% intervals, and its ratio to the reference group. “n/a” marks a rate whose "
        "denominator is zero (undefined, never 0)."))
    flow += _other_level_note(ctx)
    for index, breakdown in enumerate(singles):
        attribute = breakdown["by"][0]
        if index:
            flow.append(CondPageBreak(ctx.frame_height * 0.35))
        # KeepTogether: a table that fits on a page moves there with its heading; a longer one
        # starts right away and splits (header row repeated).
        flow += [
            KeepTogether([
                ctx.heading(f"By {attribute}", 2),
                ctx.p(f"Reference group: {_reference_text(breakdown)}. "
                      f"{len(breakdown.get('groups', []))} groups."),
                _summary_table(ctx, breakdown),
                Spacer(1, 6),
                ctx.heading("Rates by group", 3),
                Paragraph("Selection rate = share predicted positive; TPR/FPR/FNR = true "
                          "positive, false positive, false negative rate; PPV = precision. "
                          "Brackets: 95% interval.", ctx.styles.note),
                group_rate_table(breakdown, ctx.styles, frame_width=ctx.frame_width,
                                 private=ctx.private, min_group_size=ctx.min_group_size),
            ]),
            ctx.heading("Ratios to the reference group", 3),
            Paragraph("Ratio of the group's rate to the reference group's, with 95% interval. "
                      + ("No significance tests in DP mode. " if ctx.private else
                         "† = difference statistically significant after Holm correction; ")
                      + "red = selection-rate ratio below 0.8 (four-fifths rule).",
                      ctx.styles.note),
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
    flow.append(ctx.p(
        f"Groups defined by two or more attributes at once. Cells with fewer than "
        f"{ctx.min_group_size} rows{' (noisy count)' if ctx.private else ''} are suppressed: "
        "their rates are not printed, because a rate over so few people is mostly noise and "
        "could single out individuals."))
    for index, breakdown in enumerate(pairs):
        label = " × ".join(breakdown["by"])
        suppressed = sum(1 for g in breakdown.get("groups", []) if is_suppressed(g))
        if index:
            flow.append(CondPageBreak(ctx.frame_height * 0.35))
        flow += [
            KeepTogether([
                ctx.heading(f"By {label}", 2),
                ctx.p(f"Reference group: {_reference_text(breakdown)}. "
                      f"{len(breakdown.get('groups', []))} groups, {suppressed} suppressed."),
                _summary_table(ctx, breakdown),
                Spacer(1, 6),
                Paragraph("The summary measures above are computed over every group whose rate "
                          "is defined, suppressed cells included, so a few tiny cells can "
                          "dominate them. Below, brackets: 95% interval; selection ratio: the "
                          "group's selection rate over the reference group's; “suppressed”: "
                          f"fewer than {ctx.min_group_size} rows.", ctx.styles.note),
                intersection_table(breakdown, ctx.styles, frame_width=ctx.frame_width,
                                   private=ctx.private, min_group_size=ctx.min_group_size),
            ]),
            Spacer(1, 8),
        ]
        levels = [len({g["key"].get(a) for g in breakdown.get("groups", [])})
                  for a in breakdown["by"]]
        if ctx.charts and len(breakdown["by"]) == 2 and max(levels) > MAX_CHART_GROUPS // 2:
            flow += _too_many(ctx, len(breakdown.get("groups", [])))
        elif ctx.charts and len(breakdown["by"]) == 2:
            breakdown = for_display(breakdown)
            for metric in ("selection_rate", "fpr"):
                visible = [g for g in breakdown.get("groups", []) if not is_suppressed(g)]
                if not any(is_defined((g.get("metrics") or {}).get(metric)) for g in visible):
                    continue
                name = narrative.METRIC_NAMES.get(metric, metric)
                flow += _chart_block(
                    ctx, charts.intersection_heatmap(breakdown, metric, suppress_small=True),
                    f"{name.capitalize()} for each combination of {esc(label)}; suppressed cells "
                    "have fewer than the minimum group size.", height_share=0.5)
    return flow

