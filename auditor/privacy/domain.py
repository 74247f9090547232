"""Public group domains for a private release: declared categories, or DP partition selection.

The values of a protected attribute are data too: a group that appears in a DP output only
because it exists in the data reveals that someone belongs to it. So the release is made over
a *public* domain, the full cross product of each attribute's levels:

- **declared**: the user lists an attribute's values (``categories={"race": [...]}``) — a
  promise that they are public; a declared value with no rows still gets a (noisy) count.
  The declared list is the attribute's whole domain: rows with a value not declared are not
  counted (a public rule, so no privacy cost), unless :data:`OTHER` is itself declared, which
  gives a catch-all group for them;
- **partition selection**: for the attributes not declared, (attribute, value) counts go
  through OpenDP's Laplace threshold mechanism, which spends δ (and a quarter of ε); values
  whose noisy count misses the threshold are pooled into the level :data:`OTHER`, so no row
  silently vanishes. Which values were pooled is not reported — their names and their number
  are data-dependent; the noisy size of the ``(other)`` group is reported like any group's.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from ..errors import PrivacyError

__all__ = [
    "OTHER",
    "GroupDomain",
    "combined_domain",
    "declared_domain",
    "pool_cells",
    "selection_domain",
]

OTHER = "(other)"
"""The level that rows with an undeclared (or unselected) value of an attribute are counted in."""

MAX_RELEASE_CELLS = 2_000_000


@dataclass(frozen=True)
class GroupDomain:
    """Each protected attribute's public levels (``(other)`` last) and where they came from."""

    levels: Mapping[str, tuple[str, ...]]
    source: str  # "declared" | "partition_selection" | "declared_and_selected"
    declared: tuple[str, ...] = ()
    """The attributes whose values the user declared (the rest went through selection)."""

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
            "declared_attributes": list(self.declared),
            "other_level": OTHER,
            "undeclared_values": (
                f"not counted for a declared attribute (unless '{OTHER}' is declared); "
                f"pooled into '{OTHER}' when not selected by partition selection"
            ),
        }


def declared_domain(
    attributes: tuple[str, ...], categories: Mapping[str, Iterable[str]]
) -> GroupDomain:
    """The domain the user declared for every protected attribute."""
    domain = combined_domain(attributes, categories, selected=())
    missing = [name for name in attributes if name not in domain.declared]
    if missing:
        raise PrivacyError(
            f"categories declare no values for {missing}: declare the values of every "
            "protected attribute, or use release_cube, which selects the others with DP "
            "partition selection"
        )
    return domain


def declared_levels(
    attributes: tuple[str, ...], categories: Mapping[str, Iterable[str]]
) -> dict[str, tuple[str, ...]]:
    """Each declared attribute's levels, in the order declared (validated)."""
    unknown = sorted(set(categories) - set(attributes))
    if unknown:
        raise PrivacyError(
            f"categories are declared for {unknown}, which is not a protected attribute of "
            f"this audit; protected attributes are {list(attributes)}"
        )
    levels = {}
    for name in attributes:
        if name not in categories:
            continue
        values = tuple(dict.fromkeys(str(v) for v in categories[name]))
        if not values:
            raise PrivacyError(f"categories for '{name}' are empty: list at least one value")
        levels[name] = values
    return levels


def combined_domain(
    attributes: tuple[str, ...],
    categories: Mapping[str, Iterable[str]] | None,
    *,
    selected: Iterable[tuple[str, str]],
) -> GroupDomain:
    """Declared attributes as declared; the others from partition selection plus ``(other)``."""
    declared = declared_levels(attributes, categories or {})
    chosen: dict[str, set[str]] = {name: set() for name in attributes if name not in declared}
    for name, value in selected:
        if name in chosen and value != OTHER:
            chosen[name].add(value)
    levels = {
        name: declared[name] if name in declared else (*sorted(chosen[name]), OTHER)
        for name in attributes
    }
    if len(declared) == len(attributes):
        source = "declared"
    elif declared:
        source = "declared_and_selected"
    else:
        source = "partition_selection"
    return _checked(GroupDomain(levels=levels, source=source, declared=tuple(declared)))


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
    return combined_domain(attributes, None, selected=selected)


def pool_cells(cells: pd.DataFrame, domain: GroupDomain) -> pd.DataFrame:
    """Exact finest cells over the full domain grid (zeros where no row).

    A value outside an attribute's levels goes to ``(other)`` when that is a level, and is
    not counted otherwise (a declared domain without ``(other)``). Returns columns
    ``*attributes, y, yhat, n`` in the grid's order (attributes in level order, then y, then
    ŷ), one row per cell of the domain. Soft (fractional) counts stay fractional.
    """
    attributes = list(domain.levels)
    frame = cells[[*attributes, "y", "yhat", "n"]].copy()
    for name in attributes:
        known = set(domain.levels[name])
        values = frame[name].astype(str)
        frame[name] = values.where(values.isin(known), OTHER)
        if OTHER not in known:
            frame = frame[frame[name] != OTHER]
    summed = frame.groupby([*attributes, "y", "yhat"], observed=True)["n"].sum()
    grid = pd.MultiIndex.from_product(
        [*(list(v) for v in domain.levels.values()), [0, 1], [0, 1]],
        names=[*attributes, "y", "yhat"],
    )
    full = summed.reindex(grid, fill_value=0)
    if pd.api.types.is_integer_dtype(full) or (full == full.round()).all():
        full = full.astype("int64")  # estimated (BISG) soft counts stay fractional
    return full.reset_index()
