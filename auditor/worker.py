"""Run native code that may crash, hang or balloon (vl-convert, ReportLab layout) in a separate
process with a time and a memory limit, so it cannot take the server down.

A :class:`WorkerPool` keeps up to ``size`` child processes, each started with ``command`` (e.g.
``python -m auditor.report.worker``) and served one request at a time over its stdin/stdout:
a request is bytes in, a reply is bytes out. The child side is :func:`serve`.

What can go wrong in the child, and what the caller sees (subclasses of :class:`WorkerError`):

- it dies (a Rust panic aborts it, a segfault, ``os.abort()``): :class:`WorkerCrashed`;
- it takes longer than ``timeout`` seconds: it is killed, :class:`WorkerTimeout`;
- its resident memory exceeds ``memory_limit`` bytes: it is killed, :class:`WorkerOutOfMemory`;
- the handler raises: the child replies with the error's kind and message and stays alive,
  the caller gets :class:`WorkerRaised` carrying them.

A child that failed is replaced by a fresh one on the next request. Callers queue for a free
child, so ``size`` bounds the memory and CPU the renderers can take at once. The child's stderr
goes to a temporary file; its last lines are logged (server-side) when it crashes.

Framing: every message is an 8-byte big-endian length and the payload; a reply starts with one
status byte (``0`` ok, ``1`` raised: the payload is UTF-8 JSON ``{"kind", "message"}``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import select
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from typing import IO

from .errors import AuditorError

__all__ = [
    "WorkerCrashed",
    "WorkerError",
    "WorkerOutOfMemory",
    "WorkerPool",
    "WorkerRaised",
    "WorkerTimeout",
    "serve",
]

log = logging.getLogger(__name__)

_HEADER = struct.Struct(">Q")
_OK, _RAISED = 0, 1
_POLL_SECONDS = 0.05


class WorkerError(AuditorError):
    """A request to a worker process did not produce a reply."""


class WorkerCrashed(WorkerError):
    """The worker process died while handling the request."""


class WorkerTimeout(WorkerError):
    """The worker process took too long and was stopped."""


class WorkerOutOfMemory(WorkerError):
    """The worker process used more memory than allowed and was stopped."""


class WorkerRaised(WorkerError):
    """The handler in the worker raised an exception (the worker itself is fine)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def _resident_bytes(pid: int) -> int | None:
    """The resident set size of ``pid`` (Linux ``/proc``), or None where it cannot be read."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _signal_name(returncode: int | None) -> str:
    if returncode is None:
        return "unknown cause"
    if returncode < 0:
        try:
            return f"signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"signal {-returncode}"
    return f"exit code {returncode}"


class _Child:
    """One worker process and its pipes."""

    def __init__(self, command: Sequence[str], env: dict[str, str] | None) -> None:
        # Closed in kill(); a file, not a pipe, so a chatty child never blocks on it.
        self.stderr: IO[bytes] = tempfile.TemporaryFile(prefix="auditor-worker-")  # noqa: SIM115
        self.process = subprocess.Popen(
            list(command),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            env=env,
            start_new_session=True,  # a Ctrl-C in the server's terminal is the server's
        )
        self.peak_rss = 0

    def alive(self) -> bool:
        return self.process.poll() is None

    def stderr_tail(self, limit: int = 2000) -> str:
        try:
            self.stderr.seek(0, os.SEEK_END)
            size = self.stderr.tell()
            self.stderr.seek(max(0, size - limit))
            return self.stderr.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def kill(self) -> None:
        if self.alive():
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        for stream in (self.process.stdin, self.process.stdout, self.stderr):
            with contextlib.suppress(OSError):
                stream.close()

    def request(self, payload: bytes, *, timeout: float, memory_limit: int | None) -> bytes:
        """Send one request and wait for its reply within the limits."""
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            self.process.stdin.write(_HEADER.pack(len(payload)) + payload)
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            self._raise_dead()
        deadline = time.monotonic() + timeout
        reader = _FrameReader(self.process.stdout.fileno())
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.kill()
                raise WorkerTimeout(f"took longer than {timeout:g} s and was stopped")
            ready, _, _ = select.select([reader.fd], [], [], min(_POLL_SECONDS, remaining))
            if ready:
                done = reader.read_available()
                if done is not None:
                    return self._reply(done)
                if reader.closed:
                    self._raise_dead()
            rss = _resident_bytes(self.process.pid)
            if rss is not None:
                self.peak_rss = max(self.peak_rss, rss)
                if memory_limit is not None and rss > memory_limit:
                    self.kill()
                    raise WorkerOutOfMemory(
                        f"used more than {memory_limit / 2**20:,.0f} MiB of memory and was stopped"
                    )
            if not self.alive() and not ready:
                self._raise_dead()

    def _reply(self, frame: bytes) -> bytes:
        status, body = frame[0], frame[1:]
        if status == _OK:
            return body
        detail = json.loads(body.decode("utf-8"))
        raise WorkerRaised(str(detail.get("kind")), str(detail.get("message")))

    def _raise_dead(self) -> None:
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
        cause = _signal_name(self.process.returncode)
        log.error("worker process %s died (%s); its stderr ended with:\n%s",
                  self.process.pid, cause, self.stderr_tail())  # fmt: skip
        self.kill()
        raise WorkerCrashed(f"stopped unexpectedly ({cause})")


class _FrameReader:
    """Reads one length-prefixed frame from a pipe without blocking past what is available."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = bytearray()
        self.closed = False

    def read_available(self) -> bytes | None:
        chunk = os.read(self.fd, 1 << 20)
        if not chunk:
            self.closed = True
            return None
        self.buffer += chunk
        while len(self.buffer) >= _HEADER.size:
            (length,) = _HEADER.unpack_from(self.buffer)
            if len(self.buffer) - _HEADER.size >= length:
                return bytes(self.buffer[_HEADER.size : _HEADER.size + length])
            # Wait for the rest (the reply may be megabytes: a PDF).
            ready, _, _ = select.select([self.fd], [], [], _POLL_SECONDS)
            if not ready:
                return None
            chunk = os.read(self.fd, 1 << 20)
            if not chunk:
                self.closed = True
                return None
            self.buffer += chunk
        return None


class WorkerPool:
    """Up to ``size`` worker processes running ``command``; see the module docstring.

    Parameters
    ----------
    command : argv of the child, which must call :func:`serve`.
    size : how many requests run at once; further callers wait for a free worker.
    timeout : seconds one request may take before its worker is killed.
    memory_limit : bytes of resident memory a worker may use before it is killed (None: none).
    env : environment of the children (default: this process's).
    """

    def __init__(
        self,
        command: Sequence[str],
        *,
        size: int = 1,
        timeout: float = 120.0,
        memory_limit: int | None = 1536 * 2**20,
        env: dict[str, str] | None = None,
    ) -> None:
        if size < 1:
            raise ValueError(f"a worker pool needs at least one worker, not {size}")
        self.command = tuple(command)
        self.timeout = timeout
        self.memory_limit = memory_limit
        self.env = env
        self._slots: queue.Queue[_Child | None] = queue.Queue()
        for _ in range(size):
            self._slots.put(None)
        self._all: list[_Child] = []
        self._lock = threading.Lock()

    def call(self, payload: bytes, *, timeout: float | None = None) -> bytes:
        """Send ``payload`` to a free worker and return its reply (raises :class:`WorkerError`)."""
        child = self._slots.get()
        try:
            if child is None or not child.alive():
                child = self._start()
            try:
                reply = child.request(
                    payload,
                    timeout=self.timeout if timeout is None else timeout,
                    memory_limit=self.memory_limit,
                )
            except (WorkerCrashed, WorkerTimeout, WorkerOutOfMemory):
                child = None
                raise
            # A worker that grew past half its limit starts afresh next time.
            if self.memory_limit is not None and child.peak_rss > self.memory_limit // 2:
                child.kill()
                child = None
            return reply
        finally:
            self._slots.put(child)

    def _start(self) -> _Child:
        child = _Child(self.command, self.env)
        with self._lock:
            self._all = [c for c in self._all if c.alive()]
            self._all.append(child)
        return child

    def close(self) -> None:
        """Stop every worker (they also exit on their own when this process ends)."""
        with self._lock:
            children, self._all = self._all, []
        for child in children:
            child.kill()


def _read_exactly(stream: IO[bytes], size: int) -> bytes | None:
    data = bytearray()
    while len(data) < size:
        chunk = stream.read(size - len(data))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


def serve(handler: Callable[[bytes], bytes]) -> None:
    """The child's loop: answer each request with ``handler(payload)`` until stdin closes.

    Anything the handler or the libraries it calls print goes to stderr: stdout carries only
    the replies.
    """
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    requests = sys.stdin.buffer
    while True:
        header = _read_exactly(requests, _HEADER.size)
        if header is None:
            return
        (length,) = _HEADER.unpack(header)
        payload = _read_exactly(requests, length)
        if payload is None:
            return
        try:
            body = bytes([_OK]) + handler(payload)
        except Exception as error:  # noqa: BLE001 - every error goes back to the caller
            detail = {"kind": type(error).__name__, "message": str(error)}
            body = bytes([_RAISED]) + json.dumps(detail).encode("utf-8")
        replies.write(_HEADER.pack(len(body)) + body)
        replies.flush()
