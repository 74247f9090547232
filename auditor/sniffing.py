"""The first bytes of a file, and what they say: gzip, encoding, binary.

Shared by the DuckDB reader (:mod:`auditor.ingest`) and the Spark reader
(:mod:`auditor.spark.source`), so both refuse and decode the same files the same way.
"""

from __future__ import annotations

import codecs
import gzip
from pathlib import Path

from .errors import InputError

__all__ = ["SNIFF_BYTES", "detect_encoding", "looks_binary", "sniff_head"]

SNIFF_BYTES = 1 << 16
"""How much of a file (after gzip) is read to detect its format and encoding."""


def sniff_head(path: Path) -> tuple[bytes, bool]:
    """The first :data:`SNIFF_BYTES` of the file (decompressed if gzip), and whether it is gzip."""
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    is_gzip = head[:2] == b"\x1f\x8b"
    if is_gzip:
        try:
            with gzip.open(path, "rb") as handle:
                head = handle.read(SNIFF_BYTES)
        except (OSError, EOFError) as error:
            raise InputError(
                f"{path.name} looks gzip-compressed but cannot be read: {error}"
            ) from None
    return head, is_gzip


def detect_encoding(head: bytes) -> str:
    """utf-8, utf-16 (by its BOM) or latin-1 (when the head is not valid UTF-8)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        # A multi-byte character may be cut at the end of the sniffed block.
        head.decode("utf-8") if len(head) < SNIFF_BYTES else head[:-4].decode("utf-8")
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8"


def looks_binary(head: bytes) -> bool:
    """A NUL byte, or more than 5 % control characters, in the first 4 KiB."""
    if not head:
        return False
    if b"\x00" in head[:4096]:
        return True
    sample = head[:4096]
    control = sum(1 for byte in sample if byte < 9 or 13 < byte < 32)
    return control > len(sample) * 0.05
