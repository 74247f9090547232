"""Run a regulatory template end to end: read the data once (twice for a scoring tool's
median), audit, and attach the template's tables to the :class:`~auditor.AuditResult`."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import PurePath
from typing import Any, Literal

import duckdb
import pandas as pd

from ..audit import audit
from ..errors import InputError
from ..result import AuditResult
from .categories import DEFAULT_UNKNOWN_VALUES
from .ll144 import ll144_tables
from .median import above_median_threshold, sample_median
from .ugesp import ugesp_battery

__all__ = ["TEMPLATES", "Template", "template_audit", "with_templates"]

Template = Literal["ll144", "ugesp"]
TEMPLATES: tuple[str, ...] = ("ll144", "ugesp")


def template_audit(
    source: str | os.PathLike | pd.DataFrame | duckdb.DuckDBPyRelation,
    *,
    template: Template,
    protected: str | Iterable[str],
    prediction: str | None = None,
    score: str | None = None,
    threshold: float | None = None,
    strata: str | Iterable[str] = (),
    exclude_under: float | None = None,
    tool_distribution_date: str | None = None,
    audit_date: str | None = None,
    data_source: str | None = None,
    unknown_values: Iterable[str] = DEFAULT_UNKNOWN_VALUES,
    **audit_options: Any,
) -> AuditResult:
    """An audit with the ``template``'s tables attached (``result.templates[template]``).

    For ``template="ll144"`` without ``prediction``, ``score`` makes it a scoring-tool audit:
    ŷ = score > the median score of the whole sample (see :mod:`auditor.templates.median`).
    ``strata`` (UGESP) are counted as extra dimensions of the same cube.
    """
    if template not in TEMPLATES:
        raise InputError(f"unknown template {template!r}: choose one of {', '.join(TEMPLATES)}")
    protected = (protected,) if isinstance(protected, str) else tuple(protected)
    strata = (strata,) if isinstance(strata, str) else tuple(strata)
    if template == "ll144" and strata:
        raise InputError("--strata belongs to --template ugesp; LL144 tables are not stratified")
    if template != "ll144" and (exclude_under is not None or tool_distribution_date is not None):
        raise InputError(
            "--ll144-exclude-under and --tool-distribution-date belong to --template ll144"
        )
    if audit_options.get("epsilon") is not None:
        raise InputError(
            "the regulatory templates publish exact counts: leave out --epsilon for a template"
        )
    median = None
    if template == "ll144" and prediction is None:
        if score is None:
            raise InputError(
                "--template ll144 needs --prediction COL (a selection tool) or --score COL "
                "(a scoring tool, rated against the median score)"
            )
        if threshold is not None:
            raise InputError(
                "a scoring-tool LL144 audit compares scores with the sample's median: "
                "leave out --threshold"
            )
        median, _ = sample_median(source, score=score, connection=audit_options.get("connection"))
        threshold = above_median_threshold(median)
    result = audit(
        source,
        protected=protected,
        prediction=prediction,
        score=score,
        threshold=threshold,
        strata=strata,
        **audit_options,
    )
    return with_templates(
        result,
        template=template,
        median_score=median,
        strata=strata,
        exclude_under=exclude_under,
        tool_distribution_date=tool_distribution_date,
        audit_date=audit_date,
        data_source=data_source,
        unknown_values=unknown_values,
    )


def with_templates(
    result: AuditResult,
    *,
    template: Template,
    median_score: float | None = None,
    strata: Iterable[str] = (),
    exclude_under: float | None = None,
    tool_distribution_date: str | None = None,
    audit_date: str | None = None,
    data_source: str | None = None,
    unknown_values: Iterable[str] = DEFAULT_UNKNOWN_VALUES,
) -> AuditResult:
    """``result`` with the template computed from its cube (no data is read)."""
    protected = tuple(result.mapping.protected)
    cube = result.stratified_cube or result.cube
    computed: Mapping[str, Any]
    if template == "ll144":
        if len(protected) > 2:
            raise InputError(
                f"--template ll144 takes the sex and the race/ethnicity columns, in that order "
                f"(--protected SEX,RACE), not {len(protected)} columns"
            )
        sex, race = (protected + (None,))[:2]
        computed = ll144_tables(
            cube,
            sex=sex,
            race=race,
            kind="scoring" if median_score is not None else "selection",
            median_score=median_score,
            exclude_under=exclude_under,
            unknown_values=unknown_values,
            data_source=data_source or result.dataset.source,
            audit_date=audit_date or result.created_at[:10],
            tool_distribution_date=tool_distribution_date,
        )
    else:
        computed = ugesp_battery(
            cube,
            protected=protected,
            strata=tuple(strata),
            intersections=bool(result.options.get("intersections", True)),
            min_group_size=int(result.options.get("min_group_size", 30)),
            name_order=protected[::-1] if len(protected) == 2 else protected,
            unknown_values=unknown_values,
        )
    extra = dict(result.extra)
    if median_score is not None and result.mapping.score is not None:
        # The cube's threshold is the next double above the median; name the rule instead.
        source = PurePath(str(result.dataset.source)).name
        extra["title"] = f"{result.mapping.score} above the median {median_score:g} on {source}"
    return replace(result, templates={**result.templates, template: computed}, extra=extra)
