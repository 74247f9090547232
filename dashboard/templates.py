"""The Templates page's logic: compute a regulatory template for the loaded audit, and export it.

A selection-tool template without strata is a sum over the audit's cube (no data is read).
Strata and a scoring tool's median need the file: then the template audit reads it again
(once for the median, once for the cube with the strata as one more dimension).
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

import auditor
from auditor.errors import InputError
from auditor.templates.run import template_audit, with_templates

from .export import neutralise_cell

__all__ = [
    "TemplateRequest",
    "compute_template",
    "display_frame",
    "frame_csv",
    "stratum_candidates",
]


@dataclass(frozen=True, kw_only=True)
class TemplateRequest:
    template: Literal["ll144", "ugesp"]
    kind: Literal["selection", "scoring"] = "selection"
    sex: str | None = None
    race: str | None = None
    exclude_under: float | None = None
    tool_distribution_date: _dt.date | None = None
    strata: tuple[str, ...] = ()


def _source_path(result: auditor.AuditResult) -> Path:
    path = Path(str(result.dataset.source))
    if not path.is_file():
        raise InputError(
            "this option needs to read the file again, and the loaded audit's file is no "
            "longer available: upload it again on the Upload page"
        )
    return path


def stratum_candidates(result: auditor.AuditResult, workspace: Any) -> list[str]:
    """Columns of the file that could be strata: every column without a role in the audit
    (none when the audit's file can no longer be read)."""
    try:
        columns = list(workspace.inspect(_source_path(result), rows=1).columns)
    except auditor.AuditorError:
        return []
    mapping = result.mapping
    used = {mapping.label, mapping.prediction, mapping.score, *mapping.protected}
    return [c for c in columns if c not in used]


def compute_template(
    result: auditor.AuditResult,
    request: TemplateRequest,
    *,
    data_source: str | None = None,
    connection: Any = None,
) -> auditor.AuditResult:
    """``result`` with the requested template attached (``.templates[request.template]``).

    ``data_source`` names the data in the LL144 summary (e.g. the uploaded file's name; by
    default the audit's source).
    """
    if result.is_private:
        raise InputError("the templates publish exact counts: use the exact audit")
    date = request.tool_distribution_date.isoformat() if request.tool_distribution_date else None
    if request.template == "ll144":
        protected = [c for c in (request.sex, request.race) if c]
        if not protected:
            raise InputError("choose the sex column, the race/ethnicity column, or both")
    else:
        protected = list(result.mapping.protected)
    rescan = bool(request.strata) or request.kind == "scoring"
    same_columns = protected == list(result.mapping.protected)
    if not rescan and same_columns:
        return with_templates(
            result,
            template=request.template,
            exclude_under=request.exclude_under,
            tool_distribution_date=date,
            data_source=data_source,
        )
    mapping = result.mapping
    options: dict[str, Any] = dict(
        label=mapping.label,
        positive_label=mapping.positive_label,
        min_group_size=int(result.options.get("min_group_size", 30)),
    )
    if request.kind == "scoring":
        if mapping.score is None:
            raise InputError("a scoring-tool audit needs a score column: map one on Upload")
        prediction, score, threshold = None, mapping.score, None
    else:
        prediction, score, threshold = mapping.prediction, mapping.score, mapping.threshold
    return template_audit(
        _source_path(result),
        template=request.template,
        protected=protected,
        prediction=prediction,
        score=score,
        threshold=threshold,
        strata=request.strata,
        exclude_under=request.exclude_under,
        tool_distribution_date=date,
        data_source=data_source or result.dataset.source,
        connection=connection,
        **options,
    )


def display_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` for ``st.table``, indexed by its first column; headers are rendered as
    Markdown there, so a leading ``#`` ("# Applicants") is escaped, not made a heading."""
    shown = frame.rename(columns=lambda c: str(c).replace("#", "\\#"))
    return shown.set_index(shown.columns[0])


def frame_csv(frame: pd.DataFrame) -> str:
    """A template table as CSV, with text cells made inert for spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([neutralise_cell(str(c)) for c in frame.columns])
    for record in frame.itertuples(index=False):
        writer.writerow(["" if pd.isna(v) else neutralise_cell(v) for v in record])
    return out.getvalue()
