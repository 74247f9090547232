"""Bring a prediction file, DataFrame or DuckDB relation into DuckDB, and describe the columns.

Nothing row-sized is read into pandas here: a file becomes a DuckDB view over
``read_csv``/``read_parquet``/``read_json``, a DataFrame is registered (zero-copy) and a
relation is queried in place. :mod:`auditor.cube` then aggregates it in one pass.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import gzip
import hashlib
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import duckdb
import pandas as pd

from .errors import InputError
from .limits import check_column_count, check_gzip_inflation, max_line_bytes
from .sniffing import detect_encoding, looks_binary, sniff_head
from .sql import DUCKDB, SqlDialect, quote_identifier, quote_literal

__all__ = [
    "ColumnMapping",
    "Fingerprint",
    "Source",
    "open_source",
]

SOURCE_VIEW = "auditor_source"
SourceFormat = Literal["csv", "parquet", "jsonl", "dataframe", "relation"]

_CSV_SUFFIXES = (".csv", ".tsv", ".txt", ".tab", ".psv")
_PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")
_JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")


INTERNAL_COLUMN_NAMES = frozenset(
    {"n", "n_var", "y", "yhat", "yhat2", "score_bin", "y_raw", "p_raw", "p2_raw", "grouping_id"}
)
"""Column names of the count table itself (counts, coded label and decisions, score bin): a
protected attribute with one of these names would be confused with them, so it is refused."""


@dataclass(frozen=True, kw_only=True)
class ColumnMapping:
    """Which columns of the source hold the label, the prediction and the protected attributes.

    Exactly one of ``prediction`` or (``score`` and ``threshold``) says what the model decided;
    ``score`` may also be given next to ``prediction`` for ROC and calibration analyses.
    ``positive_label`` names the favourable (or flagged) outcome when labels are not 0/1,
    true/false or yes/no; ``positive_prediction`` names the prediction's positive class when
    it is written in other words than the label's (label ``good``/``bad``, decision
    ``approved``/``denied``); by default the prediction uses ``positive_label`` too.
    """

    protected: tuple[str, ...]
    label: str | None = None
    """The true outcome; ``None`` for a decisions-only file (no ground truth)."""
    prediction: str | None = None
    score: str | None = None
    threshold: float | None = None
    positive_label: str | None = None
    positive_prediction: str | None = None
    """The prediction's positive class, when its values differ from the label's (see above)."""
    bins: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    """Numeric protected attributes counted in bands: column → inner edges (see
    :mod:`auditor.binning`; the band is computed in the counting query)."""

    def __post_init__(self) -> None:
        if isinstance(self.protected, str):
            object.__setattr__(self, "protected", (self.protected,))
        object.__setattr__(self, "protected", tuple(self.protected))
        object.__setattr__(self, "bins", {str(k): tuple(v) for k, v in dict(self.bins).items()})
        unknown = [name for name in self.bins if name not in self.protected]
        if unknown:
            raise InputError(
                f"--bin names {unknown[0]!r}, which is not a protected attribute: bin one of "
                f"{list(self.protected)}"
            )
        if not self.protected:
            raise InputError(
                "no protected attribute given: name at least one column with --protected COL"
            )
        named = [self.label or "", *self.protected, self.prediction or "", self.score or ""]
        if any("\x00" in str(name) for name in named):
            raise InputError("a column name contains a NUL character: rename the column")
        clashing = [name for name in self.protected if name in INTERNAL_COLUMN_NAMES]
        if clashing:
            raise InputError(
                f"protected attribute '{clashing[0]}' has a name the count table uses for its own "
                f"columns ({', '.join(sorted(INTERNAL_COLUMN_NAMES))}): rename the column, "
                f"e.g. to '{clashing[0]}_group', and audit again"
            )
        if len(set(self.protected)) != len(self.protected):
            raise InputError(
                f"protected attributes {list(self.protected)} name a column twice: "
                "list each column once"
            )
        if self.prediction is None and self.score is None:
            raise InputError(
                "no prediction given: pass --prediction COL, or --score COL with --threshold T"
            )
        if self.prediction is None and self.threshold is None:
            raise InputError(
                f"score column '{self.score}' needs a threshold: pass --threshold T "
                "(rows with score >= T are predicted positive)"
            )
        if self.threshold is not None and self.score is None:
            raise InputError(
                "--threshold needs --score COL: name the column the threshold applies to"
            )
        if self.label is not None and self.label in self.protected:
            raise InputError(
                f"column '{self.label}' is both the label and a protected attribute: choose one role"
            )
        if self.prediction is not None and self.prediction == self.label:
            raise InputError(
                f"column '{self.label}' is both the label and the prediction: "
                "the prediction must be the model's output column"
            )

    @property
    def prediction_positive(self) -> str | None:
        """The positive class of the prediction column: its own, else the label's."""
        return (
            self.positive_prediction
            if self.positive_prediction is not None
            else self.positive_label
        )

    @property
    def columns(self) -> tuple[str, ...]:
        used = [*([self.label] if self.label is not None else []), *self.protected]
        if self.prediction is not None:
            used.append(self.prediction)
        if self.score is not None:
            used.append(self.score)
        return tuple(used)


@dataclass(frozen=True)
class Fingerprint:
    """What identifies the audited data: a SHA-256 of the file's bytes (or of a DataFrame)."""

    sha256: str | None
    size_bytes: int | None
    method: str


@dataclass
class Source:
    """A queryable source in DuckDB: run SQL over it with :meth:`sql` (the view is ``SOURCE_VIEW``)."""

    description: str
    format: SourceFormat
    columns: tuple[str, ...]
    path: Path | None = None
    encoding: str | None = None
    _run: Callable[[str, Sequence[Any] | None], duckdb.DuckDBPyRelation | None] = field(
        repr=False, default=None
    )
    _fingerprint: Callable[[], Fingerprint] = field(repr=False, default=None)
    _hash_thread: threading.Thread | None = field(repr=False, default=None)
    _hash_result: list = field(repr=False, default_factory=list)
    _recover: Callable[[duckdb.Error], bool] | None = field(repr=False, default=None)
    duplicated: tuple[str, ...] = ()
    """Header names that occur more than once (DuckDB renames the copies ``name_1``, …)."""
    dialect: SqlDialect = DUCKDB
    """The SQL dialect the queries over ``auditor_source`` are written in."""

    def sql(self, query: str, params: Sequence[Any] | None = None) -> list[tuple]:
        """Run ``query`` (which refers to the view ``auditor_source``) and fetch all rows."""
        return self._fetch(query, params, lambda relation: relation.fetchall())

    def frame(self, query: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        """Run an aggregate ``query`` and return its (small) result as a DataFrame."""
        return self._fetch(query, params, lambda relation: relation.df())

    def _fetch(self, query: str, params: Sequence[Any] | None, fetch: Callable) -> Any:
        # Relations are lazy: a bad row deep in a file fails here, at execution, so errors are
        # translated here too (and a CSV view may be rebuilt once with safer reader options).
        for attempt in range(4):
            try:
                relation = self._run(query, params)
                return fetch(relation) if relation is not None else []
            except duckdb.Error as error:
                if attempt < 3 and self._recover is not None and self._recover(error):
                    continue
                raise InputError(f"{self.description}: {_duckdb_message(error)}") from None

    def start_fingerprint(self) -> None:
        """Hash the source in a background thread, so hashing overlaps the DuckDB scan."""
        if self._hash_thread is not None:
            return

        def work() -> None:
            try:
                self._hash_result.append(self._fingerprint())
            except BaseException as error:  # noqa: BLE001 - re-raised in fingerprint()
                self._hash_result.append(error)

        self._hash_thread = threading.Thread(target=work, name="auditor-sha256", daemon=True)
        self._hash_thread.start()

    def fingerprint(self) -> Fingerprint:
        """The SHA-256 fingerprint (waits for the background hash if one is running)."""
        self.start_fingerprint()
        self._hash_thread.join()
        result = self._hash_result[0]
        if isinstance(result, BaseException):
            raise InputError(f"could not read {self.description} to fingerprint it: {result}")
        return result

    def preview(self, rows: int = 20) -> pd.DataFrame:
        """The first ``rows`` rows of the file, in file order, for showing to a user.

        The engine reads without preserving insertion order (less memory on large files), so a
        parallel scan's ``LIMIT`` can return rows from the middle of a file; the preview turns
        order preservation on for its one small query.
        """
        self._run("SET preserve_insertion_order = true", None)
        try:
            return self.frame(f"SELECT * FROM {SOURCE_VIEW} LIMIT {int(rows)}")
        finally:
            self._run("SET preserve_insertion_order = false", None)

    def require_columns(self, wanted: Sequence[str]) -> None:
        """Raise one clear error for the first wanted column the source lacks."""
        for name in wanted:
            if name in self.duplicated:
                raise InputError(
                    f"column '{name}' occurs more than once in the header of {self.description}: "
                    "rename the copies so that each column name is unique"
                )
            if name not in self.columns:
                close = difflib.get_close_matches(name, self.columns, n=1)
                hint = f" Did you mean '{close[0]}'?" if close else ""
                shown = ", ".join(self.columns[:30]) + (" …" if len(self.columns) > 30 else "")
                raise InputError(
                    f"column '{name}' is not in {self.description}.{hint} Columns are: {shown}"
                )


def open_source(
    source: str | os.PathLike | pd.DataFrame | duckdb.DuckDBPyRelation,
    *,
    connection: duckdb.DuckDBPyConnection,
    file_format: SourceFormat | None = None,
) -> Source:
    """Make ``source`` queryable as the view ``auditor_source`` on ``connection``.

    ``source`` is a path (CSV of any delimiter, UTF-8 or Latin-1, optionally gzip; Parquet;
    JSON lines), a pandas DataFrame, or a DuckDB relation (queried where it lives).
    """
    if isinstance(source, pd.DataFrame):
        return _open_dataframe(source, connection)
    if isinstance(source, duckdb.DuckDBPyRelation):
        return _open_relation(source)
    if isinstance(source, (str, os.PathLike)):
        return _open_path(Path(source), connection, file_format)
    raise InputError(
        f"cannot audit a {type(source).__name__}: pass a file path, a pandas DataFrame "
        "or a DuckDB relation"
    )


def _connection_runner(connection: duckdb.DuckDBPyConnection):
    def run(query: str, params: Sequence[Any] | None = None):
        try:
            return connection.sql(query, params=params) if params else connection.sql(query)
        except duckdb.Error as error:
            raise InputError(_duckdb_message(error)) from None

    return run


def _duckdb_message(error: duckdb.Error) -> str:
    text = str(error).strip().splitlines()
    first = text[0] if text else type(error).__name__
    # "LINE 1: …" lines echo our own SQL back, which helps nobody fix their file;
    # "Original Line: …" echoes a row of the data, which an error message must not carry
    # (it can be megabytes long, and DP outputs may contain no row anywhere).
    first = first.split(" LINE 1:")[0].split("Original Line:")[0].strip()
    detail = next(
        (
            line
            for line in text[1:]
            if line.strip(" ^")
            and not line.lstrip().startswith(("LINE ", "Original Line", "Possible", "file ="))
        ),
        "",
    )
    if isinstance(error, duckdb.OutOfMemoryException) or "out of memory" in first.lower():
        return (
            f"the audit ran out of memory: {first} — raise AUDITOR_MEMORY_LIMIT "
            "(e.g. AUDITOR_MEMORY_LIMIT=4GB), or audit fewer protected attributes at once"
        )
    message = f"the data could not be read: {first}"
    if detail and len(message) < 200 and not detail.strip().endswith(":"):
        message += f" ({detail.strip()[:200]})"
    return message


def _open_dataframe(frame: pd.DataFrame, connection: duckdb.DuckDBPyConnection) -> Source:
    if isinstance(frame.columns, pd.MultiIndex):
        raise InputError(
            f"the DataFrame has {frame.columns.nlevels} levels of column names: flatten them "
            "first, e.g. frame.columns = ['_'.join(map(str, c)) for c in frame.columns]"
        )
    if frame.columns.duplicated().any():
        duplicated = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
        raise InputError(
            f"the DataFrame has duplicated column names {duplicated}: rename them before auditing"
        )
    check_column_count(len(frame.columns), what="the DataFrame")
    frame = frame.rename(columns=str)
    connection.register(SOURCE_VIEW, frame)

    def fingerprint() -> Fingerprint:
        digest = hashlib.sha256()
        digest.update("\x1f".join(frame.columns).encode())
        digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
        return Fingerprint(digest.hexdigest(), None, "sha256 of pandas row hashes")

    return Source(
        description="a pandas DataFrame",
        format="dataframe",
        columns=tuple(frame.columns),
        _run=_connection_runner(connection),
        _fingerprint=fingerprint,
    )


def _open_relation(relation: duckdb.DuckDBPyRelation) -> Source:
    def run(query: str, params: Sequence[Any] | None = None):
        if params:
            raise InputError("parameterised queries are not supported on a DuckDB relation")
        try:
            return relation.query(SOURCE_VIEW, query)
        except duckdb.Error as error:
            raise InputError(_duckdb_message(error)) from None

    return Source(
        description="a DuckDB relation",
        format="relation",
        columns=tuple(relation.columns),
        _run=run,
        _fingerprint=lambda: Fingerprint(None, None, "none: an in-memory relation has no file"),
    )


def _detect_format(path: Path, head: bytes) -> SourceFormat:
    name = path.name.lower()
    for suffix in (".gz", ".gzip"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    if head[:4] == b"PAR1" or name.endswith(_PARQUET_SUFFIXES):
        return "parquet"
    if name.endswith(_JSON_SUFFIXES):
        return "jsonl"
    if name.endswith(_CSV_SUFFIXES):
        return "csv"
    stripped = head.lstrip(codecs.BOM_UTF8).lstrip()
    if stripped[:1] == b"{":
        return "jsonl"
    return "csv"


def _open_path(
    path: Path, connection: duckdb.DuckDBPyConnection, file_format: SourceFormat | None
) -> Source:
    if not path.exists():
        raise InputError(f"file '{path}' does not exist: check the path")
    if path.is_dir():
        raise InputError(f"'{path}' is a folder: pass the prediction file inside it")
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"file '{path.name}' is empty: it has no header and no rows")
    head, is_gzip = sniff_head(path)
    if is_gzip:
        check_gzip_inflation(path)
    fmt = file_format or _detect_format(path, head)
    literal = quote_literal(str(path))
    csv_options = None
    if fmt == "parquet":
        reader = f"read_parquet({literal})"
    elif fmt == "jsonl":
        reader = f"read_json({literal}, format = 'newline_delimited')"
    elif fmt == "csv":
        if detect_encoding(head) != "utf-16" and looks_binary(head):
            raise InputError(
                f"file '{path.name}' is not a text table (it holds binary data): "
                "upload a CSV, Parquet or JSON-lines file"
            )
        csv_options = _CsvOptions(encoding=detect_encoding(head))
        reader = _csv_reader(literal, csv_options)
    else:
        raise InputError(f"unknown file format '{fmt}': use csv, parquet or jsonl")

    _check_width(path, fmt, is_gzip, connection)

    def create_view(reader: str) -> tuple[str, ...]:
        connection.execute(f"CREATE OR REPLACE TEMP VIEW {SOURCE_VIEW} AS SELECT * FROM {reader}")
        return tuple(connection.sql(f"SELECT * FROM {SOURCE_VIEW} LIMIT 0").columns)

    for attempt in range(4):
        try:
            columns = create_view(reader)
            if fmt == "jsonl":
                reader = _json_as_text(connection, _json_pinned(connection, reader, literal))
                columns = create_view(reader)
            break
        except duckdb.Error as error:
            if attempt < 3 and csv_options is not None and csv_options.relax(error):
                reader = _csv_reader(literal, csv_options)
                continue
            raise InputError(f"{path.name}: {_duckdb_message(error)}") from None

    def fingerprint() -> Fingerprint:
        # file_digest reads into one reused 256 KiB buffer and hashes without the GIL, so it
        # overlaps the DuckDB scan and allocates no per-chunk bytes objects.
        with path.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256")
        return Fingerprint(digest.hexdigest(), size, "sha256 of the file's bytes")

    description = path.name + (" (gzip)" if is_gzip else "")
    source = Source(
        description=description,
        format=fmt,
        columns=columns,
        path=path,
        encoding=csv_options.encoding if csv_options else None,
        _run=_connection_runner(connection),
        _fingerprint=fingerprint,
        duplicated=(
            _duplicated_header_names(head, columns, csv_options.encoding) if csv_options else ()
        ),
    )
    if csv_options is not None:

        def recover(error: duckdb.Error) -> bool:
            # Problems that show only past the sniffed start of a CSV, found while scanning.
            if not csv_options.relax(error):
                return False
            source.encoding = csv_options.encoding
            create_view(_csv_reader(literal, csv_options))
            return True

        source._recover = recover
    return source


def _first_line(path: Path, is_gzip: bool, limit: int) -> bytes:
    """The file's first line (inflated), read in pieces; refuse it past ``limit`` bytes."""
    opener = gzip.open if is_gzip else open
    line = bytearray()
    with opener(path, "rb") as handle:
        while len(line) <= limit:
            piece = handle.read(1 << 16)
            if not piece:
                break
            end = piece.find(b"\n")
            if end >= 0:
                line += piece[:end]
                break
            line += piece
    if len(line) > limit:
        raise InputError(
            f"the first line of {path.name} is longer than {limit:,} bytes: a header or record "
            "this long is not a prediction table; check the file, or raise "
            "AUDITOR_MAX_LINE_BYTES"
        )
    return bytes(line)


def _check_width(
    path: Path, fmt: str, is_gzip: bool, connection: duckdb.DuckDBPyConnection
) -> None:
    """Refuse too many columns (and an over-long first line) before DuckDB binds the file.

    Binding is what costs: 50,000 JSON keys took 86 s and a 50,000-column CSV over 1 GB.
    """
    what = f"file '{path.name}'"
    if fmt == "parquet":
        try:
            (count,) = connection.execute(
                "SELECT count(*) FROM parquet_schema(?) WHERE num_children IS NULL",
                [str(path)],
            ).fetchone()
        except duckdb.Error:
            return  # not readable as Parquet: the reader below says why
        check_column_count(int(count), what=what)
        return
    line = _first_line(path, is_gzip, max_line_bytes())
    if fmt == "jsonl":
        text = line.decode("utf-8", errors="replace").strip().lstrip("\ufeff")
        # Count top-level keys without building the record: a comma or colon at depth 1.
        depth, count, quoted, escaped = 0, 0, False, False
        for char in text:
            if quoted:
                if escaped:
                    escaped = False
                elif char == "\\":
                    escaped = True
                elif char == '"':
                    quoted = False
            elif char == '"':
                quoted = True
            elif char in "{[":
                depth += 1
            elif char in "}]":
                depth -= 1
            elif char == ":" and depth == 1:
                count += 1
        check_column_count(count, what=what)
        return
    fields = max(line.count(d) for d in (b",", b";", b"\t", b"|")) + 1
    check_column_count(fields, what=what)


@dataclass
class _CsvOptions:
    """How DuckDB reads a CSV; :meth:`relax` loosens them after a read error."""

    encoding: str
    parallel: bool = True
    strict: bool = True

    def relax(self, error: duckdb.Error) -> bool:
        """Adjust for ``error`` and return True if reading again may succeed."""
        text = str(error).lower()
        if "parallel" in text and self.parallel:
            # The parallel scanner cannot pad short rows once a quoted field holds a line
            # break: read single-threaded.
            self.parallel = False
        elif "unicode" in text and self.encoding == "utf-8":
            # A Latin-1 byte the sniffed prefix did not show.
            self.encoding = "latin-1"
        elif "strict_mode" in text and self.strict:
            # A row with more fields than the header (or a stray quote) later in the file.
            self.strict = False
        else:
            return False
        return True


def _json_pinned(connection: duckdb.DuckDBPyConnection, reader: str, literal: str) -> str:
    """The JSON reader with the schema it inferred written out, so no query infers it again.

    ``read_json`` infers the keys and types from a sample of records each time a query binds
    it: with 2,000 keys that is ~6 s per query (86 s for an audit); with the columns given it
    binds in a fraction of a second.
    """
    relation = connection.sql(f"SELECT * FROM {reader} LIMIT 0")
    spec = ", ".join(
        f"{quote_literal(name)}: {quote_literal(str(kind))}"
        for name, kind in zip(relation.columns, relation.types, strict=True)
    )
    return f"read_json({literal}, format = 'newline_delimited', columns = {{{spec}}})"


def _json_as_text(connection: duckdb.DuckDBPyConnection, reader: str) -> str:
    """JSON keys whose values mix types come back as JSON text (``'"0"'``): unwrap them."""
    relation = connection.sql(f"SELECT * FROM {reader} LIMIT 0")
    mixed = [
        name
        for name, kind in zip(relation.columns, relation.types, strict=True)
        if str(kind) == "JSON"
    ]
    if not mixed:
        return reader
    unwrap = ", ".join(
        f"json_extract_string({quote_identifier(name)}, '$') AS {quote_identifier(name)}"
        for name in mixed
    )
    return f"(SELECT * REPLACE ({unwrap}) FROM {reader})"


def _duplicated_header_names(head: bytes, columns: Sequence[str], encoding: str) -> tuple[str, ...]:
    """Names DuckDB de-duplicated (``g``, ``g_1``): confirmed against the file's header line."""
    suspects = {
        name.rsplit("_", 1)[0]
        for name in columns
        if "_" in name and name.rsplit("_", 1)[1].isdigit() and name.rsplit("_", 1)[0] in columns
    }
    if not suspects:
        return ()
    text = head.decode(encoding, errors="replace").lstrip("\ufeff")
    first_line = text.splitlines()[0] if text else ""
    found: set[str] = set()
    for delimiter in (",", ";", "\t", "|"):
        fields = next(csv.reader([first_line], delimiter=delimiter), [])
        found |= {name for name in suspects if fields.count(name) > 1}
    return tuple(sorted(found))


def _csv_reader(literal: str, options: _CsvOptions) -> str:
    # Every column is read as text: labels, predictions and groups are normalised from their
    # text form, scores are cast explicitly, and a late odd value cannot break type sniffing.
    # Quoting is pinned to RFC 4180 ("" inside "…"): sniffed from the first rows only, a
    # quoted field further down would otherwise be split at its delimiter or line break.
    # Strict mode stays on at first: without it DuckDB's sniffer can pick `;` over `,` when
    # values hold semicolons. Lenient reading is a fallback for rows with extra fields.
    parts = [
        literal,
        "all_varchar = true",
        "header = true",
        f"encoding = {quote_literal(options.encoding)}",
        "quote = '\"'",
        "escape = '\"'",
        "null_padding = true",
        f"max_line_size = {max_line_bytes()}",
    ]
    if not options.strict:
        parts.append("strict_mode = false")
    if not options.parallel:
        parts.append("parallel = false")
    return f"read_csv({', '.join(parts)})"


def describe_columns(source: Source) -> dict[str, str]:
    """Column name → DuckDB type, for suggestions in the dashboard."""
    relation = source._run(f"SELECT * FROM {SOURCE_VIEW} LIMIT 0", None)
    return {name: str(kind) for name, kind in zip(relation.columns, relation.types, strict=True)}


def quoted(name: str) -> str:
    """A column of the source, quoted for SQL."""
    return quote_identifier(name)
