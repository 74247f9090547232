"""An element-wise ufunc over long arrays, split across the machine's cores.

Boost's hypergeometric CDF, SF and pmf (scipy's ``_hypergeom_*`` ufuncs) cost ~0.1–0.5 ms a
table for populations of 10⁴–10⁵, and an audit of 765 groups evaluates a few thousand of them.
numpy releases the GIL inside such a ufunc, so the arrays are cut into one chunk per core and
the chunks evaluated at once, one in this thread and the rest in a small shared pool. Each
element is computed by the same function on the same arguments, so the result is the same
array bit for bit whatever the split (``tests/test_ufunc_threads.py``); only the wall time
changes (the CPU time does not).
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__ = ["MIN_CHUNK", "call_split"]

MIN_CHUNK = 4
"""No chunk is shorter than this: a hand-off to a thread costs ~20–50 µs."""

_MAX_EXTRA_THREADS = 3
_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def _forget_pool_in_child() -> None:
    """A forked child has none of the pool's threads: it starts its own when needed."""
    global _lock, _pool
    _lock, _pool = threading.Lock(), None


os.register_at_fork(after_in_child=_forget_pool_in_child)


def _workers() -> int:
    """Threads besides the caller's: one fewer than the usable cores, at most three."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(0, min(cores - 1, _MAX_EXTRA_THREADS))


def _executor() -> ThreadPoolExecutor:
    """The shared pool (its threads start only when first needed)."""
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                max_workers=_MAX_EXTRA_THREADS, thread_name_prefix="auditor-ufunc"
            )
        return _pool


def call_split(function, *arrays: np.ndarray, workers: int | None = None) -> np.ndarray:
    """``function(*arrays)`` for an element-wise ``function`` of 1-D arrays of equal length,
    evaluated in chunks on ``workers`` extra threads (default: one per further core)."""
    extra = _workers() if workers is None else min(workers, _MAX_EXTRA_THREADS)
    size = len(arrays[0])
    chunks = min(extra + 1, size // MIN_CHUNK)
    if chunks <= 1:
        return function(*arrays)
    bounds = np.linspace(0, size, chunks + 1).astype(np.int64).tolist()
    pieces = [tuple(a[lo:hi] for a in arrays) for lo, hi in zip(bounds, bounds[1:], strict=False)]
    pool = _executor()
    futures = [pool.submit(function, *piece) for piece in pieces[1:]]
    first = function(*pieces[0])
    return np.concatenate([first, *(future.result() for future in futures)])
