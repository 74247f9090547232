"""SQL text generation in one place: identifiers are always quoted, literals always escaped.

Values supplied by users travel as query parameters wherever DuckDB allows it; the only
literals built here are file paths inside ``read_*`` table functions, which cannot be
parameterised, and numbers validated as such.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "DUCKDB",
    "SPARK",
    "SqlDialect",
    "number_literal",
    "quote_identifier",
    "quote_literal",
    "quote_spark_identifier",
]


def quote_identifier(name: str) -> str:
    """``name`` as a DuckDB identifier: double-quoted, embedded quotes doubled."""
    if "\x00" in name:
        raise ValueError("a column name cannot contain a NUL character")
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """``value`` as a DuckDB string literal: single-quoted, embedded quotes doubled."""
    if "\x00" in value:
        raise ValueError("a string literal cannot contain a NUL character")
    return "'" + value.replace("'", "''") + "'"


def number_literal(value: float) -> str:
    """A finite number as SQL text (so it can never smuggle SQL)."""
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not a finite number")
    return repr(number)


def quote_spark_identifier(name: str) -> str:
    """``name`` as a Spark SQL identifier: back-quoted, embedded back-quotes doubled."""
    if "\x00" in name:
        raise ValueError("a column name cannot contain a NUL character")
    return "`" + name.replace("`", "``") + "`"


@dataclass(frozen=True)
class SqlDialect:
    """The few places where the cube's SQL differs between DuckDB and Spark SQL.

    Everything else in :mod:`auditor.cube`'s queries (CASE, nullif, coalesce, GROUP BY
    ordinals, GROUPING SETS, count DISTINCT) is written once and runs on both engines, so the
    normalisation of groups, labels, predictions and score bins is the same text for both.
    """

    name: Literal["duckdb", "spark"]
    text_type: str
    quote: Callable[[str], str]
    grouping_function: str

    def text(self, expression: str) -> str:
        """``expression`` cast to text."""
        return f"CAST({expression} AS {self.text_type})"

    def trim(self, expression: str) -> str:
        """Strip Unicode space separators (category Zs) from both ends, as DuckDB's ``trim``.

        Spark's ``trim`` strips only U+0020, so Spark strips the same class with a regex.
        """
        if self.name == "duckdb":
            return f"trim({expression})"
        return rf"regexp_replace({expression}, '^\\p{{Zs}}+|\\p{{Zs}}+$', '')"

    def finite_double(self, expression: str) -> str:
        """``expression`` as a finite DOUBLE, or NULL when it is not a number, ±inf or NaN."""
        number = f"TRY_CAST({expression} AS DOUBLE)"
        if self.name == "duckdb":
            return f"CASE WHEN isfinite({number}) THEN {number} END"
        return f"CASE WHEN NOT isnan({number}) AND abs({number}) < double('inf') THEN {number} END"

    def round_significant(self, expression: str, digits: int) -> str:
        """A non-zero DOUBLE ``expression`` rounded to ``digits`` significant digits.

        DuckDB's ``round(x, p)`` is ``std::round(x * 10^p) / 10^p`` (``x / 10^-p`` for negative
        ``p``), half away from zero on the binary value. Spark's ``round`` rounds the decimal
        text of a double instead, so Spark spells out the same arithmetic; its ``round(v)`` of
        the scaled value agrees with ``std::round`` because a double whose shortest text ends
        in ``.5`` is exactly a half.
        """
        places = f"({int(digits) - 1} - CAST(floor(log10(abs({expression}))) AS INTEGER))"
        if self.name == "duckdb":
            return f"round({expression}, {places})"
        scale = f"power(10, {places})"
        unscale = f"power(10, -{places})"
        return (
            f"CASE WHEN {places} >= 0 THEN round({expression} * {scale}) / {scale} "
            f"ELSE round({expression} / {unscale}) * {unscale} END"
        )


DUCKDB = SqlDialect(
    name="duckdb", text_type="VARCHAR", quote=quote_identifier, grouping_function="GROUPING"
)
SPARK = SqlDialect(
    name="spark", text_type="STRING", quote=quote_spark_identifier, grouping_function="grouping_id"
)
