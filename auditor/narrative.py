"""Plain-language statements generated from an audit document (the JSON of ``AuditResult.to_dict()``).

Used by the dashboard's captions and the PDF's executive summary, so both say the same thing.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .findings import HEADLINE_METRICS, Disparity, format_p, iter_ranked_disparities
from .rate_definitions import SUMMARY_NAMES
from .vocabulary import Vocabulary, metric_label, vocabulary_from_dict, vocabulary_from_names

__all__ = [
    "METRIC_NAMES",
    "Finding",
    "Vocabulary",
    "VOCABULARIES",
    "VOCABULARY_DECISION_FAVOURABLE",
    "describe_group_comparison",
    "format_p",
    "format_rate",
    "largest_disparities",
    "small_groups",
    "verdict_sentence",
]

METRIC_NAMES: dict[str, str] = {
    "selection_rate": "selection rate",
    "base_rate": "base rate",
    "tpr": "true positive rate",
    "fpr": "false positive rate",
    "fnr": "false negative rate",
    "tnr": "true negative rate",
    "ppv": "precision (PPV)",
    "npv": "negative predictive value",
    "fdr": "false discovery rate",
    "for": "false omission rate",
    "accuracy": "accuracy",
}


VOCABULARIES: dict[str, Vocabulary] = {
    "generic": Vocabulary(),
    "compas": vocabulary_from_names(
        people="defendants",
        decision="flagged high-risk",
        not_decision="rated low-risk",
        outcome="re-offended",
        not_outcome="did not re-offend",
    ),
    "adult": vocabulary_from_names(
        people="people",
        decision="predicted to earn over $50K",
        not_decision="predicted to earn $50K or less",
        outcome="earned over $50K",
        not_outcome="earned $50K or less",
    ),
}


VOCABULARY_DECISION_FAVOURABLE: dict[str, bool] = {"generic": True, "compas": False, "adult": True}
"""Whether each preset's positive decision favours the person: being "flagged high-risk" harms
them, so choosing the COMPAS words also puts the four-fifths rule on the share not flagged
(unless the user states the direction)."""


def format_rate(value: float | None) -> str:
    """0.4233 → '42.3%'; ``None`` → 'n/a'. Shown clamped to [0, 1]: a rate computed from
    noisy (DP) counts can fall outside it, and is only clamped for display."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    return f"{100 * min(max(value, 0.0), 1.0):.1f}%"


def _group_name(key: Mapping[str, str]) -> str:
    return " × ".join(str(v) for v in key.values())


# Attributes whose values read naturally before the noun ("Hispanic defendants", "Female people").
_ADJECTIVE_ATTRIBUTES = ("race", "sex", "gender", "ethnic", "nationality", "religion")


_SEX_PLURALS = {"female": "women", "male": "men", "woman": "women", "man": "men"}


def _subject(key: Mapping[str, str], people: str) -> str:
    """'African-American defendants', 'defendants with age_cat 25 - 45', or both combined."""
    if people == "people" and len(key) == 1:
        ((name, value),) = key.items()
        plural = _SEX_PLURALS.get(str(value).strip().lower())
        if plural is not None and any(w in name.lower() for w in ("sex", "gender")):
            return plural  # "women", not "Female people"
    before = [str(v) for k, v in key.items() if any(w in k.lower() for w in _ADJECTIVE_ATTRIBUTES)]
    after = [
        f"{k} {v}" for k, v in key.items() if not any(w in k.lower() for w in _ADJECTIVE_ATTRIBUTES)
    ]
    text = " ".join([*before, people])
    if after:
        text += " with " + " and ".join(after)
    return text


def describe_group_comparison(
    metric: str,
    group: Mapping[str, Any],
    reference: Mapping[str, Any],
    *,
    vocabulary: Vocabulary = VOCABULARIES["generic"],
) -> str | None:
    """One sentence comparing a group with the reference on ``metric``; ``None`` if undefined.

    >>> # e.g. 'African-American defendants who did not re-offend were flagged high-risk
    >>> #       1.9× as often as Caucasian defendants (42.3% vs 22.0%).'
    """
    value = group["metrics"].get(metric)
    ref_value = reference["metrics"].get(metric)
    if value is None or ref_value is None or ref_value == 0:
        return None
    if value == 0:
        return None
    # The group with the higher rate is the subject, so the factor always reads "N× as often".
    v = vocabulary
    g, r = _subject(group["key"], v.people), _subject(reference["key"], v.people)
    high, low = (value, ref_value) if value >= ref_value else (ref_value, value)
    if value < ref_value:
        g, r = r, g
    factor = high / low
    figures = f"({format_rate(high)} vs {format_rate(low)})"
    if metric == "selection_rate":
        return f"{g} {v.predicted_positive} {factor:.1f}× as often as {r} {figures}."
    if metric == "fpr":
        return (
            f"{g} who {v.actual_negative} {v.predicted_positive} "
            f"{factor:.1f}× as often as {r} who {v.actual_negative} {figures}."
        )
    if metric == "fnr":
        return (
            f"{g} who {v.actual_positive} {v.predicted_negative} "
            f"{factor:.1f}× as often as {r} who {v.actual_positive} {figures}."
        )
    if metric == "tpr":
        return (
            f"{g} who {v.actual_positive} {v.predicted_positive} "
            f"{factor:.1f}× as often as {r} who {v.actual_positive} {figures}."
        )
    name = METRIC_NAMES.get(metric, metric)
    return f"The {name} of {g} is {factor:.2f}× that of {r} {figures}."


@dataclass(frozen=True, kw_only=True)
class Finding(Disparity):
    """A disparity (see :mod:`auditor.findings`) in plain words, with its test."""

    sentence: str

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "sentence": self.sentence}


def _is_small(group: Mapping[str, Any]) -> bool:
    flags = group.get("flags", [])
    return "insufficient_data" in flags or "empty" in flags


def largest_disparities(
    document: Mapping[str, Any],
    *,
    metrics: tuple[str, ...] = HEADLINE_METRICS,
    top: int = 5,
    vocabulary: Vocabulary = VOCABULARIES["generic"],
    include_intersections: bool = True,
) -> list[Finding]:
    """The disparities to report, strongest evidence first, each in a sentence with its test.

    Which disparities and in which order: :func:`auditor.findings.ranked_disparities` (a small
    group or an intersection only when significant, with its caveat; no 1.0× "differences").
    """
    findings = []
    for disparity in iter_ranked_disparities(
        document, metrics=metrics, include_intersections=include_intersections
    ):
        breakdown = next(b for b in document["breakdowns"] if tuple(b["by"]) == disparity.by)
        group = next(g for g in breakdown["groups"] if g["key"] == disparity.group)
        reference = next(g for g in breakdown["groups"] if g.get("is_reference"))
        sentence = describe_group_comparison(
            disparity.metric, group, reference, vocabulary=vocabulary
        )
        if sentence is None:
            continue
        values = {f.name: getattr(disparity, f.name) for f in dataclasses.fields(disparity)}
        findings.append(Finding(**values, sentence=sentence))
        if len(findings) >= top:
            break
    return findings


def small_groups(document: Mapping[str, Any], *, include_intersections: bool = True) -> list[str]:
    """Names of groups flagged as having insufficient data, e.g. 'race: Native American'."""
    names = []
    for breakdown in document.get("breakdowns", []):
        if len(breakdown["by"]) > 1 and not include_intersections:
            continue
        for group in breakdown["groups"]:
            if _is_small(group):
                names.append(f"{' × '.join(breakdown['by'])}: {_group_name(group['key'])}")
    return names


def verdict_sentence(document: Mapping[str, Any]) -> str:
    """'The model FAILS the output specification …', a not-evaluable verdict, or a note that
    no policy was applied. A check that could not be evaluated is never read as a pass."""
    policy = document.get("policy")
    if not policy:
        return "No output specification was applied: the figures are reported without a verdict."
    checks = policy.get("checks", [])
    words = vocabulary_from_dict(document.get("vocabulary"))
    failed = [c for c in checks if _outcome(c) == "fail"]
    unknown = [c for c in checks if _outcome(c) == "not_evaluable"]
    name = policy.get("name", "the output specification")
    not_evaluable = ""
    if unknown:
        listed = "; ".join(
            f"{_check_name(c, words)} by {', '.join(c['by'])} ({c.get('reason') or 'undefined'})"
            for c in unknown[:4]
        )
        more = f" and {len(unknown) - 4} more" if len(unknown) > 4 else ""
        not_evaluable = (
            f"{len(unknown)} of {len(checks)} checks could not be evaluated "
            f"(counted neither as a pass nor as a fail): {listed}{more}."
        )
    if not failed and not unknown:
        return f"The model PASSES {name}: all {len(checks)} checks hold."
    if not failed:
        return f"{name} is NOT EVALUABLE on this data: no check failed, but {not_evaluable}"
    parts = []
    for check in failed[:4]:
        value = "undefined" if check.get("value") is None else f"{check['value']:.3f}"
        parts.append(
            f"{_check_name(check, words)} by {', '.join(check['by'])} ({value}; bound "
            f"{check['bound']})"
        )
    more = f" and {len(failed) - 4} more" if len(failed) > 4 else ""
    return (
        f"The model FAILS {name}: {len(failed)} of {len(checks)} checks fail — "
        + "; ".join(parts)
        + more
        + "."
        + (f" {not_evaluable}" if not_evaluable else "")
    )


def _check_name(check: Mapping[str, Any], words: Vocabulary) -> str:
    """A check's metric in the audit's words: 'impact ratio of the share not flagged
    high-risk', 'approved (selection rate)'; summary metrics keep their names."""
    metric = str(check.get("metric"))
    if check.get("judged_on") == "favourable_complement":
        decision = words.decision or "given the decision"
        return f"impact ratio of the share not {decision}"
    if metric == "selection_rate" and check.get("rule") == "ratio_at_least":
        return f"impact ratio of {metric_label(metric, words)}"
    if metric in METRIC_NAMES:
        return metric_label(metric, words)
    return SUMMARY_NAMES.get(metric, metric)


def _outcome(check: Mapping[str, Any]) -> str:
    if check.get("outcome"):
        return str(check["outcome"])
    passed = check.get("passed")
    return "not_evaluable" if passed is None else ("pass" if passed else "fail")
