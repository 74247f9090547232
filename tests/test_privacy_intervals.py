"""Noise-aware intervals: coverage by simulation, 'not estimable' markers, speed.

Coverage: 400 simulated releases per setting, each a group's true counts drawn from a known
population plus OpenDP noise; the 95% interval must cover the population value in 92–98%
of them (±3 binomial standard errors around 95%).
"""

from __future__ import annotations

import time

import numpy as np
import pytest

import auditor
from auditor.metrics import ConfusionCounts
from auditor.privacy.domain import GroupDomain
from auditor.privacy.intervals import NOT_ESTIMABLE_WIDTH, NoisyIntervals
from auditor.privacy.mechanisms import noise_spec, opendp_noise
from auditor.privacy.record import Release

from .conftest import COMPAS_PREDICTIONS

PROBABILITIES = np.array([0.30, 0.165, 0.385, 0.15])  # tp, fp, tn, fn
TRUE_FPR = PROBABILITIES[1] / (PROBABILITIES[1] + PROBABILITIES[2])
REPS = 400
COMPAS_RACES = ["African-American", "Caucasian", "Hispanic", "Other", "Asian", "Native American"]


def _release(epsilon: float) -> Release:
    spec = noise_spec("laplace", epsilon=epsilon, delta=None)
    return Release(
        spec=spec,
        domain=GroupDomain(levels={}, source="declared"),
        epsilon=epsilon,
        delta=0.0,
        private=True,
    )


def _coverage(n: int, *, epsilon: float, k: int, seed: int) -> float:
    release = _release(epsilon)
    rng = np.random.default_rng(seed)
    true = rng.multinomial(n, PROBABILITIES, size=REPS)
    noise = opendp_noise(release.spec, np.zeros(REPS * 4 * k, dtype=np.int64))
    released = true + noise.reshape(REPS, 4, k).sum(-1)
    covered = 0
    for row in released:
        estimator = NoisyIntervals(release, multiplicity=k)
        interval = estimator.rate_intervals(ConfusionCounts(*map(float, row)))["fpr"]
        covered += interval is not None and interval[0] <= TRUE_FPR <= interval[1]
    return covered / REPS


@pytest.mark.slow
@pytest.mark.parametrize(("n", "k"), [(3000, 6), (40, 1)], ids=["large group", "small group"])
def test_95_percent_intervals_cover_about_95_percent(n, k):
    assert 0.92 <= _coverage(n, epsilon=1.0, k=k, seed=n) <= 0.98


def test_exact_wilson_style_interval_would_undercover_under_heavy_noise():
    """The bootstrap includes the noise: at ε=0.05 a small group's interval is much wider
    than the sampling-only Wilson interval computed from the same noisy counts."""
    release = _release(0.05)
    counts = ConfusionCounts(300.0, 200.0, 450.0, 150.0)
    noisy = NoisyIntervals(release).rate_intervals(counts)["fpr"]
    wilson = auditor.metrics.ExactIntervals().rate_intervals(counts)["fpr"]
    assert noisy[1] - noisy[0] > 2 * (wilson[1] - wilson[0])


def test_a_denominator_within_a_few_noise_sds_gets_no_interval():
    """At ε = 0.05 a false-positive rate over 65 noisy negatives (noise sd ≈ 40) cannot be
    given an interval that covers: it is not estimable, not a narrow wrong interval."""
    counts = ConfusionCounts(30.0, 20.0, 45.0, 15.0)
    assert NoisyIntervals(_release(0.05)).rate_intervals(counts)["fpr"] is None
    assert NoisyIntervals(_release(1.0)).rate_intervals(counts)["fpr"] is not None


def test_true_rates_of_zero_and_one_are_inside_the_interval():
    """The Jeffreys draws never reach 0 or 1 exactly; the noise-only test keeps them in."""
    release = _release(1.0)
    none_selected = NoisyIntervals(release).rate_intervals(ConfusionCounts(1.0, -1.0, 60.0, 40.0))
    assert none_selected["selection_rate"][0] == 0.0 and none_selected["tpr"][0] == 0.0
    all_selected = NoisyIntervals(release).rate_intervals(ConfusionCounts(60.0, 40.0, 1.0, 0.0))
    assert all_selected["selection_rate"][1] == 1.0 and all_selected["fpr"][1] == 1.0


def test_uninformative_intervals_are_marked_not_estimable():
    result = auditor.audit(
        COMPAS_PREDICTIONS,
        label="two_year_recid",
        prediction="high_risk",
        protected=["race"],
        epsilon=0.1,
        categories={"race": COMPAS_RACES},
        seed=2,
    )
    document = result.to_dict()
    groups = {g["key"]["race"]: g for g in document["breakdowns"][0]["groups"]}
    tiny = groups["Native American"]  # 11 rows: noise swamps it at ε = 0.1
    assert "not_estimable" in tiny["flags"] and "insufficient_data" in tiny["flags"]
    assert "fpr" in tiny["not_estimable"]
    big = groups["African-American"]
    assert "not_estimable" not in big["flags"] and "not_estimable" not in big
    low, high = big["intervals"]["fpr"]
    assert high - low < NOT_ESTIMABLE_WIDTH
    assert low < big["metrics"]["fpr"] < high


def test_intervals_are_deterministic_and_reaudit_is_fast():
    result = auditor.audit(
        COMPAS_PREDICTIONS,
        label="two_year_recid",
        prediction="high_risk",
        protected=["race", "sex", "age_cat"],
        epsilon=1.0,
        seed=4,
    )
    result.cube.release.draw_cache.clear()
    start = time.perf_counter()
    again = auditor.reaudit(result, reference={"race": "Caucasian"})
    cold = time.perf_counter() - start
    assert cold < 2.0  # 3 attributes + pairs, bootstrap from scratch
    before = result.breakdown("race").group(race="Hispanic").intervals
    after = again.breakdown("race").group(race="Hispanic").intervals
    assert before == after
    assert again.breakdown("race").group(race="Caucasian").is_reference
    black = again.breakdown("race").group(race="African-American")
    low, high = black.ratio_intervals["fpr"]
    assert low < black.ratio_to_reference["fpr"] < high


def test_summaries_and_verdicts_ignore_values_that_are_not_estimable():
    """A declared value with no rows is pure noise: it is reported, flagged, and kept out of
    the breakdown's summary (which policy verdicts use)."""
    result = auditor.audit(
        COMPAS_PREDICTIONS,
        label="two_year_recid",
        prediction="high_risk",
        protected=["sex"],
        epsilon=1.0,
        categories={"sex": ["Female", "Male", "Unknown"]},
        seed=3,
    )
    breakdown = result.breakdown("sex")
    noise_only = breakdown.group(sex="Unknown")
    assert "not_estimable" in noise_only.flags
    assert noise_only.metrics["selection_rate"] == 0.0  # noise: 1 released row, not selected
    rates = [
        g.metrics["selection_rate"] for g in breakdown.groups if g.key["sex"] in ("Female", "Male")
    ]
    assert breakdown.summary["demographic_parity_ratio"] == pytest.approx(min(rates) / max(rates))
    assert breakdown.summary["demographic_parity_difference"] == pytest.approx(
        max(rates) - min(rates)
    )
