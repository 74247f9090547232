"""The count cube with race estimated by BISG/BIFSG: one DuckDB pass, soft and hard counts.

For each row the posterior is (Elliott et al. 2009; Voicu 2018 for first names)

    P(r | s, g[, f]) = P(r | s) · P(g | r) [· P(f | r)] / Σ_r' P(r' | s) · P(g | r') [· P(f | r')]

with ``P(r | s)`` from the 2010 Census surname list, ``P(g | r)`` the share of race r's 2010
population living in ZCTA g, and ``P(f | r)`` the share of race r's first names that are f.
Fallbacks: an unknown or missing surname takes the population prior ``P(r)``; an unknown or
missing ZIP code drops the geography factor (surname only); an unknown first name drops its
factor; if the product is zero for every race (a surname only seen in races with no population
in that ZCTA), the geography and first-name factors are dropped. Every fallback is counted.

The join runs in DuckDB on the *distinct* surnames, ZIP codes and first names, and the
aggregation sums, per cell of the other attributes × y × ŷ: the posterior of each race (the
soft counts), its square (for the variance of the count over draws of race, Σ p(1 − p)), the
threshold assignment (most probable race if its posterior ≥ 0.8, else "Unassigned") and the
fallback indicators. No row, name or ZIP code leaves DuckDB.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import duckdb
import pandas as pd

from ..cube import MISSING_GROUP, CountCube, _check_head, _normalise, _score_expression
from ..errors import InputError
from ..ingest import SOURCE_VIEW, ColumnMapping, Source
from ..sql import number_literal, quote_identifier
from .normalise import name_parts_sql, zip_sql
from .spec import ATTRIBUTE, THRESHOLD, BisgSpec
from .tables import RACE_LABELS, RACES, TABLE_NAMES, register_tables

__all__ = ["UNASSIGNED", "BisgCubes", "Fallbacks", "build_bisg_cubes"]

UNASSIGNED = "Unassigned"
"""Threshold assignment's name for people whose most probable race is below the threshold;
they are left out of the threshold cube and counted in its exclusions (``race_unassigned``)."""

_FALLBACKS = {
    "surname_missing": "s_kind = 0",
    "surname_not_in_census_list": "s_kind = 4",
    "surname_matched_by_first_part": "s_kind = 2",
    "surname_matched_by_last_part": "s_kind = 3",
    "zip_missing": "z_kind = 0",
    "zip_not_a_2010_zcta": "z_kind = 4",
    "first_name_missing": "f_kind = 0",
    "first_name_not_in_table": "f_kind = 4",
    "zero_product_surname_only": "zero_product",
}


@dataclass(frozen=True)
class Fallbacks:
    """How many audited rows took each fallback (a row may take several)."""

    counts: Mapping[str, int]
    rows: int

    def to_dict(self) -> dict[str, int]:
        return {key: int(value) for key, value in self.counts.items()}

    @property
    def population_prior(self) -> int:
        """Rows whose surname part is the population prior (surname missing or unknown)."""
        return int(
            self.counts.get("surname_missing", 0) + self.counts.get("surname_not_in_census_list", 0)
        )


@dataclass(frozen=True)
class BisgCubes:
    """The weighted (soft) cube, the threshold (hard) cube and the fallback counts (each cube
    is built only if the spec's estimator asks for it)."""

    weighted: CountCube | None
    threshold: CountCube | None
    fallbacks: Fallbacks
    spec: BisgSpec


def _lookup(kind_alias: str, table: str, keys: list[str], prefix: str) -> tuple[str, str]:
    """(kind expression, probability columns) of a surname-list-style lookup over ``keys``."""
    aliases = [f"{prefix}{i}" for i in range(len(keys))]
    kind = "CASE " + " ".join(
        f"WHEN {alias}.name IS NOT NULL THEN {code}"
        for alias, code in zip(aliases, (1, 2, 3), strict=False)
    )
    kind += f" WHEN k0 IS NULL THEN 0 ELSE 4 END AS {kind_alias}"
    probabilities = ", ".join(
        f"coalesce({', '.join(f'{alias}.{race}' for alias in aliases)}) AS {prefix}_{race}"
        for race in RACES
    )
    return kind, probabilities


def _names_cte(name: str, column: str, table: str, prefix: str, *, parts: bool) -> str:
    keys = name_parts_sql(column)
    wanted = ["full", "first_part", "last_part"] if parts else ["full"]
    key_columns = ", ".join(f"{keys[k]} AS k{i}" for i, k in enumerate(wanted))
    aliases = [f"{prefix}{i}" for i in range(len(wanted))]
    joins = " ".join(
        f"LEFT JOIN {table} AS {alias} ON {alias}.name = k{i}" for i, alias in enumerate(aliases)
    )
    kind, probabilities = _lookup(f"{prefix}_kind", table, wanted, prefix)
    return (
        f"{name} AS (SELECT {column}, {kind}, {probabilities} FROM "
        f"(SELECT {column}, {key_columns} FROM (SELECT DISTINCT {column} FROM base)) {joins})"
    )


def _query(mapping: ColumnMapping, others: tuple[str, ...], spec: BisgSpec, *, text: bool) -> str:
    columns = [f"{quote_identifier(n)} AS r{i}" for i, n in enumerate(others)]
    columns.append(
        f"{quote_identifier(mapping.label)} AS ry" if mapping.label is not None else "'0' AS ry"
    )
    if mapping.prediction is not None:
        columns.append(f"{quote_identifier(mapping.prediction)} AS rp")
    else:
        threshold = number_literal(mapping.threshold)
        score = _score_expression(mapping, text=text)
        columns.append(
            f"CASE WHEN ({score}) IS NULL THEN NULL WHEN ({score}) >= {threshold} "
            "THEN '1' ELSE '0' END AS rp"
        )
    columns.append(f"{quote_identifier(spec.surname)} AS rs")
    columns.append(f"{quote_identifier(spec.zip)} AS rz")
    if spec.first_name:
        columns.append(f"{quote_identifier(spec.first_name)} AS rf")
    ctes = [f"base AS (SELECT {', '.join(columns)} FROM {SOURCE_VIEW})"]
    ctes.append(_names_cte("sp", "rs", TABLE_NAMES["surname"], "s", parts=True))
    zcta = TABLE_NAMES["zcta"]
    zip_probabilities = ", ".join(f"z.{race} AS g_{race}" for race in RACES)
    ctes.append(
        f"zp AS (SELECT rz, CASE WHEN z.zcta5 IS NOT NULL THEN 1 WHEN k IS NULL THEN 0 ELSE 4 "
        f"END AS z_kind, {zip_probabilities} FROM (SELECT rz, {zip_sql('rz')} AS k FROM "
        f"(SELECT DISTINCT rz FROM base)) LEFT JOIN {zcta} AS z ON z.zcta5 = k)"
    )
    joins = "LEFT JOIN sp USING (rs) LEFT JOIN zp USING (rz)"
    if spec.first_name:
        ctes.append(_names_cte("fp", "rf", TABLE_NAMES["first_name"], "f", parts=False))
        joins += " LEFT JOIN fp USING (rf)"
    prior = TABLE_NAMES["prior"]
    keys = [f"r{i}" for i in range(len(others))] + ["ry", "rp"]
    # surname part (prior when unknown), geography and first-name factors (1 when unknown)
    factors = []
    for race in RACES:
        surname = f"coalesce(s_{race}, {prior}.{race})"
        geography = f"coalesce(g_{race}, 1.0)"
        first = f"coalesce(f_{race}, 1.0)" if spec.first_name else "1.0"
        factors.append(f"{surname} AS us_{race}")
        factors.append(f"{surname} * {geography} * {first} AS uf_{race}")
    kinds = "coalesce(s_kind, 0) AS s_kind, coalesce(z_kind, 0) AS z_kind, " + (
        "coalesce(f_kind, 0) AS f_kind" if spec.first_name else "1 AS f_kind"
    )
    ctes.append(
        f"joined AS (SELECT {', '.join(keys)}, {kinds}, {', '.join(factors)} "
        f"FROM base {joins} CROSS JOIN {prior})"
    )
    total_full = " + ".join(f"uf_{race}" for race in RACES)
    total_surname = " + ".join(f"us_{race}" for race in RACES)
    posterior = ", ".join(
        f"CASE WHEN ({total_full}) > 0 THEN uf_{race} / ({total_full}) "
        f"ELSE us_{race} / ({total_surname}) END AS p_{race}"
        for race in RACES
    )
    ctes.append(
        f"posterior AS (SELECT {', '.join(keys)}, s_kind, z_kind, f_kind, "
        f"({total_full}) <= 0 AS zero_product, {posterior} FROM joined)"
    )
    largest = f"greatest({', '.join(f'p_{race}' for race in RACES)})"
    sums = ["count(*) AS n"]
    sums += [f"sum(p_{race}) AS p_{race}" for race in RACES]
    sums += [f"sum(p_{race} * (1 - p_{race})) AS v_{race}" for race in RACES]
    sums += [
        f"count(*) FILTER (WHERE p_{race} = {largest} AND p_{race} >= {number_literal(THRESHOLD)}) "
        f"AS t_{race}"
        for race in RACES
    ]
    sums += [
        f"count(*) FILTER (WHERE {condition}) AS fb_{key}" for key, condition in _FALLBACKS.items()
    ]
    shaped = [
        f"coalesce(nullif(trim(CAST(r{i} AS VARCHAR)), ''), '{MISSING_GROUP}') AS a{i}"
        for i in range(len(others))
    ]
    shaped += [
        "nullif(trim(CAST(ry AS VARCHAR)), '') AS y_raw",
        "nullif(trim(CAST(rp AS VARCHAR)), '') AS p_raw",
    ]
    values = ["n"] + [f"{p}_{race}" for p in ("p", "v", "t") for race in RACES]
    values += [f"fb_{key}" for key in _FALLBACKS]
    group = ", ".join(str(i + 1) for i in range(len(shaped)))
    return (
        f"WITH {', '.join(ctes)}, counted AS (SELECT {', '.join(keys)}, {', '.join(sums)} "
        f"FROM posterior GROUP BY {', '.join(keys)}) "
        f"SELECT {', '.join(shaped)}, {', '.join(f'sum({v}) AS {v}' for v in values)} "
        f"FROM counted GROUP BY {group}"
    )


def _unpivot(raw: pd.DataFrame, *, attributes: int, kind: str) -> pd.DataFrame:
    """Cells × races: the estimated race becomes the last attribute ``a{attributes}``."""
    keys = [f"a{i}" for i in range(attributes)] + ["y_raw", "p_raw"]
    parts = []
    for race in RACES:
        part = raw[keys].copy()
        part[f"a{attributes}"] = RACE_LABELS[race]
        if kind == "weighted":
            part["n"] = raw[f"p_{race}"].astype(float)
            part["n_var"] = raw[f"v_{race}"].astype(float)
        else:
            part["n"] = raw[f"t_{race}"].astype("int64")
        parts.append(part)
    cells = pd.concat(parts, ignore_index=True)
    cells["grouping_id"] = 0
    return cells


def build_bisg_cubes(
    source: Source,
    mapping: ColumnMapping,
    spec: BisgSpec,
    *,
    connection: duckdb.DuckDBPyConnection,
    max_groups: int,
) -> BisgCubes:
    """Scan ``source`` once; return the weighted and threshold cubes.

    ``mapping.protected`` ends with :data:`~auditor.bisg.spec.ATTRIBUTE` (``race``), the
    estimated attribute; the attributes before it are columns of the source.
    """
    if not mapping.protected or mapping.protected[-1] != ATTRIBUTE:
        raise InputError(f"internal error: the BISG mapping must end with '{ATTRIBUTE}'")
    others = mapping.protected[:-1]
    if ATTRIBUTE in others:
        raise InputError(
            f"--bisg adds the protected attribute '{ATTRIBUTE}', and --protected already names a "
            f"column '{ATTRIBUTE}': leave it out of --protected, or audit it without --bisg"
        )
    personal = set(spec.columns)
    clash = [
        c for c in (mapping.label, mapping.prediction, mapping.score, *others) if c in personal
    ]
    if clash:
        raise InputError(
            f"column {clash[0]!r} is given to --bisg and also as another role: the surname, ZIP "
            "and first-name columns are only used to estimate race"
        )
    roles = [c for c in (mapping.label, mapping.prediction, mapping.score) if c is not None]
    source.require_columns((*roles, *others, *spec.columns))
    if others:
        _check_head(source, dataclasses.replace(mapping, protected=others), max_groups=max_groups)
    register_tables(connection.register)
    raw = source.frame(_query(mapping, others, spec, text=source.format == "csv"))
    with_race = mapping
    attributes = len(others)
    cubes: dict[str, CountCube | None] = {"weighted": None, "threshold": None}
    kinds = ("weighted", "threshold") if spec.estimator == "both" else (spec.estimator,)
    for kind in kinds:
        if kind == "threshold" and not (raw[[f"t_{race}" for race in RACES]].to_numpy().sum()):
            raise InputError(
                f"no person's most probable race reaches the threshold {THRESHOLD:g}, so the "
                "threshold estimator has no one to count: use --bisg-estimator weighted"
            )
        cells = _unpivot(raw, attributes=attributes, kind=kind)
        cube = _normalise(cells, with_race, grouping_sets=False, max_groups=max_groups)
        # rows/exclusions count people, not person × race cells
        people = _normalise(
            raw.assign(**{f"a{attributes}": "all", "grouping_id": 0})[
                [f"a{i}" for i in range(attributes + 1)] + ["y_raw", "p_raw", "n", "grouping_id"]
            ],
            with_race,
            grouping_sets=False,
            max_groups=max_groups,
        )
        exclusions = dict(people.exclusions)
        excluded = people.rows_excluded
        if kind == "threshold":
            # people whose most probable race is below the threshold are left out, and counted
            exclusions["race_unassigned"] = people.rows_used - cube.rows
            excluded += exclusions["race_unassigned"]
        cubes[kind] = dataclasses.replace(
            cube,
            rows=people.rows,
            rows_excluded=excluded,
            exclusions=exclusions,
            has_score=False,
        )
    used = raw["y_raw"].notna() & raw["p_raw"].notna()
    fallbacks = Fallbacks(
        counts={key: int(raw.loc[used, f"fb_{key}"].sum()) for key in _FALLBACKS},
        rows=int(raw.loc[used, "n"].sum()),
    )
    if not spec.first_name:
        fallbacks = Fallbacks(
            counts={k: v for k, v in fallbacks.counts.items() if not k.startswith("first_name")},
            rows=fallbacks.rows,
        )
    return BisgCubes(
        weighted=cubes["weighted"], threshold=cubes["threshold"], fallbacks=fallbacks, spec=spec
    )
