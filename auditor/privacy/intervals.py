"""Noise-aware intervals for rates computed from released (noisy) counts.

:class:`NoisyIntervals` is the DP-mode :class:`~auditor.metrics.IntervalEstimator`. It reads
only the released counts and the error moments of the breakdown's cells
(:meth:`Release.breakdown_noise <auditor.privacy.record.Release.breakdown_noise>`, see
:mod:`.noise_model`), and computes, in closed form and for every group and rate of a breakdown
at once (:meth:`NoisyIntervals.prepare`):

- each rate's interval by inverting a score test that includes the sampling error and the
  noise (:func:`~.score_bounds.shown_rate_bounds`; the Wilson interval without noise);
- "not estimable at this ε" (no interval) when the rate's noisy denominator is below the
  denominator at which a rate of ½ would get an interval wider than
  :data:`NOT_ESTIMABLE_WIDTH` under this noise (a rule on the denominator and the noise
  only), or when the test cannot bound the rate; a shown interval wider than that width is
  also reported as not estimable (:func:`not_estimable_metrics`);
- ratios and differences to another group by MOVER from the two rate intervals
  (:func:`~.score_bounds.ratio_bounds`, :func:`~.score_bounds.difference_bounds`), with the
  correlation of the two groups' errors when the noise model has one.

No randomness: the same release always gives the same intervals. Released counts are never
clamped before estimation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..metrics import COMPARED_METRICS, RATE_METRICS, ConfusionCounts, rate_parts
from .noise_model import BreakdownNoise, summed_cells_noise
from .record import Release
from .score_bounds import (
    NOT_ESTIMABLE_WIDTH,
    RateMoments,
    difference_bounds,
    ratio_bounds,
    shown_rate_bounds,
)

__all__ = [
    "NOT_ESTIMABLE_WIDTH",
    "NoisyIntervals",
    "group_not_estimable",
    "is_estimable",
    "not_estimable_metrics",
]

Interval = tuple[float, float]
_CELLS = ("tp", "fp", "tn", "fn")
_BATCHED_REFERENCES = 4


def not_estimable_metrics(
    metrics: Mapping[str, float | None], intervals: Mapping[str, Interval | None]
) -> list[str]:
    """Rate metrics whose DP interval is missing or too wide to say anything."""
    return [
        name for name in RATE_METRICS if not is_estimable(metrics.get(name), intervals.get(name))
    ]


def group_not_estimable(group: Any) -> list[str]:
    """The rates a marked group of a DP release flags as not estimable (none when unflagged):
    what its JSON record lists and what a policy check leaves out."""
    if "not_estimable" not in group.flags:
        return []
    return not_estimable_metrics(group.metrics, group.intervals)


def is_estimable(value: float | None, interval: Interval | None) -> bool:
    """A released rate can be read: it is defined and its interval at most 0.5 wide."""
    return (
        value is not None
        and interval is not None
        and interval[1] - interval[0] <= NOT_ESTIMABLE_WIDTH
    )


def _indicators(part: int) -> np.ndarray:
    """metrics × cells: 1 where a cell is in the metric's numerator (part 0) or denominator (1)."""
    units = [ConfusionCounts(**{c: float(c == cell) for c in _CELLS}) for cell in _CELLS]
    return np.array([[rate_parts(unit, m)[part] for unit in units] for m in RATE_METRICS])


_NUMERATORS = _indicators(0)  # (metrics, 4)
_RESTS = _indicators(1) - _NUMERATORS
_COMPARED = np.array([metric in COMPARED_METRICS for metric in RATE_METRICS])


def _quadratic(left: np.ndarray, matrix: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Per metric: left[m] · matrix · right[m]."""
    return np.einsum("mi,ij,mj->m", left, matrix, right)


def _row_quadratic(left: np.ndarray, matrices: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Per row and metric: left[m] · matrices[row] · right[m]."""
    return np.einsum("mi,rij,mj->rm", left, matrices, right)


@dataclass(frozen=True, eq=False)
class _RowNoise:
    """The error moments of each row of a table that holds several breakdowns' groups."""

    covariance: np.ndarray  # (rows, 4, 4)
    fourth_cumulant: np.ndarray  # (rows, 4)
    lattice: bool


def _key(counts: ConfusionCounts) -> tuple[float, float, float, float]:
    return (float(counts.tp), float(counts.fp), float(counts.tn), float(counts.fn))


class _RateTable:
    """Every rate of a set of groups: estimates, variances, shown intervals (groups × metrics)."""

    def __init__(
        self, cells: np.ndarray, noise: BreakdownNoise | _RowNoise, confidence: float
    ) -> None:
        self.cells = cells
        numerator = cells @ _NUMERATORS.T
        denominator = cells @ (_NUMERATORS + _RESTS).T
        per_row = isinstance(noise, _RowNoise)  # several breakdowns at once: noise per row
        quadratic = _row_quadratic if per_row else _quadratic
        moments = RateMoments(
            var_num=quadratic(_NUMERATORS, noise.covariance, _NUMERATORS),
            var_rest=quadratic(_RESTS, noise.covariance, _RESTS),
            cov=quadratic(_NUMERATORS, noise.covariance, _RESTS),
            k4_num=(
                noise.fourth_cumulant @ _NUMERATORS.T
                if per_row
                else _NUMERATORS @ noise.fourth_cumulant
            ),
            k4_rest=noise.fourth_cumulant @ _RESTS.T if per_row else _RESTS @ noise.fourth_cumulant,
            lattice=noise.lattice,
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            self.estimate = np.where(denominator > 0, numerator / denominator, np.nan)
        self.low, self.high, self.shown = shown_rate_bounds(
            numerator, denominator, moments, confidence=confidence
        )
        self.denominator = denominator
        # for correlations between groups: each rate's error as a linear form in the cells,
        # (1 − p)·a − p·b over (numerator cells a, rest cells b), and its variance
        p = np.clip(np.nan_to_num(self.estimate, nan=0.5), 0.0, 1.0)[..., None]
        self.weights = (1.0 - p) * _NUMERATORS - p * _RESTS  # (groups, metrics, 4)
        noise_variance = np.einsum(
            "gmi,gij,gmj->gm" if per_row else "gmi,ij,gmj->gm",
            self.weights,
            noise.covariance,
            self.weights,
        )
        sampling = np.maximum(denominator, 0.0) * p[..., 0] * (1.0 - p[..., 0])
        self.variance = noise_variance + sampling
        self._rows: list[dict[str, Interval | None]] | None = None

    def intervals(self, row: int) -> dict[str, Interval | None]:
        """Every rate's interval of one group (``None``: not estimable at this ε); a fresh
        dictionary (every group's are built together the first time one is asked for)."""
        if self._rows is None:
            self._rows = _interval_rows(RATE_METRICS, self.low, self.high, self.shown)
        return dict(self._rows[row])


class NoisyIntervals:
    """:class:`~auditor.metrics.IntervalEstimator` for counts released with known noise.

    ``NoisyIntervals(release)`` is the estimator for the whole population; use
    :meth:`for_breakdown` for the groups of a breakdown (their cells sum more released
    cells). ``noise`` overrides the release's noise model (e.g. in simulations);
    ``multiplicity=k`` is shorthand for independent noisy cells summed ``k`` at a time.
    Call :meth:`prepare` with all of a breakdown's groups to compute them in one pass; the
    per-group methods then only look results up (and compute on the fly otherwise).
    """

    method = "dp_noise_aware_score"

    def __init__(
        self,
        release: Release,
        *,
        confidence: float = 0.95,
        by: Iterable[str] = (),
        noise: BreakdownNoise | None = None,
        multiplicity: int | None = None,
    ) -> None:
        self.release = release
        self.confidence = confidence
        self.by = tuple(by)
        if noise is None and multiplicity is not None:
            noise = summed_cells_noise(release.spec, multiplicity)
        self.noise = noise if noise is not None else release.breakdown_noise(self.by)
        self._rows: dict[tuple[float, ...], tuple[_RateTable, int]] = {}
        self._comparisons: dict[tuple, tuple[dict, dict]] = {}
        self._references: set[tuple[float, ...]] = set()
        self._prepared: dict[tuple[str, ...], dict[tuple[float, ...], tuple[_RateTable, int]]] = {}

    def for_breakdown(self, by: Iterable[str]) -> NoisyIntervals:
        """The estimator for the groups of one breakdown (``by=()`` for the whole population),
        with their intervals already computed if :meth:`prepare_breakdowns` had them."""
        child = NoisyIntervals(self.release, confidence=self.confidence, by=by)
        child._rows.update(self._prepared.get(child.by, {}))
        return child

    # -- batch ---------------------------------------------------------------------------

    def prepare_breakdowns(self, tables: Mapping[tuple[str, ...], Any]) -> None:
        """The rate intervals of every group of every breakdown in one vectorised pass.

        ``tables`` maps each breakdown to its counts table (columns ``tp``, ``fp``, ``tn``,
        ``fn``, as :meth:`CountCube.counts <auditor.cube.CountCube.counts>` gives them). Each
        row carries its own breakdown's noise moments, so every interval is the one
        :meth:`prepare` computes breakdown by breakdown (to rounding); one pass over all the
        groups instead of one per breakdown. :meth:`for_breakdown` then hands them over.
        """
        keys: dict[tuple[str, ...], list[tuple[float, ...]]] = {}
        noises = {}
        for by, table in tables.items():
            by = tuple(by)
            columns = [table[cell].to_numpy(dtype=float).tolist() for cell in _CELLS]
            keys[by] = list(dict.fromkeys(zip(*columns, strict=True)))
            noises[by] = self.release.breakdown_noise(by)
        if not keys or len({noise.lattice for noise in noises.values()}) != 1:
            return  # nothing to do, or breakdowns of unlike noise: one by one
        sizes = [len(found) for found in keys.values()]
        table = _RateTable(
            np.array([key for found in keys.values() for key in found], dtype=float).reshape(-1, 4),
            _RowNoise(
                covariance=np.repeat(
                    np.stack([noises[by].covariance for by in keys]), sizes, axis=0
                ),
                fourth_cumulant=np.repeat(
                    np.stack([noises[by].fourth_cumulant for by in keys]), sizes, axis=0
                ),
                lattice=next(iter(noises.values())).lattice,
            ),
            self.confidence,
        )
        start = 0
        for by, found in keys.items():
            self._prepared[by] = {key: (table, start + row) for row, key in enumerate(found)}
            start += len(found)

    def prepare(self, groups: Sequence[ConfusionCounts]) -> None:
        """Compute the rate intervals of all ``groups`` at once (vectorised)."""
        fresh = list(dict.fromkeys(_key(g) for g in groups if _key(g) not in self._rows))
        if not fresh:
            return
        table = _RateTable(np.array(fresh, dtype=float), self.noise, self.confidence)
        for row, key in enumerate(fresh):
            self._rows[key] = (table, row)

    def _row(self, counts: ConfusionCounts) -> tuple[_RateTable, int]:
        key = _key(counts)
        if key not in self._rows:
            self.prepare([counts])
        return self._rows[key]

    # -- IntervalEstimator ---------------------------------------------------------------

    def estimable(self, counts: ConfusionCounts, metric: str, value: float | None) -> bool:
        """Whether the group's released ``metric`` (``value``) can be read at this ε (the rule
        of :func:`not_estimable_metrics`). A rate the noise swamps is no yardstick: such a
        group is never the comparison group of the impact ratios."""
        return is_estimable(value, self.rate_intervals(counts).get(metric))

    def rate_intervals(self, counts: ConfusionCounts) -> dict[str, Interval | None]:
        table, row = self._row(counts)
        return table.intervals(row)

    def comparison_intervals(
        self, counts: ConfusionCounts, reference: ConfusionCounts
    ) -> tuple[dict[str, Interval | None], dict[str, Interval | None]]:
        if counts == reference:
            same = {m: (1.0, 1.0) for m in COMPARED_METRICS}
            return same, {m: (0.0, 0.0) for m in COMPARED_METRICS}
        key = (_key(counts), _key(reference))
        if key not in self._comparisons:
            # a breakdown compares every group with one or two references: do each
            # reference's comparisons in one pass (pairs with ever-new references, one by one)
            if len(self._references) < _BATCHED_REFERENCES:
                self._references.add(key[1])
                self._compare_all(reference)
            if key not in self._comparisons:
                self._compare(self._row(counts), self._row(reference), key)
        return self._comparisons[key]

    def ratio_intervals_to(
        self, groups: Sequence[ConfusionCounts], reference: ConfusionCounts, metric: str
    ) -> list[Interval | None]:
        """Each group's ratio interval of ``metric`` to ``reference``, the values
        :meth:`comparison_intervals` gives, in one vectorised pass and without building the
        other metrics' dictionaries (the impact ratios need one metric against one group)."""
        self.prepare([*groups, reference])
        ref_table, ref_row = self._row(reference)
        column = RATE_METRICS.index(metric)
        located = [self._row(group) for group in groups]
        results: dict[int, dict[str, np.ndarray]] = {}
        positions: list[int] = []
        members: dict[int, list[int]] = {}
        for table, row in located:
            rows = members.setdefault(id(table), [])
            positions.append(len(rows))
            rows.append(row)
        for table, _ in located:
            if id(table) not in results:
                arrays = self._comparison_arrays(
                    table, np.array(members[id(table)]), ref_table, ref_row
                )
                results[id(table)] = {
                    name: values[:, column].tolist() for name, values in arrays.items()
                }
        out: list[Interval | None] = []
        for group, (table, _), position in zip(groups, located, positions, strict=True):
            if group == reference:
                out.append((1.0, 1.0))
                continue
            values = results[id(table)]
            defined = values["ratio_defined"][position]
            out.append(
                (values["ratio_low"][position], values["ratio_high"][position]) if defined else None
            )
        return out

    def _compare_all(self, reference: ConfusionCounts) -> None:
        """Comparisons of every prepared group with ``reference``, in one vectorised pass."""
        ref_table, ref_row = self._row(reference)
        ref_key = _key(reference)
        tables: dict[int, tuple[_RateTable, list[tuple[tuple, int]]]] = {}
        for key, (table, row) in self._rows.items():
            if key != ref_key and (key, ref_key) not in self._comparisons:
                tables.setdefault(id(table), (table, []))[1].append((key, row))
        for table, members in tables.values():
            rows = np.array([row for _, row in members])
            results = self._comparison_arrays(table, rows, ref_table, ref_row)
            for (key, _), pair in zip(members, _comparison_lists(results), strict=True):
                self._comparisons[(key, ref_key)] = pair

    def _compare(self, group, reference, key) -> None:
        table, row = group
        results = self._comparison_arrays(table, np.array([row]), *reference)
        self._comparisons[key] = _comparison_dicts(results, 0)

    def _comparison_arrays(
        self, table: _RateTable, rows: np.ndarray, ref_table: _RateTable, ref_row: int
    ) -> dict[str, np.ndarray]:
        first = (table.estimate[rows], table.low[rows], table.high[rows])
        second = tuple(
            np.broadcast_to(values[ref_row], first[0].shape)
            for values in (ref_table.estimate, ref_table.low, ref_table.high)
        )
        correlation = 0.0
        cross = self.noise.cross_covariance
        if np.any(cross):
            covariance = np.einsum(
                "gmi,ij,mj->gm", table.weights[rows], cross, ref_table.weights[ref_row]
            )
            with np.errstate(divide="ignore", invalid="ignore"):
                correlation = covariance / np.sqrt(
                    table.variance[rows] * ref_table.variance[ref_row]
                )
            correlation = np.clip(np.nan_to_num(correlation), -1.0, 1.0)
        ratio = ratio_bounds(first, second, correlation=correlation)
        difference = difference_bounds(first, second, correlation=correlation)
        defined = (
            table.shown[rows]
            & ref_table.shown[ref_row]
            & (table.denominator[rows] > 0)
            & (ref_table.denominator[ref_row] > 0)
        )
        return {
            "ratio_low": ratio[0],
            "ratio_high": ratio[1],
            "difference_low": difference[0],
            "difference_high": difference[1],
            "ratio_defined": defined & np.isfinite(ratio[1]),
            "difference_defined": defined,
        }


def _comparison_dicts(
    results: Mapping[str, np.ndarray], position: int
) -> tuple[dict[str, Interval | None], dict[str, Interval | None]]:
    return _comparison_lists({k: v[position : position + 1] for k, v in results.items()})[0]


def _comparison_lists(
    results: Mapping[str, np.ndarray],
) -> list[tuple[dict[str, Interval | None], dict[str, Interval | None]]]:
    """Per row of ``results``: (ratio intervals, difference intervals) by compared metric."""
    names = [metric for index, metric in enumerate(RATE_METRICS) if _COMPARED[index]]
    ratio, difference = (
        _interval_rows(
            names,
            results[f"{kind}_low"][:, _COMPARED],
            results[f"{kind}_high"][:, _COMPARED],
            results[f"{kind}_defined"][:, _COMPARED],
        )
        for kind in ("ratio", "difference")
    )
    return list(zip(ratio, difference, strict=True))


def _interval_rows(
    names: Sequence[str], low: np.ndarray, high: np.ndarray, defined: np.ndarray
) -> list[dict[str, Interval | None]]:
    """One ``{metric: (low, high) or None}`` per row of the (rows, metrics) arrays, keys in
    the order of ``names``: built a metric column at a time (each column's pairs in one
    ``zip``), then one dictionary per row."""
    columns = []
    for index in range(len(names)):
        pairs = zip(low[:, index].tolist(), high[:, index].tolist(), strict=True)
        ok = defined[:, index]
        if ok.all():
            columns.append(list(pairs))
        else:
            columns.append(
                [
                    pair if is_defined else None
                    for pair, is_defined in zip(pairs, ok.tolist(), strict=True)
                ]
            )
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
