"""Spark inputs as a :class:`~auditor.ingest.Source`: DataFrames, catalog tables and file paths.

The source is a temporary view in the session; :mod:`auditor.cube` queries it with the same SQL
as DuckDB's (Spark dialect). Errors from Spark — a path that does not exist, an unreadable
file — become the same one-line :class:`~auditor.errors.InputError` as with DuckDB.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from ..errors import InputError
from ..ingest import (
    SOURCE_VIEW,
    Fingerprint,
    Source,
)
from ..sniffing import detect_encoding, looks_binary, sniff_head
from ..sql import SPARK
from .session import import_pyspark

__all__ = [
    "TABLE_PREFIX",
    "SparkFingerprint",
    "SparkSource",
    "open_spark_source",
    "refuse_undecodable",
]

TABLE_PREFIX = "table:"
"""A source ``table:NAME`` is the catalog table (or view) NAME, e.g. ``table:lake.preds``."""

SparkFingerprint = Literal["content", "listing"]
SparkFormat = Literal["parquet", "csv", "jsonl"]
SparkSource = Source
"""A Spark source is an ordinary :class:`~auditor.ingest.Source` whose dialect is Spark SQL."""

_GLOB = re.compile(r"[*?\[{]")
_SUFFIXES: dict[str, SparkFormat] = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".parq": "parquet",
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}


def open_spark_source(
    source: Any,
    *,
    spark: Any,
    file_format: SparkFormat | None = None,
    fingerprint: SparkFingerprint = "content",
) -> Source:
    """Make ``source`` queryable with Spark.

    ``source`` is a Spark DataFrame, ``"table:NAME"``, or one or more paths (local or any
    URI Spark reads: ``hdfs://``, ``s3a://``, ``abfss://``…), with globs and partitioned
    folders (``key=value`` directories become columns).

    ``fingerprint`` says how files are identified: ``"content"`` (default) hashes every file
    in the cluster (SHA-256, Spark's ``sha2`` over each file's bytes; only the hashes reach
    the driver); ``"listing"`` hashes only each file's path, size and modification time —
    cheap, but it cannot tell two different files of the same size and time apart, and the
    report says so. A DataFrame (which may be filtered or computed) is identified by its rows.
    """
    sql = import_pyspark()
    if isinstance(source, sql.DataFrame):
        return _from_frame(source, spark=source.sparkSession, description="a Spark DataFrame")
    if isinstance(source, str) and source.startswith(TABLE_PREFIX):
        name = source[len(TABLE_PREFIX) :].strip()
        frame = _guarded(f"table '{name}'", lambda: spark.table(name))
        return _from_frame(
            frame,
            spark=spark,
            description=f"table '{name}'",
            format_name="spark-table",
            fingerprint=fingerprint,
        )
    paths = [os.fspath(p) for p in ([source] if isinstance(source, (str, os.PathLike)) else source)]
    if not paths or not all(isinstance(p, str) for p in paths):
        raise InputError(
            f"cannot audit a {type(source).__name__} with Spark: pass a Spark DataFrame, "
            "'table:NAME', or file paths"
        )
    return _from_paths(paths, spark=spark, file_format=file_format, fingerprint=fingerprint)


def _spark_message(error: BaseException) -> str:
    """One line from a Spark error: the JVM's message and its root cause, without error
    classes, SQLSTATE codes or stack traces (py4j's own first line names only the call)."""
    messages: list[str] = []
    cause = getattr(error, "java_exception", None)
    try:
        while cause is not None and len(messages) < 20:
            text = cause.getMessage()
            if text:
                messages.append(str(text))
            cause = cause.getCause()
    except Exception:  # noqa: BLE001 - the JVM may be gone; fall back to the Python text
        messages = []
    if not messages:
        messages = [str(error).strip() or type(error).__name__]

    def clean(text: str) -> str:
        first = text.strip().splitlines()[0] if text.strip() else ""
        first = re.sub(r"^\[[A-Z_.]+\]\s*", "", first)
        return re.sub(r"\s*SQLSTATE: \w+\.?", "", first).strip()

    top, root = clean(messages[0]), clean(messages[-1])
    text = top if root in top else f"{top.rstrip('.')}: {root}"
    return text[:300]


def _guarded(description: str, action):
    try:
        return action()
    except InputError:
        raise
    except Exception as error:  # noqa: BLE001 - pyspark and py4j errors share no base class
        raise InputError(
            f"{description}: the data could not be read: {_spark_message(error)}"
        ) from None


class _SparkResult:
    """What :class:`~auditor.ingest.Source` fetches from: a lazy Spark query."""

    def __init__(self, frame: Any, description: str) -> None:
        self._frame = frame
        self._description = description

    def fetchall(self) -> list[tuple]:
        rows = _guarded(self._description, self._frame.collect)
        return [tuple(row) for row in rows]

    def df(self) -> pd.DataFrame:
        # Arrow carries the (small) cube in one batch; collect() is the fallback on old pyspark.
        to_arrow = getattr(self._frame, "toArrow", None)
        if to_arrow is not None:
            return _guarded(self._description, to_arrow).to_pandas()
        rows = self.fetchall()
        return pd.DataFrame.from_records(rows, columns=self._frame.columns)


def _from_frame(
    frame: Any,
    *,
    spark: Any,
    description: str,
    format_name: str = "spark-dataframe",
    files: Sequence[str] | None = None,
    fingerprint: SparkFingerprint = "content",
    duplicated: tuple[str, ...] = (),
    path: Path | None = None,
) -> Source:
    # A view per audit, so two audits in one session cannot see each other's source.
    view = f"auditor_source_{uuid.uuid4().hex}"
    frame.createOrReplaceTempView(view)

    def run(query: str, params: Sequence[Any] | None = None) -> _SparkResult:
        if params:
            raise InputError("parameterised queries are not supported on the Spark engine")
        localised = query.replace(f"FROM {SOURCE_VIEW}", f"FROM {view}")
        return _SparkResult(
            _guarded(description, lambda: spark.sql(localised)), description=description
        )

    if files is None and format_name == "spark-table":
        files = _guarded(description, frame.inputFiles) or None

    def identify() -> Fingerprint:
        if files:
            return _files_fingerprint(spark, files, fingerprint)
        return _rows_fingerprint(spark, view, frame.columns)

    return Source(
        description=description,
        format=format_name,  # type: ignore[arg-type]
        columns=tuple(frame.columns),
        path=path,
        _run=run,
        _fingerprint=identify,
        duplicated=duplicated,
        dialect=SPARK,
    )


def _detect_format(paths: Sequence[str]) -> SparkFormat:
    for path in paths:
        name = path.rstrip("/").lower()
        for suffix in (".gz", ".bz2", ".snappy", ".zst"):
            if name.endswith(suffix):
                name = name[: -len(suffix)]
        for suffix, fmt in _SUFFIXES.items():
            if name.endswith(suffix):
                return fmt
        local = Path(path)
        if "://" not in path and local.is_dir():
            for child in sorted(local.rglob("*")):
                if child.is_file() and not child.name.startswith(("_", ".")):
                    return _detect_format([str(child)])
    return "parquet"


def _base_path(path: str) -> str | None:
    """For a glob through ``key=value`` folders, the folder above them (Spark's basePath),
    so the partition columns are kept."""
    if not _GLOB.search(path):
        return None
    parts = path.split("/")
    for index, part in enumerate(parts):
        if "=" in part:
            return "/".join(parts[:index]) or "/"
    return None


def _sniff_header(spark: Any, paths: Sequence[str], description: str) -> str:
    rows = _guarded(description, lambda: spark.read.text(list(paths)).limit(1).collect())
    if not rows:
        raise InputError(f"{description} is empty: it has no header and no rows")
    return str(rows[0][0]).lstrip("\ufeff")


def _delimiter(header: str) -> str:
    """The delimiter that splits the header line into the most fields (a comma on ties)."""
    best, fields = ",", 0
    for candidate in (",", ";", "\t", "|"):
        count = len(next(csv.reader([header], delimiter=candidate), []))
        if count > fields:
            best, fields = candidate, count
    return best


def _from_paths(
    paths: list[str],
    *,
    spark: Any,
    file_format: SparkFormat | None,
    fingerprint: SparkFingerprint,
) -> Source:
    single = len(paths) == 1 and "://" not in paths[0] and not _GLOB.search(paths[0])
    # Named as DuckDB names a file (its name), so error messages are the same on both engines.
    description = (
        Path(paths[0]).name
        if single
        else (paths[0] if len(paths) == 1 else f"{paths[0]} and {len(paths) - 1} more")
    )
    for path in paths:
        if "://" not in path and not _GLOB.search(path) and not Path(path).exists():
            raise InputError(f"file '{path}' does not exist: check the path")
    fmt = file_format or _detect_format(paths)
    heads = _local_heads(paths)
    if fmt == "csv":
        for local, head in heads:
            if not head:
                raise InputError(f"file '{local.name}' is empty: it has no header and no rows")
            if detect_encoding(head) != "utf-16" and looks_binary(head):
                raise InputError(
                    f"file '{local.name}' is not a text table (it holds binary data): "
                    "upload a CSV, Parquet or JSON-lines file"
                )
    reader = spark.read
    base = _base_path(paths[0])
    if base is not None:
        reader = reader.option("basePath", base)
    duplicated: tuple[str, ...] = ()
    if fmt == "parquet":
        frame = _guarded(description, lambda: reader.parquet(*paths))
    elif fmt == "jsonl":
        frame = _guarded(description, lambda: reader.option("mode", "PERMISSIVE").json(paths))
        if "_corrupt_record" in frame.columns:
            raise InputError(
                f"{description}: the data could not be read: a line is not a JSON object "
                "(the file must hold one JSON object per line)"
            )
    elif fmt == "csv":
        # Read as DuckDB reads it: the encoding sniffed from a local file's first bytes
        # (UTF-8, UTF-16 with a BOM, else Latin-1); remote files are read as UTF-8.
        encoding = _SPARK_CHARSETS[detect_encoding(heads[0][1]) if heads else "utf-8"]
        reader = reader.option("encoding", encoding)
        header = (
            _first_line(heads[0][1], encoding)
            if heads
            else _sniff_header(spark, paths, description)
        )
        delimiter = _delimiter(header)
        names = next(csv.reader([header], delimiter=delimiter), [])
        duplicated = tuple(sorted({n for n in names if names.count(n) > 1}))
        # Every column as text (no schema inference), as DuckDB reads CSV here: groups, labels
        # and predictions are normalised from their text, scores cast explicitly.
        frame = _guarded(
            description,
            lambda: reader.options(
                header="true",
                sep=delimiter,
                quote='"',
                escape='"',
                mode="PERMISSIVE",
                inferSchema="false",
                # Quoted fields may hold line breaks (RFC 4180): without multiLine Spark
                # would split such a record into two wrong rows, silently. The price: each
                # CSV file is read by one task (Parquet files are still split).
                multiLine="true",
            ).csv(paths),
        )
    else:
        raise InputError(f"unknown file format '{fmt}': use csv, parquet or jsonl")
    files = _guarded(description, frame.inputFiles)
    if not files:
        raise InputError(f"{description}: no data files match: check the path or glob")
    return _from_frame(
        frame,
        spark=spark,
        description=description,
        format_name=fmt,
        files=files,
        fingerprint=fingerprint,
        duplicated=duplicated,
        path=Path(paths[0]) if single else None,
    )


_SPARK_CHARSETS = {"utf-8": "UTF-8", "utf-16": "UTF-16", "latin-1": "ISO-8859-1"}


def _local_heads(paths: Sequence[str]) -> list[tuple[Path, bytes]]:
    """The first bytes (inflated, for gzip) of each path that is a plain local file."""
    heads = []
    for path in paths:
        local = Path(path)
        if "://" in path or _GLOB.search(path) or not local.is_file():
            continue
        heads.append((local, sniff_head(local)[0] if local.stat().st_size else b""))
    return heads


def _first_line(head: bytes, encoding: str) -> str:
    text = head.decode(encoding, errors="replace").lstrip("\ufeff")
    return text.splitlines()[0] if text.strip() else ""


def _files_fingerprint(spark: Any, files: Sequence[str], mode: SparkFingerprint) -> Fingerprint:
    """SHA-256 over the sorted lines ``path<TAB>size<TAB>hash``, one per file.

    ``content``: each file's SHA-256, computed by the executors that read it.
    ``listing``: the modification time instead of a content hash (no byte is read).
    """
    binary = spark.read.format("binaryFile").load(list(files))
    if mode == "content":
        rows = binary.selectExpr("path", "length", "sha2(content, 256)").collect()
        method = (
            f"sha256 over the sorted (path, size, sha256 of the bytes) of {len(rows)} file(s), "
            "each hashed in the cluster"
        )
    else:
        rows = binary.selectExpr("path", "length", "CAST(modificationTime AS STRING)").collect()
        method = (
            f"sha256 over the sorted (path, size, modification time) of {len(rows)} file(s): "
            "a listing, not the content (--spark-fingerprint listing)"
        )
    digest = hashlib.sha256()
    for path, length, stamp in sorted(tuple(row) for row in rows):
        digest.update(f"{path}\t{length}\t{stamp}\n".encode())
    return Fingerprint(digest.hexdigest(), sum(int(row[1]) for row in rows), method)


def _rows_fingerprint(spark: Any, view: str, columns: Sequence[str]) -> Fingerprint:
    """For a DataFrame: the row count and the sum of each row's 64-bit hash, in one pass.

    Order-independent (the same rows in any order or partitioning agree), but a 64-bit sum is
    not collision-resistant the way a file's SHA-256 is; the method says so.
    """
    quoted = ", ".join(SPARK.quote(name) for name in columns)
    count, total = spark.sql(
        f"SELECT count(*), CAST(sum(CAST(xxhash64({quoted}) AS DECIMAL(38, 0))) AS STRING) "
        f"FROM {view}"
    ).collect()[0]
    digest = hashlib.sha256(f"{','.join(columns)}\n{count}\n{total}".encode())
    return Fingerprint(
        digest.hexdigest(),
        None,
        "sha256 of the row count and the sum of Spark's xxhash64 of every row "
        "(order-independent; 64-bit row hashes, not collision-resistant)",
    )


def refuse_undecodable(cube: Any, source: Source) -> None:
    """Refuse a text file whose group values Spark could not decode.

    Spark decodes a whole CSV or JSON file with one charset (sniffed from the first bytes of
    a local file, else UTF-8) and replaces bytes it cannot decode with U+FFFD, silently; DuckDB
    falls back to Latin-1 instead. A group named ``Zo\ufffd`` is a wrong report, so it is an
    error here.
    """
    if source.format not in ("csv", "jsonl"):
        return
    tables = [cube.cells] if cube.cells is not None else list((cube.precomputed or {}).values())
    for table in tables:
        for name in cube.attributes:
            if name not in table.columns:
                continue
            for value in table[name].dropna().unique():
                if "\ufffd" in str(value):
                    raise InputError(
                        f"{source.description} is not in the encoding Spark read it with "
                        f"(group {str(value)[:40]!r} of '{name}' has undecodable bytes): "
                        "convert it to UTF-8 or Parquet, or audit it with --engine duckdb"
                    )
