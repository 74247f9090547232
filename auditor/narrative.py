"""Plain-language statements generated from an audit document (the JSON of ``AuditResult.to_dict()``).

Used by the dashboard's captions and the PDF's executive summary, so both say the same thing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "METRIC_NAMES",
    "Finding",
    "Vocabulary",
    "VOCABULARIES",
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

HEADLINE_METRICS = ("selection_rate", "fpr", "fnr")


@dataclass(frozen=True, kw_only=True)
class Vocabulary:
    """Words for the people and outcomes of a data set, so sentences read naturally."""

    people: str = "people"
    actual_positive: str = "had the positive outcome"
    actual_negative: str = "did not have the positive outcome"
    predicted_positive: str = "were predicted positive"
    predicted_negative: str = "were predicted negative"


VOCABULARIES: dict[str, Vocabulary] = {
    "generic": Vocabulary(),
    "compas": Vocabulary(
        people="defendants",
        actual_positive="re-offended",
        actual_negative="did not re-offend",
        predicted_positive="were flagged high-risk",
        predicted_negative="were rated low-risk",
    ),
    "adult": Vocabulary(
        people="people",
        actual_positive="earned over $50K",
        actual_negative="earned $50K or less",
        predicted_positive="were predicted to earn over $50K",
        predicted_negative="were predicted to earn $50K or less",
    ),
}


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


def _subject(key: Mapping[str, str], people: str) -> str:
    """'African-American defendants', 'defendants with age_cat 25 - 45', or both combined."""
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


_TEST_NAMES = {"fisher_exact": "Fisher's exact test", "two_proportion_z": "two-proportion z test"}


@dataclass(frozen=True)
class Finding:
    """A disparity worth stating: a group against the reference on one metric, with the test
    that says whether it is evidence (Holm-corrected within its breakdown and metric)."""

    by: tuple[str, ...]
    metric: str
    group: Mapping[str, str]
    reference: Mapping[str, str]
    ratio: float
    sentence: str
    significant: bool | None
    method: str | None = None
    p_value: float | None = None
    p_adjusted: float | None = None
    n: float | None = None
    small_group: bool = False

    @property
    def strength(self) -> float:
        return abs(math.log(self.ratio)) if self.ratio > 0 else float("inf")

    @property
    def evidence(self) -> str:
        """The test in words, e.g. "Fisher's exact test, Holm-adjusted p = 0.077: not
        statistically significant"; a small group's caveat is appended."""
        if self.p_adjusted is None or self.method is None:
            text = "no significance test (differentially private counts)"
        else:
            verdict = (
                "statistically significant"
                if self.significant
                else ("not statistically significant")
            )
            text = (
                f"{_TEST_NAMES.get(self.method, self.method)}, Holm-adjusted "
                f"{format_p(self.p_adjusted)}: {verdict}"
            )
        if self.small_group:
            size = "" if self.n is None else f"n = {self.n:.0f}, "
            text += f"; {size}a small group — too few people for a stable rate, interpret with care"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "by": list(self.by),
            "metric": self.metric,
            "group": dict(self.group),
            "reference": dict(self.reference),
            "ratio": self.ratio,
            "sentence": self.sentence,
            "test": self.method,
            "p_value": self.p_value,
            "p_adjusted": self.p_adjusted,
            "correction": "holm",
            "significant": self.significant,
            "n": self.n,
            "small_group": self.small_group,
            "evidence": self.evidence,
        }


def format_p(value: float) -> str:
    """0.0768 → 'p = 0.077'; 3e-12 → 'p < 0.001'."""
    if value < 0.001:
        return "p < 0.001"
    return f"p = {value:.3f}"


def _is_small(group: Mapping[str, Any]) -> bool:
    flags = group.get("flags", [])
    return "insufficient_data" in flags or "empty" in flags


MIN_FACTOR = 1.05
"""A ratio that reads as 1.0× is no disparity and is never a finding."""


def largest_disparities(
    document: Mapping[str, Any],
    *,
    metrics: tuple[str, ...] = HEADLINE_METRICS,
    top: int = 5,
    vocabulary: Vocabulary = VOCABULARIES["generic"],
    include_intersections: bool = True,
) -> list[Finding]:
    """The disparities to report, strongest evidence first.

    A group with enough data is a candidate on every headline metric; a small group (and any
    intersection) only when its difference is statistically significant after Holm's
    correction — then it is reported with its small-n caveat rather than hidden. Ratios
    that read as 1.0× are no finding. Ranked: significant before not significant (before
    untested, in DP mode), then by the size of the ratio (|log ratio|).
    """
    findings = []
    for breakdown in document.get("breakdowns", []):
        intersection = len(breakdown["by"]) > 1
        if intersection and not include_intersections:
            continue
        reference = next((g for g in breakdown["groups"] if g.get("is_reference")), None)
        if reference is None:
            continue
        for group in breakdown["groups"]:
            if group is reference:
                continue
            small = _is_small(group)
            for metric in metrics:
                ratio = group.get("ratio_to_reference", {}).get(metric)
                if ratio is None or ratio <= 0 or max(ratio, 1 / ratio) < MIN_FACTOR:
                    continue
                # DP: a rate whose interval is too wide to say anything is no finding
                if metric in (group.get("not_estimable") or ()) or metric in (
                    reference.get("not_estimable") or ()
                ):
                    continue
                test = group.get("tests", {}).get(metric)
                significant = test.get("significant") if test else None
                if (small or intersection) and significant is not True:
                    continue
                sentence = describe_group_comparison(
                    metric, group, reference, vocabulary=vocabulary
                )
                if sentence is None:
                    continue
                findings.append(
                    Finding(
                        by=tuple(breakdown["by"]),
                        metric=metric,
                        group=group["key"],
                        reference=reference["key"],
                        ratio=ratio,
                        sentence=sentence,
                        significant=significant,
                        method=test.get("method") if test else None,
                        p_value=test.get("p_value") if test else None,
                        p_adjusted=test.get("p_adjusted") if test else None,
                        n=group.get("n"),
                        small_group=small,
                    )
                )
    evidence_rank = {True: 0, None: 1, False: 2}
    findings.sort(key=lambda f: (evidence_rank[f.significant], -f.strength))
    return findings[:top]


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
    failed = [c for c in checks if _outcome(c) == "fail"]
    unknown = [c for c in checks if _outcome(c) == "not_evaluable"]
    name = policy.get("name", "the output specification")
    not_evaluable = ""
    if unknown:
        listed = "; ".join(
            f"{c['metric']} by {', '.join(c['by'])} ({c.get('reason') or 'undefined'})"
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
            f"{check['metric']} by {', '.join(check['by'])} ({value}; bound {check['bound']})"
        )
    more = f" and {len(failed) - 4} more" if len(failed) > 4 else ""
    return (
        f"The model FAILS {name}: {len(failed)} of {len(checks)} checks fail — "
        + "; ".join(parts)
        + more
        + "."
        + (f" {not_evaluable}" if not_evaluable else "")
    )


def _outcome(check: Mapping[str, Any]) -> str:
    if check.get("outcome"):
        return str(check["outcome"])
    passed = check.get("passed")
    return "not_evaluable" if passed is None else ("pass" if passed else "fail")
