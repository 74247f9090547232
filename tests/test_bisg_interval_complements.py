"""The proxy intervals draw the complementary rates as one minus their rate.

FNR = 1 − TPR, TNR = 1 − FPR, FDR = 1 − PPV and FOR = 1 − NPV. One imputation of FNR draws the
counts (fn, tp) and Beta(fn* + ½, tp* + ½), which is 1 − Beta(tp* + ½, fn* + ½): the same
distribution as one minus TPR's draw. :class:`~auditor.bisg.ProxyIntervals` therefore makes 7
Beta draws per imputation instead of 11. Checked here against the method drawn independently for
every rate (the reference below, written from the documented method):

- the rates drawn before the first complement (selection rate, base rate, TPR, FPR) get exactly
  the draws they got with every rate drawn (so the validated selection-rate intervals and their
  measured coverage are unchanged);
- each complement's draws are one minus its rate's, and its interval is the mirror image;
- every rate's draws have the distribution of an independent draw (same mean and spread as the
  reference's, within Monte Carlo error).
"""

from __future__ import annotations

import numpy as np
import pytest

from auditor.bisg import ProxyIntervals
from auditor.bisg.intervals import _seed
from auditor.metrics import RATE_METRICS, ConfusionCounts
from auditor.rate_definitions import RATE_CELLS

COMPLEMENTS = {"fnr": "tpr", "tnr": "fpr", "fdr": "ppv", "for": "npv"}
COUNTS = ConfusionCounts(tp=40.5, fp=10.2, tn=30.1, fn=19.2, proxy_variance=(6.0, 3.0, 5.0, 4.0))


def every_rate_drawn(counts: ConfusionCounts, draws: int) -> dict[str, np.ndarray]:
    """The method with an independent Beta draw for every rate (the generator seeded and called
    as the estimator does: all normal draws, then the Beta draws in the order of the rates)."""
    cells = ("tp", "fp", "tn", "fn")
    mean = {cell: float(getattr(counts, cell)) for cell in cells}
    variance = dict(zip(cells, counts.proxy_variance, strict=True))
    metrics, a_mean, a_sd, b_mean, b_sd = [], [], [], [], []
    for metric in RATE_METRICS:
        numerator, denominator = RATE_CELLS[metric]
        rest = [c for c in denominator if c not in numerator]
        metrics.append(metric)
        a_mean.append(sum(mean[c] for c in numerator))
        b_mean.append(sum(mean[c] for c in rest))
        a_sd.append(np.sqrt(sum(variance[c] for c in numerator)))
        b_sd.append(np.sqrt(sum(variance[c] for c in rest)))
    rng = np.random.default_rng(_seed(counts))
    shape = (len(metrics), draws)
    a = np.clip(rng.normal(np.array(a_mean)[:, None], np.array(a_sd)[:, None], shape), 0, None)
    b = np.clip(rng.normal(np.array(b_mean)[:, None], np.array(b_sd)[:, None], shape), 0, None)
    return dict(zip(metrics, rng.beta(a + 0.5, b + 0.5), strict=True))


def test_the_complements_are_the_ones_the_definitions_give():
    from auditor.bisg.intervals import _COMPLEMENT_OF

    assert _COMPLEMENT_OF == COMPLEMENTS


def test_rates_before_the_first_complement_keep_their_draws():
    estimator = ProxyIntervals()
    reference = every_rate_drawn(COUNTS, estimator.draws)
    for metric in ("selection_rate", "base_rate", "tpr", "fpr"):
        assert np.array_equal(estimator._rate_draws(COUNTS, metric), reference[metric]), metric


@pytest.mark.parametrize("complement, rate", sorted(COMPLEMENTS.items()))
def test_a_complement_is_one_minus_its_rate(complement, rate):
    estimator = ProxyIntervals()
    mine = estimator._rate_draws(COUNTS, complement)
    assert np.array_equal(mine, 1 - estimator._rate_draws(COUNTS, rate))
    low, high = estimator.rate_intervals(COUNTS)[rate]
    mirrored = estimator.rate_intervals(COUNTS)[complement]
    assert mirrored == pytest.approx((1 - high, 1 - low), abs=1e-12)


@pytest.mark.parametrize("metric", RATE_METRICS)
def test_every_rate_has_the_distribution_of_an_independent_draw(metric):
    """Mean and standard deviation of 40,000 draws against the reference's (independent Beta
    draws for every rate): equal within ~5 Monte Carlo standard errors."""
    estimator = ProxyIntervals(draws=40_000)
    mine = estimator._rate_draws(COUNTS, metric)
    theirs = every_rate_drawn(COUNTS, 40_000)[metric]
    error = theirs.std() / np.sqrt(len(theirs))
    assert abs(mine.mean() - theirs.mean()) < 7 * error, metric
    assert mine.std() == pytest.approx(theirs.std(), rel=0.03), metric
