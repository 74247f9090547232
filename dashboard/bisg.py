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
    "estimated_attributes",
    "estimated_notice",
    "fallback_sentence",
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


def estimated_attributes(document: Mapping[str, Any]) -> list[str]:
    """The attributes of ``document`` that are estimated (e.g. ``["race"]``), in audit order."""
    found: list[str] = []
    for breakdown in document.get("breakdowns", []):
        by = breakdown.get("by") or []
        if len(by) == 1 and isinstance(breakdown.get("estimated"), Mapping) and by[0] not in found:
            found.append(by[0])
    return found


_FALLBACK_WORDS = {
    "surname_missing": "surname missing (population prior used)",
    "surname_not_in_census_list": "surname not in the Census list (population prior used)",
    "surname_matched_by_first_part": "compound surname matched by its first part",
    "surname_matched_by_last_part": "compound surname matched by its last part",
    "zip_missing": "ZIP code missing (surname only)",
    "zip_not_a_2010_zcta": "ZIP code not a 2010 ZCTA (surname only)",
    "first_name_missing": "first name missing (factor dropped)",
    "first_name_not_in_table": "first name not in the table (factor dropped)",
    "zero_product_surname_only": "zero product for every race (surname only)",
}


def fallback_sentence(estimate: Mapping[str, Any]) -> str:
    """How many people took each fallback, in words (or why the counts are not shown)."""
    counts = estimate.get("fallbacks")
    if not isinstance(counts, Mapping):
        return "Fallback counts are exact counts, so a private release leaves them out."
    taken = [
        f"{_FALLBACK_WORDS.get(key, key.replace('_', ' '))}: {int(count):,}"
        for key, count in counts.items()
        if isinstance(count, (int, float)) and count
    ]
    if not taken:
        return "Fallbacks: none (every surname and ZIP code was in the Census tables)."
    return "People who took a fallback: " + "; ".join(taken) + "."


def _private(document: Mapping[str, Any]) -> bool:
    privacy = document.get("privacy")
    return isinstance(privacy, Mapping) and privacy.get("mode") not in (None, "exact")


def estimated_notice(document: Mapping[str, Any]) -> str | None:
    """One paragraph for pages that show estimated race: method, tables, estimator, bias, and
    what the intervals carry (a private release's do not carry the estimate's uncertainty)."""
    for breakdown in document.get("breakdowns", []):
        estimate = breakdown.get("estimated")
        if isinstance(estimate, Mapping):
            intervals = (
                "Intervals of this private release carry the noise and sampling error only, NOT "
                "the uncertainty of the estimated race: read them as narrower than the truth."
                if _private(document)
                else "Intervals include the uncertainty of the estimate."
            )
            return (
                f"**Race is estimated, not recorded**: {estimate.get('method')} from surname and "
                f"ZIP code with the {estimate.get('vintage')} tables, "
                f"{estimate.get('estimator')} estimator. {estimate.get('known_bias')} "
                f"Group sizes are effective sizes (sums of probabilities). {intervals} "
                f"{fallback_sentence(estimate)}"
            )
    return None
