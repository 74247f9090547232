"""Write an output file atomically: all of it under its final name, or nothing.

The bytes go to a temporary file in the same folder, are flushed to disk, and the temporary file
is renamed over the target (``os.replace`` is atomic on POSIX and Windows). A kill, a full disk
or an exception half-way leaves the target as it was (absent, or the previous complete file)
and removes the temporary file. A target whose folder is missing, or that is a folder, is refused
before anything is written, with an :class:`~auditor.errors.InputError` naming it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from .errors import InputError

__all__ = ["atomic_output", "atomic_path", "write_atomic"]


def _checked_target(path: str | os.PathLike[str]) -> Path:
    target = Path(path)
    if not target.parent.is_dir():
        raise InputError(
            f"cannot write '{target}': its folder '{target.parent}' does not exist; create it "
            "or choose another path"
        )
    if target.is_dir():
        raise InputError(f"cannot write '{target}': it is a folder; name a file inside it")
    return target


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary path next to ``path``; whatever the block writes there replaces ``path``
    only if the block succeeds (for writers that need a file name, e.g. DuckDB's COPY)."""
    target = _checked_target(path)
    try:
        fd, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".part", dir=target.parent
        )
    except OSError as error:
        raise OSError(error.errno, error.strerror, str(target)) from error
    os.close(fd)
    try:
        yield Path(temporary)
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        # mkstemp creates 0600; an output is an ordinary file (umask applies).
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        try:
            os.replace(temporary, target)
        except OSError as error:
            raise OSError(error.errno, error.strerror, str(target)) from error
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """A binary file handle whose content replaces ``path`` only if the block succeeds."""
    with atomic_path(path) as temporary, open(temporary, "wb") as handle:
        yield handle
        handle.flush()


def write_atomic(path: str | os.PathLike[str], data: bytes | str) -> Path:
    """Write ``data`` (str is UTF-8 encoded) to ``path`` atomically; return the path."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_output(path) as handle:
        handle.write(payload)
    return Path(path)
