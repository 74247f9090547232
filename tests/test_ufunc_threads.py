"""Splitting an element-wise ufunc across threads gives the same array, bit for bit."""

from __future__ import annotations

import threading

import numpy as np
from scipy.special import _ufuncs as boost

from auditor.ufunc_threads import MIN_CHUNK, call_split


def test_split_hypergeometric_cdf_equals_one_call_and_runs_on_other_threads():
    rng = np.random.default_rng(3)
    total = rng.integers(20, 40_000, size=301)
    good = rng.integers(1, total)
    draws = rng.integers(1, total)
    k = rng.integers(0, np.minimum(good, draws) + 1)
    whole = boost._hypergeom_cdf(k, good, draws, total)
    threads = set()

    def recording(*arrays):
        threads.add(threading.get_ident())
        return boost._hypergeom_cdf(*arrays)

    for workers in (1, 2, 3):
        split = call_split(recording, k, good, draws, total, workers=workers)
        assert split.shape == whole.shape
        assert (split.view(np.int64) == whole.view(np.int64)).all()
    assert len(threads) >= 2  # the chunks really ran elsewhere too


def test_short_arrays_are_not_split():
    seen = []

    def recording(values):
        seen.append(len(values))
        return values * 2.0

    values = np.arange(2 * MIN_CHUNK - 1, dtype=float)
    assert (call_split(recording, values, workers=3) == values * 2).all()
    assert seen == [values.size]
    seen.clear()
    assert (
        call_split(recording, np.arange(8 * MIN_CHUNK, dtype=float), workers=3)
        == np.arange(8 * MIN_CHUNK) * 2.0
    ).all()
    assert len(seen) == 4 and sum(seen) == 8 * MIN_CHUNK


def test_a_forked_child_computes_with_its_own_threads():
    import os

    values = np.arange(64, dtype=float)
    call_split(np.sqrt, values, workers=2)  # the parent's pool exists
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        ok = (call_split(np.sqrt, values, workers=2) == np.sqrt(values)).all()
        os.write(write, b"1" if ok else b"0")
        os._exit(0)
    os.close(write)
    _, status = os.waitpid(child, 0)
    assert os.read(read, 1) == b"1" and status == 0
