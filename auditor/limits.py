"""Limits that keep one hostile or mistaken input from hanging the auditor or exhausting memory.

Each limit has a default, an environment variable to change it, and an error that names the
value found and the way out:

=========================  ===================================  ==============================
limit                      default (environment variable)        checked where
=========================  ===================================  ==============================
gzip inflation             2 GiB projected and a ratio above 50  before DuckDB reads a ``.gz``
                           (``AUDITOR_MAX_INFLATED_BYTES``)
distinct protected values  1000 per attribute (``max_groups``)   :func:`auditor.cube.build_cube`
DuckDB memory              1GB (``AUDITOR_MEMORY_LIMIT``)        :func:`auditor.engine.connect`
=========================  ===================================  ==============================

The gzip check is bounded: it inflates at most ``_PROBE_OUTPUT`` bytes of the file's start
(whatever the file's size) and projects the full size from the compression ratio seen there.
Ordinary CSV compresses 3–15×; a ratio above :data:`MAX_GZIP_RATIO` whose projection exceeds
the limit is a decompression bomb (or a file better decompressed before auditing).
"""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

__all__ = [
    "DEFAULT_MAX_INFLATED_BYTES",
    "MAX_GZIP_RATIO",
    "GzipProbe",
    "check_gzip_inflation",
    "max_inflated_bytes",
    "probe_gzip",
]

DEFAULT_MAX_INFLATED_BYTES = 2 * 1024**3
MAX_GZIP_RATIO = 50.0
_PROBE_INPUT = 1 << 20  # read at most 1 MiB of compressed bytes …
_PROBE_OUTPUT = 64 << 20  # … and inflate at most 64 MiB of them


@dataclass(frozen=True)
class GzipProbe:
    """What inflating the start of a gzip file showed."""

    compressed_bytes: int
    """The size of the whole (compressed) file."""
    consumed: int
    """Compressed bytes inflated by the probe."""
    produced: int
    """Bytes they inflated to."""
    complete: bool
    """Whether the probe inflated the whole file (then ``produced`` is exact)."""

    @property
    def ratio(self) -> float:
        return self.produced / max(self.consumed, 1)

    @property
    def projected_bytes(self) -> int:
        """The inflated size: exact if the probe finished, else projected from the ratio."""
        if self.complete:
            return self.produced
        return int(self.ratio * self.compressed_bytes)


def max_inflated_bytes() -> int:
    """The inflated-size limit: ``AUDITOR_MAX_INFLATED_BYTES`` (bytes) or 2 GiB."""
    text = os.environ.get("AUDITOR_MAX_INFLATED_BYTES")
    if not text:
        return DEFAULT_MAX_INFLATED_BYTES
    try:
        value = int(text)
    except ValueError:
        raise InputError(
            f"AUDITOR_MAX_INFLATED_BYTES={text!r} is not a whole number of bytes: "
            "set it to e.g. 4294967296 for 4 GiB"
        ) from None
    if value <= 0:
        raise InputError(f"AUDITOR_MAX_INFLATED_BYTES={text!r} must be a positive number of bytes")
    return value


def probe_gzip(path: Path) -> GzipProbe:
    """Inflate a bounded prefix of ``path`` (a gzip file, possibly multi-member)."""
    size = path.stat().st_size
    consumed = produced = 0
    complete = False
    with path.open("rb") as handle:
        pending = handle.read(_PROBE_INPUT)
        at_end = len(pending) < _PROBE_INPUT
        inflater = zlib.decompressobj(wbits=31)
        while pending and produced < _PROBE_OUTPUT:
            before = len(pending)
            try:
                chunk = inflater.decompress(pending, 1 << 20)
            except zlib.error as error:
                raise InputError(
                    f"{path.name} looks gzip-compressed but cannot be read ({error}): "
                    "check that the upload is complete, or decompress it yourself"
                ) from None
            produced += len(chunk)
            if inflater.eof:
                pending = inflater.unused_data  # the next gzip member, if any
                if pending:
                    inflater = zlib.decompressobj(wbits=31)
            elif inflater.unconsumed_tail:
                pending = inflater.unconsumed_tail
            else:
                pending = b""
            consumed += before - len(pending)
        complete = at_end and not pending and inflater.eof
    return GzipProbe(compressed_bytes=size, consumed=consumed, produced=produced, complete=complete)


def check_gzip_inflation(path: Path, *, limit: int | None = None) -> GzipProbe:
    """Refuse a gzip file that would inflate past ``limit`` bytes at a bomb-like ratio.

    Raises :class:`~auditor.errors.InputError` naming the ratio and projected size.
    """
    limit = max_inflated_bytes() if limit is None else limit
    probe = probe_gzip(path)
    too_big = probe.projected_bytes > limit
    if too_big and (probe.complete or probe.ratio > MAX_GZIP_RATIO):
        raise InputError(
            f"{path.name} is {probe.compressed_bytes:,} bytes of gzip that inflate "
            f"{probe.ratio:,.0f}-fold to about {probe.projected_bytes / 1024**3:,.1f} GiB, more "
            f"than the limit of {limit / 1024**3:,.1f} GiB (this looks like a decompression "
            "bomb): decompress it yourself and audit the plain file, or raise "
            "AUDITOR_MAX_INFLATED_BYTES"
        )
    return probe
