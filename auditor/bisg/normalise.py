"""How surnames, first names and ZIP codes are normalised before they meet the Census tables.

The 2010 Census surname list holds names in capitals with no spaces, hyphens, apostrophes or
accents ("O'Brien" is ``OBRIEN``, "De La Rosa" is ``DELAROSA``, "Garcia-Lopez" is
``GARCIALOPEZ``), and without generational suffixes. A name is therefore

1. stripped of accents, upper-cased and trimmed; a trailing ``JR``, ``SR``, ``II``, ``III``,
   ``IV`` or ``V`` after a space or comma is dropped;
2. looked up with every character other than A–Z removed (the list's own form);
3. if that fails and the name is compound (a hyphen or a space), looked up by its first part,
   then by its last part (the CFPB proxy method's rule for compound names).

Missing, empty and letter-less names are *missing*. A ZIP code is read as its first five digits
("02139-4307" and "021394307" → ``02139``; a number 2139 → ``02139``); anything else is missing.
Each step is a SQL expression over one value. The audit first looks every value up as
``upper(value)`` (a ZIP code as written): when that is already a name of the list (only A–Z) or a
5-digit ZCTA, these steps would give the same key. Only the values that lookup misses go through
these steps, once per distinct upper-cased value (upper-casing first changes nothing: the steps
upper-case anyway).
"""

from __future__ import annotations

__all__ = ["name_parts_sql", "zip_sql"]

_SUFFIX = r"[\s,]+(JR|SR|II|III|IV|V)\.?$"


def _cleaned(column: str) -> str:
    return f"regexp_replace(upper(trim(strip_accents(CAST({column} AS VARCHAR)))), '{_SUFFIX}', '')"


def _letters(text: str) -> str:
    return f"nullif(regexp_replace({text}, '[^A-Z]', '', 'g'), '')"


def name_parts_sql(column: str) -> dict[str, str]:
    """SQL expressions for a name's lookup keys: ``full``, ``first_part``, ``last_part``
    (the parts are NULL unless the name is compound)."""
    cleaned = _cleaned(column)
    compound = f"regexp_matches({cleaned}, '[A-Z][\\s-]+[A-Z]')"
    first = _letters(f"regexp_extract({cleaned}, '^[^\\s-]+')")
    last = _letters(f"regexp_extract({cleaned}, '[^\\s-]+$')")
    return {
        "full": _letters(cleaned),
        "first_part": f"CASE WHEN {compound} THEN {first} END",
        "last_part": f"CASE WHEN {compound} THEN {last} END",
    }


def zip_sql(column: str) -> str:
    """SQL for a ZIP code's five-digit ZCTA key, or NULL."""
    text = f"regexp_replace(trim(CAST({column} AS VARCHAR)), '\\.0*$', '')"
    digits = f"regexp_extract({text}, '^([0-9]+)(-[0-9]{{4}})?$', 1)"
    return (
        f"CASE WHEN length({digits}) = 9 THEN left({digits}, 5) "
        f"WHEN length({digits}) BETWEEN 3 AND 5 THEN lpad({digits}, 5, '0') END"
    )
