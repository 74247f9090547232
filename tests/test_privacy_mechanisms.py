"""The noise mechanisms: calibration, variance, and an empirical privacy test.

Variance: the empirical variance of released counts matches the mechanism's theoretical
variance within 5% (OpenDP, 60 000 draws: about 5 standard errors for the discrete Laplace,
whose sample variance has relative SE √((κ−1)/n) ≈ 0.9%) or 15% (the seeded sampler, 3 000
draws, about 4 SE).

Privacy: for neighbouring data sets (a count of 100 against 101: one row added) and events
"output ≥ t", we bound P₁ = P(M(101) ≥ t) below and P₀ = P(M(100) ≥ t) above with
Clopper–Pearson intervals at a joint confidence of 99.9% (Bonferroni over the events). ε-DP
requires P₁ ≤ e^ε P₀ (+ δ): a lower bound of P₁ beyond e^ε × the upper bound of P₀ (+ δ) is a
violation found with that confidence. The correctly calibrated mechanisms show none; the
same test run on a mechanism whose scale is 3× too small finds one.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from auditor.errors import PrivacyError
from auditor.privacy.mechanisms import (
    NoiseSpec,
    SeededSampler,
    discrete_gaussian_variance,
    discrete_laplace_variance,
    noise_spec,
    opendp_noise,
)

DRAWS = 60_000
CONFIDENCE = 0.999


@pytest.mark.parametrize(
    ("mechanism", "epsilon", "delta"),
    [("laplace", 1.0, None), ("laplace", 0.3, None), ("gaussian", 1.0, 1e-6)],
)
def test_opendp_noise_has_the_theoretical_variance(mechanism, epsilon, delta):
    spec = noise_spec(mechanism, epsilon=epsilon, delta=delta)
    released = opendp_noise(spec, np.full(DRAWS, 500, dtype=np.int64))
    noise = released - 500
    assert abs(noise.mean()) < 5 * math.sqrt(spec.variance / DRAWS)
    assert noise.var() == pytest.approx(spec.variance, rel=0.05)


@pytest.mark.parametrize(("mechanism", "delta"), [("laplace", None), ("gaussian", 1e-6)])
def test_seeded_sampler_has_the_theoretical_variance(mechanism, delta):
    spec = noise_spec(mechanism, epsilon=1.0, delta=delta)
    noise = SeededSampler(7).noise(spec, 3000)
    assert noise.dtype == np.int64
    assert noise.var() == pytest.approx(spec.variance, rel=0.15)
    assert np.array_equal(noise, SeededSampler(7).noise(spec, 3000))  # reproducible


def test_calibration_matches_opendp_accounting():
    assert noise_spec("laplace", epsilon=0.5, delta=None).scale == pytest.approx(2.0)
    gaussian = noise_spec("gaussian", epsilon=1.0, delta=1e-6)
    # discrete Gaussian: ρ = 1/(2σ²); (ε, δ) conversion needs σ ≈ 4.5 for (1, 1e-6)
    assert 4.0 < gaussian.scale < 5.0
    assert discrete_laplace_variance(1.0) == pytest.approx(2 * math.e / (math.e - 1) ** 2)
    assert discrete_gaussian_variance(5.0) == pytest.approx(25.0, rel=1e-6)


def test_bad_parameters_are_refused_with_the_fix():
    with pytest.raises(PrivacyError, match="needs a delta"):
        noise_spec("gaussian", epsilon=1.0, delta=None)
    with pytest.raises(PrivacyError, match="positive finite"):
        noise_spec("laplace", epsilon=0.0, delta=None)
    with pytest.raises(PrivacyError, match="'laplace' or 'gaussian'"):
        noise_spec("uniform", epsilon=1.0, delta=None)


def _clopper_pearson(successes: int, trials: int, alpha: float) -> tuple[float, float]:
    low = 0.0 if successes == 0 else stats.beta.ppf(alpha / 2, successes, trials - successes + 1)
    high = (
        1.0
        if successes == trials
        else stats.beta.ppf(1 - alpha / 2, successes + 1, trials - successes)
    )
    return float(low), float(high)


def _raw_opendp(mechanism: str, scale: float):
    """The bare OpenDP measurement at ``scale``, without auditor's calibration guard."""
    import opendp.prelude as dp

    dp.enable_features("contrib")
    domain = dp.vector_domain(dp.atom_domain(T=int))
    if mechanism == "laplace":
        measurement = dp.m.make_laplace(domain, dp.l1_distance(T=int), scale=scale)
    else:
        measurement = dp.m.make_gaussian(domain, dp.l2_distance(T=int), scale=scale)
    return lambda values: np.asarray(measurement([int(v) for v in values]))


def _worst_violation(sample, *, epsilon: float, delta: float, thresholds) -> float:
    """max over events of lower(P₁) − (e^ε upper(P₀) + δ); > 0 means a violation was found."""
    base = sample(np.full(DRAWS, 100, dtype=np.int64))
    neighbour = sample(np.full(DRAWS, 101, dtype=np.int64))
    alpha = (1 - CONFIDENCE) / len(thresholds)
    worst = -math.inf
    for t in thresholds:
        p0_high = _clopper_pearson(int((base >= t).sum()), DRAWS, alpha)[1]
        p1_low = _clopper_pearson(int((neighbour >= t).sum()), DRAWS, alpha)[0]
        worst = max(worst, p1_low - (math.exp(epsilon) * p0_high + delta))
    return worst


@pytest.mark.parametrize(
    ("mechanism", "epsilon", "delta"), [("laplace", 0.5, 0.0), ("gaussian", 1.0, 1e-6)]
)
def test_empirical_privacy_holds_for_the_calibrated_mechanism(mechanism, epsilon, delta):
    spec = noise_spec(mechanism, epsilon=epsilon, delta=delta or None)
    sample = lambda values: opendp_noise(spec, values)  # noqa: E731
    thresholds = range(101, 112)
    assert _worst_violation(sample, epsilon=epsilon, delta=delta, thresholds=thresholds) <= 0


@pytest.mark.parametrize(
    ("mechanism", "epsilon", "delta"), [("laplace", 0.5, 0.0), ("gaussian", 1.0, 1e-6)]
)
def test_empirical_privacy_test_catches_a_scale_three_times_too_small(mechanism, epsilon, delta):
    spec = noise_spec(mechanism, epsilon=epsilon, delta=delta or None)
    sample = _raw_opendp(mechanism, spec.scale / 3)
    thresholds = range(101, 112)
    assert _worst_violation(sample, epsilon=epsilon, delta=delta, thresholds=thresholds) > 0


def test_a_miscalibrated_spec_is_refused_before_any_noise_is_drawn():
    spec = noise_spec("laplace", epsilon=1.0, delta=None)
    broken = NoiseSpec(spec.mechanism, spec.epsilon, spec.delta, spec.scale / 3)
    with pytest.raises(PrivacyError, match="would spend"):
        opendp_noise(broken, [1, 2, 3])
