"""The count cube with race estimated by BISG/BIFSG: one DuckDB pass, soft and hard counts.

For each row the posterior is (Elliott et al. 2009; Voicu 2018 for first names)

    P(r | s, g[, f]) = P(r | s) · P(g | r) [· P(f | r)] / Σ_r' P(r' | s) · P(g | r') [· P(f | r')]

with ``P(r | s)`` from the 2010 Census surname list, ``P(g | r)`` the share of race r's 2010
population living in ZCTA g, and ``P(f | r)`` the share of race r's first names that are f.
Fallbacks: an unknown or missing surname takes the population prior ``P(r)``; an unknown or
missing ZIP code drops the geography factor (surname only); an unknown first name drops its
factor; if the product is zero for every race (a surname only seen in races with no population
in that ZCTA), the geography and first-name factors are dropped. Every fallback is counted.

The join runs in DuckDB in one scan: each row meets each table in one hash join on a cheap key
(the surname and first name upper-cased, the ZIP code as written); when that key is in the table
the full normalisation would give the same match. Per row, only the product of the factors, its
total and the division are computed: rows matched on every table with a positive total (the fast
path, almost all) are summed per cell of the other attributes × y × ŷ — the posterior of each
race (the soft counts), Σ p(1 − p) (the variance of the count over draws of race) and, for the
threshold estimator, the assignment (most probable race if its posterior ≥ 0.8, else
"Unassigned"). The other rows (a table missed, or the product is zero) only add their keys and
the ids they matched directly to a list per cell, so the pass aggregates by cell alone; after it,
they are grouped by (cell, keys), and each group's posterior, fallbacks and match kinds are
computed once, with the full normalisation once per distinct key the direct lookup missed. No
row, name or ZIP code leaves DuckDB.
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
from .normalise import name_keys_sql, zip_key_sql
from .spec import ATTRIBUTE, THRESHOLD, BisgSpec
from .tables import AUDIT_TABLES, RACE_LABELS, RACES, TABLE_NAMES, register_tables

__all__ = ["UNASSIGNED", "BisgCubes", "Fallbacks", "build_bisg_cubes"]

UNASSIGNED = "Unassigned"
"""Threshold assignment's name for people whose most probable race is below the threshold;
they are left out of the threshold cube and counted in its exclusions (``race_unassigned``)."""

_FALLBACKS = {
    "surname_missing": "s_kind = 0",
    "surname_not_in_census_list": "s_kind = 4",
    "surname_matched_by_first_part": "s_kind = 2",
    "surname_matched_by_last_part": "s_kind = 3",
    "zip_missing": "g_kind = 0",
    "zip_not_a_2010_zcta": "g_kind = 4",
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


def _slow_names(name: str, table: str, source: str, *, parts: bool) -> str:
    """The lookup of names the direct join missed: full normalisation, once per distinct key.

    ``source`` selects the distinct upper-cased keys (column ``k``); the result has the key,
    its ``kind`` (1 full match, 2 first part, 3 last part, 0 no letters, 4 not in the table)
    and the matched name's ``id`` in the lookup table."""
    wanted = ["full_name", "first_part", "last_part"] if parts else ["full_name"]
    aliases = [f"{name}{i}" for i in range(len(wanted))]
    columns = ", ".join(f"{key} AS k{i}" for i, key in enumerate(wanted))
    joins = " ".join(
        f"LEFT JOIN {table} AS {alias} ON {alias}.name = k{i}" for i, alias in enumerate(aliases)
    )
    kind = "CASE " + " ".join(
        f"WHEN {alias}.id IS NOT NULL THEN {code}"
        for alias, code in zip(aliases, (1, 2, 3), strict=False)
    )
    kind += " WHEN k0 IS NULL THEN 0 ELSE 4 END"
    found = f"coalesce({', '.join(f'{alias}.id' for alias in aliases)})"
    return (
        f"{name} AS (SELECT k, {kind} AS kind, {found} AS id FROM "
        f"(SELECT k, {columns} FROM ({name_keys_sql(source, parts=parts)})) {joins})"
    )


_FIXED_SCALE = "4503599627370496.0"  # 2^52
"""Posteriors are summed as whole multiples of 2^-52 (:func:`_fixed`): integer sums do not
depend on the order DuckDB's threads add the rows in, so the same file gives the same soft
counts, bit for bit, on every run (summed as doubles they differed in their last bits between
runs, and so did the JSON). Each row's probability moves by at most 2^-53 ≈ 1.1e-16."""


def _fixed(expression: str) -> str:
    """``expression`` (a probability, or a product of them, in [0, 1]) as a whole number of
    2^-52 units, for :data:`_FIXED_SCALE` sums (a HUGEINT sum holds 2^75 rows of 1)."""
    return f"CAST(round(({expression}) * {_FIXED_SCALE}) AS BIGINT)"


def _unfixed(expression: str) -> str:
    """A sum of :func:`_fixed` units as the double it stands for."""
    return f"CAST({expression} AS DOUBLE) / {_FIXED_SCALE}"


def _with_largest(source: str, prefix: str) -> str:
    """``source`` with the largest of its posteriors ``{prefix}_<race>`` as ``{prefix}_largest``."""
    largest = f"greatest({', '.join(f'{prefix}_{race}' for race in RACES)})"
    return f"(SELECT *, {largest} AS {prefix}_largest FROM {source})"


def _assignment(prefix: str) -> str:
    """The threshold assignment: the index of the most probable race (the first of a tie) if
    its posterior reaches the threshold, else NULL (columns ``{prefix}_<race>``, ``_largest``)."""
    largest = f"{prefix}_largest"
    return (
        f"CASE WHEN {largest} >= {number_literal(THRESHOLD)} THEN CASE "
        + " ".join(f"WHEN {prefix}_{race} = {largest} THEN {i}" for i, race in enumerate(RACES))
        + " END END"
    )


def _query(mapping: ColumnMapping, others: tuple[str, ...], spec: BisgSpec, *, text: bool) -> str:
    """One scan; each row meets each table in one hash join on a cheaply computed key.

    A surname is first looked up as ``upper(value)``: when that is a name of the list (all
    A–Z), the full normalisation (:mod:`~auditor.bisg.normalise`) would give the same key, so
    the match is the same. The same holds for a ZIP code that already is a 5-digit ZCTA, and
    for first names. The per-row work is kept to the join, the product of the factors and its
    division by their total: a row matched on every factor with a positive total (almost all)
    is on the *fast* path, and its posterior is summed per cell at once. The posterior of every
    other row (a table missed, or the zero product) is NULL: such a row only adds its keys and
    the ids it matched to a list per cell (``slow``), so the one pass over the file aggregates
    by cell alone. The slow rows are then grouped by (cell, keys), and each group's posterior is
    computed once with the full normalisation (once per distinct key the direct lookup missed)
    and the fallbacks — the same posterior as per row, weighted by the group's count.
    """
    weighted = spec.estimator in ("weighted", "both")
    threshold = spec.estimator in ("threshold", "both")
    columns = [f"{quote_identifier(n)} AS r{i}" for i, n in enumerate(others)]
    columns.append(
        f"{quote_identifier(mapping.label)} AS ry" if mapping.label is not None else "'0' AS ry"
    )
    if mapping.prediction is not None:
        columns.append(f"{quote_identifier(mapping.prediction)} AS rp")
    else:
        cut = number_literal(mapping.threshold)
        score = _score_expression(mapping, text=text)
        columns.append(
            f"CASE WHEN ({score}) IS NULL THEN NULL WHEN ({score}) >= {cut} "
            "THEN '1' ELSE '0' END AS rp"
        )
    # (factor, lookup table, key expression, key column, first/last parts?)
    factors = [
        (
            "s",
            TABLE_NAMES["surname_lookup"],
            f"upper(CAST({quote_identifier(spec.surname)} AS VARCHAR))",
            "name",
            True,
        ),
        (
            "g",
            TABLE_NAMES["zcta_lookup"],
            f"CAST({quote_identifier(spec.zip)} AS VARCHAR)",
            "zcta5",
            False,
        ),
    ]
    if spec.first_name:
        factors.append(
            (
                "f",
                TABLE_NAMES["first_name_lookup"],
                f"upper(CAST({quote_identifier(spec.first_name)} AS VARCHAR))",
                "name",
                False,
            )
        )
    names = [f for f, *_ in factors]
    columns += [f"{key} AS k{f}" for f, _, key, _, _ in factors]
    keys = [f"r{i}" for i in range(len(others))] + ["ry", "rp"]
    cell = ", ".join(keys)
    joins = " ".join(
        f"LEFT JOIN {table} AS t{f} ON t{f}.{column} = base.k{f}"
        for f, table, _, column, _ in factors
    )
    # layer 1: the join; each key and the id it matched; each race's product of factors
    # (NULL when a table missed)
    joined = [*keys]
    joined += [f"base.k{f} AS key_{f}, t{f}.id AS id_{f}" for f in names]
    joined += [f"{' * '.join(f't{f}.{race}' for f in names)} AS u_{race}" for race in RACES]
    # layer 2: the total of the products, once per row; layer 3: the posterior, NULL unless
    # the row is on the fast path (every table matched, positive total)
    total = " + ".join(f"u_{race}" for race in RACES)
    carried = ", ".join(f"key_{f}, id_{f}" for f in names)
    posterior = ", ".join(f"u_{race} / nullif(total, 0) AS p_{race}" for race in RACES)
    rows = (
        f"rows AS (SELECT {cell}, {carried}, {posterior} "
        f"FROM (SELECT *, {total} AS total FROM "
        f"(SELECT {', '.join(joined)} FROM base {joins})))"
    )
    assigned = _assignment("p") if threshold else "NULL::INTEGER"
    sums = [f"sum({_fixed(f'p_{race}')}) AS p_{race}" for race in RACES]
    if weighted:
        sums += [f"sum({_fixed(f'p_{race} * (1 - p_{race})')}) AS v_{race}" for race in RACES]
    else:
        sums += [f"CAST(0 AS HUGEINT) AS v_{race}" for race in RACES]
    slow_struct = ", ".join(f"key_{f} := key_{f}, id_{f} := id_{f}" for f in names)
    # the fast rows summed per cell (and assignment); the slow rows' keys listed per cell
    fast = (
        f"fast AS MATERIALIZED (SELECT {cell}, {assigned} AS assigned, count(p_white) AS n, "
        f"{', '.join(sums)}, list(struct_pack({slow_struct})) FILTER (WHERE p_white IS NULL) "
        f"AS slow FROM {_with_largest('rows', 'p') if threshold else 'rows'} GROUP BY ALL)"
    )
    slow_fields = ", ".join(f"s.key_{f} AS key_{f}, s.id_{f} AS id_{f}" for f in names)
    # the slow rows grouped by (cell, keys); the ids depend on the keys
    slow = (
        f"slow AS (SELECT {cell}, {slow_fields}, count(*) AS n FROM "
        f"(SELECT {cell}, unnest(slow) AS s FROM fast) GROUP BY ALL)"
    )
    ctes = [f"base AS (SELECT {', '.join(columns)} FROM {SOURCE_VIEW})", rows, fast, slow]
    # the full normalisation of the distinct keys the direct lookup missed: each key's match
    # kind (1 full, 2/3 by a part, 0 missing, 4 not in the table) and matched id
    for f, table, _, _, parts in factors:
        source = (
            f"SELECT DISTINCT key_{f} AS k FROM slow WHERE id_{f} IS NULL AND key_{f} IS NOT NULL"
        )
        if f == "g":
            ctes.append(
                f"found_g AS (SELECT k, CASE WHEN z.id IS NOT NULL THEN 1 WHEN zk IS NULL "
                f"THEN 0 ELSE 4 END AS kind, z.id AS id FROM ({zip_key_sql(source)}) "
                f"LEFT JOIN {table} AS z ON z.zcta5 = zk)"
            )
        else:
            ctes.append(_slow_names(f"found_{f}", table, source, parts=parts))
    prior = TABLE_NAMES["prior"]
    slow_joins = " ".join(
        f"LEFT JOIN found_{f} ON found_{f}.k = slow.key_{f} "
        f"LEFT JOIN {table} AS t{f} ON t{f}.id = coalesce(slow.id_{f}, found_{f}.id)"
        for f, table, *_ in factors
    )
    # a key matched directly is kind 1; a missing key (NULL) is kind 0
    kinds = ", ".join(
        f"CASE WHEN slow.id_{f} IS NOT NULL THEN 1 ELSE coalesce(found_{f}.kind, 0) END AS {f}_kind"
        for f in names
    )
    surname_part = {race: f"coalesce(ts.{race}, {prior}.{race})" for race in RACES}
    full = {
        race: " * ".join([surname_part[race]] + [f"coalesce(t{f}.{race}, 1.0)" for f in names[1:]])
        for race in RACES
    }
    ctes.append(
        f"missed AS (SELECT {cell}, n, {kinds}, "
        + ", ".join(f"{surname_part[race]} AS us_{race}" for race in RACES)
        + ", "
        + ", ".join(f"{full[race]} AS uf_{race}" for race in RACES)
        + f" FROM slow {slow_joins} CROSS JOIN {prior})"
    )
    total_full = " + ".join(f"uf_{race}" for race in RACES)
    total_surname = " + ".join(f"us_{race}" for race in RACES)
    ctes.append(
        # materialised (one row per group of slow rows): inlined into the aggregation below, the
        # posterior's expressions grew large enough to cost DuckDB's optimiser ~30 ms
        f"missed_posterior AS MATERIALIZED (SELECT {cell}, n, "
        + ", ".join(f"{f}_kind" for f in names)
        + ", total_full <= 0 AS zero_product, "
        + ", ".join(
            f"CASE WHEN total_full > 0 THEN uf_{race} / total_full "
            f"ELSE us_{race} / total_surname END AS q_{race}"
            for race in RACES
        )
        + f" FROM (SELECT *, {total_full} AS total_full, {total_surname} AS total_surname "
        "FROM missed))"
    )
    kind_columns = ["s_kind", "g_kind", "f_kind"]
    fast_kinds = ", ".join(f"1 AS {k}" for k in kind_columns)
    missed_kinds = ", ".join(
        f"{k}" if any(k == f"{f}_kind" for f in names) else f"1 AS {k}" for k in kind_columns
    )
    # the slow groups summed per cell, match kinds and assignment (few rows), then with the
    # fast rows' sums
    ctes.append(
        f"missed_cells AS (SELECT {cell}, {missed_kinds}, zero_product, "
        f"{_assignment('q')} AS assigned, "
        "sum(n) AS n, "
        + ", ".join(
            f"sum(CAST(n AS HUGEINT) * {_fixed(f'q_{race}')}) AS p_{race}, "
            f"sum(CAST(n AS HUGEINT) * {_fixed(f'q_{race} * (1 - q_{race})')}) AS v_{race}"
            for race in RACES
        )
        + f" FROM {_with_largest('missed_posterior', 'q')} GROUP BY ALL)"
    )
    cells = (
        f"cells AS (SELECT {cell}, n, {fast_kinds}, false AS zero_product, assigned, "
        + ", ".join(f"p_{race}, v_{race}" for race in RACES)
        + " FROM fast WHERE n > 0 UNION ALL "
        f"SELECT {cell}, n, {', '.join(kind_columns)}, zero_product, assigned, "
        + ", ".join(f"p_{race}, v_{race}" for race in RACES)
        + " FROM missed_cells)"
    )
    ctes.append(cells)
    shaped = [
        f"coalesce(nullif(trim(CAST(r{i} AS VARCHAR)), ''), '{MISSING_GROUP}') AS a{i}"
        for i in range(len(others))
    ]
    shaped += [
        "nullif(trim(CAST(ry AS VARCHAR)), '') AS y_raw",
        "nullif(trim(CAST(rp AS VARCHAR)), '') AS p_raw",
    ]
    totals = ["sum(n) AS n"]
    totals += [f"{_unfixed(f'sum(p_{race})')} AS p_{race}" for race in RACES]
    totals += [f"{_unfixed(f'sum(v_{race})')} AS v_{race}" for race in RACES]
    totals += [
        f"coalesce(sum(n) FILTER (WHERE assigned = {i}), 0) AS t_{race}"
        for i, race in enumerate(RACES)
    ]
    totals += [
        f"coalesce(sum(n) FILTER (WHERE {condition}), 0) AS fb_{key}"
        for key, condition in _FALLBACKS.items()
    ]
    group = ", ".join(str(i + 1) for i in range(len(shaped)))
    return (
        f"WITH {', '.join(ctes)} SELECT {', '.join(shaped)}, {', '.join(totals)} "
        f"FROM cells GROUP BY {group}"
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
    register_tables(
        connection.register,
        names=tuple(n for n in AUDIT_TABLES if spec.first_name or n != "first_name_lookup"),
    )
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
        # rows/exclusions count people, not person × race cells. In the soft cube they do
        # already: a person's probabilities sum to 1, so its totals (rounded to whole people)
        # are the people counts; the threshold cube leaves the unassigned out, so they are
        # counted from the people per cell.
        people = (
            cube
            if kind == "weighted"
            else _normalise(
                raw.assign(**{f"a{attributes}": "all", "grouping_id": 0})[
                    [f"a{i}" for i in range(attributes + 1)]
                    + ["y_raw", "p_raw", "n", "grouping_id"]
                ],
                with_race,
                grouping_sets=False,
                max_groups=max_groups,
            )
        )
        exclusions = dict(people.exclusions)
        excluded = people.rows_excluded
        if kind == "threshold":
            # people whose most probable race is below the threshold are left out, and counted
            exclusions["race_unassigned"] = people.rows_used - cube.rows_used
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
