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
Each step is a SQL expression over one value, in layers of one query (an intermediate used twice,
such as the cleaned name, is a column, not a repeated expression). The audit first looks every
value up as ``upper(value)`` (a ZIP code as written): when that is already a name of the list (only A–Z) or a
5-digit ZCTA, these steps would give the same key. Only the values that lookup misses go through
these steps, once per distinct upper-cased value (upper-casing first changes nothing: the steps
upper-case anyway).
"""

from __future__ import annotations

__all__ = ["name_keys_sql", "zip_key_sql"]

_SUFFIX = r"[\s,]+(JR|SR|II|III|IV|V)\.?$"


def _cleaned(column: str) -> str:
    return f"regexp_replace(upper(trim(strip_accents(CAST({column} AS VARCHAR)))), '{_SUFFIX}', '')"


def _letters(text: str) -> str:
    # runs of other characters are removed at once (the same text as one character at a time,
    # at half the cost: each match of a global replace has its own overhead)
    return f"nullif(regexp_replace({text}, '[^A-Z]+', '', 'g'), '')"


def name_keys_sql(source: str, *, parts: bool) -> str:
    """A query over ``source`` (names in a column ``k``) giving each name's lookup keys:
    ``full_name``, and with ``parts`` also ``first_part`` and ``last_part`` (NULL unless the name is
    compound)."""
    cleaned = f"SELECT k, {_cleaned('k')} AS c FROM ({source})"
    if not parts:
        return f"SELECT k, {_letters('c')} AS full_name FROM ({cleaned})"
    first = _letters("regexp_extract(c, '^[^\\s-]+')")
    last = _letters("regexp_extract(c, '[^\\s-]+$')")
    return (
        f"SELECT k, {_letters('c')} AS full_name, CASE WHEN compound THEN {first} END AS first_part, "
        f"CASE WHEN compound THEN {last} END AS last_part FROM "
        f"(SELECT k, c, regexp_matches(c, '[A-Z][\\s-]+[A-Z]') AS compound FROM ({cleaned}))"
    )


def zip_key_sql(source: str) -> str:
    """A query over ``source`` (ZIP codes in a column ``k``) giving each one's five-digit ZCTA
    key ``zk``, or NULL."""
    text = "regexp_replace(trim(CAST(k AS VARCHAR)), '\\.0*$', '')"
    digits = f"regexp_extract({text}, '^([0-9]+)(-[0-9]{{4}})?$', 1)"
    return (
        "SELECT k, CASE WHEN length(d) = 9 THEN left(d, 5) "
        "WHEN length(d) BETWEEN 3 AND 5 THEN lpad(d, 5, '0') END AS zk "
        f"FROM (SELECT k, {digits} AS d FROM ({source}))"
    )
