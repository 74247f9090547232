"""DuckDB connections configured for audits: bounded memory, spilling to disk, no global state."""

from __future__ import annotations

import os
import tempfile

import duckdb

from .errors import AuditorError
from .sql import quote_literal

__all__ = ["connect"]

DEFAULT_MEMORY_LIMIT = "1GB"


def connect(
    *,
    database: str = ":memory:",
    memory_limit: str | None = None,
    threads: int | None = None,
    temp_directory: str | None = None,
) -> duckdb.DuckDBPyConnection:
    """A new DuckDB connection (never the module-global one) with audit-friendly settings.

    ``memory_limit`` bounds DuckDB's buffer pool (default ``AUDITOR_MEMORY_LIMIT`` or 1GB);
    larger aggregations spill to ``temp_directory``. Insertion order is not preserved, which
    lets DuckDB stream large scans with less memory.
    """
    con = duckdb.connect(database)
    limit = memory_limit or os.environ.get("AUDITOR_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT)
    con.execute(f"SET memory_limit = '{_checked_size(limit)}'")
    con.execute("SET preserve_insertion_order = false")
    # DuckDB draws a progress bar on stdout for queries over 2 s: it would corrupt
    # `auditor audit … --json -` on large files.
    con.execute("SET enable_progress_bar = false")
    spill = temp_directory or os.path.join(tempfile.gettempdir(), "auditor-duckdb-spill")
    con.execute(f"SET temp_directory = {quote_literal(spill)}")
    if threads is not None:
        con.execute(f"SET threads = {int(threads)}")
    return con


def _checked_size(text: str) -> str:
    cleaned = text.strip().upper().replace(" ", "")
    number = cleaned.rstrip("KMGTIB")
    if not number or not number.replace(".", "", 1).isdigit():
        raise AuditorError(
            f"memory limit {text!r} (AUDITOR_MEMORY_LIMIT or memory_limit=) is not a size "
            "like '1GB' or '512MB': set it to one"
        )
    return cleaned
