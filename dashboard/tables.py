"""Display tables of an audit document: groups, summaries, policy checks, and the lookups the
pages use to pick a breakdown and its reference. No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from auditor.findings import not_estimable
from auditor.narrative import format_rate
from auditor.vocabulary import metric_label

from .formatting import FLAG_NAMES, display_rate, format_count, format_interval, format_ratio

__all__ = [
    "default_metric",
    "VERDICT_COLOURS",
    "groups_not_judged",
    "verdict_grid",
    "verdict_style",
    "HEADLINE",
    "SUMMARY_NAMES",
    "breakdown_for",
    "checks_table",
    "group_table",
    "headline_metrics",
    "reference_options",
    "summary_table",
]

SUMMARY_NAMES = {
    "demographic_parity_difference": "Demographic parity difference (max − min selection rate)",
    "demographic_parity_ratio": "Demographic parity ratio (min ÷ max selection rate)",
    "equalized_odds_difference": "Equalized odds difference (largest TPR or FPR gap)",
    "equalized_odds_ratio": "Equalized odds ratio (smaller of TPR and FPR min ÷ max)",
    "equal_opportunity_difference": "Equal opportunity difference (TPR gap)",
}


HEADLINE = ("selection_rate", "fpr", "fnr")
"""Selection (approval) rate first, then the error rates: the default metric follows the
decision, not the error a risk tool is judged on."""


def default_metric(choices: Sequence[str]) -> str:
    """The metric a page starts with: the selection rate (approved, hired, flagged) if the
    audit has it, else the first choice."""
    return HEADLINE[0] if HEADLINE[0] in choices else choices[0]


def headline_metrics(metric: str, *, has_label: bool = True) -> list[str]:
    """The chosen metric first, then the headline rates (selection rate, FPR, FNR): three
    columns; without a label only the selection rate (the others do not exist)."""
    available = metric_options(has_label=has_label)
    return [m for m in [metric, *[m for m in HEADLINE if m != metric]] if m in available][:3]


def metric_options(*, has_label: bool) -> list[str]:
    """The rates an audit has: all of them, or without a label only the label-free ones."""
    from auditor.metrics import LABEL_FREE_METRICS, RATE_METRICS

    return list(RATE_METRICS if has_label else LABEL_FREE_METRICS)


def breakdown_for(document: Mapping[str, Any], *by: str) -> dict[str, Any]:
    """The breakdown over ``by`` in an audit document (either order for a pair)."""
    for breakdown in document["breakdowns"]:
        if tuple(breakdown["by"]) == by or (len(by) == 2 and set(breakdown["by"]) == set(by)):
            return breakdown
    raise KeyError(f"the audit has no breakdown by {list(by)}")


def reference_options(breakdown: Mapping[str, Any]) -> list[str]:
    """The group values of a one-attribute breakdown, largest group first."""
    (attribute,) = breakdown["by"]
    groups = sorted(breakdown["groups"], key=lambda g: -(g.get("n") or 0))
    return [g["key"][attribute] for g in groups]


def group_table(
    breakdown: Mapping[str, Any],
    metrics: Sequence[str],
    *,
    private: bool = False,
    ratio_metric: str | None = None,
    vocabulary: Any = None,
) -> pd.DataFrame:
    """One row per group: size, each metric with its 95% interval, ratio to the reference, notes.

    Undefined values read 'n/a' (never 0). In DP mode the sizes are noisy and shown as ≈.
    Headers name the metrics in the ``vocabulary``'s words when given ("approved (selection
    rate)"); an unfavourable decision's impact ratio says it compares the complement.
    """
    complement = breakdown.get("impact_ratio_rate") == "favourable_complement"
    impact_header = (
        f"impact ratio (not {getattr(vocabulary, 'decision', '') or 'selected'} ÷ highest)"
        if complement
        else "impact ratio (÷ highest)"
    )
    ratio_metric = ratio_metric or (metrics[0] if metrics else None)
    rows = []
    for group in breakdown["groups"]:
        row: dict[str, str] = {
            "group": " × ".join(group["key"].values()),
            ("n (noisy)" if private else "n"): format_count(group.get("n"), private=private),
        }
        # a private release's rates the noise swamps: no ratio is read off them either
        for metric in metrics:
            value = group["metrics"].get(metric)
            interval = group.get("intervals", {}).get(metric)
            if private:  # released rates can fall outside 0–100%: clamp for display only
                text = display_rate(value)
                interval = interval and [min(1.0, max(0.0, b)) for b in interval]
            else:
                text = format_rate(value)
            if value is not None and interval:
                text += f" ({format_interval(interval)})"
            if private and not_estimable(group, metric):
                text = f"{text} — not estimable at this ε"
            row[f"{metric_label(metric, vocabulary)} (95% interval)"] = text
            if metric == ratio_metric:
                ratio = group.get("ratio_to_reference", {}).get(metric)
                row["÷ reference"] = (
                    "reference"
                    if group.get("is_reference")
                    else NOT_ESTIMABLE
                    if private and not_estimable(group, metric)
                    else format_ratio(ratio)
                )
        if "impact_ratio" in group:
            impact = group.get("adverse_impact") or {}
            row[impact_header] = (
                "1 (highest)"
                if impact.get("is_comparison")
                else NOT_ESTIMABLE
                if private and not_estimable(group, "selection_rate")
                else format_ratio(group["impact_ratio"])
            )
            shortfall = impact.get("shortfall_to_four_fifths")
            row["short of 4/5"] = (
                ""
                if shortfall is None or (private and not_estimable(group, "selection_rate"))
                else format_count(shortfall, private=private)
            )
        notes = [FLAG_NAMES.get(flag, flag.replace("_", " ")) for flag in group.get("flags", [])]
        test = group.get("tests", {}).get(ratio_metric) if ratio_metric else None
        if test and test.get("significant"):
            notes.append("significant (Holm p < 0.05)")
        row["notes"] = "; ".join(notes)
        rows.append(row)
    return pd.DataFrame(rows)


NOT_ESTIMABLE = "not estimable at this ε"


def summary_table(breakdown: Mapping[str, Any]) -> pd.DataFrame:
    """The breakdown's summary metrics with readable names; undefined values read 'n/a'."""
    sufficient = breakdown.get("summary_sufficient_data") or {}
    rows = []
    for key, value in breakdown.get("summary", {}).items():
        enough = sufficient.get(key)
        rows.append(
            {
                "summary": SUMMARY_NAMES.get(key, key.replace("_", " ")),
                "all groups": "n/a" if value is None else f"{value:.3f}",
                "groups with enough data": "n/a" if enough is None else f"{enough:.3f}",
            }
        )
    return pd.DataFrame(rows)


def impact_comparison_text(breakdown: Mapping[str, Any]) -> str:
    """The group every impact ratio divides by, e.g. 'here: race = Caucasian'."""
    comparison = breakdown.get("impact_ratio_comparison")
    if not comparison:
        return "no group has enough data and a selection rate above 0"
    return "here: " + ", ".join(f"{k} = {v}" for k, v in comparison.items())


def checks_table(
    policy: Mapping[str, Any] | None, *, by: Sequence[str] | None = None
) -> pd.DataFrame:
    """Policy verdicts as a table (only those about ``by`` if given)."""
    rows = []
    for check in (policy or {}).get("checks", []):
        if by is not None and list(check.get("by", [])) != list(by):
            continue
        value = check.get("value")
        outcome = check.get("outcome") or (
            "not_evaluable"
            if check.get("passed") is None
            else ("pass" if check.get("passed") else "fail")
        )
        skipped = check.get("skipped_groups") or []
        rows.append(
            {
                "verdict": outcome.replace("_", " ").upper(),
                "check": check.get("description")
                or f"{check['metric']} {check['rule'].replace('_', ' ')} {check['bound']}",
                "by": ", ".join(check.get("by", [])),
                "value": "n/a" if value is None else f"{value:.3f}",
                "worst group": _worst_group(check),
                "not judged (too small)": ", ".join(
                    " × ".join(str(v) for v in g.values()) for g in skipped
                ),
                "reason": check.get("reason", ""),
            }
        )
    columns = ["verdict", "check", "by", "value", "worst group", "not judged (too small)", "reason"]
    return pd.DataFrame(rows, columns=columns)


def _worst_group(check: Mapping[str, Any]) -> str:
    group = check.get("group") or check.get("worst_group")
    if isinstance(group, Mapping):
        return " × ".join(str(v) for v in group.values())
    return str(group) if group else ""


VERDICT_WORDS = {"pass": "PASS", "fail": "FAIL", "not_evaluable": "NOT EVALUABLE"}
"""How each outcome reads in the dashboard (and the PDF)."""

VERDICT_COLOURS = {
    "PASS": "background-color: #d9ead3; color: #1e4620; font-weight: 600",
    "FAIL": "background-color: #f4cccc; color: #7a1f1f; font-weight: 600",
    "NOT EVALUABLE": "background-color: #fff2cc; color: #5c4400; font-weight: 600",
}
"""Cell styles of the verdict grid: green pass, red fail, amber not evaluable."""


def _outcome(check: Mapping[str, Any]) -> str:
    outcome = check.get("outcome") or (
        "not_evaluable"
        if check.get("passed") is None
        else ("pass" if check.get("passed") else "fail")
    )
    return VERDICT_WORDS.get(outcome, str(outcome).upper())


def verdict_grid(policy: Mapping[str, Any] | None) -> pd.DataFrame:
    """Every check × breakdown at one glance: PASS, FAIL or NOT EVALUABLE ('—': not checked).

    Rows are the policy's checks (by description), columns the breakdowns they judge, in the
    policy's order. Style it with :func:`verdict_style`.
    """
    checks = list((policy or {}).get("checks", []))
    rows: dict[str, dict[str, str]] = {}
    columns: list[str] = []
    for check in checks:
        row = check.get("description") or (
            f"{check['metric']} {check['rule'].replace('_', ' ')} {check['bound']}"
        )
        column = " × ".join(check.get("by", [])) or "all"
        if column not in columns:
            columns.append(column)
        rows.setdefault(row, {})[column] = _outcome(check)
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=columns).fillna("—")
    frame.index.name = "check"
    return frame


def verdict_style(value: Any) -> str:
    """CSS for one cell of :func:`verdict_grid`."""
    return VERDICT_COLOURS.get(str(value), "")


def groups_not_judged(policy: Mapping[str, Any] | None) -> list[str]:
    """'race: Native American' — per breakdown, the groups left out of its verdicts as too
    small, so the grid never hides who was not judged."""
    seen: dict[str, list[str]] = {}
    for check in (policy or {}).get("checks", []):
        column = " × ".join(check.get("by", [])) or "all"
        for group in check.get("skipped_groups") or []:
            name = " × ".join(str(v) for v in group.values())
            if name not in seen.setdefault(column, []):
                seen[column].append(name)
    return [f"{column}: {', '.join(names)}" for column, names in seen.items() if names]
