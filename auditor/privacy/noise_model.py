"""The error on a breakdown's released confusion cells: what the noise-aware intervals need.

The intervals (:mod:`.intervals`) do not care how the released counts were made — sums of
independent noisy finest cells (:class:`IndependentCells`, today's release), or a
least-squares combination of several noisy measurements — only about the *error* on each
group's four confusion cells. A **noise model** is any object with a method
``breakdown_noise(by) -> BreakdownNoise``; put it on :attr:`Release.noise_model
<auditor.privacy.record.Release.noise_model>` (``None`` means :class:`IndependentCells`).

Contract, for a breakdown ``by`` (a tuple of attribute names; ``()`` is the whole population):
a group's released cells ``(tp, fp, tn, fn)`` — the values :meth:`CountCube.counts
<auditor.cube.CountCube.counts>` returns for it — are its true counts plus an error
``e ∈ ℝ⁴`` such that

- ``E[e] = 0``: the estimate is unbiased (never clamped to ≥ 0, never rounded in a way that
  biases it);
- ``e`` is independent of the true counts (it is a function of the mechanism's noise only);
- ``Cov(e) = covariance`` (4 × 4, symmetric positive semi-definite), the same for every group
  of the breakdown (true by symmetry for any release over a full cross-product domain that
  treats the levels of an attribute alike);
- ``Cov(e_g, e_h) = cross_covariance`` (4 × 4) for any two *different* groups ``g ≠ h`` of
  the breakdown (zero when groups sum disjoint, independently noised cells; a least-squares
  estimate that shares measurements between groups has non-zero values here);
- ``fourth_cumulant[i] = E[e_i⁴] − 3·Var(e_i)²`` for each cell (4,): how heavy-tailed the
  error is (0 for normal errors; 3·Var² for a continuous Laplace). Mixed fourth cumulants are
  taken as zero: exact for independent cells; for errors that are linear combinations of
  many independent noises pass ``Σ_j w_ij⁴ κ₄(noise_j)`` or zeros (they are then nearly
  normal). It sharpens the intervals' critical value where one heavy-tailed noise dominates
  (a single discrete Laplace cell); it never decides whether a rate is estimable;
- ``lattice``: true when every error is a whole number (integer noise summed over integer
  cells, e.g. :class:`IndependentCells` with integer counts); a least-squares fit is not.

The intervals use these moments only (a normal approximation to the sum of sampling error
and noise, with a Cornish–Fisher correction for the noise's fourth cumulant), so a new
estimator plugs in by computing them; the coverage benchmarks
(``benchmarks/dp_coverage_grid.py``) must then be rerun for it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

import numpy as np

from .domain import GroupDomain
from .mechanisms import NoiseSpec

__all__ = [
    "BreakdownNoise",
    "IndependentCells",
    "NoiseModel",
    "cell_fourth_cumulant",
    "summed_cells_noise",
]


def _matrix(values: np.ndarray | None) -> np.ndarray:
    return np.zeros((4, 4)) if values is None else np.asarray(values, dtype=float)


@dataclass(frozen=True, eq=False)
class BreakdownNoise:
    """Moments of the error on each group's released ``(tp, fp, tn, fn)`` in one breakdown."""

    covariance: np.ndarray
    """(4, 4): covariance of one group's four cell errors."""
    fourth_cumulant: np.ndarray = field(default_factory=lambda: np.zeros(4))
    """(4,): fourth cumulant of each cell's error (0 for normal errors)."""
    cross_covariance: np.ndarray = field(default_factory=lambda: np.zeros((4, 4)))
    """(4, 4): covariance between the cell errors of two different groups of the breakdown
    (row: the group's cells, column: the other group's)."""
    lattice: bool = False
    """Whether the errors are whole numbers (integer noise on integer counts): then a true
    rate of exactly 0 or 1 is tested exactly on the lattice (a continuity correction of ½)."""

    def __post_init__(self) -> None:
        covariance = np.asarray(self.covariance, dtype=float)
        fourth = np.asarray(self.fourth_cumulant, dtype=float)
        cross = _matrix(self.cross_covariance)
        if covariance.shape != (4, 4) or cross.shape != (4, 4) or fourth.shape != (4,):
            raise ValueError(
                "BreakdownNoise needs a (4, 4) covariance, a (4, 4) cross_covariance and a (4,) "
                f"fourth_cumulant, got {covariance.shape}, {cross.shape} and {fourth.shape}"
            )
        if not np.allclose(covariance, covariance.T) or np.linalg.eigvalsh(covariance).min() < (
            -1e-9 * max(1.0, float(np.abs(covariance).max()))
        ):
            raise ValueError("BreakdownNoise.covariance must be symmetric positive semi-definite")
        object.__setattr__(self, "covariance", covariance)
        object.__setattr__(self, "fourth_cumulant", fourth)
        object.__setattr__(self, "cross_covariance", cross)


class NoiseModel(Protocol):
    """Anything that gives the error moments of a breakdown's released confusion cells."""

    def breakdown_noise(self, by: tuple[str, ...]) -> BreakdownNoise: ...


@lru_cache(maxsize=256)
def cell_fourth_cumulant(spec: NoiseSpec) -> float:
    """Fourth cumulant of the noise one mechanism adds to one count.

    Discrete Laplace with ``q = exp(−1/scale)`` is the difference of two independent
    geometric variables: ``κ₄ = 2q(1 + 4q + q²)/(1 − q)⁴``. The discrete Gaussian's is
    computed from its probability mass function. Continuous (fractional-count) noise:
    Laplace ``12·b⁴``, Gaussian 0.
    """
    if spec.fractional:
        return 12.0 * spec.scale**4 if spec.mechanism == "laplace" else 0.0
    if spec.mechanism == "laplace":
        q = math.exp(-1.0 / spec.scale)
        return 2.0 * q * (1.0 + 4.0 * q + q * q) / (1.0 - q) ** 4
    width = int(math.ceil(12 * spec.scale)) + 2
    k = np.arange(-width, width + 1, dtype=float)
    weights = np.exp(-(k**2) / (2 * spec.scale**2))
    weights /= weights.sum()
    second = float((k**2 * weights).sum())
    return float((k**4 * weights).sum()) - 3.0 * second**2


@dataclass(frozen=True)
class IndependentCells:
    """The release of :func:`~auditor.privacy.release_cube`: every finest cell gets its own
    independent noise from ``spec``, and a group's confusion cell is the sum of ``k`` finest
    cells (``k`` = product of the level counts of the attributes not in the breakdown).
    Groups of one breakdown sum disjoint cells, so their errors are independent."""

    spec: NoiseSpec
    domain: GroupDomain

    def breakdown_noise(self, by: tuple[str, ...]) -> BreakdownNoise:
        return summed_cells_noise(self.spec, self.domain.multiplicity(by))


def summed_cells_noise(spec: NoiseSpec, k: int) -> BreakdownNoise:
    """The error on confusion cells that each sum ``k`` independently noised released cells."""
    return BreakdownNoise(
        covariance=np.eye(4) * (k * spec.variance),
        fourth_cumulant=np.full(4, k * cell_fourth_cumulant(spec)),
        lattice=not spec.fractional,
    )
