"""Estimated race in the dashboard: which columns could feed BISG, and how pages name race.

No Streamlit here: pages call these and draw.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "BisgColumns",
    "attribute_label",
    "estimated_notice",
    "suggest_bisg_columns",
]

_SURNAME_WORDS = ("surname", "last_name", "lastname", "family_name", "familyname", "last name")
_ZIP_WORDS = ("zip", "postal", "postcode", "zcta")
_FIRST_WORDS = ("first_name", "firstname", "given_name", "forename", "first name")


@dataclasses.dataclass(frozen=True, kw_only=True)
class BisgColumns:
    """Columns that look like a surname, a ZIP code and (optionally) a first name."""

    surname: str
    zip: str
    first_name: str | None = None

    def spec_text(self) -> str:
        """The ``--bisg`` text for :func:`auditor.audit`."""
        text = f"surname={self.surname},zip={self.zip}"
        return text + (f",first_name={self.first_name}" if self.first_name else "")


def _find(columns: Sequence[str], words: Sequence[str]) -> str | None:
    for column in columns:
        lowered = column.lower().replace("-", "_")
        if any(word in lowered for word in words):
            return column
    return None


def suggest_bisg_columns(columns: Sequence[str]) -> BisgColumns | None:
    """Surname and ZIP-code columns found by name (both needed), with a first name if any."""
    columns = [str(c) for c in columns]
    surname = _find(columns, _SURNAME_WORDS)
    zipcode = _find([c for c in columns if c != surname], _ZIP_WORDS)
    if surname is None or zipcode is None:
        return None
    first = _find([c for c in columns if c not in (surname, zipcode)], _FIRST_WORDS)
    return BisgColumns(surname=surname, zip=zipcode, first_name=first)


def _estimated(document: Mapping[str, Any], attribute: str) -> Mapping[str, Any] | None:
    for breakdown in document.get("breakdowns", []):
        if breakdown.get("by") == [attribute] and isinstance(breakdown.get("estimated"), Mapping):
            return breakdown["estimated"]
    return None


def attribute_label(document: Mapping[str, Any], attribute: str) -> str:
    """``race (estimated)`` for an estimated attribute, else the attribute's name."""
    return f"{attribute} (estimated)" if _estimated(document, attribute) else attribute


def estimated_notice(document: Mapping[str, Any]) -> str | None:
    """One paragraph for pages that show estimated race: method, tables, estimator, bias."""
    for breakdown in document.get("breakdowns", []):
        estimate = breakdown.get("estimated")
        if isinstance(estimate, Mapping):
            return (
                f"**Race is estimated, not recorded**: {estimate.get('method')} from surname and "
                f"ZIP code with the {estimate.get('vintage')} tables, "
                f"{estimate.get('estimator')} estimator. {estimate.get('known_bias')} "
                "Group sizes are effective sizes (sums of probabilities); intervals include the "
                "uncertainty of the estimate."
            )
    return None
