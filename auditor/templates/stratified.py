"""Pooling 2×2 tables over strata: Cochran–Mantel–Haenszel, Mantel–Haenszel, Breslow–Day.

Each stratum ``k`` (a job group, a location, a year) gives one 2×2 table of the focal group
against the comparison group::

                 selected   not selected
    focal          a_k          b_k
    comparison     c_k          d_k

Pure functions of those counts, checked against ``statsmodels``' ``StratifiedTable`` in the
tests. A stratum with an empty row or column (no focal or no comparison applicant, nobody or
everybody selected) carries no information about the association: its CMH variance and its
Mantel–Haenszel terms are zero, so it is left out (and counted in ``strata_uninformative``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["StratifiedTest", "stratified_test"]


@dataclass(frozen=True)
class StratifiedTest:
    """The pooled analysis of one focal group against the comparison group over strata.

    ``cmh_chi2``/``cmh_p``: continuity-corrected Cochran–Mantel–Haenszel χ² (1 df) and its
    p-value; ``z_mh``: the signed square root (negative when the focal group is selected less
    often than expected within strata). ``mh_odds_ratio``: the Mantel–Haenszel common odds
    ratio (focal vs comparison; below 1 means the focal group's odds of selection are lower),
    with the Robins–Breslow–Greenland interval. ``breslow_day_chi2``/``breslow_day_p``:
    Breslow–Day test that the strata share one odds ratio (K − 1 df); a small p-value means
    the strata disagree and the pooled figures must be read with care. ``shortfall``:
    Σ_k (E[a_k] − a_k), the selections the focal group lacks against what equal odds within
    each stratum would give (negative: it has more than expected).
    """

    strata_used: int
    strata_uninformative: int
    selected: float
    expected: float
    cmh_chi2: float | None
    cmh_p: float | None
    z_mh: float | None
    mh_odds_ratio: float | None
    mh_odds_ratio_interval: tuple[float, float] | None
    breslow_day_chi2: float | None
    breslow_day_p: float | None
    shortfall: float


def stratified_test(
    *,
    focal_selected: Sequence[float],
    focal_total: Sequence[float],
    comparison_selected: Sequence[float],
    comparison_total: Sequence[float],
    confidence: float = 0.95,
) -> StratifiedTest:
    """CMH, the Mantel–Haenszel odds ratio and Breslow–Day over the strata given.

    >>> result = stratified_test(focal_selected=[10, 20], focal_total=[40, 50],
    ...                          comparison_selected=[20, 30], comparison_total=[40, 50])
    >>> round(result.mh_odds_ratio, 3), round(result.shortfall, 2)
    (0.394, 10.0)
    """
    a = np.asarray(focal_selected, dtype=float)
    focal = np.asarray(focal_total, dtype=float)
    c = np.asarray(comparison_selected, dtype=float)
    comparison = np.asarray(comparison_total, dtype=float)
    if not (a.shape == focal.shape == c.shape == comparison.shape) or a.ndim != 1:
        raise ValueError("give one count of each kind per stratum")
    if (a < 0).any() or (c < 0).any() or (a > focal).any() or (c > comparison).any():
        raise ValueError("selected counts must lie between 0 and the group's total")
    b, d = focal - a, comparison - c
    n = focal + comparison
    selected_total = a + c
    informative = (focal > 0) & (comparison > 0) & (selected_total > 0) & (selected_total < n)
    dropped = int((~informative).sum())
    a, b, c, d, n = a[informative], b[informative], c[informative], d[informative], n[informative]
    row1, col1 = a + b, a + c
    expected = row1 * col1 / n if a.size else np.zeros(0)
    shortfall = float(expected.sum() - a.sum())
    empty = StratifiedTest(
        strata_used=int(a.size),
        strata_uninformative=dropped,
        selected=float(a.sum()),
        expected=float(expected.sum()),
        cmh_chi2=None,
        cmh_p=None,
        z_mh=None,
        mh_odds_ratio=None,
        mh_odds_ratio_interval=None,
        breslow_day_chi2=None,
        breslow_day_p=None,
        shortfall=shortfall,
    )
    if a.size == 0:
        return empty
    variance = (row1 * (c + d) * col1 * (b + d) / (n**2 * (n - 1))).sum()
    deviation = float(a.sum() - expected.sum())
    corrected = max(abs(deviation) - 0.5, 0.0)
    chi2 = corrected**2 / variance
    z_mh = math.copysign(math.sqrt(chi2), deviation) if deviation else 0.0
    cmh_p = float(stats.chi2.sf(chi2, 1))

    r_terms, s_terms = a * d / n, b * c / n
    r_sum, s_sum = float(r_terms.sum()), float(s_terms.sum())
    odds_ratio = r_sum / s_sum if s_sum > 0 else (math.inf if r_sum > 0 else None)
    interval = None
    if r_sum > 0 and s_sum > 0:
        p_terms, q_terms = (a + d) / n, (b + c) / n
        log_variance = (
            (p_terms * r_terms).sum() / (2 * r_sum**2)
            + (p_terms * s_terms + q_terms * r_terms).sum() / (2 * r_sum * s_sum)
            + (q_terms * s_terms).sum() / (2 * s_sum**2)
        )
        z = float(stats.norm.ppf(0.5 + confidence / 2))
        half = z * math.sqrt(log_variance)
        log_or = math.log(odds_ratio)
        interval = (math.exp(log_or - half), math.exp(log_or + half))

    bd_chi2 = bd_p = None
    if a.size >= 2 and odds_ratio is not None and 0 < odds_ratio < math.inf:
        fitted = _fitted_first_cells(odds_ratio, row1=row1, col1=col1, n=n)
        cell_variance = 1 / (
            1 / fitted + 1 / (col1 - fitted) + 1 / (row1 - fitted) + 1 / (n - row1 - col1 + fitted)
        )
        bd_chi2 = float(((a - fitted) ** 2 / cell_variance).sum())
        bd_p = float(stats.chi2.sf(bd_chi2, a.size - 1))

    return StratifiedTest(
        strata_used=int(a.size),
        strata_uninformative=dropped,
        selected=float(a.sum()),
        expected=float(expected.sum()),
        cmh_chi2=float(chi2),
        cmh_p=cmh_p,
        z_mh=float(z_mh),
        mh_odds_ratio=odds_ratio,
        mh_odds_ratio_interval=interval,
        breslow_day_chi2=bd_chi2,
        breslow_day_p=bd_p,
        shortfall=shortfall,
    )


def _fitted_first_cells(
    odds_ratio: float, *, row1: np.ndarray, col1: np.ndarray, n: np.ndarray
) -> np.ndarray:
    """The first cell of each stratum with its margins fixed and odds ratio ``odds_ratio``.

    Solves x (n − r − c + x) = ψ (r − x)(c − x) for the root inside the table's range, written
    as −2·C / (B + √(B² − 4AC)) so that it stays exact when ψ is close to 1 (A = 1 − ψ → 0,
    where the textbook (−B + √…)/(2A) loses every digit).
    """
    quad = 1 - odds_ratio
    linear = (n - row1 - col1) + odds_ratio * (row1 + col1)
    constant = -odds_ratio * row1 * col1
    root = np.sqrt(linear**2 - 4 * quad * constant)
    return -2 * constant / (linear + root)
