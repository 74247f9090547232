"""Noise drawn ahead of a release (the dashboard's ε slider) is OpenDP's, for that plan, once.

:func:`auditor.privacy.noise_ahead.draw_ahead` invokes the release's own OpenDP measurements
on zeros in a background thread; :func:`auditor.privacy.release_cube` takes that noise when it
was drawn for exactly its plan. What could go wrong, and is checked here: noise handed to two
releases (or to two threads at once), noise drawn for another ε used, noise not from the
OpenDP measurement whose privacy map is accounted, a release that differs from "the exact
counts plus that noise", a seeded (test) release taking real noise, a domain chosen by the data
(partition selection) drawn ahead, and a forked server process waiting for its parent's thread.
"""

from __future__ import annotations

import multiprocessing
import threading

import numpy as np
import pytest

from auditor.privacy import mechanisms, release_cube
from auditor.privacy.noise_ahead import draw_ahead
from auditor.privacy.release import (
    _finest_cells,
    _pooled_cells,
    add_drawn_noise,
    combine_measurements,
)

from .test_privacy_workload import BIG_CATEGORIES, _big_cube


@pytest.fixture(scope="module", params=["compas", "four attributes"])
def cube(request, compas_audit):
    """COMPAS (the finest table alone is measured) and a 4-attribute cube (seven
    measurements combined by least squares)."""
    return compas_audit.cube if request.param == "compas" else _big_cube()


@pytest.fixture(scope="module")
def categories(cube):
    if cube.attributes == tuple(BIG_CATEGORIES):
        return {name: list(values) for name, values in BIG_CATEGORIES.items()}
    return {name: [str(v) for v in cube.counts((name,))[name]] for name in cube.attributes}


def _drawn(ahead):
    """What the background thread drew (read by the test before the release takes it)."""
    spec, plan, noise = ahead._future.result(timeout=60)
    return spec, plan, [vector.copy() for vector in noise]


def _plan_of(cube, categories, epsilon):
    noisy, _ = release_cube(cube, epsilon=epsilon, categories=categories)
    return noisy.release.plan, noisy.release.spec


def test_noise_ahead_is_handed_out_once(cube, categories):
    ahead = draw_ahead(cube, epsilon=0.5, categories=categories)
    spec, plan, noise = _drawn(ahead)
    assert (plan, spec) == _plan_of(cube, categories, 0.5)
    taken = ahead.take(plan, spec)
    assert [list(v) for v in taken] == [list(v) for v in noise]
    assert ahead.used
    assert ahead.take(plan, spec) is None  # never a second time
    assert ahead._future is None  # and no reference to the noise is kept


def test_noise_drawn_for_another_epsilon_is_never_handed_out(cube, categories):
    ahead = draw_ahead(cube, epsilon=0.5, categories=categories)
    spec, plan, _ = _drawn(ahead)
    assert ahead.take(*_plan_of(cube, categories, 1.0)) is None
    assert ahead.take(plan, spec) is None  # discarded by the mismatch, not kept for later
    discarded = draw_ahead(cube, epsilon=0.5, categories=categories)
    discarded.discard()
    assert discarded.used and discarded.take(plan, spec) is None


def test_two_threads_taking_at_once_get_it_once(cube, categories):
    for _ in range(5):
        ahead = draw_ahead(cube, epsilon=1.0, categories=categories)
        spec, plan, _ = _drawn(ahead)
        start = threading.Barrier(8)
        got = []

        def take(ahead=ahead, plan=plan, spec=spec, start=start, got=got):
            start.wait()
            got.append(ahead.take(plan, spec))

        threads = [threading.Thread(target=take) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sum(value is not None for value in got) == 1


def test_a_release_with_noise_ahead_is_the_exact_counts_plus_that_noise(cube, categories):
    ahead = draw_ahead(cube, epsilon=0.5, categories=categories)
    spec, plan, noise = _drawn(ahead)
    noisy, privacy = release_cube(cube, epsilon=0.5, categories=categories, noise_ahead=ahead)
    assert ahead.used
    domain = noisy.release.domain
    counts = _pooled_cells(cube, _finest_cells(cube), domain)["n"].to_numpy()
    expected = combine_measurements(plan, add_drawn_noise(plan, spec, counts, noise))
    assert np.array_equal(noisy.cells["n"].to_numpy(), expected)
    # the noise is not zero, and nothing else about the release depends on drawing ahead
    assert not np.array_equal(
        expected,
        combine_measurements(plan, add_drawn_noise(plan, spec, counts, [0 * v for v in noise])),
    )
    _, without = release_cube(cube, epsilon=0.5, categories=categories)
    for document in (privacy, without):
        document.pop("release_id")
    assert privacy == without


def test_the_noise_comes_from_the_release_s_own_opendp_measurements(cube, categories, monkeypatch):
    """Every vector drawn ahead is the output of an OpenDP measurement built at the scale of
    one of the plan's measurements, whose own privacy map gives that measurement's ε, invoked
    on zeros of that measurement's length."""
    invoked: list[tuple[float, float, int, bool]] = []
    real = mechanisms._measurement

    def recording(dp, mechanism, scale, delta, fractional=False):
        measurement = real(dp, mechanism, scale, delta, fractional)

        def invoke(values):
            invoked.append((scale, measurement.map(1), len(values), not np.any(values)))
            return measurement(values)

        return _Invoked(measurement, invoke)

    monkeypatch.setattr(mechanisms, "_measurement", recording)
    ahead = draw_ahead(cube, epsilon=1.0, categories=categories)
    spec, plan, noise = _drawn(ahead)
    assert sorted(invoked) == sorted(
        (m.spec.scale, pytest.approx(m.budget), m.cells, True) for m in plan.measurements
    )
    assert [len(v) for v in noise] == [m.cells for m in plan.measurements]


class _Invoked:
    def __init__(self, measurement, invoke) -> None:
        self._measurement, self._invoke = measurement, invoke

    def __getattr__(self, name):
        return getattr(self._measurement, name)

    def __call__(self, values):
        return self._invoke(values)


def test_noise_ahead_has_the_noise_distribution_of_its_measurement(cube, categories):
    """Zeros in, noise out: the finest table's draws have the discrete Laplace variance of
    its scale (and are not all equal: fresh per cell). The noise is OpenDP's secure noise,
    unseeded, so the bounds are five standard errors (a false alarm about once in 1.7 million
    runs; a fixed 10 % bound on ~3,000 draws failed about once in 60), and the draws are
    enough for those bounds to catch a variance 15 % off."""
    draws, values = [], np.zeros(0)
    while len(values) < 12_000:
        ahead = draw_ahead(cube, epsilon=0.5, categories=categories)
        spec, plan, noise = _drawn(ahead)
        draws.append(noise[0])
        values = np.concatenate(draws).astype(float)
    variance = plan.measurements[0].variance
    assert values.mean() == pytest.approx(0.0, abs=5 * np.sqrt(variance / len(values)))
    # the sample variance's standard error, from the sample's own fourth moment
    centred = values - values.mean()
    standard_error = np.sqrt((np.mean(centred**4) - values.var() ** 2) / len(values))
    assert 5 * standard_error < 0.15 * variance  # the test can tell a 15 % error
    assert abs(values.var() - variance) < 5 * standard_error
    assert len({tuple(v) for v in draws}) == len(draws)


def test_a_seeded_release_never_takes_real_noise(compas_audit):
    cube = compas_audit.cube  # (the seeded sampler is exact Python: a small table)
    categories = {name: [str(v) for v in cube.counts((name,))[name]] for name in cube.attributes}
    ahead = draw_ahead(cube, epsilon=0.5, categories=categories)
    spec, plan, _ = _drawn(ahead)
    seeded, _ = release_cube(cube, epsilon=0.5, categories=categories, seed=7, noise_ahead=ahead)
    again, _ = release_cube(cube, epsilon=0.5, categories=categories, seed=7)
    assert np.array_equal(seeded.cells["n"].to_numpy(), again.cells["n"].to_numpy())
    assert ahead.used and ahead.take(plan, spec) is None


def test_a_domain_chosen_by_partition_selection_is_not_drawn_ahead(cube, categories):
    undeclared = {name: values for name, values in categories.items() if name != "race"}
    assert draw_ahead(cube, epsilon=1.0, categories=undeclared) is None
    assert draw_ahead(cube, epsilon=1.0, categories=None) is None
    assert draw_ahead(cube, epsilon=1e9, categories=categories) is None  # refused by the release


def test_a_forked_child_draws_ahead_with_its_own_thread(cube, categories):
    draw_ahead(cube, epsilon=1.0, categories=categories)  # the parent's drawing thread
    context = multiprocessing.get_context("fork")
    with context.Pool(1) as pool:
        result = pool.apply_async(_draw_ahead_in_child, (cube, categories))
        assert result.get(timeout=60) > 0


def _draw_ahead_in_child(cube, categories) -> int:
    ahead = draw_ahead(cube, epsilon=1.0, categories=categories)
    return len(ahead._future.result(timeout=30)[2][0])
