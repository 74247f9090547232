"""Compare two models on one breakdown, from counts: paired cells or two audits' confusions.

Paired cells have shape ``(groups, 8)``, indexed ``4·y + 2·ŷ_baseline + ŷ_candidate``.
Per-group changes of rates with the same denominator under both models use Newcombe's paired
interval (:mod:`auditor.compare.intervals`); every other change (PPV-type rates, impact ratios,
summaries) uses a bootstrap that respects the design: a paired bootstrap resamples people
(the 8 joint cells) within each group, so each replicate keeps both decisions of a person
together; an unpaired one resamples each audit's groups independently. Groups are resampled
with their sizes fixed (a stratified bootstrap), as the audits condition on group sizes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ..breakdown_arrays import IMPACT_RATIO, impact_ratios, rates, summaries
from ..cube import CELL_OUTCOMES
from ..metrics import _RATE_CELLS, RATE_METRICS
from .intervals import PAIRED_RATE_METRICS, paired_difference_interval, unpaired_difference_interval
from .result import BreakdownComparison, GroupComparison, MetricChange

__all__ = ["BootstrapOptions", "compare_paired", "compare_unpaired", "paired_confusions"]


@dataclass(frozen=True, kw_only=True)
class BootstrapOptions:
    """Confidence level, bootstrap replicates and seed (fixed, so a CI gate is reproducible)."""

    confidence: float = 0.95
    replicates: int = 2000
    seed: int = 0
    min_defined: float = 0.9
    """A bootstrap interval needs the figure defined in at least this share of replicates."""


def paired_confusions(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(baseline, candidate) confusion counts ``(..., 4)`` from joint cells ``(..., 8)``."""
    c = cells
    baseline = np.stack(
        [
            c[..., 6] + c[..., 7],
            c[..., 2] + c[..., 3],
            c[..., 0] + c[..., 1],
            c[..., 4] + c[..., 5],
        ],
        axis=-1,
    )
    candidate = np.stack(
        [
            c[..., 5] + c[..., 7],
            c[..., 1] + c[..., 3],
            c[..., 0] + c[..., 2],
            c[..., 4] + c[..., 6],
        ],
        axis=-1,
    )
    return baseline, candidate


def _paired_table(cells: np.ndarray, metric: str) -> tuple[float, float, float, float]:
    """(both, baseline only, candidate only, neither) among the metric's denominator people."""
    numerator, denominator = _RATE_CELLS[metric]
    labels = {CELL_OUTCOMES[name][0] for name in denominator}
    positive = {CELL_OUTCOMES[name] for name in numerator}
    table = [0.0, 0.0, 0.0, 0.0]
    for y in labels:
        for first in (0, 1):
            for second in (0, 1):
                count = float(cells[4 * y + 2 * first + second])
                a, b = (y, first) in positive, (y, second) in positive
                table[0 if a and b else 1 if a else 2 if b else 3] += count
    return table[0], table[1], table[2], table[3]


def _mcnemar_p(first_only: float, second_only: float) -> float | None:
    discordant = int(round(first_only + second_only))
    if discordant == 0:
        return None
    return float(stats.binomtest(int(round(second_only)), discordant, 0.5).pvalue)


def _value(array: np.ndarray) -> float | None:
    value = float(array)
    return value if np.isfinite(value) else None


def _percentile_interval(
    differences: np.ndarray, options: BootstrapOptions
) -> tuple[float, float] | None:
    defined = differences[np.isfinite(differences)]
    if defined.size < options.min_defined * differences.size or defined.size == 0:
        return None
    tail = (1 - options.confidence) / 2 * 100
    low, high = np.percentile(defined, [tail, 100 - tail])
    return float(low), float(high)


def _figures(
    confusion: np.ndarray, eligible: np.ndarray
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """(per-group figures incl. impact ratio, summaries) from confusions ``(..., G, 4)``."""
    per_group = rates(confusion)
    per_group[IMPACT_RATIO] = impact_ratios(per_group["selection_rate"], eligible)
    return per_group, summaries(per_group, eligible)


def _eligible(sizes_baseline: np.ndarray, sizes_candidate: np.ndarray, min_group_size: float):
    return (sizes_baseline >= max(min_group_size, 1)) & (sizes_candidate >= max(min_group_size, 1))


def _flags(size: float, min_group_size: float) -> tuple[str, ...]:
    if size <= 0:
        return ("empty", "insufficient_data")
    return ("insufficient_data",) if size < min_group_size else ()


def compare_paired(
    keys: Sequence[Mapping[str, str]],
    cells: np.ndarray,
    *,
    by: tuple[str, ...],
    min_group_size: float,
    options: BootstrapOptions,
) -> BreakdownComparison:
    """Both models on one breakdown of one evaluation set (joint cells ``(G, 8)``)."""
    cells = np.asarray(cells, dtype=float)
    baseline, candidate = paired_confusions(cells)
    sizes = cells.sum(axis=-1)
    eligible = _eligible(sizes, sizes, min_group_size)
    base_groups, base_summary = _figures(baseline, eligible)
    cand_groups, cand_summary = _figures(candidate, eligible)

    rng = np.random.default_rng(options.seed)
    replicates = np.zeros((options.replicates, len(keys), 8))
    for index, size in enumerate(sizes):
        if size > 0:
            whole = np.rint(cells[index]).astype(np.int64)
            replicates[:, index, :] = rng.multinomial(
                int(whole.sum()), whole / whole.sum(), size=options.replicates
            )
    boot_base, boot_cand = paired_confusions(replicates)
    boot_base_groups, boot_base_summary = _figures(boot_base, eligible)
    boot_cand_groups, boot_cand_summary = _figures(boot_cand, eligible)

    groups = []
    for index, key in enumerate(keys):
        changes = {}
        for metric in (*RATE_METRICS, IMPACT_RATIO):
            if metric == "base_rate":
                continue  # the same people and labels: it cannot change
            before = _value(base_groups[metric][index])
            after = _value(cand_groups[metric][index])
            if metric in PAIRED_RATE_METRICS:
                table = _paired_table(cells[index], metric)
                interval = paired_difference_interval(*table, confidence=options.confidence)
                changes[metric] = MetricChange(
                    metric=metric,
                    baseline=before,
                    candidate=after,
                    interval=interval if before is not None else None,
                    method="newcombe_paired",
                    p_value=_mcnemar_p(table[1], table[2]),
                )
            else:
                difference = boot_cand_groups[metric][:, index] - boot_base_groups[metric][:, index]
                changes[metric] = MetricChange(
                    metric=metric,
                    baseline=before,
                    candidate=after,
                    interval=_percentile_interval(difference, options)
                    if before is not None and after is not None
                    else None,
                    method="bootstrap_paired",
                )
        selection = _paired_table(cells[index], "selection_rate")
        groups.append(
            GroupComparison(
                key=dict(key),
                n_baseline=float(sizes[index]),
                n_candidate=float(sizes[index]),
                changes=changes,
                flags=_flags(float(sizes[index]), min_group_size),
                discordant={"baseline_only": selection[1], "candidate_only": selection[2]},
            )
        )
    summary = _summary_changes(
        base_summary,
        cand_summary,
        boot_base_summary,
        boot_cand_summary,
        options,
        "bootstrap_paired",
    )
    left_out = tuple(dict(keys[i]) for i in range(len(keys)) if not eligible[i])
    return BreakdownComparison(by=by, groups=tuple(groups), summary=summary, left_out=left_out)


def _summary_changes(base, cand, boot_base, boot_cand, options, method) -> dict[str, MetricChange]:
    result = {}
    for name in base:
        before, after = _value(base[name]), _value(cand[name])
        interval = (
            _percentile_interval(boot_cand[name] - boot_base[name], options)
            if before is not None and after is not None
            else None
        )
        result[name] = MetricChange(
            metric=name, baseline=before, candidate=after, interval=interval, method=method
        )
    return result


def compare_unpaired(
    keys: Sequence[Mapping[str, str]],
    baseline: np.ndarray,
    candidate: np.ndarray,
    *,
    by: tuple[str, ...],
    min_group_size: float,
    options: BootstrapOptions,
) -> BreakdownComparison:
    """Both models on one breakdown of two independent samples (confusions ``(G, 4)`` each).

    A group absent from one audit has zero counts there: its figures are undefined on that
    side and it is left out of the summaries.
    """
    baseline = np.asarray(baseline, dtype=float)
    candidate = np.asarray(candidate, dtype=float)
    size_before, size_after = baseline.sum(axis=-1), candidate.sum(axis=-1)
    eligible = _eligible(size_before, size_after, min_group_size)
    base_groups, base_summary = _figures(baseline, eligible)
    cand_groups, cand_summary = _figures(candidate, eligible)

    rng = np.random.default_rng(options.seed)

    def resample(confusion: np.ndarray) -> np.ndarray:
        out = np.zeros((options.replicates, *confusion.shape))
        for index, row in enumerate(confusion):
            whole = np.rint(row).astype(np.int64)
            if whole.sum() > 0:
                out[:, index, :] = rng.multinomial(
                    int(whole.sum()), whole / whole.sum(), size=options.replicates
                )
        return out

    boot_base_groups, boot_base_summary = _figures(resample(baseline), eligible)
    boot_cand_groups, boot_cand_summary = _figures(resample(candidate), eligible)

    groups = []
    for index, key in enumerate(keys):
        changes = {}
        for metric in (*RATE_METRICS, IMPACT_RATIO):
            before = _value(base_groups[metric][index])
            after = _value(cand_groups[metric][index])
            if metric == IMPACT_RATIO:
                difference = boot_cand_groups[metric][:, index] - boot_base_groups[metric][:, index]
                interval = (
                    _percentile_interval(difference, options)
                    if before is not None and after is not None
                    else None
                )
                method = "bootstrap_independent"
            else:
                numerator, denominator = _RATE_CELLS[metric]
                parts = [
                    (
                        sum(side[index][("tp", "fp", "tn", "fn").index(c)] for c in numerator),
                        sum(side[index][("tp", "fp", "tn", "fn").index(c)] for c in denominator),
                    )
                    for side in (baseline, candidate)
                ]
                interval = unpaired_difference_interval(
                    *parts[0], *parts[1], confidence=options.confidence
                )
                method = "newcombe_independent"
            changes[metric] = MetricChange(
                metric=metric, baseline=before, candidate=after, interval=interval, method=method
            )
        groups.append(
            GroupComparison(
                key=dict(key),
                n_baseline=float(size_before[index]),
                n_candidate=float(size_after[index]),
                changes=changes,
                flags=_flags(float(min(size_before[index], size_after[index])), min_group_size),
            )
        )
    summary = _summary_changes(
        base_summary,
        cand_summary,
        boot_base_summary,
        boot_cand_summary,
        options,
        "bootstrap_independent",
    )
    left_out = tuple(dict(keys[i]) for i in range(len(keys)) if not eligible[i])
    return BreakdownComparison(by=by, groups=tuple(groups), summary=summary, left_out=left_out)
