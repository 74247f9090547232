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

    def round_significant(self, expression: str, digits: int) -> str:
        """A non-zero DOUBLE ``expression`` rounded to ``digits`` significant digits.

        DuckDB's ``round(x, p)`` rounds the exact binary value of ``x`` (0.1755 is stored as
        0.17549999…, so it rounds to 0.175), half away from zero on exact ties. Spark's
        ``round`` rounds the shortest decimal text of a double instead (0.1755 → 0.176), and
        ``x * 10^p`` can itself round onto a tie (0.1755 * 1000 = 175.5 in doubles). So on
        Spark the scaled value's rounding error is computed exactly (Dekker's two-product)
        and decides the ties; everywhere else the nearest integer is unambiguous.
        """
        places = f"({int(digits) - 1} - CAST(floor(log10(abs({expression}))) AS INTEGER))"
        if self.name == "duckdb":
            return f"round({expression}, {places})"
        power = f"power(10, abs({places}))"
        multiplied = f"({expression} * {power})"
        divided = f"({expression} / {power})"
        back = f"({divided} * {power})"
        scaled = f"(CASE WHEN {places} >= 0 THEN {multiplied} ELSE {divided} END)"
        # How far the exact scaled value lies above the double ``scaled`` (only its sign matters).
        error = (
            f"(CASE WHEN {places} >= 0 THEN {_two_product_error(expression, power, multiplied)} "
            f"ELSE (({expression} - {back}) - {_two_product_error(divided, power, back)}) END)"
        )
        magnitude = f"abs({scaled})"
        rounded = (
            f"(CASE WHEN {magnitude} - floor({magnitude}) = 0.5 "
            f"THEN sign({scaled}) * (floor({magnitude}) "
            f"+ CASE WHEN sign({error}) * sign({scaled}) < 0 THEN 0 ELSE 1 END) "
            f"ELSE round({scaled}) END)"
        )
        return f"(CASE WHEN {places} >= 0 THEN {rounded} / {power} ELSE {rounded} * {power} END)"


def _two_product_error(a: str, b: str, product: str) -> str:
    """``a * b - product`` exactly, for ``product`` the double ``a * b`` (Dekker, 1971)."""
    split = "134217729.0D"  # 2^27 + 1

    def halves(x: str) -> tuple[str, str]:
        high = f"(({split} * {x}) - (({split} * {x}) - {x}))"
        return high, f"({x} - {high})"

    a_high, a_low = halves(a)
    b_high, b_low = halves(b)
    return (
        f"(((({a_high} * {b_high}) - {product}) + {a_high} * {b_low} + {a_low} * {b_high}) "
        f"+ {a_low} * {b_low})"
    )


DUCKDB = SqlDialect(name="duckdb", text_type="VARCHAR", quote=quote_identifier)
SPARK = SqlDialect(name="spark", text_type="STRING", quote=quote_spark_identifier)
