"""A bounded number of audits at once across all dashboard sessions; the others wait their turn.

Sessions are threads of one server process. Each audit is bounded in memory (DuckDB's
``AUDITOR_MEMORY_LIMIT``), but N staff uploading large files at the same moment would run N audits
and exhaust the host. :func:`audit_slots` is one process-wide :class:`AuditSlots`
(``AUDITOR_AUDIT_SLOTS``, default 2); a session that finds every slot taken is told the server is
busy (``on_wait``) and its audit starts when a slot frees. No Streamlit here.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator

from auditor.errors import InputError

__all__ = ["AuditSlots", "BUSY_MESSAGE", "audit_slots"]

BUSY_MESSAGE = (
    "The server is busy: other audits are running. Yours starts as soon as one finishes "
    "(keep this page open)."
)
DEFAULT_SLOTS = 2


class AuditSlots:
    """At most ``size`` holders at once; :meth:`slot` waits for a free one."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"at least one audit slot is needed, not {size}")
        self.size = size
        self._free = threading.BoundedSemaphore(size)
        self._lock = threading.Lock()
        self.running = 0
        self.waiting = 0

    @contextlib.contextmanager
    def slot(self, *, on_wait: Callable[[], None] = lambda: None) -> Iterator[None]:
        """Hold a slot for the block; call ``on_wait`` first if none is free now."""
        if not self._free.acquire(blocking=False):
            with self._lock:
                self.waiting += 1
            on_wait()
            try:
                self._free.acquire()
            finally:
                with self._lock:
                    self.waiting -= 1
        with self._lock:
            self.running += 1
        try:
            yield
        finally:
            with self._lock:
                self.running -= 1
            self._free.release()


_slots: AuditSlots | None = None
_slots_lock = threading.Lock()


def audit_slots() -> AuditSlots:
    """The process-wide slots (size from ``AUDITOR_AUDIT_SLOTS``, read once)."""
    global _slots
    with _slots_lock:
        if _slots is None:
            text = os.environ.get("AUDITOR_AUDIT_SLOTS") or str(DEFAULT_SLOTS)
            if not text.isdigit() or int(text) < 1:
                raise InputError(
                    f"AUDITOR_AUDIT_SLOTS={text!r} must be a whole number of at least 1"
                )
            _slots = AuditSlots(int(text))
        return _slots
