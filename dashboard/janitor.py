"""Deleting a browser session's uploads when the session ends — within a bounded time, on a quiet
server too, and at server shutdown. No Streamlit here: whether a session is alive is asked
through the ``is_alive`` callable the dashboard passes in.

Streamlit keeps a disconnected session for ``server.disconnectedSessionTTL`` seconds (so a
browser that reconnects finds its state) and forgets it lazily, when another session connects
or disconnects; a workspace left to garbage collection therefore lived on for as long as the
server stayed quiet. The janitor sweeps on its own clock instead: a workspace whose session has
not been alive for ``grace_seconds`` is closed (connection closed, folder deleted).
"""

from __future__ import annotations

import atexit
import contextlib
import threading
import time
from collections.abc import Callable

from dashboard.workspace import Workspace

__all__ = ["WorkspaceJanitor"]


class WorkspaceJanitor:
    """Closes each registered workspace once its session has been gone for ``grace_seconds``.

    ``sweep()`` does one pass (tests call it directly); ``start()`` runs passes every
    ``interval_seconds`` on a daemon thread and closes every workspace at interpreter exit.
    A deleted upload is therefore gone at most ``grace_seconds + interval_seconds`` after its
    session ended.
    """

    def __init__(
        self,
        *,
        is_alive: Callable[[str], bool],
        grace_seconds: float,
        interval_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if grace_seconds < 0 or interval_seconds <= 0:
            raise ValueError(
                f"grace_seconds must be ≥ 0 and interval_seconds > 0, not {grace_seconds} "
                f"and {interval_seconds}"
            )
        self._is_alive = is_alive
        self.grace_seconds = float(grace_seconds)
        self.interval_seconds = float(interval_seconds)
        self._clock = clock
        self._lock = threading.Lock()
        self._workspaces: dict[int, tuple[str, Workspace]] = {}
        self._gone_since: dict[str, float] = {}
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def register(self, session_id: str, workspace: Workspace) -> None:
        """Watch ``workspace``, which belongs to the session ``session_id``."""
        with self._lock:
            self._workspaces[id(workspace)] = (session_id, workspace)

    def watched(self) -> int:
        with self._lock:
            return len(self._workspaces)

    def sweep(self) -> int:
        """One pass: close the workspaces of sessions gone for longer than the grace period."""
        now = self._clock()
        expired: list[Workspace] = []
        with self._lock:
            alive = {sid: self._alive(sid) for sid, _ in self._workspaces.values()}
            for key, (session_id, workspace) in list(self._workspaces.items()):
                if workspace.closed:
                    del self._workspaces[key]
                elif alive[session_id]:
                    self._gone_since.pop(session_id, None)
                elif now - self._gone_since.setdefault(session_id, now) >= self.grace_seconds:
                    expired.append(self._workspaces.pop(key)[1])
            for session_id in [sid for sid in self._gone_since if sid not in alive]:
                del self._gone_since[session_id]
        for workspace in expired:
            workspace.close()
        return len(expired)

    def close_all(self) -> None:
        """Close every workspace (server shutdown)."""
        self._stop.set()
        with self._lock:
            workspaces = [workspace for _, workspace in self._workspaces.values()]
            self._workspaces.clear()
            self._gone_since.clear()
        for workspace in workspaces:
            workspace.close()

    def start(self) -> None:
        """Sweep every ``interval_seconds`` on a daemon thread; close all at exit."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="auditor-janitor", daemon=True)
        self._thread.start()
        atexit.register(self.close_all)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_seconds):
            with contextlib.suppress(Exception):  # the sweeper must outlive one bad pass
                self.sweep()

    def _alive(self, session_id: str) -> bool:
        try:
            return bool(self._is_alive(session_id))
        except Exception:  # noqa: BLE001 - when in doubt, keep the user's data
            return True
