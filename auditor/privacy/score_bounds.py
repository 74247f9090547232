"""Closed-form noise-aware score intervals for rates, and MOVER intervals for their comparisons.

Pure numpy on arrays of any (matching) shape — every group and every rate at once.

**Rates, by test inversion.** A rate ``p = A / (A + B)`` (``A`` the numerator cells, ``B`` the
rest of the denominator) is released as ``R_A = A + E_A`` and ``D = A + B + E_A + E_B``
(``E`` the release error: mean 0, ``Var E_A = V_A``, ``Var E_B = V_B``,
``Cov(E_A, E_B) = C``, fourth cumulants ``K_A``, ``K_B``). For any candidate ``p`` the
statistic

    T(p) = R_A − p·D = (A − p·N) + (1 − p)·E_A − p·E_B          (N = A + B, the true size)

has mean 0 whatever ``N`` is, and variance ``N·p(1 − p) + (1 − p)²V_A + p²V_B − 2p(1 − p)C``.
A rate is accepted when ``T(p)² ≤ c(p)²·Var T(p)`` with ``N`` estimated by ``max(D, 0)``: like
the Wilson interval (which it becomes without noise), the accepted set is where a quadratic
in ``p`` is ≤ 0, so its ends are roots in closed form. ``c(p)`` is the normal quantile with a
Cornish–Fisher correction for the fourth cumulant of ``T(p)`` (heavy-tailed Laplace noise on
few cells), evaluated at each end (two fixed-point steps). Rates of exactly 0 and 1 are
accepted like any other (``T(0) = R_A`` is pure noise).

**When a rate is shown** (:func:`estimable_denominator`): only when its noisy denominator
``D`` reaches the denominator ``t`` at which a rate of ½ would get an interval
``NOT_ESTIMABLE_WIDTH`` wide under this noise — a rule that depends on ``D`` and the noise
only, never on the numerator (a width rule on each interval would hide mid-range rates and
show extreme ones, which biases what is shown).

**Selection.** A rate shown because noise pushed ``D`` over ``t`` has, on average, noise
pushed up in its cells too. Near ``t`` the interval therefore also accepts every ``p`` that
the test accepts after removing an *allowance* ``m`` for that excess from ``D`` (and its share
``m·Cov(E_A, E_D)/Var(E_D)`` from ``R_A``), with the noise variance inflated by
``1 + (m/σ_D)²`` for the heavier tails of noise conditioned to be large; the interval is the
hull of both. ``m = σ_D·λ((t − D)/σ_D + 1)`` with ``λ`` the normal inverse Mills ratio: the
mean excess of the noise when the true size is one noise sd below what ``D`` suggests; it
vanishes a few ``σ_D`` above ``t``.

**Comparisons (MOVER).** Ratios and differences of two groups' rates combine the two rate
intervals by the method of variance estimates recovery (Zou & Donner 2008; Newcombe's hybrid
score interval for a difference is its special case), with the correlation of the two noisy
rates when their errors are correlated.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import special, stats

__all__ = [
    "NOT_ESTIMABLE_WIDTH",
    "RateMoments",
    "difference_bounds",
    "estimable_denominator",
    "rate_bounds",
    "ratio_bounds",
    "shown_rate_bounds",
]

NOT_ESTIMABLE_WIDTH = 0.5
"""A rate is shown only where a rate of ½ would get an interval at most this wide."""

_REFINEMENTS = 2
_MAX_EXCESS_KURTOSIS = 6.0
"""Cornish–Fisher is only a correction: cap the standardised fourth cumulant it is fed."""
_SELECTION_OFFSET = 2.5
"""The selection allowance assumes a true size this many noise sds below the observed one."""


@dataclass(frozen=True, eq=False)
class RateMoments:
    """Moments of the errors on a rate's released numerator and rest of denominator."""

    var_num: np.ndarray
    var_rest: np.ndarray
    cov: np.ndarray
    k4_num: np.ndarray
    k4_rest: np.ndarray
    lattice: bool = False
    """Whole-number errors on whole-number counts: the boundary test gets a continuity
    correction (see :func:`rate_bounds`)."""

    @property
    def var_den(self) -> np.ndarray:
        """Variance of the error on the denominator, Var(E_A + E_B)."""
        return self.var_num + self.var_rest + 2.0 * self.cov

    def inflated(self, factor: np.ndarray) -> RateMoments:
        return RateMoments(
            self.var_num * factor,
            self.var_rest * factor,
            self.cov * factor,
            self.k4_num * factor**2,
            self.k4_rest * factor**2,
            self.lattice,
        )


@lru_cache(maxsize=64)
def _z(confidence: float) -> float:
    return float(stats.norm.ppf(0.5 + confidence / 2.0))


def _critical(z: float, p: np.ndarray, variance: np.ndarray, moments: RateMoments) -> np.ndarray:
    """Cornish–Fisher two-sided critical value of T(p) from its excess kurtosis."""
    fourth = (1.0 - p) ** 4 * moments.k4_num + p**4 * moments.k4_rest
    with np.errstate(divide="ignore", invalid="ignore"):
        excess = np.where(variance > 0, fourth / variance**2, 0.0)
    excess = np.clip(excess, -1.0, _MAX_EXCESS_KURTOSIS)
    return z + (z**3 - 3.0 * z) / 24.0 * excess


def _roots(
    numerator: np.ndarray,
    denominator: np.ndarray,
    size: np.ndarray,
    moments: RateMoments,
    critical: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lower root, upper root, leading coefficient) of T(p)² − c²·Var T(p) = 0."""
    c2 = critical * critical
    a = denominator**2 + c2 * size - c2 * moments.var_den
    b = -2.0 * denominator * numerator - c2 * size + 2.0 * c2 * (moments.var_num + moments.cov)
    c = numerator**2 - c2 * moments.var_num
    with np.errstate(divide="ignore", invalid="ignore"):
        discriminant = b * b - 4.0 * a * c
        root = np.sqrt(np.maximum(discriminant, 0.0))
        vertex = -b / (2.0 * a)
        lower = np.where(discriminant >= 0, (-b - root) / (2.0 * a), vertex)
        upper = np.where(discriminant >= 0, (-b + root) / (2.0 * a), vertex)
    return lower, upper, a


def rate_bounds(
    numerator: np.ndarray, denominator: np.ndarray, moments: RateMoments, *, confidence: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(low, high, bounded)`` of the noise-aware score interval of ``numerator/denominator``.

    ``numerator`` and ``denominator`` are released (noisy) counts. ``bounded`` is false where
    the accepted set is not a bounded interval (every rate is compatible with the release);
    ``low``/``high`` are then ``nan``.
    """
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    z = _z(confidence)
    size = np.maximum(denominator, 0.0)

    def critical_at(p: np.ndarray) -> np.ndarray:
        p = np.clip(np.nan_to_num(p, nan=0.5), 0.0, 1.0)
        variance = (
            size * p * (1.0 - p)
            + (1.0 - p) ** 2 * moments.var_num
            + p * p * moments.var_rest
            - 2.0 * p * (1.0 - p) * moments.cov
        )
        return _critical(z, p, variance, moments)

    lower, upper, lead = _roots(numerator, denominator, size, moments, np.full_like(size, z))
    for _ in range(_REFINEMENTS):
        low_roots = _roots(numerator, denominator, size, moments, critical_at(lower))
        high_roots = _roots(numerator, denominator, size, moments, critical_at(upper))
        lower, upper = low_roots[0], high_roots[1]
        lead = np.minimum(low_roots[2], high_roots[2])
    bounded = np.isfinite(lower) & np.isfinite(upper) & (lead > 0)
    if moments.lattice:
        # At p = 0 the statistic is the numerator's noise alone, T(0) = R_A = E_A (at p = 1,
        # T(1) = −E_B). On whole numbers the test |T| ≤ c·sd accepts only T = 0 when c·sd < 1,
        # although ±1 is then the next most likely noise: with sd 0.27 (ε = 4, two cells) a
        # true 0 was rejected whenever the noise was ±1, 7 % of releases (coverage 92.9 %).
        # Round the acceptance band to the nearest whole number below one unit (accept ±1
        # when c·sd ≥ ½); above it the band is left as it is.
        zero = np.abs(numerator) <= _lattice_band(critical_at(np.zeros_like(size)), moments.var_num)
        one = np.abs(denominator - numerator) <= _lattice_band(
            critical_at(np.ones_like(size)), moments.var_rest
        )
        lower = np.where(zero, np.fmin(lower, 0.0), lower)
        upper = np.where(one, np.fmax(upper, 1.0), upper)
    low = np.where(bounded, np.clip(lower, 0.0, 1.0), np.nan)
    high = np.where(bounded, np.clip(upper, 0.0, 1.0), np.nan)
    return low, high, bounded


def _lattice_band(critical: np.ndarray, variance: np.ndarray) -> np.ndarray:
    """Acceptance half-width of a whole-number noise at a boundary rate: ``c·sd``, raised to
    1 when ``½ ≤ c·sd < 1`` (the nearest whole number)."""
    band = critical * np.sqrt(np.maximum(variance, 0.0))
    return np.where((band >= 0.5) & (band < 1.0), 1.0, band)


def estimable_denominator(
    moments: RateMoments, *, confidence: float, width: float = NOT_ESTIMABLE_WIDTH
) -> np.ndarray:
    """The smallest noisy denominator ``t`` at which a rate is shown.

    ``t`` is where the interval of an observed rate of ½ (normal critical value ``z``) is
    ``width`` wide: with ``σ_D² = Var(E_A + E_B)``, ``σ_Δ² = Var(E_A − E_B)`` and ``L =
    width``, the root of ``L²t² + z²(L² − 1)t − z²(σ_Δ² + L²σ_D²) = 0``. Without noise
    ``t = z²(1 − L²)/L²`` (≈ 11.5 people for the 95 % level and ``L = ½``).
    """
    z = _z(confidence)
    var_diff = moments.var_num + moments.var_rest - 2.0 * moments.cov
    square = width * width
    b = z * z * (square - 1.0)
    c = -z * z * (var_diff + square * moments.var_den)
    return (-b + np.sqrt(b * b - 4.0 * square * c)) / (2.0 * square)


def shown_rate_bounds(
    numerator: np.ndarray, denominator: np.ndarray, moments: RateMoments, *, confidence: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(low, high, shown)``: the interval with the selection allowance, and whether the rate
    is shown at all: its denominator reaches :func:`estimable_denominator` and the interval
    is bounded and at most :data:`NOT_ESTIMABLE_WIDTH` wide. ``low``/``high`` are ``nan``
    where it is not shown."""
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    threshold = estimable_denominator(moments, confidence=confidence)
    low, high, bounded = rate_bounds(numerator, denominator, moments, confidence=confidence)
    sd = np.sqrt(moments.var_den)
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.where(sd > 0, (threshold - denominator) / sd + _SELECTION_OFFSET, -np.inf)
        share = np.where(sd > 0, (moments.var_num + moments.cov) / moments.var_den, 0.0)
    excess = sd * _inverse_mills(gap)
    factor = 1.0 + np.where(sd > 0, (excess / np.where(sd > 0, sd, 1.0)) ** 2, 0.0)
    low2, high2, bounded2 = rate_bounds(
        numerator - excess * share,
        denominator - excess,
        moments.inflated(factor),
        confidence=confidence,
    )
    low = np.fmin(low, np.where(bounded2, low2, 0.0))
    high = np.fmax(high, np.where(bounded2, high2, 1.0))
    shown = bounded & (denominator >= threshold) & (high - low <= NOT_ESTIMABLE_WIDTH)
    return np.where(shown, low, np.nan), np.where(shown, high, np.nan), shown


def _inverse_mills(x: np.ndarray) -> np.ndarray:
    """E[Z | Z ≥ x] for a standard normal Z (0 far below, ≈ x far above)."""
    x = np.asarray(x, dtype=float)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        # φ(x)/Q(x) = sqrt(2/π)/erfcx(x/√2), stable for large x
        value = np.sqrt(2.0 / np.pi) / special.erfcx(x / np.sqrt(2.0))
    return np.where(np.isfinite(value), value, np.maximum(x, 0.0))


def _inside(point: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    return np.minimum(np.maximum(point, low), high)


def difference_bounds(
    first: tuple[np.ndarray, np.ndarray, np.ndarray],
    second: tuple[np.ndarray, np.ndarray, np.ndarray],
    *,
    correlation: np.ndarray | float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """MOVER interval for ``p₁ − p₂`` from each rate's ``(estimate, low, high)``.

    Estimates are moved inside their intervals first (noisy rates can leave [0, 1]).
    """
    p1, l1, u1 = first
    p2, l2, u2 = second
    p1, p2 = _inside(p1, l1, u1), _inside(p2, l2, u2)
    r = np.asarray(correlation, dtype=float)
    d = p1 - p2
    down1, up2 = p1 - l1, u2 - p2
    up1, down2 = u1 - p1, p2 - l2
    low = d - np.sqrt(np.maximum(down1**2 + up2**2 - 2.0 * r * down1 * up2, 0.0))
    high = d + np.sqrt(np.maximum(up1**2 + down2**2 - 2.0 * r * up1 * down2, 0.0))
    return np.clip(low, -1.0, 1.0), np.clip(high, -1.0, 1.0)


def ratio_bounds(
    first: tuple[np.ndarray, np.ndarray, np.ndarray],
    second: tuple[np.ndarray, np.ndarray, np.ndarray],
    *,
    correlation: np.ndarray | float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """MOVER interval for ``p₁ / p₂`` (Donner & Zou 2012) from each rate's interval.

    The upper end is ``inf`` when ``p₂``'s interval reaches 0 (the ratio is unbounded); the
    lower end is 0 when ``p₁``'s does.
    """
    p1, l1, u1 = first
    p2, l2, u2 = second
    p1, p2 = _inside(p1, l1, u1), _inside(p2, l2, u2)
    r = np.asarray(correlation, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # lower: (p1 − L·p2)² = (p1 − l1)² + L²(u2 − p2)² − 2r(p1 − l1)·L(u2 − p2)
        e1, e2 = p1 - l1, u2 - p2
        a = p2 * p2 - e2 * e2
        b = p1 * p2 - r * e1 * e2
        c = p1 * p1 - e1 * e1
        low = c / (b + np.sqrt(np.maximum(b * b - a * c, 0.0)))
        low = np.where(l1 <= 0, 0.0, low)
        # upper: (U·p2 − p1)² = (u1 − p1)² + U²(p2 − l2)² − 2r(u1 − p1)·U(p2 − l2)
        e1, e2 = u1 - p1, p2 - l2
        a = p2 * p2 - e2 * e2
        b = p1 * p2 - r * e1 * e2
        c = p1 * p1 - e1 * e1
        high = (b + np.sqrt(np.maximum(b * b - a * c, 0.0))) / a
        high = np.where((l2 <= 0) | (a <= 0), np.inf, high)
    low = np.where(np.isfinite(low), np.maximum(low, 0.0), 0.0)
    return low, high
