"""Privacy statement (DP mode) and the methodology appendix."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer

from ..metrics import METRIC_DEFINITIONS, SUMMARY_DEFINITIONS
from ..narrative import METRIC_NAMES
from .context import ReportContext
from .cover import MECHANISM_NAMES
from .tables import grid_table
from .text import esc, is_defined

__all__ = ["INTERVAL_METHODS", "LIMITATIONS", "methodology", "noise_sd", "privacy_statement"]

INTERVAL_METHODS = {
    "wilson": "Wilson score interval for every rate (it stays inside [0, 1] and behaves well for "
    "small groups and rates near 0 or 1)",
    "dp_bootstrap": "score-test inversion that includes both the sampling error and the known "
    "noise of the release (ratios and differences by MOVER)",
}
LIMITATIONS = (
    "This is an observational audit of the model's outputs on the data supplied. It measures "
    "disparities; it does not establish their cause, nor whether a different model could "
    "reduce them.",
    "Intervals and tests assume the rows are an independent sample from the population of "
    "interest. Repeated people, clustered sampling or a shifted population invalidate them.",
    "The labels are taken as ground truth. If the recorded outcome is itself biased (e.g. "
    "re-arrest rather than re-offence), error rates inherit that bias.",
    "Small groups: rates of groups below the minimum size carry very wide intervals and are "
    "not judged by the policy; intersections below it are suppressed. Absence of evidence of a "
    "disparity in a small group is not evidence of its absence.",
    "Many groups and metrics are compared. Holm's correction controls the family-wise error "
    "within each breakdown and metric, not across the whole report.",
    "Scores are binned to 3 significant digits before ROC and calibration are computed; "
    "AUC and calibration curves are therefore exact only up to that binning.",
    "Fairness criteria conflict: when base rates differ between groups, a classifier cannot in "
    "general equalise error rates and calibration at once. The output specification decides "
    "which criteria apply.",
)


def noise_sd(mechanism: str, scale: float) -> float | None:
    """Standard deviation of the noise on one count (discrete Laplace or discrete Gaussian)."""
    if not is_defined(scale) or scale <= 0:
        return None
    if "laplace" in mechanism:
        q = math.exp(-1.0 / scale)
        return math.sqrt(2.0 * q / (1.0 - q) ** 2)
    if "gaussian" in mechanism:
        return float(scale)
    return None


def _scalar(value: Any) -> str | None:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return f"{value:g}"
    if isinstance(value, str):
        return value
    return None


def _describe(value: Any) -> str:
    """Any JSON value of the privacy block as one line ('' for null or empty)."""
    text = _scalar(value)
    if text is not None:
        return text
    if isinstance(value, Mapping):
        parts = [f"{k.replace('_', ' ')}: {_describe(v)}" for k, v in value.items() if _describe(v)]
        return "; ".join(parts)
    if isinstance(value, list | tuple):
        return ", ".join(_describe(v) for v in value if _describe(v))
    return ""


def _budget_rows(privacy: Mapping[str, Any]) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    ledger = privacy.get("ledger")
    if isinstance(ledger, Mapping):
        for key, label in (
            ("total_epsilon", "Data set budget: total ε"),
            ("spent_epsilon", "Data set budget: ε spent, all releases"),
            ("remaining_epsilon", "Data set budget: ε remaining"),
            ("spent_delta", "Data set budget: δ spent, all releases"),
            ("releases", "Data set budget: releases so far"),
            ("dataset", "Data set (ledger name)"),
            ("release_id", "Release id"),
        ):
            text = _scalar(ledger.get(key))
            if text is not None:
                rows.append((label, text))
    budget = privacy.get("budget")
    if isinstance(budget, Mapping):
        for key, value in budget.items():
            text = _scalar(value)
            if text is not None:
                rows.append((f"Budget: {key.replace('_', ' ')}", text))
    for key in ("budget_total", "budget_spent", "budget_remaining", "epsilon_remaining"):
        text = _scalar(privacy.get(key))
        if text is not None:
            rows.append((key.replace("_", " ").capitalize(), text))
    return rows


def privacy_statement(ctx: ReportContext) -> list[Flowable]:
    """What was released, under which guarantee, and what the noise does to each figure."""
    if not ctx.private:
        return []
    privacy = ctx.document.get("privacy") or {}
    mechanism = str(privacy.get("mechanism", "unknown"))
    epsilon, delta, scale = privacy.get("epsilon"), privacy.get("delta"), privacy.get("scale")
    neighbours = str(privacy.get("neighbours", "add/remove one row"))
    unit = str(privacy.get("unit") or privacy.get("privacy_unit") or "one row = one person")
    sensitivity = privacy.get("sensitivity")
    if isinstance(sensitivity, Mapping):
        sensitivity_text = ", ".join(f"{k.upper()} {v}" for k, v in sensitivity.items())
    elif sensitivity is not None:
        sensitivity_text = str(sensitivity)
    else:
        sensitivity_text = (
            "1 (one row changes one cell of the finest count table by 1)"
            if "add/remove" in neighbours
            else "not stated"
        )
    rows: list[tuple[str, str]] = [
        ("Privacy unit", unit),
        ("Neighbouring data sets", neighbours),
        *(
            [("Privacy loss of this release", str(privacy["guarantee"]))]
            if privacy.get("guarantee")
            else []
        ),
        ("Mechanism for the counts", MECHANISM_NAMES.get(mechanism, mechanism)),
        ("ε spent by this release", _scalar(epsilon) or "n/a"),
        ("δ spent by this release", _scalar(delta) or "0"),
        (
            "Noise scale",
            "one per measured table (below)"
            if len(privacy.get("measurements") or []) > 1
            else (_scalar(scale) or "n/a"),
        ),
        ("Sensitivity", sensitivity_text),
        *_budget_rows(privacy),
    ]
    shown = {
        "mode",
        "guarantee",
        "mechanism",
        "epsilon",
        "delta",
        "scale",
        "neighbours",
        "unit",
        "privacy_unit",
        "sensitivity",
        "budget",
        "budget_total",
        "budget_spent",
        "budget_remaining",
        "epsilon_remaining",
        "ledger",
        "measurements",
        "estimation",
    }
    for key, value in privacy.items():
        text = _describe(value)
        if key not in shown and text:
            rows.append((key.replace("_", " ").capitalize(), text))

    variance = privacy.get("noise_variance_per_cell")
    sd = (
        math.sqrt(float(variance))
        if is_defined(variance) and float(variance) >= 0
        else (noise_sd(mechanism, float(scale)) if is_defined(scale) else None)
    )
    sd_text = f" (standard deviation ≈ {sd:.2f} per count)" if sd is not None else ""
    table_rows = [[Paragraph("Parameter", ctx.styles.head), Paragraph("Value", ctx.styles.head)]]
    table_rows += [
        [Paragraph(esc(k), ctx.styles.cell_bold), Paragraph(esc(v), ctx.styles.cell)]
        for k, v in rows
    ]
    flow: list[Flowable] = [PageBreak(), ctx.heading("Privacy statement")]
    if privacy.get("seeded") or privacy.get("private") is False:
        flow.append(
            Paragraph(
                "NOT PRIVATE: this release was drawn from a seeded test generator; "
                "its noise is reproducible and gives no privacy guarantee.",
                ctx.styles.verdict,
            )
        )
    measurements = [m for m in privacy.get("measurements") or [] if isinstance(m, Mapping)]
    combined = len(measurements) > 1
    if combined:
        opening = (
            "The figures in this report were published under differential privacy. The "
            "privacy budget was split between several count tables (every combination of "
            "protected attributes, each attribute, each pair — each with true outcome and "
            "prediction), each released once with noise of the scale listed below; one "
            "consistent table was fitted to all of them by weighted least squares and every "
            "figure in the report is computed from it (post-processing), so the whole report "
            "is covered by the guarantee below. It contains no exact count, no exact group "
            "size and no row."
        )
        counts_text = (
            "<b>Counts</b> (group sizes n, positives, negatives) come from the fitted table: "
            "each combines the noisy measurements of that group with those of the tables it "
            "is part of, weighted by how noisy each is, so a single-attribute group's count is "
            "not the sum of many noisy cells. Negative counts are kept in the computation and "
            "shown as 0."
        )
    else:
        opening = (
            "The figures in this report were published under differential privacy. The finest "
            "table of counts (every combination of protected attributes, true outcome and "
            "prediction) was released once with noise; every figure in the report is computed "
            "from that noisy table (post-processing), so the whole report is covered by the "
            "guarantee below. It contains no exact count, no exact group size and no row."
        )
        counts_text = (
            f"<b>Counts</b> (group sizes n, positives, negatives): each released cell is "
            f"the true count plus independent noise of scale {esc(_scalar(scale) or 'n/a')}"
            f"{esc(sd_text)}. A group's n sums several cells, so its noise adds up. "
            "Negative noisy counts are kept in the computation and shown as 0."
        )
    flow += [
        ctx.p(opening),
        grid_table(table_rows, widths=[30, 70], frame_width=ctx.frame_width),
        Spacer(1, 8),
        *(_measurement_table(ctx, measurements, mechanism) if combined else []),
        ctx.heading("What the noise does to each figure", 3),
        ctx.bullet(counts_text),
        ctx.bullet(
            "<b>Rates</b> (selection rate, TPR, FPR, …) are ratios of noisy counts. The "
            "noise is the same absolute size for every group, so it matters little for "
            "large groups and a lot for small ones."
        ),
        ctx.bullet(
            "<b>Intervals</b> include both sampling error and the noise (a score test "
            "inverted with the known noise variance); a rate whose noisy denominator is "
            "too small for an interval narrower than 0.5 is reported as not estimable at "
            "this ε."
        ),
        ctx.bullet(
            "<b>Ratios, differences and summaries</b> (demographic parity, equalized "
            "odds) are computed from the noisy rates; their error compounds that of both "
            "groups."
        ),
        ctx.bullet(
            "<b>Flags and suppression</b> (insufficient data, suppressed intersections) "
            "are decided on the noisy counts, so a group near the threshold may fall on "
            "either side."
        ),
        ctx.bullet(
            "<b>Policy verdicts</b> are judged on the noisy figures: near a bound, a "
            "verdict can differ from the one exact data would give."
        ),
    ]
    return flow


def _measurement_table(
    ctx: ReportContext, measurements: list[Mapping[str, Any]], mechanism: str
) -> list[Flowable]:
    """One row per measured table: what it counts, its share of the budget, its noise."""
    unit = "ε" if "laplace" in mechanism else "ρ (zCDP)"
    key = "epsilon" if "laplace" in mechanism else "rho"
    head = ["Measured table (× outcome × prediction)", "Cells", f"Share of {unit}", "Noise scale"]
    rows = [[Paragraph(esc(h), ctx.styles.head) for h in head]]
    for item in measurements:
        attributes = " × ".join(str(a) for a in item.get("attributes") or [])
        share = item.get("share")
        share_text = (
            f"{float(share):.1%} ({_scalar(item.get(key)) or 'n/a'})"
            if is_defined(share)
            else "n/a"
        )
        rows.append(
            [
                Paragraph(esc(attributes), ctx.styles.cell),
                Paragraph(esc(_scalar(item.get("cells")) or ""), ctx.styles.cell),
                Paragraph(esc(share_text), ctx.styles.cell),
                Paragraph(esc(_scalar(item.get("scale")) or "n/a"), ctx.styles.cell),
            ]
        )
    return [
        ctx.heading("Measurements and the split of the budget", 3),
        ctx.p(
            f"Each table has sensitivity 1 (a row is in exactly one of its cells); the shares of "
            f"{unit} add up to the whole (sequential composition). The split minimises the "
            "noise of the published breakdowns relative to releasing the finest table alone, "
            "with no breakdown noisier than that."
        ),
        grid_table(rows, widths=[46, 12, 24, 18], frame_width=ctx.frame_width),
        Spacer(1, 8),
    ]


def _policy_lines(ctx: ReportContext) -> list[Flowable]:
    policy = ctx.document.get("policy") or {}
    checks = policy.get("checks") or []
    if not checks:
        return [
            ctx.p(
                "No output specification was applied; the figures are reported without a verdict."
            )
        ]
    flow: list[Flowable] = [
        ctx.p(f"Specification: <b>{esc(policy.get('name', 'unnamed'))}</b>. Each check, in words:")
    ]
    for check in checks:
        by = ", ".join(check.get("by", []))
        description = (
            check.get("description")
            or f"{check.get('metric')} {check.get('rule')} {check.get('bound')}"
        )
        flow.append(ctx.bullet(f"{esc(description)} — by {esc(by)}"))
    flow.append(
        ctx.p(
            "Ratio and difference checks compare each group with the group that has the "
            "highest rate among the judged groups (for the selection rate: the impact ratio). "
            "Groups below the minimum size are not judged — by group checks nor by summary "
            "checks, whose summary is then computed over the groups with enough data — unless "
            "a check sets include_small_groups; the groups left out are listed next to the "
            "verdict. A verdict is PASS, FAIL or NOT EVALUABLE (an undefined value, no group "
            "with enough data, or a metric that needs the true outcome when the file has no "
            "label). A check that is not evaluable is never counted as a pass; the command "
            "line exits with code 3 when no check failed but one was not evaluable."
        )
    )
    return flow


def methodology(ctx: ReportContext) -> list[Flowable]:
    document = ctx.document
    options = document.get("options") or {}
    method = str(options.get("interval_method", "wilson"))
    confidence = float(options.get("confidence", 0.95))
    metric_rows = [[Paragraph(h, ctx.styles.head) for h in ("Metric", "Formula", "Meaning")]]
    for key, (formula, meaning) in METRIC_DEFINITIONS.items():
        metric_rows.append(
            [
                Paragraph(esc(f"{METRIC_NAMES.get(key, key)} ({key})"), ctx.styles.cell_bold),
                Paragraph(esc(formula), ctx.styles.cell),
                Paragraph(esc(meaning), ctx.styles.cell),
            ]
        )
    summary_rows = [[Paragraph(h, ctx.styles.head) for h in ("Summary", "Definition")]]
    summary_rows += [
        [Paragraph(esc(k), ctx.styles.cell_bold), Paragraph(esc(v), ctx.styles.cell)]
        for k, v in SUMMARY_DEFINITIONS.items()
    ]

    flow: list[Flowable] = [
        PageBreak(),
        ctx.heading("Methodology"),
        ctx.heading("Metric definitions", 2),
        ctx.p(
            "Per group, from the confusion counts TP, FP, TN, FN (positive = the outcome the "
            "data declares positive) and n = TP+FP+TN+FN. A zero denominator makes a metric "
            "<b>undefined</b>, printed “n/a” — never 0."
        ),
        grid_table(metric_rows, widths=[30, 18, 52], frame_width=ctx.frame_width),
        Spacer(1, 6),
        ctx.p(
            "Disparity to the reference group: ratio m<sub>g</sub> / m<sub>ref</sub> and "
            "difference m<sub>g</sub> − m<sub>ref</sub>. The reference is the largest group "
            "unless the auditor chose one; it is for exploration only and no verdict depends "
            "on it. <b>Impact ratio</b> (EEOC Uniform Guidelines, 29 CFR 1607.4(D); NYC Local "
            "Law 144): a group's selection rate ÷ the <b>highest</b> selection rate among the "
            "groups with at least the minimum group size (the comparison group, named with each "
            "table). Four-fifths rule: an impact ratio below 0.8. Next to it, the EEOC's "
            "companions: the two-standard-deviation test (pooled two-proportion z test against "
            "the comparison group), Fisher's exact test for small counts, and the shortfall — "
            "how many more selections the group would need to reach four-fifths of the "
            "comparison rate, and parity with it."
        ),
        ctx.heading("Summary measures", 2),
        ctx.p(
            "Computed over the groups of a breakdown whose values are defined, as fairlearn's "
            "<i>between_groups</i> aggregation:"
        ),
        grid_table(summary_rows, widths=[35, 65], frame_width=ctx.frame_width),
        ctx.heading("Intervals and tests", 2),
    ]
    if ctx.private:
        flow.append(
            ctx.p(
                f"Intervals ({100 * confidence:g}%): {esc(INTERVAL_METHODS['dp_bootstrap'])} "
                f"(method recorded in the document: {esc(method)}). Hypothesis tests are not "
                "reported in DP mode."
            )
        )
    else:
        flow += [
            ctx.p(
                f"All intervals are {100 * confidence:g}% intervals (method recorded in the "
                f"document: <b>{esc(method)}</b>)."
            ),
            ctx.bullet(f"Rates: {esc(INTERVAL_METHODS.get(method, method))}."),
            ctx.bullet(
                "Ratios (to the reference and impact ratios): Katz log interval "
                "(log ratio ± z·√(1/x₁ − 1/n₁ + 1/x₂ − 1/n₂)); when a count is zero, 0.5 is "
                "added to every cell of the 2×2 table first (x + 0.5 of n + 1), so that a "
                "ratio of 0 still gets an interval. Coverage measured by simulation: 94–96% "
                "where no zero cells occur, conservative (97–100%) when a group expects ≤ 2 "
                "events."
            ),
            ctx.bullet(
                "Differences to the reference: Newcombe's hybrid score interval (method "
                "10), built from the two groups' Wilson intervals."
            ),
            ctx.bullet(
                "Tests: two-proportion z test against the reference group, Fisher's "
                "exact test when an expected cell count is below 5, for every rate (selection "
                "rate, TPR, FPR, FNR, PPV and the others); p-values Holm-corrected within each "
                "breakdown and metric; † marks p<sub>Holm</sub> &lt; 0.05. Impact ratios are "
                "tested the same way against the comparison group (Holm over the breakdown's "
                "groups). Every finding in the summary states its test and its Holm-adjusted "
                "p-value."
            ),
        ]
    flow += [ctx.heading("Output specification applied", 2), *_policy_lines(ctx)]
    flow += [ctx.heading("Limitations", 2)]
    flow += [ctx.bullet(esc(text)) for text in LIMITATIONS]
    if ctx.private:
        flow.append(
            ctx.bullet(
                "Differential privacy protects individuals in the data, not "
                "groups: large disparities remain visible, as intended."
            )
        )
    return flow
