"""Rates, disparities, intervals, significance and summaries — pure functions of counts.

A rate whose denominator is zero is *undefined* (``None``), never 0. Summaries equal
fairlearn's ``between_groups`` aggregates over the groups whose values are defined.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

import numpy as np
from scipy import stats

from .adverse_impact import FOUR_FIFTHS_THRESHOLD, impact_ratios
from .breakdown_arrays import rate_parts as rate_part_arrays
from .breakdown_arrays import rates as rate_arrays
from .breakdown_arrays import summaries as summary_arrays
from .errors import InputError
from .fisher_batch import FisherCache
from .group_statistics import (
    holm_adjust,
    katz_intervals,
    newcombe_intervals,
    proportion_tests,
    selection_shortfalls,
    valid_pairs,
    wilson_intervals,
    z_tests,
)
from .rate_definitions import RATE_CELLS, RATE_METRICS, SUMMARY_DEFINITIONS

__all__ = [
    "COMPARED_METRICS",
    "METRIC_DEFINITIONS",
    "RATE_METRICS",
    "SUMMARY_DEFINITIONS",
    "TESTED_METRICS",
    "BreakdownResult",
    "ConfusionCounts",
    "ExactIntervals",
    "GroupResult",
    "IntervalEstimator",
    "LABEL_FREE_METRICS",
    "AdverseImpact",
    "SignificanceTest",
    "compute_breakdown",
    "newcombe_difference_interval",
    "katz_ratio_interval",
    "rate",
    "summary_of_sufficient",
    "wilson_interval",
]

Flag = Literal["empty", "insufficient_data", "no_actual_positives", "no_actual_negatives"]
Interval = tuple[float, float]

_RATE_CELLS = RATE_CELLS  # metric -> (numerator cells, denominator cells)
COMPARED_METRICS: tuple[str, ...] = RATE_METRICS
TESTED_METRICS: tuple[str, ...] = RATE_METRICS
"""Every rate a finding or a policy verdict can mention is tested against the reference."""
LABEL_FREE_METRICS: tuple[str, ...] = ("selection_rate",)
"""The rates an audit without ground truth (no label column) can compute."""

METRIC_DEFINITIONS: dict[str, tuple[str, str]] = {
    "selection_rate": ("(TP+FP)/n", "share of the group the model selects (predicts positive)"),
    "base_rate": ("(TP+FN)/n", "share of the group that is actually positive"),
    "tpr": ("TP/(TP+FN)", "true positive rate: actual positives the model catches"),
    "fpr": ("FP/(FP+TN)", "false positive rate: actual negatives the model wrongly flags"),
    "fnr": ("FN/(TP+FN)", "false negative rate: actual positives the model misses"),
    "tnr": ("TN/(FP+TN)", "true negative rate: actual negatives correctly left alone"),
    "ppv": ("TP/(TP+FP)", "precision: selected people who are actually positive"),
    "npv": ("TN/(TN+FN)", "negative predictive value: non-selected who are actually negative"),
    "fdr": ("FP/(TP+FP)", "false discovery rate: selected people who are actually negative"),
    "for": ("FN/(TN+FN)", "false omission rate: non-selected who are actually positive"),
    "accuracy": ("(TP+TN)/n", "share of correct predictions"),
}


@dataclass(frozen=True)
class ConfusionCounts:
    """Confusion-matrix counts of one group (noisy, possibly negative, after a DP release).

    Counts are fractional when group membership is estimated (BISG soft counts); then
    ``proxy_variance`` holds each count's variance over draws of the estimated membership, in
    the order (tp, fp, tn, fn), for intervals that carry that uncertainty.
    """

    tp: float
    fp: float
    tn: float
    fn: float
    proxy_variance: tuple[float, float, float, float] | None = None

    @property
    def n(self) -> float:
        return self.tp + self.fp + self.tn + self.fn

    def cells(self, names: Sequence[str]) -> float:
        return sum(getattr(self, name) for name in names)

    def predictions_swapped(self) -> ConfusionCounts:
        """The same people with the decision read the other way round (positive ↔ negative):
        the selection rate becomes 1 − the selection rate. For the four-fifths rule on an
        unfavourable decision ("flagged high risk"), whose favourable rate is the complement."""
        variance = self.proxy_variance
        return ConfusionCounts(
            tp=self.fn,
            fp=self.tn,
            tn=self.fp,
            fn=self.tp,
            proxy_variance=None
            if variance is None
            else (variance[3], variance[2], variance[1], variance[0]),
        )


def rate(counts: ConfusionCounts, metric: str) -> float | None:
    """``metric`` for one group, or ``None`` when its denominator is zero (or not positive)."""
    numerator, denominator = _RATE_CELLS[metric]
    bottom = counts.cells(denominator)
    if bottom <= 0:
        return None
    return counts.cells(numerator) / bottom


def _cells_getter(names: tuple[str, ...]):
    get = operator.attrgetter(*names)
    return get if len(names) > 1 else (lambda counts: (get(counts),))


# metric -> getters of its numerator and denominator cells (rate_parts runs ~40 times per group)
_RATE_GETTERS = {
    metric: (_cells_getter(numerator), _cells_getter(denominator))
    for metric, (numerator, denominator) in _RATE_CELLS.items()
}


def rate_parts(counts: ConfusionCounts, metric: str) -> tuple[float, float]:
    """(numerator, denominator) of ``metric``."""
    numerator, denominator = _RATE_GETTERS[metric]
    return sum(numerator(counts)), sum(denominator(counts))


@functools.lru_cache(maxsize=64)
def _z_value(confidence: float) -> float:
    """The two-sided normal quantile for ``confidence`` (cached: scipy's ppf costs ~80 µs a call)."""
    return float(stats.norm.ppf(0.5 + confidence / 2))


def wilson_interval(
    successes: float, trials: float, *, confidence: float = 0.95
) -> Interval | None:
    """Wilson score interval for a binomial proportion; ``None`` when there are no trials."""
    if trials <= 0:
        return None
    z = _z_value(confidence)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def katz_ratio_interval(
    x1: float, n1: float, x2: float, n2: float, *, confidence: float = 0.95
) -> Interval | None:
    """Katz log interval for the ratio (x1/n1)/(x2/n2) of independent proportions.

    With a zero count (x1 or x2 = 0) the log ratio and its standard error are infinite; then
    0.5 is added to every cell of the 2×2 table (x + 0.5 of n + 1, the Haldane–Anscombe
    correction), which gives an interval that covers — see ``docs/statistics.md`` for the
    coverage measured by ``benchmarks/katz_zero_cell_coverage.py``. ``None`` only when a
    group is empty or a count is negative (noisy DP counts are handled by the DP estimator).
    """
    if min(n1, n2) <= 0 or min(x1, x2) < 0:
        return None
    if x1 == 0 or x2 == 0:
        x1, n1, x2, n2 = x1 + 0.5, n1 + 1, x2 + 0.5, n2 + 1
    z = _z_value(confidence)
    log_ratio = math.log((x1 / n1) / (x2 / n2))
    se = math.sqrt(max(1 / x1 - 1 / n1 + 1 / x2 - 1 / n2, 0.0))
    return (math.exp(log_ratio - z * se), math.exp(log_ratio + z * se))


def newcombe_difference_interval(
    x1: float, n1: float, x2: float, n2: float, *, confidence: float = 0.95
) -> Interval | None:
    """Newcombe's hybrid score interval for p1 − p2 (built from the two Wilson intervals)."""
    first = wilson_interval(x1, n1, confidence=confidence)
    second = wilson_interval(x2, n2, confidence=confidence)
    if first is None or second is None:
        return None
    p1, p2 = x1 / n1, x2 / n2
    difference = p1 - p2
    lower = difference - math.sqrt((p1 - first[0]) ** 2 + (second[1] - p2) ** 2)
    upper = difference + math.sqrt((first[1] - p1) ** 2 + (p2 - second[0]) ** 2)
    return (max(-1.0, lower), min(1.0, upper))


class IntervalEstimator(Protocol):
    """How intervals are computed: exact-mode formulas, or a noise-aware bootstrap in DP mode."""

    method: str

    def rate_intervals(self, counts: ConfusionCounts) -> dict[str, Interval | None]: ...

    def comparison_intervals(
        self, counts: ConfusionCounts, reference: ConfusionCounts
    ) -> tuple[dict[str, Interval | None], dict[str, Interval | None]]: ...


@dataclass(frozen=True)
class ExactIntervals:
    """Wilson intervals on rates; Katz (ratio) and Newcombe (difference) for comparisons."""

    confidence: float = 0.95
    method: str = "wilson"

    def rate_intervals(self, counts: ConfusionCounts) -> dict[str, Interval | None]:
        return {
            metric: wilson_interval(*rate_parts(counts, metric), confidence=self.confidence)
            for metric in RATE_METRICS
        }

    def comparison_intervals(
        self, counts: ConfusionCounts, reference: ConfusionCounts
    ) -> tuple[dict[str, Interval | None], dict[str, Interval | None]]:
        ratios, differences = {}, {}
        for metric in COMPARED_METRICS:
            x1, n1 = rate_parts(counts, metric)
            x2, n2 = rate_parts(reference, metric)
            ratios[metric] = katz_ratio_interval(x1, n1, x2, n2, confidence=self.confidence)
            differences[metric] = newcombe_difference_interval(
                x1, n1, x2, n2, confidence=self.confidence
            )
        return ratios, differences


@dataclass(frozen=True)
class SignificanceTest:
    """A two-sided test of one group's rate against the reference group's."""

    metric: str
    method: Literal["fisher_exact", "two_proportion_z"]
    p_value: float
    p_adjusted: float
    significant: bool


@dataclass(frozen=True)
class AdverseImpact:
    """The four-fifths rule's figures for one group (see :mod:`auditor.adverse_impact`).

    ``impact_ratio`` is the group's selection rate ÷ the highest selection rate among the
    groups of its breakdown with enough data (the *comparison group*, named on the
    breakdown). ``test`` compares the group with the comparison group (Fisher's exact test
    for small expected counts, else the pooled z test; Holm-corrected over the breakdown's
    groups); ``z`` and ``fisher_p_value`` give both tests. The shortfalls are how many more
    selections the group needs to reach four-fifths of the comparison rate, or parity.
    """

    impact_ratio: float | None
    interval: Interval | None = None
    z: float | None = None
    z_p_value: float | None = None
    fisher_p_value: float | None = None
    test: SignificanceTest | None = None
    shortfall_to_four_fifths: int | None = None
    shortfall_to_parity: int | None = None
    is_comparison: bool = False


@dataclass(frozen=True)
class GroupResult:
    """Everything the audit says about one group of one breakdown."""

    key: Mapping[str, str]
    counts: ConfusionCounts
    metrics: Mapping[str, float | None]
    intervals: Mapping[str, Interval | None]
    ratio_to_reference: Mapping[str, float | None]
    difference_to_reference: Mapping[str, float | None]
    ratio_intervals: Mapping[str, Interval | None]
    difference_intervals: Mapping[str, Interval | None]
    tests: Mapping[str, SignificanceTest] = field(default_factory=dict)
    flags: tuple[Flag, ...] = ()
    is_reference: bool = False
    adverse_impact: AdverseImpact | None = None

    @property
    def n(self) -> float:
        return self.counts.n

    @property
    def label(self) -> str:
        """The group's values joined for display, e.g. ``African-American × Male``."""
        return " × ".join(str(v) for v in self.key.values())


@dataclass(frozen=True)
class BreakdownResult:
    """The audit of one breakdown: one protected attribute, or a pair (an intersection)."""

    by: tuple[str, ...]
    reference: Mapping[str, str]
    reference_rule: str
    groups: tuple[GroupResult, ...]
    summary: Mapping[str, float | None]
    summary_sufficient_data: Mapping[str, float | None] | None = None
    """The same summaries over the groups not flagged 'insufficient_data' or 'empty': the
    fairlearn-identical ``summary`` lets a handful of people in a tiny intersection decide it."""
    impact_ratio_comparison: Mapping[str, str] | None = None
    """The group with the highest selection rate among the groups with enough data: every
    group's ``adverse_impact.impact_ratio`` divides by its rate (``None``: no such group)."""
    has_label: bool = True
    """False for an audit without ground truth: only label-free metrics are present."""
    decision_favourable: bool = True
    """Whether the positive decision favours the person ("approved") or not ("flagged high
    risk"). When not, impact ratios and the four-fifths rule compare the favourable
    complement (1 − selection rate: "not flagged"), as the rule compares favourable rates."""

    def group(self, **key: str) -> GroupResult:
        """The group with these values, e.g. ``breakdown.group(race="Caucasian")``."""
        for group in self.groups:
            if all(str(group.key.get(k)) == str(v) for k, v in key.items()):
                return group
        raise KeyError(key)

    @property
    def reference_group(self) -> GroupResult:
        return next(group for group in self.groups if group.is_reference)


def _flags(
    counts: ConfusionCounts, *, min_group_size: int, has_label: bool = True
) -> tuple[Flag, ...]:
    flags: list[Flag] = []
    if counts.n <= 0:
        flags.append("empty")
    if counts.n < min_group_size:
        flags.append("insufficient_data")
    if not has_label:
        return tuple(flags)
    if counts.n > 0 and counts.tp + counts.fn <= 0:
        flags.append("no_actual_positives")
    if counts.n > 0 and counts.fp + counts.tn <= 0:
        flags.append("no_actual_negatives")
    return tuple(flags)


def choose_reference(
    keys: Sequence[Mapping[str, str]],
    sizes: Sequence[float],
    *,
    by: tuple[str, ...],
    requested: Mapping[str, str] | None,
) -> tuple[int, str]:
    """Index of the reference group, and the rule that chose it.

    If ``requested`` names a value for every attribute of ``by``, that group is the
    reference (an error if it does not exist); otherwise the largest group is.
    """
    requested = requested or {}
    wanted = {name: str(requested[name]) for name in by if name in requested}
    if len(wanted) == len(by) and wanted:
        for index, key in enumerate(keys):
            matches = all(str(key[name]) == value for name, value in wanted.items())
            if matches and (sizes[index] > 0 or len(by) == 1):
                return index, "chosen by the user"
        if len(by) == 1:
            (name,) = by
            available = ", ".join(sorted(str(key[name]) for key in keys)[:20])
            raise InputError(
                f"reference group {name}={wanted[name]!r} does not exist; "
                f"values of '{name}' are: {available}"
            )
    order = sorted(range(len(keys)), key=lambda i: (-sizes[i], [str(v) for v in keys[i].values()]))
    return order[0], "largest group"


def _safe_ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def _difference(first: float | None, second: float | None) -> float | None:
    if first is None or second is None:
        return None
    return first - second


def _has_enough_data(group: GroupResult) -> bool:
    return "insufficient_data" not in group.flags and "empty" not in group.flags


def summary_of_sufficient(groups: Sequence[GroupResult]) -> dict[str, float | None]:
    """Summaries over the groups with enough data (not flagged insufficient_data or empty)."""
    return _summary([g for g in groups if _has_enough_data(g)], has_label=_labelled(groups))


def _labelled(groups: Sequence[GroupResult]) -> bool:
    return not groups or any("tpr" in g.metrics for g in groups)


_LABEL_FREE_SUMMARIES = ("demographic_parity_difference", "demographic_parity_ratio")


def _summary(
    groups: Sequence[GroupResult], *, has_label: bool | None = None
) -> dict[str, float | None]:
    """fairlearn's between-groups summaries; without a label, only the selection-rate ones."""
    if has_label is None:
        has_label = _labelled(groups)

    def values(metric: str) -> list[float]:
        return [g.metrics[metric] for g in groups if g.metrics.get(metric) is not None]

    def spread(metric: str) -> float | None:
        found = values(metric)
        return max(found) - min(found) if found else None

    def min_over_max(metric: str) -> float | None:
        found = values(metric)
        if not found:
            return None
        return _safe_ratio(min(found), max(found))

    tpr_range, fpr_range = spread("tpr"), spread("fpr")
    tpr_ratio, fpr_ratio = min_over_max("tpr"), min_over_max("fpr")
    defined_ranges = [v for v in (tpr_range, fpr_range) if v is not None]
    defined_ratios = [v for v in (tpr_ratio, fpr_ratio) if v is not None]
    summary = {
        "demographic_parity_difference": spread("selection_rate"),
        "demographic_parity_ratio": min_over_max("selection_rate"),
        "equalized_odds_difference": max(defined_ranges) if len(defined_ranges) == 2 else None,
        "equalized_odds_ratio": min(defined_ratios) if len(defined_ratios) == 2 else None,
        "equal_opportunity_difference": tpr_range,
    }
    if not has_label:
        return {name: summary[name] for name in _LABEL_FREE_SUMMARIES}
    return summary


def _none_if_nan(values: np.ndarray) -> list[float | None]:
    return [None if v != v else v for v in values.tolist()]


def _interval_list(
    lower: np.ndarray, upper: np.ndarray, defined: np.ndarray
) -> list[Interval | None]:
    return [
        (low, high) if ok else None
        for low, high, ok in zip(lower.tolist(), upper.tolist(), defined.tolist(), strict=True)
    ]


def _tests_against(
    parts: Mapping[str, tuple[np.ndarray, np.ndarray]],
    comparison: int,
    *,
    metrics: Sequence[str],
    alpha: float,
    fisher: FisherCache,
) -> list[dict[str, SignificanceTest]]:
    """Each group's test of each metric against group ``comparison`` (Fisher or z, Holm over
    the groups within each metric), as :func:`auditor.adverse_impact.proportion_test`."""
    size = len(next(iter(parts.values()))[0])
    results: list[dict[str, SignificanceTest]] = [{} for _ in range(size)]
    others = np.arange(size) != comparison
    for metric in metrics:
        x1, n1 = parts[metric]
        x2, n2 = np.full(size, x1[comparison]), np.full(size, n1[comparison])
        (tested,) = np.nonzero(others & valid_pairs(x1, n1, x2, n2))
        if not tested.size:
            continue
        outcome = proportion_tests(
            x1[tested], n1[tested], x2[tested], n2[tested], fisher_test=fisher.p_values
        )
        adjusted = holm_adjust(outcome.p_value)
        for index, is_fisher, p_value, p_adjusted in zip(
            tested.tolist(),
            outcome.fisher.tolist(),
            outcome.p_value.tolist(),
            adjusted.tolist(),
            strict=True,
        ):
            results[index][metric] = SignificanceTest(
                metric=metric,
                method="fisher_exact" if is_fisher else "two_proportion_z",
                p_value=p_value,
                p_adjusted=p_adjusted,
                significant=p_adjusted < alpha,
            )
    return results


def _exact_z(estimator: IntervalEstimator) -> float | None:
    """The normal quantile when ``estimator`` is the plain exact one (then every interval is
    computed for all groups at once); ``None`` for any other estimator (asked group by group)."""
    return _z_value(estimator.confidence) if type(estimator) is ExactIntervals else None


def _adverse_impact(
    counts: Sequence[ConfusionCounts],
    confusion: np.ndarray,
    enough_data: np.ndarray,
    parts: Mapping[str, tuple[np.ndarray, np.ndarray]],
    *,
    estimator: IntervalEstimator | None,
    significance: bool,
    alpha: float,
    fisher: FisherCache,
) -> tuple[int | None, list[AdverseImpact]]:
    """Impact ratios against the highest selection rate among the groups with enough data
    (``enough_data``: in a DP release also a selection rate that is estimable), with the z and
    Fisher tests (Holm over the groups) and the shortfalls; with their intervals from
    ``estimator`` (none without one)."""
    selected, totals = parts["selection_rate"]
    ratios = impact_ratios(selected=selected, total=totals, eligible=enough_data)
    best = ratios.comparison_index
    if best is None:
        return None, [AdverseImpact(impact_ratio=None) for _ in counts]
    size = len(counts)
    others = np.arange(size) != best
    best_selected, best_total = np.full(size, selected[best]), np.full(size, totals[best])
    z_value: list[float | None] = [None] * size
    z_p: list[float | None] = [None] * size
    fisher_p: list[float | None] = [None] * size
    tests: list[dict[str, SignificanceTest]] = [{} for _ in range(size)]
    if significance:
        tests = _tests_against(parts, best, metrics=("selection_rate",), alpha=alpha, fisher=fisher)
        pair = (selected, totals, best_selected, best_total)
        (valid,) = np.nonzero(others & valid_pairs(*pair))
        z, p = z_tests(*(part[valid] for part in pair))
        exact = fisher.p_values(*(part[valid] for part in pair))
        for index, z_i, p_i, fisher_i in zip(
            valid.tolist(), z.tolist(), p.tolist(), exact.tolist(), strict=True
        ):
            z_value[index], z_p[index], fisher_p[index] = z_i, p_i, fisher_i
    z_normal = _exact_z(estimator) if estimator is not None else None
    if estimator is None:
        intervals = [None] * size
    elif z_normal is not None:
        intervals = _interval_list(
            *katz_intervals(selected, totals, best_selected, best_total, z=z_normal)
        )
    elif hasattr(estimator, "ratio_intervals_to"):  # a batch estimator (DP): one pass
        intervals = estimator.ratio_intervals_to(counts, counts[best], "selection_rate")
        intervals[best] = None
    else:
        intervals = [
            None
            if index == best
            else estimator.comparison_intervals(group, counts[best])[0].get("selection_rate")
            for index, group in enumerate(counts)
        ]
    rate = ratios.comparison_rate
    four_fifths = selection_shortfalls(
        selected, totals, comparison_rate=rate, ratio=FOUR_FIFTHS_THRESHOLD
    ).tolist()
    parity = selection_shortfalls(selected, totals, comparison_rate=rate, ratio=1.0).tolist()
    results = []
    for index, ratio in enumerate(ratios.ratios.tolist()):
        if index == best:
            results.append(
                AdverseImpact(
                    impact_ratio=1.0,
                    shortfall_to_four_fifths=0,
                    shortfall_to_parity=0,
                    is_comparison=True,
                )
            )
            continue
        results.append(
            AdverseImpact(
                impact_ratio=None if math.isnan(ratio) else ratio,
                interval=intervals[index],
                z=z_value[index],
                z_p_value=z_p[index],
                fisher_p_value=fisher_p[index],
                test=tests[index].get("selection_rate"),
                shortfall_to_four_fifths=None if four_fifths[index] < 0 else four_fifths[index],
                shortfall_to_parity=None if parity[index] < 0 else parity[index],
            )
        )
    return best, results


def _flag_tuples(
    confusion: np.ndarray, sizes: np.ndarray, *, min_group_size: int, has_label: bool
) -> list[tuple[Flag, ...]]:
    tp, fp, tn, fn = confusion.T
    columns: list[tuple[Flag, np.ndarray]] = [
        ("empty", sizes <= 0),
        ("insufficient_data", sizes < min_group_size),
    ]
    if has_label:
        columns += [
            ("no_actual_positives", (sizes > 0) & (tp + fn <= 0)),
            ("no_actual_negatives", (sizes > 0) & (fp + tn <= 0)),
        ]
    names = [name for name, _ in columns]
    rows = np.stack([column for _, column in columns], axis=1).tolist()
    return [tuple(name for name, on in zip(names, row, strict=True) if on) for row in rows]


def _comparison_lists(
    parts: Mapping[str, tuple[np.ndarray, np.ndarray]],
    reference: int,
    metrics: Sequence[str],
    z: float,
) -> tuple[dict[str, list], dict[str, list]]:
    """Katz (ratio) and Newcombe (difference) intervals of every group against the reference,
    per metric; ``None`` for the reference itself."""
    ratio, difference = {}, {}
    for metric in metrics:
        x1, n1 = parts[metric]
        x2, n2 = np.full(len(x1), x1[reference]), np.full(len(x1), n1[reference])
        ratio[metric] = _interval_list(*katz_intervals(x1, n1, x2, n2, z=z))
        difference[metric] = _interval_list(*newcombe_intervals(x1, n1, x2, n2, z=z))
        ratio[metric][reference] = difference[metric][reference] = None
    return ratio, difference


def _favourable_complement(counts: Sequence[ConfusionCounts], enough: np.ndarray) -> tuple:
    """The arguments of :func:`_adverse_impact` with every decision read the other way round
    (selected = not given the unfavourable decision)."""
    swapped = [c.predictions_swapped() for c in counts]
    confusion = np.array([(c.tp, c.fp, c.tn, c.fn) for c in swapped], dtype=float)
    return swapped, confusion, enough, rate_part_arrays(confusion)


def compute_breakdown(
    keys: Sequence[Mapping[str, str]],
    counts: Sequence[ConfusionCounts],
    *,
    by: tuple[str, ...],
    reference: Mapping[str, str] | None = None,
    min_group_size: int = 30,
    intervals: IntervalEstimator | None = None,
    significance: bool = True,
    alpha: float = 0.05,
    has_label: bool = True,
    decision_favourable: bool = True,
    fisher: FisherCache | None = None,
    like: BreakdownResult | None = None,
    with_intervals: bool = True,
) -> BreakdownResult:
    """Audit one breakdown from its groups' counts.

    ``keys[i]`` maps each attribute of ``by`` to group i's value; ``counts[i]`` are its
    counts. ``reference`` optionally names the reference value per attribute (for the
    display comparisons; the impact ratios always divide by the highest selection rate among
    the groups with enough data). Without a label (``has_label=False``: the counts hold no
    ground truth) only the label-free metrics are computed; the others are absent. With
    ``decision_favourable=False`` the impact ratios compare the favourable complement.
    ``fisher`` keeps Fisher p-values between calls (e.g. the cube's
    :meth:`~auditor.cube.CountCube.fisher_cache`); by default each call computes its own.
    ``like``: this breakdown computed before from the same keys and counts with the same
    options but another ``reference`` (a dashboard's reference change): its figures that do not
    depend on the reference — rates and their intervals, flags, impact ratios, summaries — are
    taken from it; only the comparisons with the reference and their tests are computed.
    ``with_intervals=False`` leaves every interval out (empty ``intervals``, ratio and
    difference intervals; no impact-ratio interval): for a view that only judges a policy on
    the breakdown (its checks compute the intervals they need themselves).

    Every figure is computed for all groups at once (numpy arrays over the groups; see
    :mod:`auditor.group_statistics`), equal bit for bit to the one-group formulas above.
    Intervals of another estimator than :class:`ExactIntervals` (DP, BISG) are asked group by
    group.
    """
    if not keys:
        raise InputError(f"breakdown {list(by)} has no groups: the data has no usable rows")
    estimator = intervals or ExactIntervals()
    prepare = getattr(estimator, "prepare", None)
    if prepare is not None:
        prepare(counts)  # batch estimators (DP intervals) compute every group in one pass
    available = RATE_METRICS if has_label else LABEL_FREE_METRICS
    compared = tuple(m for m in COMPARED_METRICS if m in available)
    confusion = np.array([(c.tp, c.fp, c.tn, c.fn) for c in counts], dtype=float)
    parts = rate_part_arrays(confusion)
    all_rates = rate_arrays(confusion, parts=parts)
    sizes = parts["selection_rate"][1]
    ref_index, ref_rule = choose_reference(keys, [c.n for c in counts], by=by, requested=reference)
    fisher = fisher if fisher is not None else FisherCache()
    tests = (
        _tests_against(parts, ref_index, metrics=available, alpha=alpha, fisher=fisher)
        if significance
        else [{} for _ in counts]
    )
    earlier = like if with_intervals and _same_groups(like, keys, counts, by=by) else None
    if earlier is not None:
        return _with_reference(
            earlier,
            all_rates,
            parts,
            ref_index=ref_index,
            ref_rule=ref_rule,
            keys=keys,
            tests=tests,
            compared=compared,
            z=_exact_z(estimator),
            estimator=estimator,
        )
    flags = _flag_tuples(confusion, sizes, min_group_size=min_group_size, has_label=has_label)
    enough = np.array(["insufficient_data" not in f and "empty" not in f for f in flags])
    comparable = enough & _estimable(estimator, counts, all_rates["selection_rate"])
    comparison_index, impacts = _adverse_impact(
        *(
            (counts, confusion, comparable, parts)
            if decision_favourable
            else _favourable_complement(counts, comparable)
        ),
        estimator=estimator if with_intervals else None,
        significance=significance,
        alpha=alpha,
        fisher=fisher,
    )
    rate_lists = {m: _none_if_nan(all_rates[m]) for m in available}
    ratio_lists, difference_lists = _reference_lists(all_rates, ref_index, compared)
    z = _exact_z(estimator)
    if z is not None and with_intervals:
        wilson = {m: _interval_list(*wilson_intervals(*parts[m], z=z)) for m in available}
    comparisons = (
        _comparison_intervals(
            parts, counts, ref_index=ref_index, compared=compared, z=z, estimator=estimator
        )
        if with_intervals
        else lambda index: ({}, {})
    )
    groups = []
    for index, (key, group_counts) in enumerate(zip(keys, counts, strict=True)):
        if not with_intervals:
            rate_ci = {}
        elif z is not None:
            rate_ci = {m: wilson[m][index] for m in available}
        else:
            rate_ci = _only(estimator.rate_intervals(group_counts), available)
        ratio_i, diff_i = comparisons(index)
        groups.append(
            GroupResult(
                key=dict(key),
                counts=group_counts,
                metrics={m: rate_lists[m][index] for m in available},
                intervals=rate_ci,
                ratio_to_reference={m: ratio_lists[m][index] for m in compared},
                difference_to_reference={m: difference_lists[m][index] for m in compared},
                ratio_intervals=ratio_i,
                difference_intervals=diff_i,
                tests=tests[index],
                flags=flags[index],
                is_reference=index == ref_index,
                adverse_impact=impacts[index],
            )
        )
    return BreakdownResult(
        by=by,
        reference=dict(keys[ref_index]),
        reference_rule=ref_rule,
        groups=tuple(groups),
        summary=_array_summary(all_rates, np.ones(len(counts), dtype=bool), has_label),
        summary_sufficient_data=_array_summary(all_rates, enough, has_label),
        impact_ratio_comparison=(
            dict(keys[comparison_index]) if comparison_index is not None else None
        ),
        has_label=has_label,
        decision_favourable=decision_favourable,
    )


def _estimable(
    estimator: IntervalEstimator, counts: Sequence[ConfusionCounts], rates: np.ndarray
) -> np.ndarray:
    """Which groups' selection rates can be read: all of them, unless the estimator says
    otherwise (a DP release: a rate the noise swamps is not estimable at this ε). The
    comparison group of the impact ratios is chosen among these: a noisy rate that came out
    highest by chance would set every other group's impact ratio. (The favourable complement's
    rate has the same interval width, so the same groups qualify.)"""
    judge = getattr(estimator, "estimable", None)
    if judge is None:
        return np.ones(len(counts), dtype=bool)
    values = [None if rate != rate else rate for rate in rates.tolist()]
    return np.array(
        [
            judge(group, "selection_rate", value)
            for group, value in zip(counts, values, strict=True)
        ],
        dtype=bool,
    )


def _reference_lists(
    all_rates: Mapping[str, np.ndarray], ref_index: int, compared: Sequence[str]
) -> tuple[dict[str, list], dict[str, list]]:
    """Each group's ratio and difference to the reference group, per compared metric."""
    ratio_lists, difference_lists = {}, {}
    for m in compared:
        ref_value = all_rates[m][ref_index]
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio_lists[m] = _none_if_nan(
                np.where(ref_value != 0, all_rates[m] / ref_value, np.nan)
            )
            difference_lists[m] = _none_if_nan(all_rates[m] - ref_value)
    return ratio_lists, difference_lists


def _comparison_intervals(
    parts: Mapping[str, tuple[np.ndarray, np.ndarray]],
    counts: Sequence[ConfusionCounts],
    *,
    ref_index: int,
    compared: Sequence[str],
    z: float | None,
    estimator: IntervalEstimator,
) -> Callable[[int], tuple[dict, dict]]:
    """Group ``index`` → its (ratio, difference) intervals against the reference, per metric:
    all groups at once for the exact estimator (``z``), else asked of ``estimator`` per group."""
    if z is not None:
        ratio_ci, diff_ci = _comparison_lists(parts, ref_index, compared, z)
        return lambda index: (
            {m: ratio_ci[m][index] for m in compared},
            {m: diff_ci[m][index] for m in compared},
        )

    def asked(index: int) -> tuple[dict, dict]:
        if index == ref_index:
            # the reference compared with itself is exactly 1 (and 0): no interval
            return dict.fromkeys(compared), dict.fromkeys(compared)
        ratio_all, diff_all = estimator.comparison_intervals(counts[index], counts[ref_index])
        return _only(ratio_all, compared), _only(diff_all, compared)

    return asked


def _same_groups(
    like: BreakdownResult | None,
    keys: Sequence[Mapping[str, str]],
    counts: Sequence[ConfusionCounts],
    *,
    by: tuple[str, ...],
) -> bool:
    """Whether ``like`` holds these groups, in this order, with these counts."""
    return (
        like is not None
        and like.by == by
        and len(like.groups) == len(counts)
        and bool(like.groups[0].intervals)  # computed in full (not a verdicts-only breakdown)
        and all(
            (group.counts is c or group.counts == c) and group.key == key
            for group, key, c in zip(like.groups, keys, counts, strict=True)
        )
    )


def _with_reference(
    earlier: BreakdownResult,
    all_rates: Mapping[str, np.ndarray],
    parts: Mapping[str, tuple[np.ndarray, np.ndarray]],
    *,
    ref_index: int,
    ref_rule: str,
    keys: Sequence[Mapping[str, str]],
    tests: Sequence[Mapping[str, SignificanceTest]],
    compared: Sequence[str],
    z: float | None,
    estimator: IntervalEstimator,
) -> BreakdownResult:
    """``earlier`` (the same groups and counts) compared with another reference group: the
    reference-free figures are shared with it, the comparisons and their tests are new."""
    counts = [group.counts for group in earlier.groups]
    ratio_lists, difference_lists = _reference_lists(all_rates, ref_index, compared)
    comparisons = _comparison_intervals(
        parts, counts, ref_index=ref_index, compared=compared, z=z, estimator=estimator
    )
    groups = []
    for index, group in enumerate(earlier.groups):
        ratio_i, diff_i = comparisons(index)
        groups.append(
            replace(
                group,
                ratio_to_reference={m: ratio_lists[m][index] for m in compared},
                difference_to_reference={m: difference_lists[m][index] for m in compared},
                ratio_intervals=ratio_i,
                difference_intervals=diff_i,
                tests=tests[index],
                is_reference=index == ref_index,
            )
        )
    return replace(
        earlier, reference=dict(keys[ref_index]), reference_rule=ref_rule, groups=tuple(groups)
    )


def _array_summary(
    all_rates: Mapping[str, np.ndarray], eligible: np.ndarray, has_label: bool
) -> dict[str, float | None]:
    """:func:`_summary` from the rate arrays (the same values: max, min and one division)."""
    values = summary_arrays(dict(all_rates), eligible)
    names = SUMMARY_DEFINITIONS if has_label else _LABEL_FREE_SUMMARIES
    return {name: _none_if_nan(np.atleast_1d(values[name]))[0] for name in names}


def _only(values: Mapping[str, Interval | None], names: Sequence[str]) -> dict:
    if tuple(values) == tuple(names):  # already these keys in this order: a plain copy
        return dict(values)
    return {name: values.get(name) for name in names}
