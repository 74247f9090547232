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

    def grouping(self, columns: list[str]) -> str:
        """The GROUPING bit mask over ``columns``, the first column the highest bit.

        Spark's ``grouping_id(…)`` insists on the grouping columns in the order they first
        appear in the GROUPING SETS, so Spark adds up ``grouping(c)`` bits instead.
        """
        if self.name == "duckdb":
            return f"GROUPING({', '.join(columns)})"
        width = len(columns)
        bits = [f"grouping({c}) * {1 << (width - 1 - i)}" for i, c in enumerate(columns)]
        return f"({' + '.join(bits)})"

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

    def with_score_bin(self, query: str, *, score: str = "s", digits: int = 3) -> str:
        """``query`` with one more column, ``score_bin``: the score rounded to ``digits``
        significant digits (0 stays 0, NULL stays NULL).

        DuckDB's ``round(x, p)`` rounds the exact binary value of ``x`` (0.1755 is stored as
        0.17549999…, so it rounds to 0.175), half away from zero on exact ties. Spark's
        ``round`` rounds the shortest decimal text of a double instead (0.1755 → 0.176), and
        ``x * 10^p`` can itself round onto a tie (0.1755 * 1000 = 175.5 in doubles). So on
        Spark the scaled value's rounding error is computed exactly (Dekker's two-product)
        and decides the ties; everywhere else the nearest integer is unambiguous.

        On Spark each intermediate value is a column of its own, computed once in a chain
        of projections: written as one expression, the two-product repeats every
        subexpression dozens of times (11 KB of SQL), which Spark's analyser and code
        generator take tens of seconds to digest on a cold JVM.
        """
        places = f"({int(digits) - 1} - CAST(floor(log10(abs({score}))) AS INTEGER))"
        if self.name == "duckdb":
            return (
                f"SELECT *, CASE WHEN {score} IS NULL THEN NULL WHEN {score} = 0 "
                f"THEN CAST(0 AS DOUBLE) ELSE round({score}, {places}) END AS score_bin "
                f"FROM ({query})"
            )
        split = "134217729.0D"  # 2^27 + 1, Dekker's splitting constant for doubles
        stages = [
            # the decimal places to keep, and 10^|places|
            f"CASE WHEN {score} IS NOT NULL AND {score} <> 0 THEN {places} END AS sb_places",
            "power(10, abs(sb_places)) AS sb_power",
            # the scaled value, and the two factors whose double product is ``sb_product``:
            # score × 10^p for p ≥ 0, else (score / 10^p) × 10^p
            f"CASE WHEN sb_places >= 0 THEN {score} * sb_power ELSE {score} / sb_power END "
            "AS sb_scaled, "
            f"CASE WHEN sb_places >= 0 THEN {score} ELSE {score} / sb_power END AS sb_factor",
            "sb_factor * sb_power AS sb_product, "
            f"(({split} * sb_factor) - (({split} * sb_factor) - sb_factor)) AS sb_factor_high, "
            f"(({split} * sb_power) - (({split} * sb_power) - sb_power)) AS sb_power_high",
            # sb_factor * sb_power - sb_product, exactly (Dekker, 1971)
            "((((sb_factor_high * sb_power_high) - sb_product) "
            "+ sb_factor_high * (sb_power - sb_power_high) "
            "+ (sb_factor - sb_factor_high) * sb_power_high) "
            "+ (sb_factor - sb_factor_high) * (sb_power - sb_power_high)) AS sb_product_error",
            # how far the exact scaled value lies above the double ``sb_scaled`` (its sign)
            "CASE WHEN sb_places >= 0 THEN sb_product_error "
            f"ELSE (({score} - sb_product) - sb_product_error) END AS sb_error",
            # (10^places overflows for scores below 1e-306: no integer part to round then)
            "(CASE WHEN NOT abs(sb_scaled) < double('inf') THEN NULL "
            "WHEN abs(sb_scaled) - floor(abs(sb_scaled)) = 0.5 "
            "THEN sign(sb_scaled) * (floor(abs(sb_scaled)) "
            "+ CASE WHEN sign(sb_error) * sign(sb_scaled) < 0 THEN 0 ELSE 1 END) "
            "ELSE round(sb_scaled) END) AS sb_rounded",
            "CASE WHEN sb_places >= 0 THEN sb_rounded / sb_power "
            "ELSE sb_rounded * sb_power END AS sb_result",
            # DuckDB keeps the score itself where the rounding is not finite (1e-307, 1.79e308)
            f"CASE WHEN {score} IS NULL THEN NULL WHEN {score} = 0 THEN CAST(0 AS DOUBLE) "
            f"WHEN abs(sb_result) < double('inf') THEN sb_result ELSE {score} END AS score_bin",
        ]
        for stage in stages:
            query = f"SELECT *, {stage} FROM ({query})"
        return query


DUCKDB = SqlDialect(name="duckdb", text_type="VARCHAR", quote=quote_identifier)
SPARK = SqlDialect(name="spark", text_type="STRING", quote=quote_spark_identifier)
