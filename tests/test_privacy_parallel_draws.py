"""OpenDP noise drawn in parallel parts is still one measurement, in order, with fresh noise.

``opendp_noise`` runs the one OpenDP measurement whose privacy map it checked on consecutive
parts of a long count vector in several threads (OpenDP's integer mechanisms add an
independent draw to each element, so this is the same mechanism). These tests force the split
(two or three parts, whatever the machine's cores) and check what could go wrong with it: a
part drawn by another measurement than the one accounted for, parts joined out of order or
dropped, the same noise reused by two parts, or a changed noise distribution.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from auditor.privacy import mechanisms
from auditor.privacy.mechanisms import noise_spec, opendp_noise


class _Recording:
    """A real OpenDP measurement that records how it is invoked and what its map says."""

    def __init__(self, measurement) -> None:
        self.measurement = measurement
        self.calls: list[int] = []
        self.maps: list[object] = []

    def __getattr__(self, name):  # e.g. ``check`` for OpenDP's calibration search
        return getattr(self.measurement, name)

    def map(self, d_in):
        spent = self.measurement.map(d_in)
        self.maps.append(spent)
        return spent

    def __call__(self, values):
        self.calls.append(len(values))
        return self.measurement(values)


@pytest.fixture
def recorded(monkeypatch):
    """Every measurement ``opendp_noise`` builds, recorded; draws forced into 3 parts."""
    built: list[_Recording] = []
    real = mechanisms._measurement

    def recording(*args, **kwargs):
        built.append(_Recording(real(*args, **kwargs)))
        return built[-1]

    monkeypatch.setattr(mechanisms, "_measurement", recording)
    monkeypatch.setattr(mechanisms, "draw_threads", lambda: 3)
    return built


@pytest.mark.parametrize(("mechanism", "delta"), [("laplace", None), ("gaussian", 1e-6)])
def test_every_part_is_drawn_by_the_one_measurement_whose_opendp_map_was_checked(
    recorded, mechanism, delta
):
    import opendp.prelude as dp

    spec = noise_spec(mechanism, epsilon=0.7, delta=delta)
    recorded.clear()  # the calibration's own measurements
    cells = 5 * mechanisms.PART_CELLS + 3
    released = opendp_noise(spec, np.zeros(cells, dtype=np.int64))
    assert len(released) == cells
    (measurement,) = recorded  # one measurement for the whole vector …
    assert len(measurement.calls) == 3 and sum(measurement.calls) == cells  # … run in 3 parts
    # its own privacy map (checked before drawing) is OpenDP's map of the whole mechanism
    domain = dp.vector_domain(dp.atom_domain(T=int))
    if mechanism == "laplace":
        independent = dp.m.make_laplace(domain, dp.l1_distance(T=int), scale=spec.scale)
        assert measurement.maps == [independent.map(1)] and independent.map(1) <= 0.7 + 1e-12
    else:
        zcdp = dp.m.make_gaussian(domain, dp.l2_distance(T=int), scale=spec.scale)
        independent = dp.c.make_fix_delta(dp.c.make_zCDP_to_approxDP(zcdp), delta)
        assert measurement.maps == [independent.map(1)] and independent.map(1)[0] <= 0.7 + 1e-12


def test_parts_are_joined_in_order(recorded):
    spec = noise_spec("laplace", epsilon=20.0, delta=None)  # noise almost always 0, never ±500
    recorded.clear()
    counts = np.arange(4 * mechanisms.PART_CELLS, dtype=np.int64) * 1000
    released = opendp_noise(spec, counts)
    assert len(recorded[0].calls) == 3
    assert np.abs(released - counts).max() < 500


def test_parts_draw_fresh_independent_noise_with_the_theoretical_variance(recorded):
    spec = noise_spec("laplace", epsilon=0.3, delta=None)
    draws = 60_000
    noise = opendp_noise(spec, np.full(draws, 500, dtype=np.int64)) - 500
    parts = np.array_split(noise, 3)
    size = min(len(p) for p in parts)
    for first, second in ((0, 1), (1, 2), (0, 2)):
        a, b = parts[first][:size], parts[second][:size]
        assert not np.array_equal(a, b)
        # independent parts: correlation within 5 standard errors of 0
        assert abs(np.corrcoef(a, b)[0, 1]) < 5 / math.sqrt(size)
    for part in parts:  # each part has the mechanism's variance (kurtosis ≈ 6: sd ≈ 2 %)
        assert part.var() == pytest.approx(spec.variance, rel=0.1)
    assert noise.var() == pytest.approx(spec.variance, rel=0.05)


def test_a_forked_child_draws_with_its_own_threads(recorded):
    """A process forked after the parent drew in parallel has none of the parent's draw threads:
    it must not wait for them (it would hang), it starts its own."""
    import multiprocessing

    spec = noise_spec("laplace", epsilon=1.0, delta=None)
    opendp_noise(spec, np.zeros(4 * mechanisms.PART_CELLS, dtype=np.int64))  # parent's pool
    context = multiprocessing.get_context("fork")
    with context.Pool(1) as pool:
        result = pool.apply_async(_draw_in_parts, (spec,))
        assert result.get(timeout=60) == 4 * mechanisms.PART_CELLS


def _draw_in_parts(spec) -> int:
    mechanisms.draw_threads = lambda: 3  # the child's module, as in the parent's test
    return len(opendp_noise(spec, np.zeros(4 * mechanisms.PART_CELLS, dtype=np.int64)))
