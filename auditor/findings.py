"""The disparities an audit reports as findings, each with its test — from the audit document.

A finding is one group against its breakdown's reference group on one rate. It carries the
test of that difference (Fisher's exact test or the two-proportion z test, Holm-corrected
within its breakdown and metric), so no disparity is stated without its evidence. Candidates:
every group with enough data on the headline rates; a small group — or any intersection — only
when its difference is significant, then with a small-n caveat. A ratio that reads as 1.0× is
no finding. Ranked: significant before untested (DP mode) before not significant, then by the
size of the ratio. The plain-language sentences are added by :mod:`auditor.narrative`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "HEADLINE_METRICS",
    "MIN_FACTOR",
    "Disparity",
    "estimated_attributes",
    "format_p",
    "iter_ranked_disparities",
    "not_estimable",
    "ranked_disparities",
]

HEADLINE_METRICS = ("selection_rate", "fpr", "fnr")
MIN_FACTOR = 1.05
"""A ratio that reads as 1.0× is no disparity and is never a finding."""

_TEST_NAMES = {"fisher_exact": "Fisher's exact test", "two_proportion_z": "two-proportion z test"}


def format_p(value: float) -> str:
    """0.0768 → 'p = 0.077'; 3e-12 → 'p < 0.001'."""
    if value < 0.001:
        return "p < 0.001"
    return f"p = {value:.3f}"


@dataclass(frozen=True, kw_only=True)
class Disparity:
    """A group against the reference on one metric, with the test of the difference."""

    by: tuple[str, ...]
    metric: str
    group: Mapping[str, str]
    reference: Mapping[str, str]
    ratio: float
    significant: bool | None
    method: str | None = None
    p_value: float | None = None
    p_adjusted: float | None = None
    n: float | None = None
    small_group: bool = False
    estimated: bool = False
    """The breakdown is over an estimated attribute (race by BISG): no test is computed there,
    since a test would take the soft counts for observed ones."""

    @property
    def strength(self) -> float:
        return abs(math.log(self.ratio)) if self.ratio > 0 else float("inf")

    @property
    def evidence(self) -> str:
        """The test in words, e.g. "Fisher's exact test, Holm-adjusted p = 0.077: not
        statistically significant"; a small group's caveat is appended."""
        if self.p_adjusted is None or self.method is None:
            text = (
                "no significance test (race is estimated: a test would treat the "
                "probabilities as observed counts)"
                if self.estimated
                else "no significance test (differentially private counts)"
            )
        else:
            verdict = (
                "statistically significant" if self.significant else "not statistically significant"
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
            "test": self.method,
            "p_value": self.p_value,
            "p_adjusted": self.p_adjusted,
            "correction": "holm",
            "significant": self.significant,
            "n": self.n,
            "small_group": self.small_group,
            "evidence": self.evidence,
        }


def _is_small(group: Mapping[str, Any]) -> bool:
    flags = group.get("flags", [])
    return "insufficient_data" in flags or "empty" in flags


def _comparable(group: Mapping[str, Any], reference: Mapping[str, Any], metric: str) -> bool:
    """Both rates defined and positive (a ratio to or from 0 reads as nothing)."""
    value = (group.get("metrics") or {}).get(metric)
    ref_value = (reference.get("metrics") or {}).get(metric)
    return value not in (None, 0) and ref_value not in (None, 0)


def not_estimable(group: Mapping[str, Any], metric: str) -> bool:
    """Whether a group record of an audit document says its ``metric`` is "not estimable at
    this ε" (a DP release: the noise swamps that rate; its other rates may be estimable)."""
    return metric in (group.get("not_estimable") or ())


def estimated_attributes(document: Mapping[str, Any]) -> set[str]:
    """The attributes the document marks as estimated (e.g. race by BISG)."""
    return {
        breakdown["by"][0]
        for breakdown in document.get("breakdowns", [])
        if len(breakdown.get("by", ())) == 1 and isinstance(breakdown.get("estimated"), Mapping)
    }


def ranked_disparities(
    document: Mapping[str, Any],
    *,
    metrics: tuple[str, ...] = HEADLINE_METRICS,
    include_intersections: bool = True,
    limit: int | None = None,
) -> list[Disparity]:
    """Every disparity worth stating in an audit document, strongest evidence first (the first
    ``limit`` of them, if given: the others are ranked but not built)."""
    ranked = iter_ranked_disparities(
        document, metrics=metrics, include_intersections=include_intersections
    )
    return list(itertools.islice(ranked, limit))


def iter_ranked_disparities(
    document: Mapping[str, Any],
    *,
    metrics: tuple[str, ...] = HEADLINE_METRICS,
    include_intersections: bool = True,
) -> Iterator[Disparity]:
    """:func:`ranked_disparities`, one at a time: every candidate is ranked first, and each
    :class:`Disparity` is built only when it is asked for (a page shows five of ~600)."""
    candidates = []
    estimated = estimated_attributes(document)
    evidence_rank = {True: 0, None: 1, False: 2}
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
                if not_estimable(group, metric) or not_estimable(reference, metric):
                    continue
                if not _comparable(group, reference, metric):
                    continue
                test = group.get("tests", {}).get(metric)
                significant = test.get("significant") if test else None
                if (small or intersection) and significant is not True:
                    continue
                # the order of Disparity.strength, ties kept in document order (a stable sort)
                rank = (evidence_rank[significant], -abs(math.log(ratio)), len(candidates))
                candidates.append(
                    (rank, breakdown, group, reference, metric, ratio, test, significant, small)
                )
    candidates.sort(key=lambda candidate: candidate[0])
    for _, breakdown, group, reference, metric, ratio, test, significant, small in candidates:
        yield Disparity(
            by=tuple(breakdown["by"]),
            metric=metric,
            group=group["key"],
            reference=reference["key"],
            ratio=ratio,
            significant=significant,
            method=test.get("method") if test else None,
            p_value=test.get("p_value") if test else None,
            p_adjusted=test.get("p_adjusted") if test else None,
            n=group.get("n"),
            small_group=small,
            estimated=bool(estimated & set(breakdown["by"])),
        )
