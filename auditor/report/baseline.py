"""The input-restriction study (baseline-v1): strategies, proxies, conclusion."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer

from .. import charts
from .context import ReportContext
from .errors import ReportError
from .sections import _chart_block
from .tables import grid_table
from .text import esc, fmt_number, fmt_rate

__all__ = ["BASELINE_SCHEMA", "baseline_section", "check_baseline"]

BASELINE_SCHEMA = "auditor/baseline-v1"
STRATEGY_NAMES = {
    "aware": "Aware: every feature, protected attribute included",
    "unaware": "Unaware: protected attribute dropped",
    "unaware_without_proxies": "Unaware, proxies dropped too",
    "output_constrained": "Output-constrained: fairness constraint on the decisions",
}
_SUMMARY_COLUMNS = (
    ("demographic_parity_difference", "DP diff."),
    ("demographic_parity_ratio", "DP ratio"),
    ("equalized_odds_difference", "EO diff."),
    ("equal_opportunity_difference", "EOpp diff."),
)
WRONG_BASELINE = ("the baseline document has schema {schema!r}, not 'auditor/baseline-v1': pass "
                  "the JSON written by `auditor baseline … --json`")


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
        return "; ".join(f"{k}: {v}" for k, v in conclusion.items()
                         if isinstance(v, str | int | float))
    return str(conclusion)


def _strategy_table(ctx: ReportContext, strategies: list[Mapping[str, Any]]) -> Flowable:
    header = ["Strategy", "Features used", "Accuracy", *(label for _, label in _SUMMARY_COLUMNS)]
    rows: list[list[Any]] = [[Paragraph(h, ctx.styles.head) for h in header]]
    for strategy in strategies:
        name = str(strategy.get("name", "?"))
        features = [str(f) for f in strategy.get("features") or []]
        feature_text = f"{len(features)}: " + ", ".join(features) if features else "none"
        summary = strategy.get("summary") or {}
        rows.append([
            Paragraph(f"<b>{esc(name)}</b><br/>{esc(STRATEGY_NAMES.get(name, ''))}",
                      ctx.styles.cell),
            Paragraph(esc(feature_text), ctx.styles.cell),
            Paragraph(fmt_rate(strategy.get("accuracy")), ctx.styles.cell),
            *(Paragraph(fmt_number(summary.get(key)), ctx.styles.cell)
              for key, _ in _SUMMARY_COLUMNS),
        ])
    return grid_table(rows, widths=[22, 30, 10, 9, 9, 9, 11], frame_width=ctx.frame_width)


def _proxy_table(ctx: ReportContext, proxies: list[Mapping[str, Any]]) -> Flowable:
    rows: list[list[Any]] = [[Paragraph(h, ctx.styles.head) for h in
                              ("Feature", "AUC for the protected attribute, alone", "Dropped")]]
    for proxy in proxies:
        dropped = proxy.get("dropped")
        rows.append([Paragraph(esc(proxy.get("feature", "?")), ctx.styles.cell),
                     Paragraph(fmt_number(proxy.get("auc")), ctx.styles.cell),
                     Paragraph("n/a" if dropped is None else ("yes" if dropped else "no"),
                               ctx.styles.cell)])
    return grid_table(rows, widths=[45, 35, 20], frame_width=ctx.frame_width)


def baseline_section(ctx: ReportContext, baseline: Mapping[str, Any], *,
                     page_break: bool = True) -> list[Flowable]:
    """The study: comparison table, trade-off chart (when available), proxies, conclusion."""
    check_baseline(baseline)
    protected = esc(baseline.get("protected", "the protected attribute"))
    flow: list[Flowable] = [PageBreak()] if page_break else []
    flow += [
        ctx.heading("Input restriction study"),
        ctx.p(f"Does removing <b>{protected}</b> from the model's inputs make its outputs fair? "
              "The same model was trained with different input rules and each one's decisions "
              "were audited with the same measures as the rest of this report. Restricting "
              "inputs is compared with constraining outputs directly."),
    ]
    target = baseline.get("target")
    if target:
        flow.append(ctx.p(f"Target: <b>{esc(target)}</b>. Protected attribute: <b>{protected}"
                          "</b>."))
    strategies = [s for s in baseline.get("strategies") or [] if isinstance(s, Mapping)]
    flow += [ctx.heading("Strategies compared", 2), _strategy_table(ctx, strategies),
             Paragraph("Accuracy on held-out rows; DP = demographic parity (selection rates), "
                       "EO = equalized odds, EOpp = equal opportunity (TPR), all across the "
                       f"groups of {protected}. Smaller differences and ratios nearer 1 are "
                       "fairer.", ctx.styles.caption)]
    tradeoff = getattr(charts, "baseline_tradeoff_chart", None)
    if ctx.charts and tradeoff is not None and strategies:
        flow += _chart_block(ctx, tradeoff(baseline),
                             "Accuracy against disparity for each input rule.")
    proxies = [p for p in baseline.get("proxies") or [] if isinstance(p, Mapping)]
    flow.append(ctx.heading("Proxies", 2))
    all_auc = baseline.get("proxy_auc_all_features")
    if all_auc is not None:
        flow.append(ctx.p(
            f"From all the other features together, {protected} can be predicted with AUC "
            f"<b>{fmt_number(all_auc)}</b> (0.5 = no better than chance). Dropping the column "
            "does not remove the information when other features carry it."))
    if proxies:
        flow += [_proxy_table(ctx, proxies), Spacer(1, 6)]
    conclusion = _conclusion_text(baseline.get("conclusion"))
    if conclusion:
        flow += [ctx.heading("Conclusion", 2), ctx.plain(conclusion)]
    return flow
