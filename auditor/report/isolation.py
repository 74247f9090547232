"""Build PDFs in worker processes (:mod:`auditor.report.worker`), one pool per process.

Settings (environment variables, read when the first PDF is built):

- ``AUDITOR_RENDER_TIMEOUT``: seconds one PDF may take (default 120);
- ``AUDITOR_RENDER_MEMORY_MB``: resident memory one worker may use (default 1536);
- ``AUDITOR_RENDER_WORKERS``: PDFs built at once (default 1; more requests wait their turn).
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from pathlib import Path

from ..errors import InputError
from ..worker import WorkerPool

__all__ = ["render_pool"]

_pool: WorkerPool | None = None
_lock = threading.Lock()


def _setting(name: str, default: float, *, minimum: float) -> float:
    text = os.environ.get(name)
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value >= minimum:
        raise InputError(f"{name}={text!r} must be a number of at least {minimum:g}")
    return value


def render_pool() -> WorkerPool:
    """The process-wide pool of PDF workers (started lazily, stopped at exit)."""
    global _pool
    with _lock:
        if _pool is None:
            package_parent = str(Path(__file__).resolve().parent.parent.parent)
            env = dict(os.environ)
            env["PYTHONPATH"] = os.pathsep.join(
                [package_parent, *filter(None, [env.get("PYTHONPATH")])]
            )
            _pool = WorkerPool(
                [sys.executable, "-m", "auditor.report.worker"],
                size=int(_setting("AUDITOR_RENDER_WORKERS", 1, minimum=1)),
                timeout=_setting("AUDITOR_RENDER_TIMEOUT", 120.0, minimum=1),
                memory_limit=int(_setting("AUDITOR_RENDER_MEMORY_MB", 1536, minimum=64) * 2**20),
                env=env,
            )
            atexit.register(_pool.close)
        return _pool
