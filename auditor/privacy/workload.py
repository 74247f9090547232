"""Measure the published workload, then combine it by weighted least squares into one table.

A DP audit publishes every single-attribute breakdown and every pair, all of them sums of the
finest table (protected values × label × prediction). Released alone, the finest table makes a
single-attribute group's count the sum of hundreds of noisy cells. Here the cells' budget is
split (sequential composition) over *measurement sets*: the finest table, each single attribute
and each pair, each kept with label × prediction. A row is in exactly one cell of each set, so
each set has L1 and L2 sensitivity 1; set ``S`` gets a share ``s_S`` of the budget (ε for
discrete Laplace: ε_S = s_S·ε, the ε_S add up to ε; ρ for the discrete Gaussian: ρ_S = s_S·ρ,
the ρ_S add up to the ρ whose (ε, δ) conversion is the requested one).

All measurements are then combined by generalised least squares (each weighted by 1/its noise
variance) into one finest table whose every marginal is the best linear unbiased estimate from
*all* measurements — the consistent table of the Census TopDown / GLS work and of HDMM or
ResidualPlanner. Every breakdown is a sum of that table (post-processing, no further cost).

**Solving it fast.** The measurement matrix of set ``S`` is ``A_S = ⊗_{i∈S} I ⊗_{i∉S} 1ᵀ``, so
the normal matrix ``Σ_S w_S A_Sᵀ A_S`` is diagonal in the basis that splits every attribute's
axis into its mean and its deviations: on the subspace ``U_T`` (deviations along the
attributes in ``T``, means along the others) its eigenvalue is
``λ_T = Σ_{S ⊇ T} w_S Π_{i∉S} n_i``. The estimate is ``Σ_T λ_T⁻¹ P_T (Σ_S w_S A_Sᵀ y_S)``,
each projection ``P_T`` being means and deviations along axes: ``2^d`` passes over the table,
no matrix is formed. The variance of any marginal cell and the exact linear combination of
the independent noises that makes its error follow in closed form (:meth:`MeasurementPlan.
variance`, :meth:`MeasurementPlan.error_components`); the noise-aware intervals read their
moments through :meth:`MeasurementPlan.breakdown_noise` (the contract of :mod:`.noise_model`).

**The split.** Shares are chosen, from public facts only (each attribute's number of public
levels and the mechanism), by one of two stated rules (:func:`choose_shares`): ``"marginals"``
minimises the average over the published breakdowns (each attribute and each pair) of the
noise variance of a group's count relative to releasing the finest table alone, with no
published breakdown noisier than that; ``"attributes"`` maximises ``t`` with every single
attribute at least ``t``-fold less noisy (sd) and no pair more than ``t``-fold noisier. The
finest table keeps at least :data:`FINEST_MIN_SHARE`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import numpy as np

from .mechanisms import NoiseSpec, gaussian_rho
from .noise_model import BreakdownNoise, cell_fourth_cumulant

__all__ = [
    "FINEST_MIN_SHARE",
    "WORKLOADS",
    "Measurement",
    "MeasurementPlan",
    "Workload",
    "choose_shares",
    "simulate_cell_errors",
    "marginal_counts",
    "plan_measurements",
    "plan_from_description",
    "workload_sets",
]

Workload = Literal["marginals", "attributes", "finest"]
WORKLOADS: tuple[Workload, ...] = ("marginals", "attributes", "finest")
Priority = Literal["balanced", "attributes"]

FINEST_MIN_SHARE = 0.05
"""The finest table's smallest share of the budget: it is the one measurement of the
combinations of three or more attributes, which the consistent table also carries."""

MIN_SHARE = 0.005
"""A set whose chosen share is below this is not measured (its budget goes to the others)."""

_CONFUSION_CELLS = 4  # label × prediction, kept in every measurement


def workload_sets(
    attributes: Sequence[str], workload: Workload, *, pairs: bool = True
) -> tuple[tuple[str, ...], ...]:
    """The measurement sets: the finest table first, then each attribute, then each pair
    (when ``pairs``, i.e. when the audit publishes intersections).

    ``"attributes"`` measures the same sets as ``"marginals"`` with a split that favours the
    single attributes (:func:`choose_shares`). ``"finest"`` measures the finest table alone
    (the release before the workload existed).
    Sets equal to the finest table (one attribute; a pair of two attributes) are measured once.
    """
    if workload not in WORKLOADS:
        raise ValueError(f"workload {workload!r} is not one of {WORKLOADS}")
    full = tuple(attributes)
    sets = [full]
    if workload in ("marginals", "attributes"):
        for size in (1, 2) if pairs else (1,):
            for subset in itertools.combinations(full, size):
                if subset != full and subset not in sets:
                    sets.append(subset)
    return tuple(sets)


def _subsets(indices: Sequence[int]) -> list[tuple[int, ...]]:
    indices = tuple(indices)
    return [c for r in range(len(indices) + 1) for c in itertools.combinations(indices, r)]


def _eigenvalues(
    sizes: Sequence[int], sets: Sequence[tuple[int, ...]], weights: Sequence[float]
) -> dict[tuple[int, ...], float]:
    """``λ_T = Σ_{S ⊇ T} w_S Π_{i∉S} n_i`` for every subset ``T`` of the axes."""
    d = len(sizes)
    result = {}
    for subset in _subsets(range(d)):
        chosen = set(subset)
        result[subset] = sum(
            w * math.prod(sizes[i] for i in range(d) if i not in s)
            for s, w in zip(sets, weights, strict=True)
            if chosen <= set(s)
        )
    return result


def _cell_covariance(
    sizes: Sequence[int], lam: dict[tuple[int, ...], float], by: Sequence[int], agree: set[int]
) -> float:
    """Covariance of the estimation errors of two cells of the marginal ``by`` that agree on
    the axes ``agree`` (⊆ ``by``); the variance of one cell when ``agree`` is all of ``by``."""
    d = len(sizes)
    outside = math.prod(sizes[i] for i in range(d) if i not in by)
    total = 0.0
    for subset in _subsets(by):
        factor = outside
        for i in by:
            if i in subset:
                factor *= (1.0 if i in agree else 0.0) - 1.0 / sizes[i]
            else:
                factor /= sizes[i]
        total += factor / lam[subset]
    return total


@dataclass(frozen=True)
class Measurement:
    """One measured set: which attributes it keeps (with label × prediction), its share of the
    budget and its calibrated noise (``budget`` is ε_S for Laplace, ρ_S for Gaussian)."""

    attributes: tuple[str, ...]
    share: float
    budget: float
    spec: NoiseSpec
    cells: int

    @property
    def variance(self) -> float:
        return self.spec.variance

    def describe(self) -> dict[str, Any]:
        unit = "epsilon" if self.spec.mechanism == "laplace" else "rho"
        return {
            "attributes": list(self.attributes),
            "cells": self.cells,
            "share": round(self.share, 6),
            unit: self.budget,
            "scale": self.spec.scale,
            "noise_variance_per_cell": self.spec.variance,
        }


@dataclass(frozen=True)
class MeasurementPlan:
    """The measurement sets of one release and the least-squares combination of them."""

    workload: Workload
    attributes: tuple[str, ...]
    sizes: tuple[int, ...]
    measurements: tuple[Measurement, ...]

    # -- structure ---------------------------------------------------------------------

    def _axes(self, names: Sequence[str]) -> tuple[int, ...]:
        return tuple(sorted(self.attributes.index(n) for n in names))

    @property
    def _sets(self) -> list[tuple[int, ...]]:
        return [self._axes(m.attributes) for m in self.measurements]

    @property
    def _weights(self) -> list[float]:
        return [1.0 / m.variance for m in self.measurements]

    @property
    def _lambda(self) -> dict[tuple[int, ...], float]:
        return _lambda_cached(self.sizes, tuple(self._sets), tuple(self._weights))

    # -- estimation --------------------------------------------------------------------

    def measure(self, finest: np.ndarray) -> list[np.ndarray]:
        """The exact count vector of each measurement set (finest: the grid-ordered counts)."""
        table = np.asarray(finest).reshape(*self.sizes, _CONFUSION_CELLS)
        return [marginal_counts(table, s).reshape(-1) for s in self._sets]

    def estimate(self, noisy: Sequence[np.ndarray]) -> np.ndarray:
        """The consistent finest table (grid order, flat) from every set's noisy counts."""
        d = len(self.sizes)
        shape = (*self.sizes, _CONFUSION_CELLS)
        combined = np.zeros(shape)
        for s, w, values in zip(self._sets, self._weights, noisy, strict=True):
            kept = [self.sizes[i] if i in s else 1 for i in range(d)]
            combined += w * np.asarray(values, dtype=float).reshape(*kept, _CONFUSION_CELLS)
        lam = self._lambda
        result = np.zeros(shape)
        for subset in _subsets(range(d)):
            projected = combined
            for axis in range(d):
                mean = projected.mean(axis=axis, keepdims=True)
                projected = projected - mean if axis in subset else mean
            result += projected / lam[subset]
        return result.reshape(-1)

    # -- the error of a published cell -------------------------------------------------

    def variance(self, by: Sequence[str]) -> float:
        """Variance of the estimation error of one confusion cell of a group of ``by``."""
        axes = self._axes(by)
        return _cell_covariance(self.sizes, self._lambda, axes, set(axes))

    def covariance(self, by: Sequence[str], agree: Sequence[str]) -> float:
        """Covariance of the errors of two groups of ``by`` that share the values of ``agree``
        (same label and prediction cell). Different label/prediction cells are independent."""
        return _cell_covariance(self.sizes, self._lambda, self._axes(by), set(self._axes(agree)))

    def error_components(self, by: Sequence[str]) -> list[tuple[float, int, Measurement]]:
        """The error of one confusion cell of a group of ``by`` as an exact linear combination
        of the independent measurement noises: ``(coefficient, how many noises, measurement)``
        terms, the error being Σ coefficient × (sum of that many draws of the measurement's
        noise)."""
        target = set(self._axes(by))
        d = len(self.sizes)
        lam = self._lambda
        terms = []
        for measurement, s, w in zip(self.measurements, self._sets, self._weights, strict=True):
            shared = sorted(target & set(s))
            outside = math.prod(self.sizes[i] for i in range(d) if i not in s and i not in target)
            extra = math.prod(self.sizes[i] for i in s if i not in target)
            for matched in _subsets(shared):
                match = set(matched)
                coefficient = 0.0
                for subset in _subsets(shared):
                    factor = 1.0
                    for i in shared:
                        if i in subset:
                            factor *= (1.0 if i in match else 0.0) - 1.0 / self.sizes[i]
                        else:
                            factor /= self.sizes[i]
                    coefficient += factor / lam[subset]
                coefficient *= w * outside
                count = extra * math.prod(self.sizes[i] - 1 for i in shared if i not in match)
                if count and abs(coefficient) > 1e-12:
                    terms.append((coefficient, count, measurement))
        return terms

    def breakdown_noise(self, by: tuple[str, ...]) -> BreakdownNoise:
        """The error moments of a group's four confusion cells (the noise-model contract of
        :mod:`.noise_model`): the four cells are separate least-squares problems with
        independent noise, so the covariance is diagonal; the cross-covariance is that of two
        groups differing in every attribute of ``by`` (for one attribute: any two groups; for a
        pair, groups sharing one value are correlated slightly differently); the fourth
        cumulant is Σ coefficient⁴ × count × κ₄ over the independent noises."""
        return _breakdown_noise(self, tuple(by))

    def describe(self) -> dict[str, Any]:
        return {
            "workload": self.workload,
            "measurements": [m.describe() for m in self.measurements],
        }


@lru_cache(maxsize=64)
def _lambda_cached(
    sizes: tuple[int, ...], sets: tuple[tuple[int, ...], ...], weights: tuple[float, ...]
) -> dict[tuple[int, ...], float]:
    return _eigenvalues(sizes, sets, weights)


@lru_cache(maxsize=256)
def _breakdown_noise(plan: MeasurementPlan, by: tuple[str, ...]) -> BreakdownNoise:
    variance = plan.variance(by)
    cross = plan.covariance(by, ()) if by else 0.0
    fourth = sum(
        coefficient**4 * count * cell_fourth_cumulant(measurement.spec)
        for coefficient, count, measurement in plan.error_components(by)
    )
    return BreakdownNoise(
        covariance=np.eye(4) * variance,
        fourth_cumulant=np.full(4, fourth),
        cross_covariance=np.eye(4) * cross,
    )


def marginal_counts(table: np.ndarray, axes: Sequence[int]) -> np.ndarray:
    """Sum a (*levels, 4) table over the attribute axes not in ``axes`` (label × prediction
    kept), returning shape ``(*[levels of axes], 4)``."""
    d = table.ndim - 1
    summed = tuple(i for i in range(d) if i not in set(axes))
    return table.sum(axis=summed) if summed else table


# -- choosing the split ------------------------------------------------------------------


def _published(d: int, pairs: bool = True) -> list[tuple[int, ...]]:
    singles = [(i,) for i in range(d)]
    return singles + list(itertools.combinations(range(d), 2)) if pairs else singles


def _precision(mechanism: str, epsilon: float | None):
    """1/variance of a measurement given its share ``s`` of the budget, and its derivative.

    Discrete Laplace at ε_S = s·ε (integer counts): variance 2q/(1 − q)², q = e^(−ε_S).
    Continuous Laplace (fractional counts): ∝ s². Gaussian: ρ_S = s·ρ, precision ∝ s.
    """
    if mechanism == "laplace" and epsilon is not None:

        def value(s: np.ndarray) -> np.ndarray:
            q = np.exp(-s * epsilon)
            return (1.0 - q) ** 2 / (2.0 * q)

        def slope(s: np.ndarray) -> np.ndarray:
            q = np.exp(-s * epsilon)
            return epsilon * (1.0 - q**2) / (2.0 * q)

        return value, slope
    if mechanism == "laplace":
        return (lambda s: s**2), (lambda s: 2.0 * s)
    return (lambda s: s), (lambda s: np.ones_like(s))


@lru_cache(maxsize=64)
def choose_shares(
    sizes: tuple[int, ...],
    sets: tuple[tuple[int, ...], ...],
    mechanism: str,
    *,
    pairs: bool = True,
    epsilon: float | None = None,
    priority: Priority = "balanced",
    pair_floor: float | None = None,
) -> tuple[float, ...]:
    """Budget shares of ``sets`` (axis indices; the finest first).

    ``priority="balanced"`` (the ``"marginals"`` workload): minimise the mean, over
    the published breakdowns (each axis, and each pair when ``pairs``), of a group count's
    noise variance relative to the finest table released alone with the whole budget,
    subject to no published breakdown being noisier than that.

    Public facts only: the number of levels of each attribute, the mechanism and, for the
    discrete Laplace (``epsilon`` given), ε — its exact variance. Without ``epsilon`` the
    continuous variances are used (Laplace ∝ 1/ε², Gaussian ∝ 1/ρ: shares independent of ε).

    ``priority="attributes"`` (the ``"attributes"`` workload): maximise ``t``, the smallest
    factor by which a single attribute's noise standard deviation falls, subject to no pair's
    rising by more than that same factor ``t`` (every single ≥ t× less noisy, every pair at
    most t× noisier than the finest table alone; without pairs, the singles alone). ``t ≥ 1``
    always holds (the finest table alone gives 1), so small tables keep the finest table.
    ``pair_floor`` replaces that bound by a fixed one (every pair's noise sd at most
    1/``pair_floor`` times the finest table's), e.g. to trace the trade-off between singles
    and pairs (``benchmarks/dp_workload_accuracy.py`` prints it).
    """
    from scipy.optimize import minimize

    if len(sets) == 1:
        return (1.0,)
    d = len(sizes)
    published = _published(d, pairs)
    subsets = _subsets(range(d))
    index = {t: k for k, t in enumerate(subsets)}
    contain = np.zeros((len(sets), len(subsets)))
    for a, s in enumerate(sets):
        rest = math.prod(sizes[i] for i in range(d) if i not in s)
        for t in _subsets(s):
            contain[a, index[t]] = rest
    precision, slope = _precision(mechanism, epsilon)
    whole = float(precision(np.array(1.0)))
    factors = np.zeros((len(published), len(subsets)))
    baseline = np.zeros(len(published))
    for b, p in enumerate(published):
        outside = math.prod(sizes[i] for i in range(d) if i not in p)
        baseline[b] = outside / whole  # the finest table alone with the whole budget
        for t in _subsets(p):
            factor = outside
            for i in p:
                factor *= (1.0 - 1.0 / sizes[i]) if i in t else 1.0 / sizes[i]
            factors[b, index[t]] = factor
    needed = factors.any(axis=0)
    factors, contain = factors[:, needed], contain[:, needed]

    def relative(shares: np.ndarray) -> np.ndarray:
        lam = precision(np.maximum(shares, 1e-9)) @ contain
        return (factors @ (1.0 / lam)) / baseline

    def relative_jacobian(shares: np.ndarray) -> np.ndarray:
        shares = np.maximum(shares, 1e-9)
        lam = precision(shares) @ contain
        d_lam = -(factors / lam**2 / baseline[:, None])  # published × subsets
        return (d_lam @ contain.T) * slope(shares)

    def objective(shares: np.ndarray) -> tuple[float, np.ndarray]:
        return float(relative(shares).mean()), relative_jacobian(shares).mean(axis=0)

    bounds = [(FINEST_MIN_SHARE, 1.0)] + [(1e-6, 1.0)] * (len(sets) - 1)
    if priority == "attributes":
        return _attributes_first(sets, d, relative, relative_jacobian, bounds, pair_floor)
    constraints = [
        {"type": "eq", "fun": lambda x: x.sum() - 1.0, "jac": lambda x: np.ones_like(x)},
        # no published breakdown noisier than with the finest table alone
        {
            "type": "ineq",
            "fun": lambda x: 1.0 - relative(x),
            "jac": lambda x: -relative_jacobian(x),
        },
    ]
    finest_only = np.full(len(sets), 1e-6)
    finest_only[0] = 1.0
    uniform = np.full(len(sets), 1.0 / len(sets))
    best_x, best_value = finest_only / finest_only.sum(), objective(finest_only)[0]
    for start in (0.5 * uniform + 0.5 * finest_only, uniform):
        start = np.clip(start, [b[0] for b in bounds], 1.0)
        found = minimize(
            objective,
            start / start.sum(),
            jac=True,
            method="SLSQP",
            bounds=bounds,
            constraints=constraints,
            options={"maxiter": 200, "ftol": 1e-9},
        )
        feasible = (
            abs(found.x.sum() - 1.0) < 1e-6
            and np.all(relative(found.x) <= 1.0 + 1e-6)
            and found.x[0] >= FINEST_MIN_SHARE - 1e-9
        )
        if feasible and found.fun < best_value:
            best_x, best_value = found.x, found.fun
        if found.success and feasible:
            break  # the second start is only for when the first one fails
    found = np.clip(best_x, 0.0, None)
    found /= found.sum()
    shares = found.copy()
    shares[shares < MIN_SHARE] = 0.0  # a set worth almost nothing is not measured
    shares[0] = max(shares[0], FINEST_MIN_SHARE)
    shares /= shares.sum()
    if np.any(relative(np.maximum(shares, 1e-12)) > 1.0 + 1e-6):  # dropping broke the bound
        shares = found
    return tuple(float(x) for x in shares)


ATTRIBUTES_STARTS = 12
"""Starting points of the ``"attributes"`` split's optimiser (fixed, so the split is
deterministic: the uniform split, the finest table alone, then seeded random splits)."""


def _attributes_first(
    sets, d, relative, relative_jacobian, bounds, pair_floor=None
) -> tuple[float, ...]:
    """Shares maximising ``τ = log t``: every single's relative variance ≤ e^(−2τ), every
    pair's ≤ e^(2τ), or ≤ 1/pair_floor² when given (relative to the finest table alone; see
    :func:`choose_shares`)."""
    pair_bound = None if pair_floor is None else -2.0 * math.log(pair_floor)
    from scipy.optimize import minimize

    singles = d  # the published breakdowns are the d singles first, then the pairs
    n = len(sets)

    def gaps(z: np.ndarray) -> np.ndarray:
        logs = np.log(relative(z[:-1]))
        pairs = 2.0 * z[-1] if pair_bound is None else pair_bound
        return np.concatenate([-2.0 * z[-1] - logs[:singles], pairs - logs[singles:]])

    def gaps_jacobian(z: np.ndarray) -> np.ndarray:
        values = relative(z[:-1])
        d_logs = relative_jacobian(z[:-1]) / values[:, None]
        sign = np.where(np.arange(len(values)) < singles, -2.0, 2.0 if pair_bound is None else 0.0)
        return np.hstack([-d_logs, sign[:, None]])

    constraints = [
        {
            "type": "eq",
            "fun": lambda z: z[:-1].sum() - 1.0,
            "jac": lambda z: np.append(np.ones(n), 0.0),
        },
        {"type": "ineq", "fun": gaps, "jac": gaps_jacobian},
    ]
    rng = np.random.default_rng(16)
    starts = [np.full(n, 1.0 / n), np.r_[1.0, np.full(n - 1, 1e-6)]]
    starts += [rng.dirichlet(np.ones(n)) for _ in range(ATTRIBUTES_STARTS - 2)]
    best_x = np.r_[1.0, np.zeros(n - 1)]
    best_tau = 0.0  # the finest table alone: every breakdown exactly as before
    for start in starts:
        start = np.clip(start, [b[0] for b in bounds], 1.0)
        start /= start.sum()
        tau0 = 0.5 * min(-np.log(relative(start)[:singles]).min(), 0.0)
        found = minimize(
            lambda z: (-z[-1], np.append(np.zeros(n), -1.0)),
            np.append(start, tau0),
            jac=True,
            method="SLSQP",
            bounds=[*bounds, (-5.0, 5.0)],
            constraints=constraints,
            options={"maxiter": 300, "ftol": 1e-10},
        )
        x = np.clip(found.x[:-1], 0.0, None)
        x /= x.sum()
        feasible = x[0] >= FINEST_MIN_SHARE - 1e-9 and np.all(
            gaps(np.append(x, found.x[-1])) > -1e-6
        )
        if feasible and found.x[-1] > best_tau + 1e-9:
            best_x, best_tau = x, found.x[-1]
    shares = best_x.copy()
    shares[shares < MIN_SHARE] = 0.0  # a set worth almost nothing is not measured
    shares[0] = max(shares[0], FINEST_MIN_SHARE)
    shares /= shares.sum()
    kept = np.maximum(shares, 1e-12)
    if np.all(gaps(np.append(kept, best_tau - 0.01)) < -1e-9):  # dropping cost > 1 % of t
        shares = best_x
    return tuple(float(v) for v in shares)


def plan_measurements(
    attributes: Sequence[str],
    sizes: Sequence[int],
    *,
    workload: Workload,
    spec: NoiseSpec,
    pairs: bool = True,
) -> MeasurementPlan:
    """Split the budget of ``spec`` (calibrated for the finest table alone) over the workload.

    Laplace: ε_S = s_S·ε (sequential composition, the ε_S add up to ε). Gaussian: the ρ of
    ``spec``'s scale (OpenDP's own map) is split, ρ_S = s_S·ρ (zCDP composition), so the
    total converts to the same (ε, δ) as ``spec``.
    """
    attributes = tuple(attributes)
    sizes = tuple(int(n) for n in sizes)
    named = workload_sets(attributes, workload, pairs=pairs)
    axes = tuple(tuple(sorted(attributes.index(n) for n in s)) for s in named)
    exact_laplace = spec.mechanism == "laplace" and not spec.fractional
    shares = choose_shares(
        sizes,
        axes,
        spec.mechanism,
        pairs=pairs,
        epsilon=float(spec.epsilon) if exact_laplace else None,
        priority="attributes" if workload == "attributes" else "balanced",
    )
    if spec.mechanism == "gaussian":
        total = gaussian_rho(spec.scale, fractional=spec.fractional)
    measurements = []
    for names, s, share in zip(named, axes, shares, strict=True):
        if share <= 0.0:
            continue
        cells = math.prod(sizes[i] for i in s) * _CONFUSION_CELLS
        if spec.mechanism == "laplace":
            budget = share * spec.epsilon
            # discrete Laplace spends ε = 1/scale at sensitivity 1; OpenDP's own map is
            # checked against ε_S again before any noise is drawn (opendp_noise)
            set_spec = (
                spec
                if share == 1.0
                else NoiseSpec("laplace", budget, 0.0, 1.0 / budget, spec.fractional)
            )
        else:
            budget = share * total
            set_spec = NoiseSpec(
                "gaussian",
                spec.epsilon,
                spec.delta,
                spec.scale / math.sqrt(share),
                spec.fractional,
            )
        measurements.append(Measurement(names, share, budget, set_spec, cells))
    return MeasurementPlan(workload, attributes, sizes, tuple(measurements))


def plan_from_description(
    document: dict[str, Any],
    attributes: Sequence[str],
    sizes: Sequence[int],
    *,
    spec: NoiseSpec,
) -> MeasurementPlan:
    """The plan a release recorded (``privacy.measurements``), e.g. to re-issue it."""
    measurements = []
    for item in document["measurements"]:
        budget = float(item["epsilon"] if spec.mechanism == "laplace" else item["rho"])
        epsilon = budget if spec.mechanism == "laplace" else spec.epsilon
        set_spec = NoiseSpec(
            spec.mechanism, epsilon, spec.delta, float(item["scale"]), spec.fractional
        )
        measurements.append(
            Measurement(
                tuple(item["attributes"]), float(item["share"]), budget, set_spec, item["cells"]
            )
        )
    return MeasurementPlan(
        document.get("workload", "marginals"),
        tuple(attributes),
        tuple(int(n) for n in sizes),
        tuple(measurements),
    )


_EXACT_SUM_LIMIT = 10
"""Up to this many noises of one measurement are drawn one by one and summed; more are drawn
from the normal distribution with the same variance (a sum of that many is very nearly normal)."""


def _single_noise(spec: NoiseSpec, rng: np.random.Generator, size: tuple[int, ...]) -> np.ndarray:
    """Draws of one measurement noise (post-processing of public values: numpy is fine here)."""
    if spec.fractional:
        if spec.mechanism == "laplace":
            return rng.laplace(0.0, spec.scale, size)
        return rng.normal(0.0, spec.scale, size)
    if spec.mechanism == "laplace":
        p = -math.expm1(-1.0 / spec.scale)
        return (rng.geometric(p, size) - rng.geometric(p, size)).astype(float)
    width = int(math.ceil(12 * spec.scale)) + 2
    support = np.arange(-width, width + 1, dtype=float)
    cdf = np.cumsum(np.exp(-(support**2) / (2 * spec.scale**2)))
    cdf /= cdf[-1]
    return support[np.searchsorted(cdf, rng.random(size), side="right").clip(0, len(cdf) - 1)]


def simulate_cell_errors(
    plan: MeasurementPlan,
    by: Sequence[str],
    rng: np.random.Generator,
    size: int | tuple[int, ...],
    *,
    exact_sums_up_to: int = _EXACT_SUM_LIMIT,
) -> np.ndarray:
    """Independent draws of the estimation error of one confusion cell of a group of ``by``:
    fresh noise for every measurement, through the least-squares estimator (the exact linear
    combination of :meth:`MeasurementPlan.error_components`); a term summing more than
    ``exact_sums_up_to`` noises is drawn from the normal with its variance."""
    size = (size,) if isinstance(size, int) else tuple(size)
    total = np.zeros(size)
    for coefficient, count, measurement in plan.error_components(by):
        if count <= exact_sums_up_to:
            summed = sum(_single_noise(measurement.spec, rng, size) for _ in range(count))
        else:
            summed = rng.normal(0.0, math.sqrt(count * measurement.variance), size)
        total += coefficient * summed
    return total
