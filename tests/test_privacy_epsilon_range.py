"""ε outside the supported range is refused up front; the extremes of the range work."""

from __future__ import annotations

import pytest

import auditor

from .conftest import COMPAS_PREDICTIONS

OPTIONS = dict(
    label="two_year_recid", prediction="high_risk", protected="race", intersections=False
)


@pytest.mark.parametrize("epsilon", [1e-12, 1e300, 1000.0])
def test_absurd_epsilon_is_refused_with_the_range(epsilon):
    with pytest.raises(auditor.PrivacyError, match="supported range 0.001 to 100"):
        auditor.audit(COMPAS_PREDICTIONS, epsilon=epsilon, seed=1, **OPTIONS)


@pytest.mark.parametrize("seed", [None, 1])
@pytest.mark.parametrize("epsilon", [0.001, 100.0])
def test_both_ends_of_the_range_release(epsilon, seed):
    # at ε=100 partition selection's threshold would round to 0, which OpenDP refuses
    result = auditor.audit(COMPAS_PREDICTIONS, epsilon=epsilon, seed=seed, **OPTIONS)
    assert result.privacy["mode"] == "dp"
    assert result.privacy["epsilon"] == epsilon
