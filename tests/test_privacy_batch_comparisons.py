"""The impact ratios' DP intervals are computed in one pass (``ratio_intervals_to``) and are the
intervals the group-by-group path (``comparison_intervals``) gives: for every group of every
breakdown of a release, every compared metric, against any group — a group with exactly the
reference's counts included."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from auditor.audit import _groups_of
from auditor.metrics import COMPARED_METRICS
from auditor.privacy import NoisyIntervals, release_cube


@pytest.fixture(scope="module")
def released(compas_audit):
    cube = compas_audit.cube
    categories = {name: [str(v) for v in cube.counts((name,))[name]] for name in cube.attributes}
    noisy, _ = release_cube(cube, epsilon=0.5, categories=categories, seed=4)
    return noisy


def _same(batch, single) -> None:
    assert (batch is None) == (single is None), (batch, single)
    if batch is not None:
        np.testing.assert_allclose(batch, single, rtol=1e-12, atol=1e-15)


def test_one_pass_ratio_intervals_are_the_group_by_group_ones(released):
    checked = 0
    for by in released.breakdowns(intersections=True):
        _, counts = _groups_of(released.counts(by), by)
        for reference in (counts[0], counts[-1]):
            twin = dataclasses.replace(reference)  # equal counts, another object
            groups = [*counts, twin]
            single = NoisyIntervals(released.release, by=by)
            expected = [single.comparison_intervals(g, reference)[0] for g in groups]
            for metric in COMPARED_METRICS:
                batch = NoisyIntervals(released.release, by=by).ratio_intervals_to(
                    groups, reference, metric
                )
                assert len(batch) == len(groups)
                for got, want in zip(batch, expected, strict=True):
                    _same(got, want[metric])
                assert batch[-1] == (1.0, 1.0)  # the reference's twin
                checked += len(groups)
    assert checked > 1000


def test_the_impact_ratio_intervals_of_a_release_use_the_one_pass(released, monkeypatch):
    """The audit's impact ratios of a release come from the one pass (and not one group at a
    time), with the same intervals as before."""
    from auditor.audit import evaluate_cube

    calls = []
    real = NoisyIntervals.ratio_intervals_to

    def spy(self, groups, reference, metric):
        calls.append((len(groups), metric))
        return real(self, groups, reference, metric)

    monkeypatch.setattr(NoisyIntervals, "ratio_intervals_to", spy)
    _, breakdowns, _ = evaluate_cube(released, intervals=NoisyIntervals(released.release))
    assert calls and all(metric == "selection_rate" for _, metric in calls)
    for breakdown in breakdowns:
        best = next(i for i, g in enumerate(breakdown.groups) if g.adverse_impact.is_comparison)
        reference = breakdown.groups[best].counts
        single = NoisyIntervals(released.release, by=breakdown.by)
        for index, group in enumerate(breakdown.groups):
            if index == best:
                assert group.adverse_impact.interval is None
                continue
            want = single.comparison_intervals(group.counts, reference)[0]["selection_rate"]
            _same(group.adverse_impact.interval, want)


def test_every_breakdown_in_one_pass_gives_the_breakdown_by_breakdown_intervals(
    released, monkeypatch
):
    """``prepare_breakdowns`` (one table for all groups, each row with its breakdown's noise)
    gives every rate interval and comparison of ``prepare`` breakdown by breakdown, and
    ``evaluate_cube`` uses it."""
    from auditor.audit import evaluate_cube
    from auditor.metrics import RATE_METRICS

    breakdowns = [(), *released.breakdowns(intersections=True)]
    batch = NoisyIntervals(released.release)
    batch.prepare_breakdowns({by: released.counts(by) for by in breakdowns})
    for by in breakdowns:
        _, counts = _groups_of(released.counts(by), by)
        together, alone = batch.for_breakdown(by), NoisyIntervals(released.release, by=by)
        assert len(together._rows) == len({(c.tp, c.fp, c.tn, c.fn) for c in counts})
        alone.prepare(counts)
        for group in counts:
            got, want = together.rate_intervals(group), alone.rate_intervals(group)
            for metric in RATE_METRICS:
                _same(got[metric], want[metric])
            got = together.comparison_intervals(group, counts[0])
            want = alone.comparison_intervals(group, counts[0])
            for side in (0, 1):
                for metric in COMPARED_METRICS:
                    _same(got[side][metric], want[side][metric])
        assert len(together._rows) == len({(c.tp, c.fp, c.tn, c.fn) for c in counts})

    calls = []
    real = NoisyIntervals.prepare_breakdowns

    def spy(self, tables):
        calls.append(list(tables))
        return real(self, tables)

    monkeypatch.setattr(NoisyIntervals, "prepare_breakdowns", spy)
    evaluate_cube(released, intervals=NoisyIntervals(released.release))
    assert calls == [breakdowns]


def test_interval_rows_are_the_per_row_dictionaries():
    """The column-at-a-time builder gives, for every row, ``{metric: (low, high)}`` in the
    metrics' order, ``None`` where the interval is not defined — the per-row definition."""
    from auditor.privacy.intervals import _interval_rows

    rng = np.random.default_rng(16)
    names = ["a", "b", "c", "d"]
    low, high = rng.random((50, 4)), rng.random((50, 4)) + 1.0
    low[3, 1] = np.nan
    defined = rng.random((50, 4)) > 0.2
    defined[:, 2] = True  # a column without any undefined interval
    expected = [
        {
            name: (low[row, i].item(), high[row, i].item()) if defined[row, i] else None
            for i, name in enumerate(names)
        }
        for row in range(50)
    ]
    found = _interval_rows(names, low, high, defined)
    assert [list(row) for row in found] == [names] * 50
    assert str(found) == str(expected)  # NaN compares unequal to itself: compare the text
