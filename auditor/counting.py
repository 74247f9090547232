"""Count a source into its cube with the chosen engine — the one place that dispatches engines.

DuckDB (embedded, default) or Spark count the same cube with the same SQL (see
:mod:`auditor.cube` and :mod:`auditor.sql`); saved cube files (:mod:`auditor.cubefile`) are
read and summed instead of counted. Everything after this point is engine-free.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .cube import DEFAULT_MAX_GROUPS, CountCube, build_cube
from .engine import connect
from .errors import InputError
from .ingest import ColumnMapping, Fingerprint, open_source

__all__ = ["Counted", "CubeInput", "Engine", "count_source", "is_spark_frame", "source_paths"]

Engine = Literal["duckdb", "spark"]


@dataclass(frozen=True, kw_only=True)
class CubeInput:
    """One counted input of a cube: where it came from and its fingerprint."""

    source: str
    format: str
    engine: str
    sha256: str | None
    size_bytes: int | None
    fingerprint_method: str
    rows: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "format": self.format,
            "engine": self.engine,
            "sha256": self.sha256,
            "size_bytes": self.size_bytes,
            "fingerprint_method": self.fingerprint_method,
            "rows": self.rows,
        }


@dataclass(frozen=True, kw_only=True)
class Counted:
    """A cube and what identifies the data it counts."""

    cube: CountCube
    mapping: ColumnMapping
    fingerprint: Fingerprint | None
    """``None`` when not computed (private audits)."""
    source: str
    format: str
    engine: str
    encoding: str | None = None
    inputs: tuple[CubeInput, ...] = field(default=())
    """For a sum of saved cubes: every input (empty when the data was counted directly)."""
    parts: tuple[tuple[CountCube, str], ...] = field(default=())
    """For a sum of saved cubes: each cube file's exact cube and path — the data sets a
    private release of the sum is charged to (empty otherwise)."""


def is_spark_frame(source: Any) -> bool:
    """A pyspark DataFrame (classic or Connect), recognised without importing pyspark."""
    kind = type(source)
    return kind.__name__ == "DataFrame" and kind.__module__.startswith("pyspark.")


def count_source(
    source: Any,
    mapping: ColumnMapping,
    *,
    engine: Engine = "duckdb",
    max_groups: int = DEFAULT_MAX_GROUPS,
    connection: Any = None,
    spark: Any = None,
    spark_master: str | None = None,
    spark_conf: Mapping[str, str] | Iterable[str] | None = None,
    spark_fingerprint: Literal["content", "listing"] = "content",
    fingerprint: bool = True,
    progress: Callable[[float, str], None] | None = None,
) -> Counted:
    """Scan ``source`` once with ``engine`` (Spark for a Spark DataFrame) and fingerprint it
    (unless ``fingerprint`` is false: a DP output may carry no hash of the data)."""
    if engine not in ("duckdb", "spark"):
        raise InputError(f"engine {engine!r} is not one of 'duckdb', 'spark'")
    use_spark = engine == "spark" or is_spark_frame(source)
    own_connection = connection is None and not use_spark
    con = connection if use_spark else (connection or connect())
    try:
        if use_spark:
            from .spark import open_spark_source, spark_session

            opened = open_spark_source(
                source,
                spark=spark_session(session=spark, master=spark_master, conf=spark_conf),
                fingerprint=spark_fingerprint,
            )
        else:
            opened = open_source(source, connection=con)
        if fingerprint:
            opened.start_fingerprint()
        cube = build_cube(opened, mapping, max_groups=max_groups, progress=progress)
        if use_spark:
            from .spark import refuse_undecodable

            refuse_undecodable(cube, opened)
        identity = opened.fingerprint() if fingerprint else None
    finally:
        if own_connection:
            con.close()
    return Counted(
        cube=cube,
        mapping=mapping,
        fingerprint=identity,
        source=str(opened.path) if opened.path is not None else opened.description,
        format=opened.format,
        engine="spark" if use_spark else "duckdb",
        encoding=opened.encoding,
    )


def source_paths(source: Any) -> list[str] | None:
    """The paths of a path-like source (one or a list), else ``None``."""
    if isinstance(source, (str, os.PathLike)):
        return [os.fspath(source)]
    if (
        isinstance(source, (list, tuple))
        and source
        and all(isinstance(item, (str, os.PathLike)) for item in source)
    ):
        return [os.fspath(item) for item in source]
    return None
