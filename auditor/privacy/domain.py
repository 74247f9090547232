"""Public group domains for a private release: declared categories, or DP partition selection.

The values of a protected attribute are data too: a group that appears in a DP output only
because it exists in the data reveals that someone belongs to it. So the release is made over
a *public* domain, the full cross product of each attribute's levels:

- **declared**: the user lists each attribute's values (``categories={"race": [...]}``); a
  declared value with no rows still gets a (noisy) count;
- **partition selection**: otherwise, (attribute, value) counts go through OpenDP's Laplace
  threshold mechanism, which spends δ (and a quarter of ε); values whose noisy count misses
  the threshold are not reported.

Either way every attribute also gets the level :data:`OTHER`: rows whose value was not
declared (or not selected) are counted there, so no row silently vanishes. Which values were
pooled into it is not reported — their names and their number are data-dependent; the noisy
size of the ``(other)`` group is reported like any group's.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from ..errors import PrivacyError

__all__ = ["OTHER", "GroupDomain", "declared_domain", "pool_cells"]

OTHER = "(other)"
"""The level that rows with an undeclared (or unselected) value of an attribute are counted in."""

MAX_RELEASE_CELLS = 2_000_000


@dataclass(frozen=True)
class GroupDomain:
    """Each protected attribute's public levels (``(other)`` last) and where they came from."""

    levels: Mapping[str, tuple[str, ...]]
    source: str  # "declared" | "partition_selection"

    @property
    def cells(self) -> int:
        """Cells in the finest table: the product of level counts × 2 labels × 2 predictions."""
        return math.prod(len(v) for v in self.levels.values()) * 4

    def multiplicity(self, by: Iterable[str]) -> int:
        """How many finest cells are summed into one confusion cell of a group of ``by``."""
        by = set(by)
        return math.prod(len(v) for name, v in self.levels.items() if name not in by)

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "levels": {name: list(values) for name, values in self.levels.items()},
            "other_level": OTHER,
        }


def declared_domain(
    attributes: tuple[str, ...], categories: Mapping[str, Iterable[str]]
) -> GroupDomain:
    """The domain the user declared; every protected attribute must be declared."""
    unknown = sorted(set(categories) - set(attributes))
    if unknown:
        raise PrivacyError(
            f"categories are declared for {unknown}, which is not a protected attribute of "
            f"this audit; protected attributes are {list(attributes)}"
        )
    missing = [name for name in attributes if name not in categories]
    if missing:
        raise PrivacyError(
            f"categories declare no values for {missing}: declare the values of every "
            "protected attribute (or none, to select groups with DP partition selection)"
        )
    levels = {}
    for name in attributes:
        values = list(dict.fromkeys(str(v) for v in categories[name]))
        if OTHER in values:
            values.remove(OTHER)
        if not values:
            raise PrivacyError(f"categories for '{name}' are empty: list at least one value")
        levels[name] = (*values, OTHER)
    return _checked(GroupDomain(levels=levels, source="declared"))


def _checked(domain: GroupDomain) -> GroupDomain:
    if domain.cells > MAX_RELEASE_CELLS:
        raise PrivacyError(
            f"the declared groups make {domain.cells:,} cells, more than the {MAX_RELEASE_CELLS:,} "
            "a single release can hold: declare fewer values or audit fewer attributes at once"
        )
    return domain


def selection_domain(
    attributes: tuple[str, ...], selected: Iterable[tuple[str, str]]
) -> GroupDomain:
    """The domain from partition selection: the selected values of each attribute, sorted."""
    chosen: dict[str, set[str]] = {name: set() for name in attributes}
    for name, value in selected:
        if value != OTHER:
            chosen[name].add(value)
    levels = {name: (*sorted(chosen[name]), OTHER) for name in attributes}
    return _checked(GroupDomain(levels=levels, source="partition_selection"))


def pool_cells(cells: pd.DataFrame, domain: GroupDomain) -> pd.DataFrame:
    """Exact finest cells over the full domain grid (zeros where no row), undeclared → ``(other)``.

    Returns columns ``*attributes, y, yhat, n`` in the grid's order (attributes in level
    order, then y, then ŷ), one row per cell of the domain.
    """
    attributes = list(domain.levels)
    frame = cells[[*attributes, "y", "yhat", "n"]].copy()
    for name in attributes:
        known = set(domain.levels[name])
        values = frame[name].astype(str)
        frame[name] = values.where(values.isin(known), OTHER)
    summed = frame.groupby([*attributes, "y", "yhat"], observed=True)["n"].sum()
    grid = pd.MultiIndex.from_product(
        [*(list(v) for v in domain.levels.values()), [0, 1], [0, 1]],
        names=[*attributes, "y", "yhat"],
    )
    full = summed.reindex(grid, fill_value=0).astype("int64")
    return full.reset_index()
