"""Selection counts per category, read from the count cube, and how categories are named.

The templates need, per category of a breakdown, the number of applicants and the number
selected — the cube's ``n`` and ``tp + fp``, which need no outcome label. Categories whose
value is missing or declared unknown are counted apart: the rules leave them out of the rates
and impact ratios but require their number to be stated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from ..cube import MISSING_GROUP, CountCube
from ..errors import InputError

__all__ = [
    "DEFAULT_UNKNOWN_VALUES",
    "category_name",
    "is_unknown",
    "selection_counts",
]

DEFAULT_UNKNOWN_VALUES: tuple[str, ...] = (
    MISSING_GROUP,
    "unknown",
    "not disclosed",
    "undisclosed",
    "declined to state",
    "decline to state",
    "prefer not to say",
    "not specified",
)
"""Values (compared case-insensitively) counted as an unknown category: an empty cell is
counted in the cube as ``(missing)``; the others are common spellings of a declined answer."""


def is_unknown(value: str, unknown_values: Iterable[str] = DEFAULT_UNKNOWN_VALUES) -> bool:
    """True when ``value`` is missing or one of the declared unknown values."""
    folded = str(value).strip().casefold()
    return any(folded == str(u).strip().casefold() for u in unknown_values)


def category_name(key: Mapping[str, str], *, name_order: Sequence[str]) -> str:
    """A category's name: its values joined in ``name_order`` ("Hispanic or Latino Female")."""
    ordered = [name for name in name_order if name in key] + [
        name for name in key if name not in name_order
    ]
    return " ".join(str(key[name]) for name in ordered)


def selection_counts(cube: CountCube, by: Sequence[str]) -> pd.DataFrame:
    """Per group of ``by``: its values (as text), ``applicants`` and ``selected``.

    ``selected`` is the cube's ``tp + fp`` (ŷ = 1), ``applicants`` its ``n``; no label is used.
    """
    by = tuple(by)
    if cube.cells is None and len(by) > 2:
        raise InputError(
            f"the breakdown {list(by)} needs the finest count cube, which was too large to "
            "build for this data: use fewer or coarser strata or protected attributes"
        )
    if cube.is_private:
        raise InputError(
            "the regulatory templates publish exact counts and cannot be computed from a "
            "differentially private release: leave out --epsilon for a template audit"
        )
    table = cube.counts(by)
    out = pd.DataFrame({name: table[name].astype(str) for name in by})
    out["applicants"] = table["n"].astype("int64")
    out["selected"] = (table["tp"] + table["fp"]).astype("int64")
    return out.reset_index(drop=True)
