"""A plain-language conclusion written from the study's numbers (the ``baseline-v1`` document).

Nothing here knows which data set was studied: every sentence is chosen by comparing the
measured demographic-parity ratios, accuracies and proxy AUCs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["SAME_BAND", "describe_change", "write_conclusion"]

SAME_BAND = 0.05
"""Demographic-parity ratios closer than this are described as 'about the same'."""


def _ratio(strategy: Mapping[str, Any]) -> float | None:
    return strategy["summary"].get("demographic_parity_ratio")


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def describe_change(before: float | None, after: float | None) -> str:
    """How a demographic-parity ratio moved, in words (higher ratio = more equal selection).

    Examples
    --------
    >>> describe_change(0.30, 0.31)
    'left the disparity about the same'
    >>> describe_change(0.60, 0.40)
    'made the disparity worse'
    """
    if before is None or after is None:
        return "could not be compared"
    if abs(after - before) < SAME_BAND:
        return "left the disparity about the same"
    return "reduced the disparity" if after > before else "made the disparity worse"


def _rates(strategy: Mapping[str, Any]) -> str:
    rates = {k: v for k, v in strategy.get("selection_rates", {}).items() if v is not None}
    if len(rates) < 2:
        return ""
    low = min(rates, key=rates.get)
    high = max(rates, key=rates.get)
    return f" ({low} selected at {_pct(rates[low])}, {high} at {_pct(rates[high])})"


def write_conclusion(document: Mapping[str, Any]) -> str:
    """Sentences (one per line) that say what the study measured and what follows from it."""
    protected = document["protected"]
    threshold = document.get("four_fifths_threshold", 0.8)
    by_name = {s["name"]: s for s in document["strategies"]}
    aware, unaware = by_name["aware"], by_name["unaware"]
    lines = []
    target = document.get("target")
    positive = document.get("positive_label")
    outcome = f"'{target}' = {positive!r}" if positive is not None else f"'{target}'"
    lines.append(
        f"Four models predicting {outcome}, audited on the same "
        f"{document.get('dataset', {}).get('test_rows', 'held-out')} held-out rows by "
        f"'{protected}' (demographic-parity ratio: lowest ÷ highest selection rate; "
        f"four-fifths rule: at least {threshold:g})."
    )
    lines.append(
        f"With '{protected}' as an input the ratio is {_fmt(_ratio(aware))}{_rates(aware)}, "
        f"accuracy {_pct(aware['accuracy'])}."
    )
    proxies = document.get("proxies", [])
    top = f"; '{proxies[0]['feature']}' alone reaches {_fmt(proxies[0]['auc'])}" if proxies else ""
    lines.append(
        f"Dropping '{protected}' {describe_change(_ratio(aware), _ratio(unaware))}: "
        f"ratio {_fmt(_ratio(unaware))}{_rates(unaware)}. The remaining features predict "
        f"'{protected}' with AUC {_fmt(document.get('proxy_auc_all_features'))}{top}."
    )
    if "unaware_without_proxies" in by_name:
        stripped = by_name["unaware_without_proxies"]
        analysis = document.get("proxy_analysis", {})
        dropped = analysis.get("dropped", [])
        names = ", ".join(f"'{name}'" for name in dropped)
        rest = analysis.get("auc_without_proxies")
        lines.append(
            f"Dropping the {len(dropped)} strongest "
            f"prox{'y' if len(dropped) == 1 else 'ies'} of '{protected}' too ({names}) gives ratio "
            f"{_fmt(_ratio(stripped))} at accuracy {_pct(stripped['accuracy'])}"
            + (
                f"; what is left still predicts '{protected}' with AUC {_fmt(rest)}."
                if rest is not None
                else "."
            )
        )
    input_rules = [s for s in (unaware, by_name.get("unaware_without_proxies")) if s is not None]
    if "output_constrained" in by_name:
        constrained = by_name["output_constrained"]
        constraint = document.get("constraint", {})
        ratio = _ratio(constrained)
        meets = ratio is not None and ratio >= threshold
        cost = None
        if constrained["accuracy"] is not None and unaware["accuracy"] is not None:
            cost = unaware["accuracy"] - constrained["accuracy"]
        cost_text = (
            f"an accuracy cost of {100 * cost:.1f} points against the unaware model"
            if cost is not None and cost > 0
            else "no loss of accuracy against the unaware model"
        )
        decided = (
            f"; it needs '{protected}' when deciding"
            if constraint.get("needs_protected_at_prediction")
            else f"; it needs '{protected}' only while training"
        )
        lines.append(
            f"Constraining the outputs instead ({constraint.get('method', 'a fairness constraint')}, "
            f"demographic parity) gives ratio {_fmt(ratio)}{_rates(constrained)}, which "
            f"{'meets' if meets else 'does not meet'} the four-fifths rule, at {cost_text} "
            f"({_pct(unaware['accuracy'])} → {_pct(constrained['accuracy'])}){decided}."
        )
        odds = constrained["summary"].get("equalized_odds_difference")
        odds_before = unaware["summary"].get("equalized_odds_difference")
        if odds is not None and odds_before is not None and odds > odds_before + SAME_BAND:
            lines.append(
                f"Equal selection rates are not equal error rates: its equalized-odds "
                f"difference is {odds:.2f} (unaware model: {odds_before:.2f}); choose the "
                "output rule the policy requires, and audit that."
            )
        inputs_pass = [s for s in input_rules if (_ratio(s) or 0) >= threshold]
        if meets and not inputs_pass:
            lines.append(
                "Conclusion: restricting the model's inputs did not bring its decisions within "
                "the four-fifths rule; specifying the outputs did, and the outputs are what "
                "an audit can check."
            )
        elif meets:
            lines.append(
                "Conclusion: here an input restriction happened to meet the four-fifths rule, "
                "but nothing guaranteed it; only the output constraint is built to meet it, "
                "and only an audit of the outputs can show it."
            )
        else:
            lines.append(
                "Conclusion: no strategy met the four-fifths rule on the held-out rows; "
                "tighten the output constraint and audit again."
            )
    worse = [
        s
        for s in input_rules
        if describe_change(_ratio(aware), _ratio(s)) == "made the disparity worse"
    ]
    if worse:
        lines.append(
            f"Why hiding '{protected}' can hurt: without it the model cannot tell when a feature "
            f"means something different for one group; proxies let it guess, wrongly for some."
        )
    return "\n".join(lines)
