"""The audit of one breakdown as it was computed before vectorisation: one group at a time.

Kept only as the reference for ``tests/test_breakdown_vectorised.py``, which checks that
:func:`auditor.metrics.compute_breakdown` (all groups at once, with numpy) returns exactly
these values. Copied from ``auditor/metrics.py`` as of commit f9e7e75, using the one-group
functions that are still public (``wilson_interval``, ``ExactIntervals``, ``proportion_test``,
``fisher_exact_test``, ``holm_adjust`` …).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from auditor.adverse_impact import (
    FOUR_FIFTHS_THRESHOLD,
    fisher_exact_test,
    holm_adjust,
    impact_ratios,
    proportion_test,
    selection_shortfall,
    two_proportion_z_test,
)
from auditor.errors import InputError
from auditor.metrics import (
    COMPARED_METRICS,
    LABEL_FREE_METRICS,
    RATE_METRICS,
    TESTED_METRICS,
    AdverseImpact,
    BreakdownResult,
    ConfusionCounts,
    ExactIntervals,
    Flag,
    GroupResult,
    Interval,
    IntervalEstimator,
    SignificanceTest,
    choose_reference,
    rate,
    rate_parts,
)


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


def _significance(
    counts: Sequence[ConfusionCounts],
    reference_index: int,
    *,
    alpha: float,
    metrics: Sequence[str] = TESTED_METRICS,
) -> list[dict[str, SignificanceTest]]:
    results: list[dict[str, SignificanceTest]] = [{} for _ in counts]
    reference = counts[reference_index]
    for metric in metrics:
        raw: list[tuple[int, str, float]] = []
        for index, group in enumerate(counts):
            if index == reference_index:
                continue
            x1, n1 = rate_parts(group, metric)
            x2, n2 = rate_parts(reference, metric)
            outcome = proportion_test(
                selected=x1, total=n1, comparison_selected=x2, comparison_total=n2
            )
            if outcome is not None:
                raw.append((index, outcome.method, outcome.p_value))
        adjusted = holm_adjust([p for _, _, p in raw])
        for (index, method, p_value), p_adj in zip(raw, adjusted, strict=True):
            results[index][metric] = SignificanceTest(
                metric=metric,
                method=method,
                p_value=p_value,
                p_adjusted=p_adj,
                significant=p_adj < alpha,
            )
    return results


def _adverse_impact(
    counts: Sequence[ConfusionCounts],
    enough_data: Sequence[bool],
    *,
    estimator: IntervalEstimator,
    significance: bool,
    alpha: float,
) -> tuple[int | None, list[AdverseImpact]]:
    """Impact ratios against the highest selection rate among the groups with enough data,
    with the z and Fisher tests (Holm over the groups) and the shortfalls."""
    selected = [c.tp + c.fp for c in counts]
    totals = [c.n for c in counts]
    ratios = impact_ratios(selected=selected, total=totals, eligible=list(enough_data))
    best = ratios.comparison_index
    if best is None:
        return None, [AdverseImpact(impact_ratio=None) for _ in counts]
    tests = (
        _significance(counts, best, alpha=alpha, metrics=("selection_rate",))
        if significance
        else [{} for _ in counts]
    )
    results = []
    for index, group in enumerate(counts):
        ratio = float(ratios.ratios[index])
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
        pair = dict(
            selected=selected[index],
            total=totals[index],
            comparison_selected=selected[best],
            comparison_total=totals[best],
        )
        z = two_proportion_z_test(**pair) if significance else None
        fisher = fisher_exact_test(**pair) if significance else None
        ratio_interval = estimator.comparison_intervals(group, counts[best])[0]
        results.append(
            AdverseImpact(
                impact_ratio=None if math.isnan(ratio) else ratio,
                interval=ratio_interval.get("selection_rate"),
                z=None if z is None else z.statistic,
                z_p_value=None if z is None else z.p_value,
                fisher_p_value=None if fisher is None else fisher.p_value,
                test=tests[index].get("selection_rate"),
                shortfall_to_four_fifths=selection_shortfall(
                    selected=selected[index],
                    total=totals[index],
                    comparison_rate=ratios.comparison_rate,
                    ratio=FOUR_FIFTHS_THRESHOLD,
                ),
                shortfall_to_parity=selection_shortfall(
                    selected=selected[index],
                    total=totals[index],
                    comparison_rate=ratios.comparison_rate,
                    ratio=1.0,
                ),
            )
        )
    return best, results


def scalar_compute_breakdown(
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
) -> BreakdownResult:
    """Audit one breakdown from its groups' counts.

    ``keys[i]`` maps each attribute of ``by`` to group i's value; ``counts[i]`` are its
    counts. ``reference`` optionally names the reference value per attribute (for the
    display comparisons; the impact ratios always divide by the highest selection rate among
    the groups with enough data). Without a label (``has_label=False``: the counts hold no
    ground truth) only the label-free metrics are computed; the others are absent.
    """
    if not keys:
        raise InputError(f"breakdown {list(by)} has no groups: the data has no usable rows")
    estimator = intervals or ExactIntervals()
    available = RATE_METRICS if has_label else LABEL_FREE_METRICS
    compared = tuple(m for m in COMPARED_METRICS if m in available)
    sizes = [c.n for c in counts]
    ref_index, ref_rule = choose_reference(keys, sizes, by=by, requested=reference)
    ref_counts = counts[ref_index]
    ref_metrics = {m: rate(ref_counts, m) for m in available}
    tests = (
        _significance(counts, ref_index, alpha=alpha, metrics=available)
        if significance
        else [{} for _ in counts]
    )
    flags = [_flags(c, min_group_size=min_group_size, has_label=has_label) for c in counts]
    enough = ["insufficient_data" not in f and "empty" not in f for f in flags]
    comparison_index, impacts = _adverse_impact(
        counts, enough, estimator=estimator, significance=significance, alpha=alpha
    )
    groups = []
    for index, (key, group_counts) in enumerate(zip(keys, counts, strict=True)):
        metrics = {m: rate(group_counts, m) for m in available}
        if index == ref_index:
            # the reference compared with itself is exactly 1 (and 0): no interval to report
            ratio_ci = dict.fromkeys(compared)
            diff_ci = dict.fromkeys(compared)
        else:
            ratio_ci, diff_ci = estimator.comparison_intervals(group_counts, ref_counts)
        groups.append(
            GroupResult(
                key=dict(key),
                counts=group_counts,
                metrics=metrics,
                intervals=_only(estimator.rate_intervals(group_counts), available),
                ratio_to_reference={m: _safe_ratio(metrics[m], ref_metrics[m]) for m in compared},
                difference_to_reference={
                    m: _difference(metrics[m], ref_metrics[m]) for m in compared
                },
                ratio_intervals=_only(ratio_ci, compared),
                difference_intervals=_only(diff_ci, compared),
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
        summary=_summary(groups, has_label=has_label),
        summary_sufficient_data=summary_of_sufficient(groups),
        impact_ratio_comparison=(
            dict(keys[comparison_index]) if comparison_index is not None else None
        ),
        has_label=has_label,
    )


def _only(values: Mapping[str, Interval | None], names: Sequence[str]) -> dict:
    return {name: values.get(name) for name in names}
