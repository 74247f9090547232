"""Thread pools of this process, one per purpose, remade in a forked child.

A forked process has none of its parent's threads: work submitted to a pool it inherited would
never run. :func:`process_pool` keeps each pool by the process id that made it, so a child
makes its own on first use (the OpenDP draws, the noise drawn ahead of a release, the
dashboard's release history writer).
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

__all__ = ["process_pool"]

_LOCK = threading.Lock()
_POOLS: dict[tuple[int, str], ThreadPoolExecutor] = {}


def process_pool(name: str, *, workers: int = 1) -> ThreadPoolExecutor:
    """This process's pool called ``name`` (its threads are named after it), made with
    ``workers`` threads on first use."""
    with _LOCK:
        pid = os.getpid()
        for key in [key for key in _POOLS if key[0] != pid]:
            del _POOLS[key]  # the parent's pools, if this process was forked: threads gone
        if (pid, name) not in _POOLS:
            _POOLS[(pid, name)] = ThreadPoolExecutor(workers, thread_name_prefix=name)
        return _POOLS[(pid, name)]
