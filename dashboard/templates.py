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
    "ll144_column_guess",
    "locate_source",
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


def locate_source(
    result: auditor.AuditResult, workspace: Any, *, sample: str | None = None
) -> Path | None:
    """Where the loaded audit's file is: the bundled sample's file, or this session's upload
    of that name (audits name their data by the upload's name, not by its server path)."""
    if sample:
        from auditor.samples import get_sample

        return get_sample(sample).path
    for path, name in getattr(workspace, "upload_names", {}).items():
        if name == result.dataset.source and Path(path).is_file():
            return Path(path)
    path = Path(str(result.dataset.source))
    return path if path.is_file() else None


def _required(path: Path | None) -> Path:
    if path is None or not path.is_file():
        raise InputError(
            "this option needs to read the file again, and the loaded audit's file is no "
            "longer available: upload it again on the Upload page"
        )
    return path


def stratum_candidates(
    result: auditor.AuditResult, workspace: Any, *, source: Path | None
) -> list[str]:
    """Columns of the file that could be strata: every column without a role in the audit
    (none when the audit's file can no longer be read)."""
    if source is None:
        return []
    try:
        columns = list(workspace.inspect(source, rows=1).columns)
    except auditor.AuditorError:
        return []
    mapping = result.mapping
    used = {mapping.label, mapping.prediction, mapping.score, *mapping.protected}
    return [c for c in columns if c not in used]


def compute_template(
    result: auditor.AuditResult,
    request: TemplateRequest,
    *,
    source: Path | None = None,
    data_source: str | None = None,
    connection: Any = None,
) -> auditor.AuditResult:
    """``result`` with the requested template attached (``.templates[request.template]``).

    ``source`` is the file (see :func:`locate_source`), read again only for strata or a
    scoring tool's median. ``data_source`` names the data in the LL144 summary (e.g. the
    uploaded file's name; by default the audit's source name).
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
        _required(source),
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


_SEX_WORDS = ("sex", "gender")
_RACE_WORDS = ("race", "ethnic")


def ll144_column_guess(protected: list[str]) -> tuple[str | None, str | None]:
    """``(sex, race)``: the protected columns whose names say sex/gender and race/ethnicity,
    for the LL 144 template's defaults (``None`` when no name says so — the user picks)."""

    def named(words: tuple[str, ...]) -> str | None:
        return next((c for c in protected if any(w in c.lower() for w in words)), None)

    return named(_SEX_WORDS), named(_RACE_WORDS)
