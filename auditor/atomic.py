"""Write an output file atomically: all of it under its final name, or nothing.

The bytes go to a temporary file in the same folder, are flushed to disk, and the temporary file
is renamed over the target (``os.replace`` is atomic on POSIX and Windows). A kill, a full disk
or an exception half-way leaves the target as it was (absent, or the previous complete file)
and removes the temporary file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

__all__ = ["atomic_output", "write_atomic"]


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """A binary file handle whose content replaces ``path`` only if the block succeeds."""
    target = Path(path)
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp creates 0600; an output is an ordinary file (umask applies).
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_atomic(path: str | os.PathLike[str], data: bytes | str) -> Path:
    """Write ``data`` (str is UTF-8 encoded) to ``path`` atomically; return the path."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_output(path) as handle:
        handle.write(payload)
    return Path(path)
