"""NYC Local Law 144 bias-audit tables (6 RCNY §5-300 ff.), from the count cube.

Three breakdowns — sex, race/ethnicity, and their intersection. For a **selection** tool the
rate of a category is ``selected / applicants``; for a **scoring** tool it is the share of the
category that scored above the median score ``M`` of the whole sample (the cube is then built
with ŷ = 1 when score > M, see :mod:`auditor.templates.median`). The impact ratio divides each
rate by the highest rate among the categories in the calculation (the *most selected*
category, not the largest). Applicants with an unknown category are counted apart and left out
of the rates. A category below ``exclude_under`` of the audited applicants may be left out of
the impact-ratio calculation: it stays in the table with its count and rate, marked excluded.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ..adverse_impact import impact_ratios
from ..cube import CountCube
from ..errors import InputError
from .categories import DEFAULT_UNKNOWN_VALUES, category_name, is_unknown, selection_counts

__all__ = [
    "EXCLUSION_JUSTIFICATION",
    "LL144Result",
    "LL144Row",
    "LL144Table",
    "ll144_tables",
]

ToolKind = Literal["selection", "scoring"]

EXCLUSION_JUSTIFICATION = (
    "6 RCNY §5-301(d) allows an independent auditor to exclude a category that represents "
    "less than {share} of the data used for the bias audit from the impact-ratio "
    "calculation. Excluded categories are still listed with their number of applicants and "
    "their rate; their impact ratio is not computed and they cannot be the comparison "
    "category."
)


@dataclass(frozen=True, kw_only=True)
class LL144Row:
    """One category of a breakdown."""

    category: str
    key: dict[str, str]
    applicants: int
    selected: int | None  # None for a scoring tool (the table shows the scoring rate only)
    above_median: int | None  # scoring tools: applicants who scored above the median
    rate: float | None
    impact_ratio: float | None
    share: float  # applicants / all applicants of the audit (including unknown)
    excluded: bool
    would_be_maximum: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "applicants": self.applicants,
            "selected": self.selected,
            "rate": self.rate,
            "impact_ratio": self.impact_ratio,
            "excluded": self.excluded,
            "share": self.share,
            **({"above_median": self.above_median} if self.above_median is not None else {}),
            **({"would_be_maximum": True} if self.would_be_maximum else {}),
        }


@dataclass(frozen=True, kw_only=True)
class LL144Table:
    """The table of one breakdown (``by`` is ``("sex",)``, ``("race",)`` or both)."""

    by: tuple[str, ...]
    rows: tuple[LL144Row, ...]
    unknown: int
    comparison: str | None  # the category with the highest rate in the calculation

    @property
    def excluded_would_be_maximum(self) -> tuple[str, ...]:
        return tuple(row.category for row in self.rows if row.would_be_maximum)

    def row(self, category: str) -> LL144Row:
        for row in self.rows:
            if row.category == category:
                return row
        raise KeyError(f"no category {category!r}; have {[r.category for r in self.rows]}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "by": list(self.by),
            "rows": [row.to_dict() for row in self.rows],
            "unknown": self.unknown,
            "comparison": self.comparison,
            "excluded_would_be_maximum": list(self.excluded_would_be_maximum),
        }


@dataclass(frozen=True, kw_only=True)
class LL144Result:
    """The LL144 bias-audit tables and the summary fields the rule asks to publish."""

    kind: ToolKind
    median_score: float | None
    score_column: str | None
    tables: tuple[LL144Table, ...]
    excluded_under: float | None
    applicants: int
    audit_date: str
    data_source: str
    tool_distribution_date: str | None

    @property
    def justification(self) -> str | None:
        """The justification printed when categories are excluded (None if none are)."""
        if self.excluded_under is None or not any(
            row.excluded for table in self.tables for row in table.rows
        ):
            return None
        return EXCLUSION_JUSTIFICATION.format(share=f"{self.excluded_under:.0%}")

    def table(self, *by: str) -> LL144Table:
        for table in self.tables:
            if table.by == tuple(by):
                return table
        raise KeyError(f"no table by {list(by)}; have {[list(t.by) for t in self.tables]}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "median_score": self.median_score,
            "score_column": self.score_column,
            "tables": [table.to_dict() for table in self.tables],
            "excluded_under": self.excluded_under,
            "exclusion_justification": self.justification,
            "applicants": self.applicants,
            "audit_date": self.audit_date,
            "data_source": self.data_source,
            "tool_distribution_date": self.tool_distribution_date,
        }


def ll144_tables(
    cube: CountCube,
    *,
    sex: str | None,
    race: str | None,
    kind: ToolKind = "selection",
    median_score: float | None = None,
    exclude_under: float | None = None,
    unknown_values: Iterable[str] = DEFAULT_UNKNOWN_VALUES,
    data_source: str,
    audit_date: str | None = None,
    tool_distribution_date: str | None = None,
) -> LL144Result:
    """The LL144 tables of a cube whose ŷ is the selection (or score > median).

    ``sex`` and ``race`` name the cube's attributes holding sex and race/ethnicity (one may
    be ``None``; with both, the intersection table is added, its categories named race first:
    "Hispanic or Latino Female"). ``exclude_under`` (e.g. ``0.02``) leaves categories below that
    share of all applicants out of the impact-ratio calculation.
    """
    if kind not in ("selection", "scoring"):
        raise InputError(f"LL144 tool kind must be 'selection' or 'scoring', not {kind!r}")
    if kind == "scoring" and median_score is None:
        raise InputError("a scoring-tool LL144 audit needs the median score of the whole sample")
    if exclude_under is not None and not 0 < exclude_under < 1:
        raise InputError(
            f"--ll144-exclude-under must be a share between 0 and 1 (e.g. 0.02), not {exclude_under}"
        )
    tool_distribution_date = _checked_date(tool_distribution_date)
    attributes = [name for name in (sex, race) if name is not None]
    if not attributes:
        raise InputError(
            "LL144 needs a sex and/or a race/ethnicity column: pass --protected SEX,RACE"
        )
    unknown_values = tuple(unknown_values)
    breakdowns: list[tuple[str, ...]] = [(name,) for name in attributes]
    if len(attributes) == 2:
        breakdowns.append((sex, race))
    name_order = [name for name in (race, sex) if name is not None]
    applicants = int(selection_counts(cube, ())["applicants"].sum())
    tables = tuple(
        _table(
            selection_counts(cube, by),
            by,
            kind=kind,
            total=applicants,
            exclude_under=exclude_under,
            unknown_values=unknown_values,
            name_order=name_order,
        )
        for by in breakdowns
    )
    return LL144Result(
        kind=kind,
        median_score=median_score,
        score_column=cube.score_column if kind == "scoring" else None,
        tables=tables,
        excluded_under=exclude_under,
        applicants=applicants,
        audit_date=audit_date or _dt.date.today().isoformat(),
        data_source=data_source,
        tool_distribution_date=tool_distribution_date,
    )


def _checked_date(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return _dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise InputError(
            f"--tool-distribution-date {value!r} is not a date: write it as YYYY-MM-DD"
        ) from None


def _table(
    counts,
    by: tuple[str, ...],
    *,
    kind: ToolKind,
    total: int,
    exclude_under: float | None,
    unknown_values: Sequence[str],
    name_order: Sequence[str],
) -> LL144Table:
    known_mask = ~counts[list(by)].apply(
        lambda row: any(is_unknown(v, unknown_values) for v in row), axis=1
    )
    unknown = int(counts.loc[~known_mask, "applicants"].sum())
    known = counts[known_mask].reset_index(drop=True)
    keys = [{name: str(record[name]) for name in by} for _, record in known.iterrows()]
    applicants = known["applicants"].to_numpy()
    selected = known["selected"].to_numpy()
    shares = applicants / total if total else applicants * 0.0
    excluded = (
        (shares < exclude_under) if exclude_under is not None else shares < 0  # all False
    )
    eligible = ~excluded & (applicants > 0)
    ratios = impact_ratios(selected=selected, total=applicants, eligible=eligible)
    comparison_rate = ratios.comparison_rate
    rows = []
    for i, key in enumerate(keys):
        rate = float(ratios.rates[i]) if applicants[i] > 0 else None
        ratio = None
        if not excluded[i] and rate is not None and comparison_rate:
            ratio = float(ratios.ratios[i])
        would_be_max = bool(excluded[i] and rate is not None and rate > (comparison_rate or 0.0))
        rows.append(
            LL144Row(
                category=category_name(key, name_order=name_order),
                key=key,
                applicants=int(applicants[i]),
                selected=int(selected[i]) if kind == "selection" else None,
                above_median=int(selected[i]) if kind == "scoring" else None,
                rate=rate,
                impact_ratio=ratio,
                share=float(shares[i]),
                excluded=bool(excluded[i]),
                would_be_maximum=would_be_max,
            )
        )
    comparison = (
        rows[ratios.comparison_index].category if ratios.comparison_index is not None else None
    )
    return LL144Table(by=by, rows=tuple(rows), unknown=unknown, comparison=comparison)
