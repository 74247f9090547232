"""SQL text generation in one place: identifiers are always quoted, literals always escaped.

Values supplied by users travel as query parameters wherever DuckDB allows it; the only
literals built here are file paths inside ``read_*`` table functions, which cannot be
parameterised, and numbers validated as such.
"""

from __future__ import annotations

import math

__all__ = ["quote_identifier", "quote_literal", "number_literal"]


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
