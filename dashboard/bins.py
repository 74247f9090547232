"""The Upload page's offer to count a numeric protected column in bands instead of one group per
value (52 ages → ``<25``, ``25-39``, ``40-59``, ``60+``). The bands themselves are computed in
the DuckDB counting query (:mod:`auditor.binning`). No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from auditor.binning import QUANTILES, parse_bins

__all__ = [
    "BIN_CHOICES",
    "EDGES",
    "ONE_PER_VALUE",
    "bins_request",
    "numeric_columns",
    "preview_values",
]

ONE_PER_VALUE = "one group per value"
EDGES = "bands at my edges"
BIN_CHOICES = (
    *(
        f"{name} (bands of about equal size)"
        for name in sorted(QUANTILES, key=lambda n: (n != "quartiles", QUANTILES[n]))
    ),
    EDGES,
    ONE_PER_VALUE,
)
"""The choices, quartiles first: a numeric column is rarely meant as one group per value."""

MIN_DISTINCT = 10
"""A numeric column with more distinct values than this in the preview gets the offer."""


def numeric_columns(preview: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    """The ``columns`` whose preview values are numbers with many distinct values."""
    found = []
    for column in columns:
        if column not in preview.columns:
            continue
        text = preview[column].dropna().astype(str).str.strip()
        text = text[text != ""]
        numbers = pd.to_numeric(text, errors="coerce")
        if len(numbers) and numbers.notna().mean() >= 0.95 and numbers.nunique() > MIN_DISTINCT:
            found.append(column)
    return found


def preview_values(preview: pd.DataFrame, column: str, *, limit: int = 50) -> list[str]:
    """A column's distinct values in the preview, in their natural order when they have one
    (see :mod:`auditor.ordering`), for the user to order."""
    from auditor.ordering import ordered

    if column not in preview.columns:
        return []
    text = preview[column].dropna().astype(str).str.strip()
    return ordered(sorted(v for v in text.unique() if v))[:limit]


def bins_request(choices: dict[str, tuple[str, str]]) -> dict[str, object]:
    """``{column: (choice, edges text)}`` → the ``bins`` option of :func:`auditor.audit`.

    Raises :class:`~auditor.errors.InputError` (naming the column and the bad edge) for edges
    that are not increasing numbers.
    """
    request: dict[str, object] = {}
    for column, (choice, edges) in choices.items():
        if choice == ONE_PER_VALUE:
            continue
        if choice == EDGES:
            request.update(parse_bins({column: edges or ""}))
        else:
            request[column] = choice.split(" ", 1)[0]
    return request
