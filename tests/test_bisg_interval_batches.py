"""The proxy intervals read in batches equal the intervals read one rate at a time.

:class:`~auditor.bisg.ProxyIntervals` sorts the draws of several rates in one call and reads
their quantiles together, and answers the impact ratios' one-metric question without the other
metrics. Both must give exactly the intervals of the one-at-a-time reading (``_range`` on each
rate's draws; ``comparison_intervals`` for the ratio), including rates whose draws are not all
finite (a ratio to a zero draw) and groups counted without estimated race."""

from __future__ import annotations

import random

import numpy as np
import pytest

from auditor.bisg import ProxyIntervals
from auditor.metrics import COMPARED_METRICS, RATE_METRICS, ConfusionCounts


def _groups() -> list[ConfusionCounts]:
    rng = random.Random(7)
    groups = []
    for index in range(24):
        cells = [rng.uniform(0, 40) for _ in range(4)]
        if index % 3 == 0:  # empty cells: rates of 0 draws, ratios with zero denominators
            cells[index % 4] = 0.0
            cells[(index + 1) % 4] = 0.0
        variance = tuple(c * rng.uniform(0, 0.25) for c in cells)
        groups.append(ConfusionCounts(*cells, proxy_variance=variance))
    groups.append(ConfusionCounts(5.0, 0.0, 0.0, 0.0, proxy_variance=(0.0, 0.0, 0.0, 0.0)))
    groups.append(ConfusionCounts(30.0, 12.0, 40.0, 9.0))  # counted, not estimated
    return groups


def _one_at_a_time(estimator: ProxyIntervals, counts, reference):
    """The reading of every interval by :meth:`ProxyIntervals._range`, one rate at a time."""
    ratios, differences = {}, {}
    for metric in COMPARED_METRICS:
        mine = estimator._rate_draws(counts, metric)
        theirs = estimator._rate_draws(reference, metric)
        if mine is None or theirs is None:
            ratios[metric] = differences[metric] = None
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            ratios[metric] = estimator._range(mine / theirs)
        differences[metric] = estimator._range(mine - theirs)
    rates = {}
    for metric in RATE_METRICS:
        draws = estimator._rate_draws(counts, metric)
        rates[metric] = None if draws is None else estimator._range(draws)
    return rates, ratios, differences


@pytest.mark.parametrize("confidence", [0.95, 0.8])
def test_batched_intervals_equal_the_one_at_a_time_reading(confidence):
    estimator = ProxyIntervals(confidence=confidence)
    groups = [g for g in _groups() if g.proxy_variance is not None]
    for counts in groups:
        for reference in groups[:8]:
            rates, ratios, differences = _one_at_a_time(estimator, counts, reference)
            assert estimator.rate_intervals(counts) == rates
            assert estimator.comparison_intervals(counts, reference) == (ratios, differences)


def test_rows_with_non_finite_draws_are_read_one_at_a_time():
    """Ratios to a zero draw are infinite or NaN: those rows are read without the non-finite
    draws, and a row with fewer than half its draws finite has no interval."""
    estimator = ProxyIntervals()
    rng = np.random.default_rng(3)
    rows = [rng.beta(2.0, 5.0, estimator.draws) for _ in range(6)]
    rows[1][:40] = np.inf
    rows[2][::7] = np.nan
    rows[3][: estimator.draws // 2 + 1] = np.nan
    rows[4][5] = -np.inf
    expected = [estimator._range(row) for row in rows]
    assert expected[3] is None and None not in (expected[1], expected[2], expected[4])
    assert estimator._ranges(rows) == expected


def test_one_metrics_ratios_equal_the_comparison_intervals():
    estimator = ProxyIntervals()
    groups = _groups()
    reference = groups[1]
    expected = [
        None
        if group is reference
        else estimator.comparison_intervals(group, reference)[0]["selection_rate"]
        for group in groups
    ]
    assert estimator.ratio_intervals_to(groups, reference, "selection_rate") == expected
    assert expected[-1] is not None  # the counted group's exact interval is there too
