"""The noise model seam: the error moments the noise-aware intervals read, checked against
OpenDP's own noise (sums of k released cells, as a breakdown's confusion cell is)."""

from __future__ import annotations

import numpy as np
import pytest

from auditor.privacy.domain import GroupDomain
from auditor.privacy.mechanisms import noise_spec, opendp_noise
from auditor.privacy.noise_model import BreakdownNoise, IndependentCells, cell_fourth_cumulant
from auditor.privacy.record import Release


@pytest.mark.parametrize(
    ("mechanism", "epsilon", "delta"), [("laplace", 0.5, None), ("gaussian", 2.0, 1e-6)]
)
def test_moments_of_a_summed_cell_match_opendp_noise(mechanism, epsilon, delta):
    spec = noise_spec(mechanism, epsilon=epsilon, delta=delta)
    domain = GroupDomain(levels={"a": ("x", "y", "z"), "b": ("u", "v")}, source="declared")
    noise = IndependentCells(spec, domain).breakdown_noise(("b",))  # k = 3 cells per group cell
    draws = opendp_noise(spec, np.zeros(20_000 * 3, dtype=np.int64)).reshape(-1, 3).sum(1)
    variance = draws.var()
    fourth = np.mean((draws - draws.mean()) ** 4) - 3 * variance**2
    assert noise.covariance == pytest.approx(np.eye(4) * 3 * spec.variance)
    assert variance == pytest.approx(noise.covariance[0, 0], rel=0.05)
    # the fourth cumulant's sampling error is larger (sd ≈ 0.1 in excess kurtosis here): compare
    # on the scale of the excess kurtosis, 1/3 for three Laplace cells, ≈ 0 for Gaussian ones
    expected = noise.fourth_cumulant[0] / noise.covariance[0, 0] ** 2
    assert fourth / variance**2 == pytest.approx(expected, abs=0.4)
    assert not noise.cross_covariance.any()


def test_laplace_fourth_cumulant_is_three_variances_squared_for_wide_noise():
    """A discrete Laplace of large scale is nearly a continuous one: excess kurtosis 3."""
    spec = noise_spec("laplace", epsilon=0.01, delta=None)
    assert cell_fourth_cumulant(spec) / spec.variance**2 == pytest.approx(3.0, rel=1e-3)


def test_release_uses_a_plugged_in_noise_model():
    spec = noise_spec("laplace", epsilon=1.0, delta=None)
    domain = GroupDomain(levels={"a": ("x", "y")}, source="declared")

    class Shared:
        def breakdown_noise(self, by):
            return BreakdownNoise(covariance=np.eye(4) * 7.0, cross_covariance=np.eye(4))

    default = Release(spec=spec, domain=domain, epsilon=1.0, delta=0.0, private=True)
    plugged = Release(
        spec=spec, domain=domain, epsilon=1.0, delta=0.0, private=True, noise_model=Shared()
    )
    assert default.breakdown_noise(()).covariance[0, 0] == pytest.approx(2 * spec.variance)
    assert plugged.breakdown_noise(()).covariance[0, 0] == 7.0
    assert plugged.breakdown_noise(()).cross_covariance[0, 0] == 1.0


def test_breakdown_noise_refuses_bad_shapes_and_non_covariances():
    with pytest.raises(ValueError, match="4, 4"):
        BreakdownNoise(covariance=np.eye(3))
    with pytest.raises(ValueError, match="positive semi-definite"):
        BreakdownNoise(covariance=-np.eye(4))
