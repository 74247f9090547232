"""The EEOC Uniform Guidelines (29 CFR 1607.4(D)) / OFCCP adverse-impact battery, by stratum.

Per breakdown, each focal category is compared with the category that has the **highest**
selection rate (among the categories with at least ``min_group_size`` applicants; among all
when none has that many): the impact ratio with its 95 % interval (Katz log interval), the
"two standard deviations" test (pooled two-proportion z; |z| ≥ 1.96 flagged), Fisher's exact
test (the test to read when the 2×2 table has fewer than 30 people or fewer than 5 expected
selections), and the shortfall — the selections the focal group lacks to reach the
comparison rate. With strata the same table is given per stratum, and each focal category is
pooled over the strata against the comparison category of the whole data with the
Cochran–Mantel–Haenszel test (see :mod:`auditor.templates.stratified`). Strata are
dimensions of the count cube: nothing is rescanned.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..adverse_impact import (
    fisher_exact_test,
    impact_ratios,
    selection_shortfall,
    two_proportion_z_test,
)
from ..cube import CountCube
from ..errors import InputError
from ..metrics import katz_ratio_interval
from .categories import DEFAULT_UNKNOWN_VALUES, category_name, is_unknown, selection_counts
from .stratified import StratifiedTest, stratified_test

__all__ = [
    "BRESLOW_DAY_CAVEAT",
    "FISHER_BELOW_EXPECTED",
    "FISHER_BELOW_N",
    "TWO_SD",
    "PooledRow",
    "UGESPResult",
    "UGESPRow",
    "UGESPTable",
    "ugesp_battery",
]

TWO_SD = 1.96
"""|z| at or above this is the "two standard deviations" flag (two-sided 5 %)."""
FISHER_BELOW_N = 30
FISHER_BELOW_EXPECTED = 5.0
BRESLOW_DAY_CAVEAT = (
    "A significant Breslow–Day test (p < 0.05) means the strata do not share one odds ratio: "
    "the pooled (Mantel–Haenszel) figures average over strata that disagree and must be read "
    "with care, stratum by stratum."
)

TestName = Literal["fisher_exact", "two_proportion_z"]


@dataclass(frozen=True, kw_only=True)
class UGESPRow:
    """One category of a table, compared with the table's comparison category."""

    category: str
    key: dict[str, str]
    applicants: int
    selected: int
    rate: float | None
    is_comparison: bool
    impact_ratio: float | None
    impact_ratio_interval: tuple[float, float] | None
    z: float | None
    z_p: float | None
    fisher_p: float | None
    test: TestName | None  # the test to read for this row
    shortfall: int | None  # to reach the comparison rate (parity)
    shortfall_four_fifths: int | None  # to reach 0.8 × the comparison rate

    @property
    def p_value(self) -> float | None:
        return self.fisher_p if self.test == "fisher_exact" else self.z_p

    @property
    def two_sd_flag(self) -> bool:
        return self.z is not None and abs(self.z) >= TWO_SD

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "applicants": self.applicants,
            "selected": self.selected,
            "rate": self.rate,
            "impact_ratio": self.impact_ratio,
            "impact_ratio_interval": (
                list(self.impact_ratio_interval) if self.impact_ratio_interval else None
            ),
            "z": self.z,
            "z_p": self.z_p,
            "two_sd_flag": self.two_sd_flag,
            "fisher_p": self.fisher_p,
            "test": self.test,
            "p_value": self.p_value,
            "shortfall": self.shortfall,
            "shortfall_four_fifths": self.shortfall_four_fifths,
            "comparison": self.is_comparison,
        }


@dataclass(frozen=True, kw_only=True)
class UGESPTable:
    by: tuple[str, ...]
    stratum: str | None
    comparison: str | None
    comparison_basis: str
    rows: tuple[UGESPRow, ...]
    unknown: int

    def row(self, category: str) -> UGESPRow:
        for row in self.rows:
            if row.category == category:
                return row
        raise KeyError(f"no category {category!r}; have {[r.category for r in self.rows]}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "by": list(self.by),
            "stratum": self.stratum,
            "comparison": self.comparison,
            "comparison_basis": self.comparison_basis,
            "rows": [row.to_dict() for row in self.rows],
            "unknown": self.unknown,
        }


@dataclass(frozen=True, kw_only=True)
class PooledRow:
    """One focal category pooled over the strata against the breakdown's comparison category."""

    by: tuple[str, ...]
    category: str
    comparison: str
    test: StratifiedTest

    def to_dict(self) -> dict[str, Any]:
        t = self.test
        return {
            "by": list(self.by),
            "category": self.category,
            "comparison": self.comparison,
            "strata_used": t.strata_used,
            "strata_uninformative": t.strata_uninformative,
            "selected": t.selected,
            "expected": t.expected,
            "cmh_chi2": t.cmh_chi2,
            "cmh_p": t.cmh_p,
            "z_mh": t.z_mh,
            "mh_odds_ratio": t.mh_odds_ratio,
            "mh_odds_ratio_interval": (
                list(t.mh_odds_ratio_interval) if t.mh_odds_ratio_interval else None
            ),
            "breslow_day_chi2": t.breslow_day_chi2,
            "breslow_day_p": t.breslow_day_p,
            "strata_disagree": t.breslow_day_p is not None and t.breslow_day_p < 0.05,
            "shortfall": t.shortfall,
        }


@dataclass(frozen=True, kw_only=True)
class UGESPResult:
    tables: tuple[UGESPTable, ...]
    pooled: tuple[PooledRow, ...]
    strata: tuple[str, ...]
    min_group_size: int

    def table(self, *by: str, stratum: str | None = None) -> UGESPTable:
        for table in self.tables:
            if table.by == tuple(by) and table.stratum == stratum:
                return table
        raise KeyError(f"no table by {list(by)} in stratum {stratum!r}")

    def pooled_row(self, *by: str, category: str) -> PooledRow:
        for row in self.pooled:
            if row.by == tuple(by) and row.category == category:
                return row
        raise KeyError(f"no pooled row by {list(by)} for {category!r}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "strata": list(self.strata),
            "min_group_size": self.min_group_size,
            "two_sd": TWO_SD,
            "fisher_rule": (
                f"Fisher's exact test is the test to read when the 2×2 table has fewer than "
                f"{FISHER_BELOW_N} applicants or fewer than {FISHER_BELOW_EXPECTED:g} expected "
                "selections; otherwise the two-standard-deviation (z) test."
            ),
            "tables": [table.to_dict() for table in self.tables],
            "pooled": [row.to_dict() for row in self.pooled],
            "breslow_day_caveat": BRESLOW_DAY_CAVEAT if self.pooled else None,
        }


def ugesp_battery(
    cube: CountCube,
    *,
    protected: Sequence[str],
    strata: Sequence[str] = (),
    intersections: bool = True,
    min_group_size: int = 30,
    name_order: Sequence[str] | None = None,
    unknown_values: Iterable[str] = DEFAULT_UNKNOWN_VALUES,
) -> UGESPResult:
    """The adverse-impact battery of every breakdown of ``protected`` (and their pairs).

    ``strata`` name further attributes of the cube (e.g. a job group); the stratum of a row
    is the combination of their values.
    """
    protected, strata = tuple(protected), tuple(strata)
    overlap = set(protected) & set(strata)
    if overlap:
        raise InputError(
            f"{sorted(overlap)} is both a protected attribute and a stratum: use it as one"
        )
    unknown_values = tuple(unknown_values)
    order = tuple(name_order) if name_order is not None else protected
    breakdowns: list[tuple[str, ...]] = [(name,) for name in protected]
    if intersections and len(protected) >= 2:
        breakdowns.extend(
            (protected[i], protected[j])
            for i in range(len(protected))
            for j in range(i + 1, len(protected))
        )
    tables: list[UGESPTable] = []
    pooled: list[PooledRow] = []
    for by in breakdowns:
        overall_counts = selection_counts(cube, by)
        overall = _table(
            overall_counts,
            by,
            stratum=None,
            min_group_size=min_group_size,
            unknown_values=unknown_values,
            name_order=order,
        )
        tables.append(overall)
        if not strata:
            continue
        stratified = selection_counts(cube, (*by, *strata))
        stratified["_stratum"] = stratified[list(strata)].agg(" / ".join, axis=1)
        for stratum, part in stratified.groupby("_stratum", sort=True):
            if part["applicants"].sum() == 0:
                continue
            tables.append(
                _table(
                    part.drop(columns=[*strata, "_stratum"]).reset_index(drop=True),
                    by,
                    stratum=str(stratum),
                    min_group_size=min_group_size,
                    unknown_values=unknown_values,
                    name_order=order,
                )
            )
        if overall.comparison is not None:
            pooled.extend(_pooled(stratified, by, overall, unknown_values, order))
    return UGESPResult(
        tables=tuple(tables), pooled=tuple(pooled), strata=strata, min_group_size=min_group_size
    )


def _known(counts: pd.DataFrame, by: tuple[str, ...], unknown_values) -> pd.Series:
    return ~counts[list(by)].apply(
        lambda row: any(is_unknown(v, unknown_values) for v in row), axis=1
    )


def _table(
    counts: pd.DataFrame,
    by: tuple[str, ...],
    *,
    stratum: str | None,
    min_group_size: int,
    unknown_values,
    name_order,
) -> UGESPTable:
    known_mask = _known(counts, by, unknown_values)
    unknown = int(counts.loc[~known_mask, "applicants"].sum())
    known = counts[known_mask & (counts["applicants"] > 0)].reset_index(drop=True)
    applicants = known["applicants"].to_numpy()
    selected = known["selected"].to_numpy()
    large = applicants >= min_group_size
    if large.any():
        eligible, basis = large, f"highest rate among categories with ≥ {min_group_size} applicants"
    else:
        eligible = np.ones(applicants.shape, dtype=bool)
        basis = f"highest rate among all categories (none has {min_group_size} applicants)"
    ratios = impact_ratios(selected=selected, total=applicants, eligible=eligible)
    index = ratios.comparison_index
    rows = []
    for i in range(len(known)):
        key = {name: str(known.loc[i, name]) for name in by}
        rows.append(
            _row(
                key,
                category_name(key, name_order=name_order),
                int(applicants[i]),
                int(selected[i]),
                comparison=(int(applicants[index]), int(selected[index]))
                if index is not None
                else None,
                is_comparison=i == index,
            )
        )
    comparison = rows[index].category if index is not None else None
    return UGESPTable(
        by=by,
        stratum=stratum,
        comparison=comparison,
        comparison_basis=basis,
        rows=tuple(rows),
        unknown=unknown,
    )


def _row(
    key: dict[str, str],
    category: str,
    applicants: int,
    selected: int,
    *,
    comparison: tuple[int, int] | None,
    is_comparison: bool,
) -> UGESPRow:
    rate = selected / applicants if applicants else None
    empty = dict(
        impact_ratio=None,
        impact_ratio_interval=None,
        z=None,
        z_p=None,
        fisher_p=None,
        test=None,
        shortfall=None,
        shortfall_four_fifths=None,
    )
    if comparison is None or rate is None:
        return UGESPRow(
            category=category,
            key=key,
            applicants=applicants,
            selected=selected,
            rate=rate,
            is_comparison=False,
            **empty,
        )
    n2, x2 = comparison
    comparison_rate = x2 / n2
    if is_comparison:
        return UGESPRow(
            category=category,
            key=key,
            applicants=applicants,
            selected=selected,
            rate=rate,
            is_comparison=True,
            **{**empty, "impact_ratio": 1.0},
        )
    counts = dict(selected=selected, total=applicants, comparison_selected=x2, comparison_total=n2)
    z_test = two_proportion_z_test(**counts)
    fisher = fisher_exact_test(**counts)
    return UGESPRow(
        category=category,
        key=key,
        applicants=applicants,
        selected=selected,
        rate=rate,
        is_comparison=False,
        impact_ratio=rate / comparison_rate,
        impact_ratio_interval=katz_ratio_interval(selected, applicants, x2, n2),
        z=z_test.statistic if z_test else None,
        z_p=z_test.p_value if z_test else None,
        fisher_p=fisher.p_value if fisher else None,
        test=preferred_test(selected, applicants, x2, n2),
        shortfall=selection_shortfall(
            selected=selected, total=applicants, comparison_rate=comparison_rate, ratio=1.0
        ),
        shortfall_four_fifths=selection_shortfall(
            selected=selected, total=applicants, comparison_rate=comparison_rate, ratio=0.8
        ),
    )


def preferred_test(x1: float, n1: float, x2: float, n2: float) -> TestName:
    """Fisher's exact test when the 2×2 table has fewer than 30 people or fewer than 5
    expected selections in either group under equal rates; otherwise the z test."""
    total = n1 + n2
    expected_selections = min(n1, n2) * (x1 + x2) / total if total else 0.0
    if total < FISHER_BELOW_N or expected_selections < FISHER_BELOW_EXPECTED:
        return "fisher_exact"
    return "two_proportion_z"


def _pooled(
    stratified: pd.DataFrame,
    by: tuple[str, ...],
    overall: UGESPTable,
    unknown_values,
    name_order,
) -> list[PooledRow]:
    comparison_key = next(row.key for row in overall.rows if row.is_comparison)
    strata_index = sorted(stratified["_stratum"].unique())

    def per_stratum(key: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
        mask = np.ones(len(stratified), dtype=bool)
        for name, value in key.items():
            mask &= (stratified[name] == value).to_numpy()
        part = stratified[mask].groupby("_stratum")[["applicants", "selected"]].sum()
        part = part.reindex(strata_index, fill_value=0)
        return part["selected"].to_numpy(), part["applicants"].to_numpy()

    comparison_selected, comparison_total = per_stratum(comparison_key)
    rows = []
    for row in overall.rows:
        if row.is_comparison:
            continue
        selected, total = per_stratum(row.key)
        rows.append(
            PooledRow(
                by=by,
                category=row.category,
                comparison=overall.comparison,
                test=stratified_test(
                    focal_selected=selected,
                    focal_total=total,
                    comparison_selected=comparison_selected,
                    comparison_total=comparison_total,
                ),
            )
        )
    return rows
