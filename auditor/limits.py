"""Limits that keep one hostile or mistaken input from hanging the auditor or exhausting memory.

Each limit has a default, an environment variable to change it, and an error that names the
value found and the way out:

=========================  ===================================  ==============================
limit                      default (environment variable)        checked where
=========================  ===================================  ==============================
gzip inflation             2 GiB inflated                       before DuckDB reads a ``.gz``
                           (``AUDITOR_MAX_INFLATED_BYTES``)
columns                    2000 (``AUDITOR_MAX_COLUMNS``)        before DuckDB reads the file
line length                8 MiB (``AUDITOR_MAX_LINE_BYTES``)    header sniffing and DuckDB
distinct protected values  1000 per attribute (``max_groups``)   :func:`auditor.cube.build_cube`
DuckDB memory              1GB (``AUDITOR_MEMORY_LIMIT``)        :func:`auditor.engine.connect`
PDF rendering              120 s, 1536 MiB, 1 at a time          :mod:`auditor.report.isolation`
=========================  ===================================  ==============================

The gzip check runs in two steps. A probe inflates at most ``_PROBE_OUTPUT`` bytes of the file's
start and refuses at once a file whose compression ratio there (above :data:`MAX_GZIP_RATIO`;
ordinary CSV compresses 3–15×) projects past the limit. Then the whole stream is inflated and
counted in 1 MiB pieces (nothing kept), stopping as soon as the count passes the limit: a file
whose compressible part hides behind an incompressible start is caught by the count, not by a
projection, in the time it takes to inflate ``limit`` bytes and in constant memory.
"""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

__all__ = [
    "DEFAULT_MAX_COLUMNS",
    "DEFAULT_MAX_INFLATED_BYTES",
    "DEFAULT_MAX_LINE_BYTES",
    "MAX_GZIP_RATIO",
    "GzipProbe",
    "check_column_count",
    "check_gzip_inflation",
    "inflated_size",
    "max_columns",
    "max_inflated_bytes",
    "max_line_bytes",
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


DEFAULT_MAX_COLUMNS = 2000
DEFAULT_MAX_LINE_BYTES = 2 * 1024**2


def _positive_int_setting(name: str, default: int, example: str) -> int:
    text = os.environ.get(name)
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise InputError(f"{name}={text!r} must be a positive whole number, e.g. {name}={example}")
    return value


def max_columns() -> int:
    """The column limit: ``AUDITOR_MAX_COLUMNS`` or 2000."""
    return _positive_int_setting("AUDITOR_MAX_COLUMNS", DEFAULT_MAX_COLUMNS, "5000")


def max_line_bytes() -> int:
    """The line-length limit in bytes: ``AUDITOR_MAX_LINE_BYTES`` or 2 MiB."""
    return _positive_int_setting("AUDITOR_MAX_LINE_BYTES", DEFAULT_MAX_LINE_BYTES, "8388608")


def check_column_count(count: int, *, what: str) -> None:
    """Refuse a source with more columns than :func:`max_columns`."""
    limit = max_columns()
    if count > limit:
        raise InputError(
            f"{what} has {count:,} columns, more than the limit of {limit:,}: keep only the "
            "label, prediction/score and protected columns (and what else you need), or raise "
            "AUDITOR_MAX_COLUMNS"
        )


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


def inflated_size(path: Path, *, stop_after: int) -> int:
    """Inflate ``path`` (gzip, possibly multi-member) in pieces, counting; stop past ``stop_after``.

    Returns the inflated size, or a number above ``stop_after`` if it is larger. Memory stays
    constant (1 MiB of input and of output at a time).
    """
    produced = 0
    inflater = zlib.decompressobj(wbits=31)
    with path.open("rb") as handle:
        pending = b""
        while produced <= stop_after:
            if not pending:
                pending = handle.read(_PROBE_INPUT)
                if not pending:
                    break
            try:
                chunk = inflater.decompress(pending, 1 << 20)
            except zlib.error as error:
                raise InputError(
                    f"{path.name} looks gzip-compressed but cannot be read ({error}): "
                    "check that the upload is complete, or decompress it yourself"
                ) from None
            produced += len(chunk)
            if inflater.eof:
                pending = inflater.unused_data
                inflater = zlib.decompressobj(wbits=31)
            else:
                pending = inflater.unconsumed_tail
    return produced


def check_gzip_inflation(path: Path, *, limit: int | None = None) -> GzipProbe:
    """Refuse a gzip file that inflates past ``limit`` bytes (see the module docstring).

    Raises :class:`~auditor.errors.InputError` naming the sizes and the way out.
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
    if not probe.complete and inflated_size(path, stop_after=limit) > limit:
        raise InputError(
            f"{path.name} is {probe.compressed_bytes:,} bytes of gzip that inflate to more "
            f"than the limit of {limit / 1024**3:,.1f} GiB (this looks like a decompression "
            "bomb): decompress it yourself and audit the plain file, or raise "
            "AUDITOR_MAX_INFLATED_BYTES"
        )
    return probe
