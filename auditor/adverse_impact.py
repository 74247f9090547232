"""Adverse-impact statistics of the EEOC Uniform Guidelines and NYC Local Law 144.

Pure functions of selection counts (``selected`` of ``total`` people in a group), with no
knowledge of the audit around them:

- :func:`impact_ratios` — each group's selection rate ÷ the **highest** selection rate among
  the eligible groups (29 CFR 1607.4(D); LL144's "impact ratio"). The four-fifths rule flags
  a ratio below :data:`FOUR_FIFTHS_THRESHOLD`.
- :func:`two_proportion_z_test` — the pooled two-proportion z test, the "two standard
  deviations" test of statistical significance used alongside the four-fifths rule.
- :func:`fisher_exact_test` — Fisher's exact test of the 2×2 table, for small counts.
- :func:`proportion_test` — picks one of the two: Fisher's exact test when the smallest
  expected cell count is below 5, otherwise the z test.
- :func:`selection_shortfall` — how many more selections a group needs to reach a target
  ratio of the comparison rate (the four-fifths threshold, or parity with ``ratio=1``).
- :func:`holm_adjust` — Holm–Bonferroni adjusted p-values.

Counts may be fractional (noisy DP releases, soft group membership): rates and ratios use
them as they are; Fisher's test rounds them to whole people.

>>> result = impact_ratios(selected=[48, 12], total=[80, 40])   # the EEOC's example
>>> [round(r, 3) for r in result.ratios], result.comparison_index
([1.0, 0.5], 0)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import special, stats

__all__ = [
    "FOUR_FIFTHS_THRESHOLD",
    "ImpactRatios",
    "ProportionTest",
    "TestMethod",
    "fisher_exact_test",
    "holm_adjust",
    "impact_ratios",
    "proportion_test",
    "selection_rates",
    "selection_shortfall",
    "two_proportion_z_test",
]

FOUR_FIFTHS_THRESHOLD = 0.8
"""A selection rate below four-fifths of the highest rate is evidence of adverse impact."""

TestMethod = Literal["fisher_exact", "two_proportion_z"]

_FISHER_BELOW_EXPECTED = 5.0


def selection_rates(*, selected: ArrayLike, total: ArrayLike) -> np.ndarray:
    """``selected / total`` per group; ``nan`` where a group has no one (``total <= 0``)."""
    selected_arr = np.asarray(selected, dtype=float)
    total_arr = np.asarray(total, dtype=float)
    if selected_arr.shape != total_arr.shape:
        raise ValueError(
            f"selected has shape {selected_arr.shape} and total {total_arr.shape}: "
            "give one count of each per group"
        )
    rates = np.full(total_arr.shape, np.nan)
    positive = total_arr > 0
    rates[positive] = selected_arr[positive] / total_arr[positive]
    return rates


@dataclass(frozen=True)
class ImpactRatios:
    """Impact ratios of the groups of one breakdown, in the order they were given.

    ``ratios[i]`` is ``rates[i] / rates[comparison_index]``; ``nan`` where group i's rate is
    undefined, or for every group when no eligible group has a positive rate
    (``comparison_index`` is then ``None``).
    """

    rates: np.ndarray
    ratios: np.ndarray
    comparison_index: int | None

    @property
    def comparison_rate(self) -> float | None:
        """The highest eligible selection rate, which every ratio divides by."""
        if self.comparison_index is None:
            return None
        return float(self.rates[self.comparison_index])


def impact_ratios(
    *, selected: ArrayLike, total: ArrayLike, eligible: ArrayLike | None = None
) -> ImpactRatios:
    """Each group's selection rate ÷ the highest selection rate among the eligible groups.

    ``eligible`` (booleans, default: every group) says which groups may be the comparison
    group — typically the groups with enough data. Every group, eligible or not, gets a ratio.
    Ties for the highest rate go to the first group given. When the highest eligible rate is
    0 (or no group is eligible), no ratio is defined.

    >>> impact_ratios(selected=[30, 45, 2], total=[100, 60, 2], eligible=[True, True, False]).ratios
    array([0.4, 1. , 1.33333333])
    """
    rates = selection_rates(selected=selected, total=total)
    mask = np.ones(rates.shape, dtype=bool) if eligible is None else np.asarray(eligible, bool)
    if mask.shape != rates.shape:
        raise ValueError(f"eligible has shape {mask.shape}, the counts {rates.shape}")
    candidates = np.where(mask & ~np.isnan(rates), rates, -np.inf)
    if candidates.size == 0 or not np.isfinite(candidates.max()) or candidates.max() <= 0:
        return ImpactRatios(rates=rates, ratios=np.full(rates.shape, np.nan), comparison_index=None)
    index = int(np.argmax(candidates))
    return ImpactRatios(rates=rates, ratios=rates / rates[index], comparison_index=index)


@dataclass(frozen=True)
class ProportionTest:
    """A two-sided test that two groups' proportions are equal.

    ``statistic`` is z for the z test (positive when the first group's rate is higher) and the
    sample odds ratio for Fisher's exact test.
    """

    method: TestMethod
    statistic: float
    p_value: float


def _check_counts(x1: float, n1: float, x2: float, n2: float) -> bool:
    return min(n1, n2) > 0 and min(x1, x2) >= 0 and x1 <= n1 and x2 <= n2


def two_proportion_z_test(
    *, selected: float, total: float, comparison_selected: float, comparison_total: float
) -> ProportionTest | None:
    """Pooled two-proportion z test; ``None`` when a group is empty or a count is impossible.

    z = (p1 − p2) / √(p̂(1 − p̂)(1/n1 + 1/n2)) with the pooled p̂ = (x1 + x2)/(n1 + n2); the
    EEOC's "two standard deviations" criterion is |z| > 2 (p ≈ 0.05). When both groups
    select everyone or no one there is no difference to test: z = 0, p = 1.
    """
    x1, n1, x2, n2 = selected, total, comparison_selected, comparison_total
    if not _check_counts(x1, n1, x2, n2):
        return None
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return ProportionTest(method="two_proportion_z", statistic=0.0, p_value=1.0)
    z = (x1 / n1 - x2 / n2) / se
    # 2·Φ(−|z|): what stats.norm.sf computes, without its per-call argument checking
    return ProportionTest(
        method="two_proportion_z", statistic=float(z), p_value=float(2 * special.ndtr(-abs(z)))
    )


def fisher_exact_test(
    *, selected: float, total: float, comparison_selected: float, comparison_total: float
) -> ProportionTest | None:
    """Two-sided Fisher's exact test of the 2×2 table (counts rounded to whole people)."""
    x1, n1, x2, n2 = selected, total, comparison_selected, comparison_total
    if not _check_counts(x1, n1, x2, n2):
        return None
    table = np.rint(np.array([[x1, n1 - x1], [x2, n2 - x2]], dtype=float)).astype(np.int64)
    result = stats.fisher_exact(table)
    return ProportionTest(
        method="fisher_exact", statistic=float(result.statistic), p_value=float(result.pvalue)
    )


def proportion_test(
    *, selected: float, total: float, comparison_selected: float, comparison_total: float
) -> ProportionTest | None:
    """Fisher's exact test when the smallest expected cell is below 5, else the z test."""
    x1, n1, x2, n2 = selected, total, comparison_selected, comparison_total
    if not _check_counts(x1, n1, x2, n2):
        return None
    # Smallest expected cell count of the 2×2 table (row total × column total / grand total).
    grand = n1 + n2
    smallest_expected = min(n1, n2) * min(x1 + x2, grand - x1 - x2) / grand
    chosen = fisher_exact_test if smallest_expected < _FISHER_BELOW_EXPECTED else None
    chosen = chosen or two_proportion_z_test
    return chosen(selected=x1, total=n1, comparison_selected=x2, comparison_total=n2)


def selection_shortfall(
    *, selected: float, total: float, comparison_rate: float | None, ratio: float = 0.8
) -> int | None:
    """Additional selections the group needs for its rate to reach ``ratio × comparison_rate``.

    ``ratio=0.8`` (the default) is the shortfall to the four-fifths threshold, ``ratio=1`` the
    shortfall to parity with the comparison group. 0 when the group already reaches it;
    ``None`` when the group is empty or there is no comparison rate. Selections are whole
    people: the answer is the smallest integer k with (selected + k) / total ≥ target.
    """
    if total <= 0 or comparison_rate is None or math.isnan(comparison_rate):
        return None
    needed = ratio * comparison_rate * total - selected
    # a hair of tolerance so that e.g. 0.8 × 0.6 × 40 − 19.2 = 3e-15 does not become 1
    return max(0, math.ceil(needed - 1e-9))


def holm_adjust(p_values: Sequence[float]) -> list[float]:
    """Holm–Bonferroni adjusted p-values (family-wise error control), in the given order."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted = [0.0] * len(p_values)
    running = 0.0
    m = len(p_values)
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted
