"""Row-level frames made from count tables, for the template tests (counts stay hand-checkable)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

import auditor


def expand(columns: Sequence[str], cells: Sequence[tuple]) -> pd.DataFrame:
    """One row per applicant from ``(value, value, …, applicants, selected)`` tuples.

    The frame has the given columns plus ``selected`` (1/0).
    """
    records = []
    for *values, applicants, selected in cells:
        if not 0 <= selected <= applicants:
            raise ValueError(f"selected {selected} out of range for {applicants} applicants")
        for i in range(applicants):
            records.append(
                {**dict(zip(columns, values, strict=True)), "selected": int(i < selected)}
            )
    return pd.DataFrame.from_records(records, columns=[*columns, "selected"])


def cube_of(frame: pd.DataFrame, attributes: Sequence[str]):
    """The count cube of ``frame`` with ŷ = ``selected`` over ``attributes`` (no label used)."""
    return auditor.audit(frame, prediction="selected", protected=list(attributes)).cube
