"""Numeric protected attributes grouped into bands inside the counting query.

An age column has 50-odd distinct values: audited as it is, it gives 52 tiny groups, each
"insufficient data". Binned, it gives a handful of bands (``<25``, ``25-39``, ``40-59``,
``60+``). The band of each row is computed by the engine in the one counting pass
(:func:`bin_expression` is a SQL ``CASE``), so no row leaves DuckDB; the edges come from the
user or from the data's quantiles (:func:`quantile_edges`, one aggregate query).

Bands are left-closed: edges ``[25, 40, 60]`` make ``x < 25``, ``25 ≤ x < 40``,
``40 ≤ x < 60`` and ``x ≥ 60``. With whole-number edges the labels read as whole numbers
(``25-39``: for whole-number data that is the band exactly; a value of 39.5 also falls in it).
Rows whose value is not a number go to the missing-value group.

>>> bin_labels([25, 40, 60])
['<25', '25-39', '40-59', '60+']
>>> parse_bins(["age=25,40,60", "income=quartiles"])
{'age': (25.0, 40.0, 60.0), 'income': 'quartiles'}
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

from .errors import InputError
from .ingest import SOURCE_VIEW
from .sql import DUCKDB, SqlDialect

__all__ = [
    "QUANTILES",
    "Quantiles",
    "bin_expression",
    "bin_labels",
    "checked_edges",
    "parse_bins",
    "quantile_edges",
]

Quantiles = Literal["tertiles", "quartiles", "quintiles", "deciles"]
QUANTILES: dict[str, int] = {"tertiles": 3, "quartiles": 4, "quintiles": 5, "deciles": 10}
"""Named quantile binnings → the number of bands."""

MAX_EDGES = 49


def _format(value: float) -> str:
    return f"{int(value)}" if float(value).is_integer() else f"{value:g}"


def checked_edges(edges: Iterable[float], *, column: str = "the column") -> tuple[float, ...]:
    """Edges as increasing finite floats; an error naming the bad value otherwise."""
    values = []
    for edge in edges:
        try:
            number = float(edge)
        except (TypeError, ValueError):
            raise InputError(
                f"bin edge {edge!r} for {column} is not a number: give edges like 25,40,60"
            ) from None
        if not math.isfinite(number):
            raise InputError(f"bin edge {edge!r} for {column} must be a finite number")
        values.append(number)
    if not values:
        raise InputError(f"no bin edges for {column}: give at least one, e.g. 25,40,60")
    if len(values) > MAX_EDGES:
        raise InputError(
            f"{len(values)} bin edges for {column} make too many bands: give at most {MAX_EDGES}"
        )
    if any(b <= a for a, b in zip(values, values[1:], strict=False)):
        raise InputError(
            f"bin edges for {column} must increase, not {', '.join(_format(v) for v in values)}"
        )
    return tuple(values)


def bin_labels(edges: Sequence[float]) -> list[str]:
    """The band names for ``edges``: ``<e1``, ``e1-e2``, …, ``ek+`` (whole-number edges:
    ``e1-(e2-1)``, as age bands are written)."""
    whole = all(float(e).is_integer() for e in edges)
    labels = [f"<{_format(edges[0])}"]
    for low, high in zip(edges, edges[1:], strict=False):
        if whole and high - low >= 2:
            labels.append(f"{_format(low)}-{_format(high - 1)}")
        elif whole:
            labels.append(_format(low))
        else:
            labels.append(f"{_format(low)}-<{_format(high)}")
    labels.append(f"{_format(edges[-1])}+")
    return labels


def bin_expression(
    column_sql: str, edges: Sequence[float], *, text: bool = True, dialect: SqlDialect = DUCKDB
) -> str:
    """A SQL ``CASE`` giving each row's band label (NULL when the value is not a number)."""
    value = dialect.finite_double(dialect.trim(dialect.text(column_sql)) if text else column_sql)
    labels = bin_labels(edges)
    parts = [f"WHEN {value} IS NULL THEN NULL"]
    for edge, label in zip(edges, labels, strict=False):
        parts.append(f"WHEN {value} < {float(edge)!r} THEN {_literal(label)}")
    return f"CASE {' '.join(parts)} ELSE {_literal(labels[-1])} END"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def parse_bins(items: Iterable[str] | Mapping[str, object] | None) -> dict[str, object]:
    """``["age=25,40,60", "income=quartiles"]`` (or a mapping) → ``{column: edges or name}``."""
    if not items:
        return {}
    pairs = items.items() if isinstance(items, Mapping) else (_split(item) for item in items)
    bins: dict[str, object] = {}
    for column, spec in pairs:
        if isinstance(spec, str) and spec.strip().lower() in QUANTILES:
            bins[column] = spec.strip().lower()
        elif isinstance(spec, str):
            bins[column] = checked_edges(
                [p for p in spec.replace(";", ",").split(",") if p.strip()], column=column
            )
        else:
            bins[column] = checked_edges(spec, column=column)  # type: ignore[arg-type]
    return bins


def _split(item: str) -> tuple[str, str]:
    if "=" not in item:
        raise InputError(
            f"--bin {item!r} is not of the form COLUMN=EDGES or COLUMN=quartiles, "
            "e.g. --bin age=25,40,60"
        )
    column, spec = item.split("=", 1)
    return column.strip(), spec.strip()


def quantile_edges(source, column: str, bands: int | str) -> tuple[float, ...]:
    """Inner edges splitting ``column``'s numbers into ``bands`` bands of about equal size,
    from one aggregate query (``quantile_cont``); repeated edges are merged."""
    count = QUANTILES[bands] if isinstance(bands, str) else int(bands)
    if not 2 <= count <= MAX_EDGES + 1:
        raise InputError(f"choose between 2 and {MAX_EDGES + 1} bands, not {count}")
    source.require_columns([column])
    dialect = source.dialect
    value = dialect.finite_double(dialect.trim(dialect.text(dialect.quote(column))))
    fractions = ", ".join(f"{i / count!r}" for i in range(1, count))
    rows = source.sql(
        f"SELECT quantile_cont(v, [{fractions}]) FROM "
        f"(SELECT {value} AS v FROM {SOURCE_VIEW}) numbers WHERE v IS NOT NULL"
    )
    edges = rows[0][0] if rows else None
    if not edges:
        raise InputError(f"column '{column}' has no numbers to bin")
    rounded = sorted({_round(e) for e in edges if e is not None})
    return checked_edges(rounded, column=column)


def _round(value: float) -> float:
    """Quantiles to three significant digits, so labels read '38-49', not '38.25-49.75'."""
    if value == 0:
        return 0.0
    digits = 3 - int(math.floor(math.log10(abs(value)))) - 1
    rounded = round(value, digits)
    return float(int(rounded)) if rounded.is_integer() else float(rounded)
