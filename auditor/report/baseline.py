"""The input-restriction study (baseline-v1): strategies, proxies, conclusion."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reportlab.platypus import Flowable, KeepTogether, PageBreak, Paragraph, Spacer

from .. import charts
from .breakdowns import chart_block
from .context import ReportContext
from .errors import ReportError
from .tables import grid_table
from .text import esc, fmt_count, fmt_number, fmt_rate

__all__ = ["BASELINE_SCHEMA", "baseline_section", "check_baseline"]

BASELINE_SCHEMA = "auditor/baseline-v1"
STRATEGY_NAMES = {
    "aware": "Aware: every feature, protected attribute included",
    "unaware": "Unaware: protected attribute dropped",
    "unaware_without_proxies": "Unaware, proxies dropped too",
    "output_constrained": "Output-constrained: fairness constraint on the decisions",
}
_SUMMARY_COLUMNS = (
    ("demographic_parity_ratio", "DP ratio"),
    ("demographic_parity_difference", "DP diff."),
    ("equalized_odds_difference", "EO diff."),
    ("equal_opportunity_difference", "EOpp diff."),
)
WRONG_BASELINE = (
    "the baseline document has schema {schema!r}, not 'auditor/baseline-v1': pass "
    "the JSON written by `auditor baseline … --json`"
)


def check_baseline(baseline: Mapping[str, Any]) -> None:
    schema = baseline.get("schema") if isinstance(baseline, Mapping) else None
    if schema != BASELINE_SCHEMA:
        raise ReportError(WRONG_BASELINE.format(schema=schema))


def _conclusion_text(conclusion: Any) -> str | None:
    if conclusion is None:
        return None
    if isinstance(conclusion, str):
        return conclusion
    if isinstance(conclusion, Mapping):
        for key in ("text", "summary", "sentence"):
            if isinstance(conclusion.get(key), str):
                return conclusion[key]
        return "; ".join(
            f"{k}: {v}" for k, v in conclusion.items() if isinstance(v, str | int | float)
        )
    return str(conclusion)


def _strategy_table(ctx: ReportContext, strategies: list[Mapping[str, Any]]) -> Flowable:
    header = [
        "Strategy",
        "Inputs",
        "Accuracy",
        "Selection rate by group",
        *(label for _, label in _SUMMARY_COLUMNS),
        "4/5 rule",
    ]
    rows: list[list[Any]] = [[Paragraph(h, ctx.styles.head) for h in header]]
    for strategy in strategies:
        name = str(strategy.get("name", "?"))
        label = strategy.get("label") or STRATEGY_NAMES.get(name, name)
        description = strategy.get("description") or ""
        features = [str(f) for f in strategy.get("features") or []]
        dropped = [str(f) for f in strategy.get("dropped_features") or []]
        inputs = f"{len(features)} features"
        if dropped:
            inputs += "; dropped: " + ", ".join(dropped)
        rates = strategy.get("selection_rates") or {}
        rate_text = "<br/>".join(f"{esc(group)}: {fmt_rate(rate)}" for group, rate in rates.items())
        summary = strategy.get("summary") or {}
        meets = strategy.get("meets_four_fifths")
        meets_text = (
            "n/a"
            if meets is None
            else (
                '<font color="#1d6b2f"><b>met</b></font>'
                if meets
                else '<font color="#a61b1b"><b>not met</b></font>'
            )
        )
        rows.append(
            [
                Paragraph(
                    f'<b>{esc(label)}</b> <font size="6.5" color="#555555">({esc(name)})'
                    f'</font><br/><font size="6.5">{esc(description)}</font>',
                    ctx.styles.cell,
                ),
                Paragraph(esc(inputs), ctx.styles.cell),
                Paragraph(fmt_rate(strategy.get("accuracy")), ctx.styles.cell),
                Paragraph(rate_text or "n/a", ctx.styles.cell),
                *(
                    Paragraph(fmt_number(summary.get(key)), ctx.styles.cell)
                    for key, _ in _SUMMARY_COLUMNS
                ),
                Paragraph(meets_text, ctx.styles.cell),
            ]
        )
    return grid_table(rows, widths=[27, 15, 9, 14, 7, 7, 7, 7, 8], frame_width=ctx.frame_width)


def _proxy_table(ctx: ReportContext, proxies: list[Mapping[str, Any]]) -> Flowable:
    rows: list[list[Any]] = [
        [
            Paragraph(h, ctx.styles.head)
            for h in ("Feature", "AUC for the protected attribute, alone", "Dropped")
        ]
    ]
    for proxy in proxies:
        dropped = proxy.get("dropped")
        rows.append(
            [
                Paragraph(esc(proxy.get("feature", "?")), ctx.styles.cell),
                Paragraph(fmt_number(proxy.get("auc")), ctx.styles.cell),
                Paragraph(
                    "n/a" if dropped is None else ("yes" if dropped else "no"), ctx.styles.cell
                ),
            ]
        )
    return grid_table(rows, widths=[45, 35, 20], frame_width=ctx.frame_width)


def baseline_section(
    ctx: ReportContext, baseline: Mapping[str, Any], *, standalone: bool = False
) -> list[Flowable]:
    """The study: comparison table, trade-off chart (when available), proxies, conclusion.

    In an audit report it is a chapter (new page, H1); ``standalone`` leaves both to the caller.
    """
    check_baseline(baseline)
    protected = esc(baseline.get("protected", "the protected attribute"))
    flow: list[Flowable] = (
        []
        if standalone
        else [
            PageBreak(),
            ctx.heading("Input restriction study (a separate study on its own data)"),
            ctx.p(
                "<b>Not part of this audit.</b> This chapter was added at the requester's "
                "choice. It trains models on its own data set (named below), not on the "
                "decisions audited in the chapters before; none of its figures enters the "
                "verdicts."
            ),
        ]
    )
    flow += [
        ctx.p(
            f"Does removing <b>{protected}</b> from the model's inputs make its outputs fair? "
            "The same model was trained under different input rules, and each version's "
            "decisions on held-out rows were audited by group with the same measures as an "
            "output audit. Restricting inputs is compared with constraining outputs "
            "directly."
        ),
    ]
    facts = []
    if baseline.get("target"):
        positive = baseline.get("positive_label")
        facts.append(
            f"Target: <b>{esc(baseline['target'])}</b>"
            + (f" (positive: {esc(positive)})" if positive is not None else "")
        )
    dataset = baseline.get("dataset") if isinstance(baseline.get("dataset"), Mapping) else {}
    if dataset.get("source"):
        facts.append(f"data: {esc(dataset['source'])}")
    if dataset.get("test_rows") is not None:
        facts.append(f"audited on {fmt_count(dataset['test_rows'], private=False)} held-out rows")
    model = baseline.get("model") if isinstance(baseline.get("model"), Mapping) else {}
    if model.get("estimator"):
        facts.append(f"model: {esc(model['estimator'])}")
    if facts:
        flow.append(ctx.p("; ".join(facts) + "."))
    strategies = [s for s in baseline.get("strategies") or [] if isinstance(s, Mapping)]
    flow += [
        ctx.heading("Strategies compared", 2),
        _strategy_table(ctx, strategies),
        Paragraph(
            "Accuracy on held-out rows; DP = demographic parity (selection rates), "
            "EO = equalized odds, EOpp = equal opportunity (TPR), all across the "
            f"groups of {protected}. Smaller differences and ratios nearer 1 are "
            "fairer.",
            ctx.styles.caption,
        ),
    ]
    tradeoff = getattr(charts, "baseline_tradeoff_chart", None)
    if ctx.charts and tradeoff is not None and strategies:
        flow += chart_block(
            ctx, tradeoff(baseline), "Accuracy against disparity for each input rule."
        )
    proxies = [p for p in baseline.get("proxies") or [] if isinstance(p, Mapping)]
    flow.append(ctx.heading("Proxies", 2))
    all_auc = baseline.get("proxy_auc_all_features")
    if all_auc is not None:
        flow.append(
            ctx.p(
                f"From all the other features together, {protected} can be predicted with AUC "
                f"<b>{fmt_number(all_auc)}</b> (0.5 = no better than chance). Dropping the column "
                "does not remove the information when other features carry it."
            )
        )
    if proxies:
        flow += [_proxy_table(ctx, proxies), Spacer(1, 6)]
    analysis = baseline.get("proxy_analysis")
    if isinstance(analysis, Mapping) and analysis.get("rule"):
        flow.append(
            ctx.p(
                f"Proxy rule: {esc(analysis['rule'])}."
                + (
                    f" Without the dropped proxies the remaining features predict "
                    f"{protected} with AUC {fmt_number(analysis['auc_without_proxies'])}."
                    if analysis.get("auc_without_proxies") is not None
                    else ""
                )
            )
        )
    constraint = baseline.get("constraint")
    if isinstance(constraint, Mapping) and constraint.get("method"):
        flow.append(
            ctx.p(
                f"Output constraint: {esc(constraint['method'])}"
                + (f" ({esc(constraint['library'])})" if constraint.get("library") else "")
                + (
                    f", constraint {esc(constraint['constraint'])}"
                    if constraint.get("constraint")
                    else ""
                )
                + (
                    f"; it needs {protected} when deciding."
                    if constraint.get("needs_protected_at_prediction")
                    else "."
                )
            )
        )
    conclusion = _conclusion_text(baseline.get("conclusion"))
    if conclusion:
        flow.append(
            KeepTogether(
                [
                    ctx.heading("Conclusion", 2),
                    *(ctx.plain(line) for line in conclusion.splitlines() if line.strip()),
                ]
            )
        )
    return flow
