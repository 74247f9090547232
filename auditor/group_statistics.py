"""Intervals and significance tests of every group of a breakdown at once: arrays in, arrays out.

The same formulas as the one-group functions of :mod:`auditor.metrics` and
:mod:`auditor.adverse_impact` (Wilson, Katz, Newcombe; pooled z, Fisher, Holm; shortfalls),
written so that every value is **bit for bit** the one those functions return:

- the arithmetic is the same IEEE operations in the same order (numpy's ``+ − × ÷`` and
  ``sqrt`` round exactly as Python's);
- ``log``, ``exp`` and ``x ** 2`` go through Python's ``math``/``float`` per element, since
  numpy's vectorised versions may differ from the C library in the last bit;
- Fisher's exact test runs scipy's algorithm on all tables at once (:mod:`auditor.fisher_batch`).

``tests/test_breakdown_vectorised.py`` compares whole breakdowns with the one-group path.
Undefined values are ``nan`` here; the caller turns them into ``None``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import numpy as np
from scipy import special

from .fisher_batch import fisher_exact_p_values

__all__ = [
    "ProportionTests",
    "holm_adjust",
    "katz_intervals",
    "newcombe_intervals",
    "proportion_tests",
    "selection_shortfalls",
    "valid_pairs",
    "wilson_intervals",
    "z_tests",
]

_FISHER_BELOW_EXPECTED = 5.0


def _each(function, values: np.ndarray) -> np.ndarray:
    """``function`` (a Python scalar function) applied to each element, as floats."""
    flat = values.ravel().tolist()
    return np.fromiter(map(function, flat), dtype=float, count=len(flat)).reshape(values.shape)


def _squares(values: np.ndarray) -> np.ndarray:
    """``v ** 2`` of each element through libm's ``pow``, as the one-group code computes it
    (not ``v * v``: the two differ in the last bit for ~0.1 % of values)."""
    flat = values.ravel().tolist()
    squared = map(pow, flat, itertools.repeat(2))
    return np.fromiter(squared, dtype=float, count=len(flat)).reshape(values.shape)


def wilson_intervals(
    successes: np.ndarray, trials: np.ndarray, *, z: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lower, upper, defined) of the Wilson score interval; defined where trials > 0."""
    defined = trials > 0
    t = np.where(defined, trials, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = successes / t
        denominator = 1 + z * z / t
        centre = (p + z * z / (2 * t)) / denominator
        half = z * np.sqrt(p * (1 - p) / t + z * z / (4 * t * t)) / denominator
    lower = np.maximum(0.0, centre - half)
    upper = np.minimum(1.0, centre + half)
    return lower, upper, defined


def katz_intervals(
    x1: np.ndarray, n1: np.ndarray, x2: np.ndarray, n2: np.ndarray, *, z: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lower, upper, defined) of the Katz log interval of (x1/n1)/(x2/n2), with 0.5 added to
    every cell when a count is zero (:func:`auditor.metrics.katz_ratio_interval`)."""
    defined = (np.minimum(n1, n2) > 0) & (np.minimum(x1, x2) >= 0)
    zero = defined & ((x1 == 0) | (x2 == 0))
    x1, n1 = np.where(zero, x1 + 0.5, x1), np.where(zero, n1 + 1, n1)
    x2, n2 = np.where(zero, x2 + 0.5, x2), np.where(zero, n2 + 1, n2)
    lower = np.full(x1.shape, np.nan)
    upper = np.full(x1.shape, np.nan)
    if defined.any():
        a, b, c, d = x1[defined], n1[defined], x2[defined], n2[defined]
        log_ratio = _each(math.log, (a / b) / (c / d))
        se = np.sqrt(np.maximum(1 / a - 1 / b + 1 / c - 1 / d, 0.0))
        lower[defined] = _each(math.exp, log_ratio - z * se)
        upper[defined] = _each(math.exp, log_ratio + z * se)
    return lower, upper, defined


def newcombe_intervals(
    x1: np.ndarray, n1: np.ndarray, x2: np.ndarray, n2: np.ndarray, *, z: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lower, upper, defined) of Newcombe's hybrid score interval for x1/n1 − x2/n2."""
    low1, high1, defined1 = wilson_intervals(x1, n1, z=z)
    low2, high2, defined2 = wilson_intervals(x2, n2, z=z)
    defined = defined1 & defined2
    lower = np.full(x1.shape, np.nan)
    upper = np.full(x1.shape, np.nan)
    if defined.any():
        p1 = x1[defined] / n1[defined]
        p2 = x2[defined] / n2[defined]
        difference = p1 - p2
        l1, h1, l2, h2 = low1[defined], high1[defined], low2[defined], high2[defined]
        down = np.sqrt(_squares(p1 - l1) + _squares(h2 - p2))
        up = np.sqrt(_squares(h1 - p1) + _squares(p2 - l2))
        lower[defined] = np.maximum(-1.0, difference - down)
        upper[defined] = np.minimum(1.0, difference + up)
    return lower, upper, defined


def valid_pairs(x1: np.ndarray, n1: np.ndarray, x2: np.ndarray, n2: np.ndarray) -> np.ndarray:
    """Where a two-proportion test is defined (both groups non-empty, 0 ≤ x ≤ n)."""
    return (np.minimum(n1, n2) > 0) & (np.minimum(x1, x2) >= 0) & (x1 <= n1) & (x2 <= n2)


def z_tests(
    x1: np.ndarray, n1: np.ndarray, x2: np.ndarray, n2: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(z, two-sided p) of the pooled two-proportion z test (valid pairs only; see
    :func:`auditor.adverse_impact.two_proportion_z_test`): z = 0, p = 1 when se = 0."""
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = (x1 + x2) / (n1 + n2)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = (x1 / n1 - x2 / n2) / se
    flat = se == 0
    z = np.where(flat, 0.0, z)
    p = np.where(flat, 1.0, 2 * special.ndtr(-np.abs(z)))
    return z, p


class ProportionTests:
    """Fisher's exact test where the smallest expected cell is below 5, else the z test
    (:func:`auditor.adverse_impact.proportion_test`), for valid pairs: ``fisher`` says which,
    ``p_value`` the p-value."""

    def __init__(self, fisher: np.ndarray, p_value: np.ndarray) -> None:
        self.fisher = fisher
        self.p_value = p_value


def proportion_tests(
    x1: np.ndarray,
    n1: np.ndarray,
    x2: np.ndarray,
    n2: np.ndarray,
    *,
    fisher_test: Callable[..., np.ndarray] = fisher_exact_p_values,
) -> ProportionTests:
    """The test :func:`auditor.adverse_impact.proportion_test` picks, for each valid pair
    (``fisher_test``: e.g. a :class:`auditor.fisher_batch.FisherCache`'s ``p_values``)."""
    grand = n1 + n2
    smallest_expected = np.minimum(n1, n2) * np.minimum(x1 + x2, grand - x1 - x2) / grand
    fisher = smallest_expected < _FISHER_BELOW_EXPECTED
    _, p = z_tests(x1, n1, x2, n2)
    if fisher.any():
        p = p.copy()
        p[fisher] = fisher_test(x1[fisher], n1[fisher], x2[fisher], n2[fisher])
    return ProportionTests(fisher=fisher, p_value=p)


def holm_adjust(p_values: np.ndarray) -> np.ndarray:
    """Holm–Bonferroni adjusted p-values, in the given order (ties keep their order)."""
    m = len(p_values)
    if m == 0:
        return np.array([], dtype=float)
    order = np.argsort(p_values, kind="stable")
    factors = np.arange(m, 0, -1, dtype=float)
    stepped = np.maximum.accumulate(np.minimum(1.0, factors * p_values[order]))
    adjusted = np.empty(m)
    adjusted[order] = stepped
    return adjusted


def selection_shortfalls(
    selected: np.ndarray, total: np.ndarray, *, comparison_rate: float, ratio: float
) -> np.ndarray:
    """Selections each group needs to reach ``ratio × comparison_rate`` (an integer array;
    -1 where the group is empty): :func:`auditor.adverse_impact.selection_shortfall`."""
    needed = ratio * comparison_rate * total - selected
    result = np.maximum(0.0, np.ceil(needed - 1e-9))
    return np.where(total > 0, result, -1).astype(np.int64)
