"""Noise mechanisms for integer counts: OpenDP for private releases, an exact seeded sampler for tests.

Two mechanisms, both on a vector of integer counts whose neighbours differ by adding or
removing one row (one count changes by 1, so the L1 and the L2 sensitivity are both 1):

- ``laplace``: the discrete Laplace mechanism, pure ε-DP, ``scale = 1/ε``
  (``dp.m.make_laplace`` on ``vector_domain(atom_domain(T=int))`` with ``l1_distance(T=int)``);
- ``gaussian``: the discrete Gaussian mechanism, ρ-zCDP, converted to (ε, δ)-DP with
  ``make_zCDP_to_approxDP`` and ``make_fix_delta``; the scale is the smallest one whose
  (ε, δ) curve meets the request (``binary_search_param``).

Private noise always comes from OpenDP's secure generator. :class:`SeededSampler` draws the
same distributions exactly (integer and rational arithmetic, Canonne–Kamath–Steinke 2020)
from a seeded :class:`numpy.random.Generator` so that tests are reproducible: its output is
**not private** (the seed is known) and is labelled so wherever it goes.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Literal

import numpy as np

from ..errors import PrivacyError
from ..thread_pools import process_pool

__all__ = [
    "Mechanism",
    "NoiseSpec",
    "SeededSampler",
    "discrete_gaussian_variance",
    "discrete_laplace_variance",
    "noise_spec",
    "gaussian_rho",
    "opendp_noise",
    "opendp_zcdp_noise",
    "partition_threshold",
]

Mechanism = Literal["laplace", "gaussian"]


def _dp():
    import opendp.prelude as dp

    dp.enable_features("contrib")
    return dp


def _count_space(dp, mechanism: Mechanism, fractional: bool = False):
    """Integer counts; or fractional ones (estimated membership, e.g. BISG soft counts), which
    OpenDP's float mechanisms release (noise sampled exactly on a fine grid, with the rounding
    accounted for in the privacy map — not floating-point Laplace)."""
    if fractional:
        domain = dp.vector_domain(dp.atom_domain(T=float, nan=False))
        metric = dp.l1_distance(T=float) if mechanism == "laplace" else dp.l2_distance(T=float)
        return domain, metric
    domain = dp.vector_domain(dp.atom_domain(T=int))
    metric = dp.l1_distance(T=int) if mechanism == "laplace" else dp.l2_distance(T=int)
    return domain, metric


def _measurement(
    dp, mechanism: Mechanism, scale: float, delta: float | None, fractional: bool = False
):
    domain, metric = _count_space(dp, mechanism, fractional)
    if mechanism == "laplace":
        return dp.m.make_laplace(domain, metric, scale=scale)
    gaussian = dp.m.make_gaussian(domain, metric, scale=scale)
    return dp.c.make_fix_delta(dp.c.make_zCDP_to_approxDP(gaussian), delta)


def discrete_laplace_variance(scale: float) -> float:
    """Variance of the discrete Laplace distribution, P(x) ∝ exp(−|x|/scale)."""
    q = math.exp(-1.0 / scale)
    return 2.0 * q / (1.0 - q) ** 2


@lru_cache(maxsize=256)
def discrete_gaussian_variance(sigma: float) -> float:
    """Variance of the discrete Gaussian, P(x) ∝ exp(−x²/2σ²) on the integers (a bit below σ²)."""
    width = int(math.ceil(12 * sigma)) + 2
    k = np.arange(-width, width + 1, dtype=float)
    weights = np.exp(-(k**2) / (2 * sigma * sigma))
    return float((k**2 * weights).sum() / weights.sum())


@dataclass(frozen=True)
class NoiseSpec:
    """A calibrated mechanism: its scale, the (ε, δ) it spends per release, its per-cell variance."""

    mechanism: Mechanism
    epsilon: float
    delta: float
    scale: float
    fractional: bool = False
    """Fractional counts (estimated membership) get OpenDP's continuous-valued noise."""

    @property
    def variance(self) -> float:
        """Variance of the noise added to one count."""
        if self.fractional:
            return 2.0 * self.scale**2 if self.mechanism == "laplace" else self.scale**2
        if self.mechanism == "laplace":
            return discrete_laplace_variance(self.scale)
        return discrete_gaussian_variance(self.scale)

    @property
    def sensitivity(self) -> dict[str, int]:
        return {"l1": 1} if self.mechanism == "laplace" else {"l2": 1}


def noise_spec(
    mechanism: Mechanism, *, epsilon: float, delta: float | None, fractional: bool = False
) -> NoiseSpec:
    """Calibrate ``mechanism`` for sensitivity 1 so that one release costs (ε, δ).

    ``fractional`` calibrates OpenDP's float mechanism for fractional counts (one person's
    estimated membership probabilities sum to 1, so the L1 sensitivity is still 1).

    Raises :class:`~auditor.errors.PrivacyError` for a bad ε, δ or mechanism.
    """
    if mechanism not in ("laplace", "gaussian"):
        raise PrivacyError(f"mechanism {mechanism!r} is not known: use 'laplace' or 'gaussian'")
    if not (isinstance(epsilon, int | float) and math.isfinite(epsilon) and epsilon > 0):
        raise PrivacyError(f"epsilon must be a positive finite number, not {epsilon!r}")
    return _calibrated(mechanism, float(epsilon), delta, fractional)


@lru_cache(maxsize=128)
def _calibrated(
    mechanism: Mechanism, epsilon: float, delta: float | None, fractional: bool
) -> NoiseSpec:
    """:func:`noise_spec` after validation (cached: the dashboard recalibrates on every ε)."""
    dp = _dp()
    if mechanism == "laplace":
        scale = _laplace_scale(dp, epsilon, fractional)
        return NoiseSpec("laplace", float(epsilon), 0.0, float(scale), fractional)
    if delta is None or not 0 < delta < 1:
        raise PrivacyError(
            f"the gaussian mechanism needs a delta between 0 and 1, not {delta!r}: "
            "pass e.g. --delta 1e-6, or use --mechanism laplace for pure ε-DP"
        )
    scale = dp.binary_search_param(
        lambda s: _measurement(dp, "gaussian", s, delta, fractional),
        d_in=1.0 if fractional else 1,
        d_out=(float(epsilon), float(delta)),
    )
    return NoiseSpec("gaussian", float(epsilon), float(delta), float(scale), fractional)


def _laplace_scale(dp, epsilon: float, fractional: bool) -> float:
    """The smallest scale whose OpenDP Laplace measurement spends at most ε on sensitivity 1.

    OpenDP's privacy map is ``sensitivity / scale`` (rounded up), so start at ``1/ε`` and step
    up by one float until OpenDP's own map accepts it — what ``binary_search_param`` finds,
    in a few calls instead of ~60.
    """
    d_in = 1.0 if fractional else 1
    scale = 1.0 / epsilon
    for _ in range(64):
        if _measurement(dp, "laplace", scale, None, fractional).map(d_in) <= epsilon:
            return scale
        scale = float(np.nextafter(scale, math.inf))
    return float(  # pragma: no cover - OpenDP's map is not 1/scale any more
        dp.binary_search_param(
            lambda s: _measurement(dp, "laplace", s, None, fractional), d_in=d_in, d_out=epsilon
        )
    )


def opendp_noise(
    spec: NoiseSpec, counts: Sequence[int], *, threads: int | None = None
) -> np.ndarray:
    """Release ``counts`` through OpenDP's measurement for ``spec`` (secure randomness).

    The measurement's privacy map is checked against the (ε, δ) the spec promises.
    ``threads``: at most this many threads draw (default :func:`draw_threads`).
    """
    dp = _dp()
    measurement = _measurement(dp, spec.mechanism, spec.scale, spec.delta or None, spec.fractional)
    spent = measurement.map(1.0 if spec.fractional else 1)
    if spec.mechanism == "laplace":
        if spent > spec.epsilon * (1 + 1e-9):
            raise PrivacyError(
                f"internal error: the release would spend ε={spent}, not {spec.epsilon}"
            )
    elif spent[0] > spec.epsilon * (1 + 1e-9):
        raise PrivacyError(f"internal error: the release would spend {spent}, not {spec.epsilon}")
    return _invoke(measurement, counts, fractional=spec.fractional, threads=threads)


_I32 = np.iinfo(np.int32)


def _invoke(
    measurement, counts: Sequence[int], *, fractional: bool, threads: int | None = None
) -> np.ndarray:
    """Run ``measurement`` on the whole vector of ``counts`` in one OpenDP call.

    OpenDP's integer counts are ``i32`` (``atom_domain(T=int)``) and its floats ``f64``: a numpy
    vector of that dtype crosses into Rust as one buffer, instead of one checked Python
    conversion per cell (the same values, the same measurement). Integer counts outside the
    ``i32`` range go through OpenDP's list conversion, which refuses them with its own error.
    """
    if fractional:  # a fresh, writable buffer (OpenDP refuses read-only arrays)
        return np.asarray(measurement(np.array(counts, dtype=np.float64)), dtype=float)
    values = np.asarray(counts)
    if values.size and not np.issubdtype(values.dtype, np.integer):
        values = np.asarray([int(c) for c in counts], dtype=object)
    if values.dtype != object and (
        not values.size or (values.min() >= _I32.min and values.max() <= _I32.max)
    ):
        return _invoke_in_parts(measurement, values.astype(np.int32), threads=threads)
    return np.asarray(measurement([int(c) for c in counts]), dtype=np.int64)


PART_CELLS = 1024
"""The smallest part of a count vector worth a thread of its own (≈ 8 ms of OpenDP draws)."""


def draw_threads() -> int:
    """How many threads draw OpenDP noise at once: the cores this process may use (at most 4)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


def _pool() -> ThreadPoolExecutor:
    """The draw threads of this process (a forked child makes its own)."""
    return process_pool("opendp-draws", workers=max(1, draw_threads() - 1))


def _invoke_in_parts(measurement, values: np.ndarray, *, threads: int | None = None) -> np.ndarray:
    """``measurement(values)``, run on consecutive parts of ``values`` in parallel threads.

    The same mechanism, not a new one: OpenDP's integer Laplace and Gaussian measurements on
    ``vector_domain(atom_domain(T=int))`` add one independent draw of the same distribution to
    each count (its Rust ``make_noise`` maps every element on its own through
    ``sample_discrete_laplace`` / ``sample_discrete_gaussian``; the input domain has no size),
    so running the *same* measurement object — whose privacy map the caller checked for the
    whole vector — on consecutive parts and joining the outputs in order has exactly the
    distribution of one call on the whole vector. Each part draws fresh noise from OpenDP's
    secure generator (OpenSSL's ``RAND_priv_bytes``, thread-safe); no draw is ever reused.
    OpenDP is called through ctypes, which releases the GIL during the Rust call, so the parts
    run on separate cores (the calling thread draws the first part itself).
    """
    parts = min(draw_threads() if threads is None else threads, len(values) // PART_CELLS)
    if parts < 2:
        return np.asarray(measurement(values), dtype=np.int64)
    pieces = np.array_split(values, parts)
    pending = [_pool().submit(measurement, piece) for piece in pieces[1:]]
    first = np.asarray(measurement(pieces[0]), dtype=np.int64)
    rest = [np.asarray(future.result(), dtype=np.int64) for future in pending]
    return np.concatenate([first, *rest])


def gaussian_rho(scale: float, *, fractional: bool = False) -> float:
    """ρ (zCDP) of OpenDP's Gaussian mechanism at ``scale`` for sensitivity 1 (its own map)."""
    dp = _dp()
    domain, metric = _count_space(dp, "gaussian", fractional)
    return float(dp.m.make_gaussian(domain, metric, scale=scale).map(1.0 if fractional else 1))


def opendp_zcdp_noise(
    spec: NoiseSpec, counts: Sequence[int], *, rho: float, threads: int | None = None
) -> np.ndarray:
    """Release ``counts`` through OpenDP's Gaussian mechanism at ``spec.scale`` as one ρ-zCDP
    measurement of a composition (ρ adds up; the sum is converted to (ε, δ) once).

    The measurement's own privacy map is checked against ``rho`` before drawing.
    """
    dp = _dp()
    domain, metric = _count_space(dp, "gaussian", spec.fractional)
    measurement = dp.m.make_gaussian(domain, metric, scale=spec.scale)
    spent = float(measurement.map(1.0 if spec.fractional else 1))
    if spent > rho * (1 + 1e-9):
        raise PrivacyError(f"internal error: the measurement would spend ρ={spent}, not {rho}")
    return _invoke(measurement, counts, fractional=spec.fractional, threads=threads)


def partition_threshold(*, scale: float, delta: float, attributes: int) -> int:
    """The smallest threshold at which OpenDP's Laplace threshold mechanism meets ``delta``.

    The keys are (attribute, value) pairs; one row touches one key per attribute, so the
    neighbouring distance is (l0, l1, l∞) = (attributes, attributes, 1).
    """
    dp = _dp()
    domain = dp.map_domain(dp.atom_domain(T=str), dp.atom_domain(T=int))
    metric = dp.l01inf_distance(dp.absolute_distance(T=int))
    d_in = (attributes, attributes, 1)

    def meets_delta(threshold: int) -> bool:
        # OpenDP refuses thresholds below the l∞ sensitivity (1): those never qualify
        if threshold < 1:
            return False
        measurement = dp.m.make_laplace_threshold(domain, metric, scale=scale, threshold=threshold)
        return measurement.map(d_in)[1] <= delta

    return max(1, int(dp.binary_search(meets_delta, T=int)))


def opendp_threshold(counts: dict[str, int], *, scale: float, threshold: int) -> set[str]:
    """Keys whose count plus discrete Laplace noise reaches ``threshold`` (OpenDP, secure)."""
    dp = _dp()
    domain = dp.map_domain(dp.atom_domain(T=str), dp.atom_domain(T=int))
    metric = dp.l01inf_distance(dp.absolute_distance(T=int))
    measurement = dp.m.make_laplace_threshold(domain, metric, scale=scale, threshold=threshold)
    return set(measurement({k: int(v) for k, v in counts.items()}))


class SeededSampler:
    """Exact discrete Laplace / Gaussian samples from a seeded generator — **for tests only**.

    Implements Canonne, Kamath & Steinke (2020), Algorithms 1–3, with Python integers and
    :class:`fractions.Fraction`: no floating point touches the noise. Uniform integers come
    from ``numpy.random.Generator.bytes`` by rejection. Anything released with it is
    reproducible from the seed and therefore not private.
    """

    def __init__(self, seed: int) -> None:
        self._rng = np.random.default_rng(seed)

    def _below(self, n: int) -> int:
        """Uniform integer in [0, n)."""
        bits = n.bit_length()
        nbytes = (bits + 7) // 8
        shift = nbytes * 8 - bits
        while True:
            value = int.from_bytes(self._rng.bytes(nbytes), "big") >> shift
            if value < n:
                return value

    def _bernoulli(self, p: Fraction) -> bool:
        return self._below(p.denominator) < p.numerator

    def _bernoulli_exp_small(self, gamma: Fraction) -> bool:
        """Bernoulli(exp(−γ)) for 0 ≤ γ ≤ 1."""
        k = 1
        while self._bernoulli(gamma / k):
            k += 1
        return k % 2 == 1

    def _bernoulli_exp(self, gamma: Fraction) -> bool:
        """Bernoulli(exp(−γ)) for γ ≥ 0."""
        whole = math.floor(gamma)
        for _ in range(whole):
            if not self._bernoulli_exp_small(Fraction(1)):
                return False
        return self._bernoulli_exp_small(gamma - whole)

    def discrete_laplace(self, scale: Fraction) -> int:
        """One draw with P(x) ∝ exp(−|x|/scale)."""
        t, s = scale.numerator, scale.denominator  # scale = t/s
        while True:
            u = self._below(t)
            if not self._bernoulli_exp(Fraction(u, t)):
                continue
            v = 0
            while self._bernoulli_exp(Fraction(1)):
                v += 1
            y = (u + t * v) // s
            negative = self._below(2) == 1
            if negative and y == 0:
                continue
            return -y if negative else y

    def discrete_gaussian(self, sigma: Fraction) -> int:
        """One draw with P(x) ∝ exp(−x²/2σ²)."""
        sigma2 = sigma * sigma
        t = math.floor(sigma) + 1
        while True:
            y = self.discrete_laplace(Fraction(t))
            gamma = (abs(y) - sigma2 / t) ** 2 / (2 * sigma2)
            if self._bernoulli_exp(gamma):
                return y

    def noise(self, spec: NoiseSpec, size: int) -> np.ndarray:
        """``size`` independent draws of the noise of ``spec``."""
        scale = Fraction(spec.scale).limit_denominator(1 << 30)
        draw = self.discrete_laplace if spec.mechanism == "laplace" else self.discrete_gaussian
        return np.fromiter((draw(scale) for _ in range(size)), dtype=np.int64, count=size)

    def threshold(self, counts: dict[str, int], *, scale: float, threshold: int) -> set[str]:
        """Keys whose count plus seeded discrete Laplace noise reaches ``threshold``."""
        fraction = Fraction(scale).limit_denominator(1 << 30)
        return {
            key
            for key in sorted(counts)
            if counts[key] + self.discrete_laplace(fraction) >= threshold
        }
