"""The server side of a browser session: its private folder, uploads and DuckDB connection, and
the installation's audit store.

Each session gets a :class:`Workspace`; the store (history and privacy ledger) is shared by all
sessions of an installation. No Streamlit here.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import tempfile
import weakref
from pathlib import Path
from typing import Any, BinaryIO

import duckdb
import pandas as pd

from auditor.errors import InputError
from auditor.ingest import Source, open_source

__all__ = ["Inspection", "UPLOAD_TYPES", "Workspace", "default_store_path"]

UPLOAD_TYPES = ("csv", "tsv", "txt", "gz", "parquet", "pq", "jsonl", "ndjson", "json")
"""File endings the upload widget accepts."""


@dataclasses.dataclass(frozen=True)
class Inspection:
    """What the upload page shows before an audit: columns, their types and the first rows."""

    path: Path
    description: str
    format: str
    columns: tuple[str, ...]
    preview: pd.DataFrame
    rows: int | None = None
    """All rows of the file (counted by DuckDB), not only the preview's."""
    name: str = ""
    """The file's name as the user uploaded it (never the server's path)."""


class Workspace:
    """One browser session's private data: a temporary folder and its own DuckDB connection.

    Uploaded files are saved in the folder, which is deleted with :meth:`close` (or when the
    workspace is garbage-collected), so two sessions never see each other's files.
    """

    def __init__(self, *, parent: str | Path | None = None) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="auditor-session-", dir=parent))
        self.upload_names: dict[Path, str] = {}
        """Saved upload → the name the user's file had (what outputs call the data)."""
        from auditor.engine import connect

        self.connection: duckdb.DuckDBPyConnection = connect(
            temp_directory=str(self.directory / "spill")
        )
        self._finalizer = weakref.finalize(self, _cleanup, self.connection, str(self.directory))

    def save_upload(self, name: str, data: bytes | BinaryIO) -> Path:
        """Save an upload (bytes or a binary file object) under a safe version of ``name``.

        A file object is copied in chunks, so a large upload is not duplicated in memory.
        """
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).name).strip("._") or "upload.csv"
        target = self.directory / "uploads" / safe
        self.upload_names[target] = Path(str(name)).name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes | bytearray):
            target.write_bytes(data)
        else:
            data.seek(0)
            with target.open("wb") as out:
                shutil.copyfileobj(data, out, length=1 << 22)
        if target.stat().st_size == 0:
            target.unlink()
            raise InputError(
                f"the uploaded file '{name}' is empty: choose a file with a header and rows"
            )
        return target

    def open(self, path: str | Path) -> Source:
        """The file as a DuckDB view on this session's connection."""
        return open_source(Path(path), connection=self.connection)

    def inspect(self, path: str | Path, *, rows: int = 500) -> Inspection:
        """Columns and the first ``rows`` rows (for the preview and the mapping suggestions)."""
        source = self.open(path)
        from auditor.ingest import SOURCE_VIEW

        ((total,),) = source.sql(f"SELECT count(*) FROM {SOURCE_VIEW}")
        return Inspection(
            path=Path(path),
            description=source.description,
            format=source.format,
            columns=tuple(source.columns),
            preview=source.preview(rows),
            rows=int(total),
            name=self.upload_names.get(Path(path), Path(path).name),
        )

    def audit(self, path: str | Path, **options: Any):
        """:func:`auditor.audit` on this session's connection.

        Outputs name the data by its file name (the upload's name), never by its path in this
        server's private folder.
        """
        from auditor.audit import audit

        options.setdefault("source_name", self.upload_names.get(Path(path), Path(path).name))
        return audit(Path(path), connection=self.connection, **options)

    def close(self) -> None:
        """Close the connection and delete the folder."""
        self._finalizer()

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive


def _cleanup(connection: duckdb.DuckDBPyConnection, directory: str) -> None:
    try:
        connection.close()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def default_store_path() -> Path:
    """The dashboard's audit store: ``AUDITOR_STORE`` or ``~/.auditor/audits.duckdb``.

    One store per installation: the privacy budget belongs to the data set (keyed by its
    SHA-256), so every session spending on the same file must see the same ledger.
    """
    import os

    configured = os.environ.get("AUDITOR_STORE")
    path = Path(configured) if configured else Path.home() / ".auditor" / "audits.duckdb"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
