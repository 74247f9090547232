"""Who audits whom: the engagement details a filed report carries (organisation, case number,
auditor, audited party, model, report date), printed on the PDF cover with a signature block and
kept in the audit JSON under ``"engagement"``.

They are facts the user declares, never read from the data, so a private (DP) report may carry
them too.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import InputError

__all__ = ["ENGAGEMENT_FIELDS", "Engagement", "load_engagement", "with_engagement"]

ENGAGEMENT_FIELDS: dict[str, str] = {
    "organisation": "Auditing organisation",
    "case_reference": "Case / reference number",
    "auditor": "Auditor",
    "audited_party": "Audited party",
    "model": "Model or tool audited",
    "report_date": "Date of report",
}
"""Field name → how the cover labels it, in cover order."""

_MAX_LENGTH = 300


@dataclasses.dataclass(frozen=True, kw_only=True)
class Engagement:
    """The engagement details of one report; empty fields are left off the cover."""

    organisation: str = ""
    case_reference: str = ""
    auditor: str = ""
    audited_party: str = ""
    model: str = ""
    report_date: str = ""

    def __post_init__(self) -> None:
        for name in ENGAGEMENT_FIELDS:
            value = getattr(self, name)
            if not isinstance(value, str):
                raise InputError(f"engagement field '{name}' must be text, not {value!r}")
            cleaned = " ".join(value.split())
            if len(cleaned) > _MAX_LENGTH:
                raise InputError(
                    f"engagement field '{name}' is {len(cleaned)} characters long: keep it "
                    f"under {_MAX_LENGTH}"
                )
            object.__setattr__(self, name, cleaned)
        if self.report_date:
            try:
                _dt.date.fromisoformat(self.report_date)
            except ValueError:
                raise InputError(
                    f"engagement report_date {self.report_date!r} is not a date: write it as "
                    "YYYY-MM-DD, e.g. 2026-12-01"
                ) from None

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Engagement:
        unknown = sorted(set(values) - set(ENGAGEMENT_FIELDS))
        if unknown:
            raise InputError(
                f"unknown engagement field(s) {unknown}: use {list(ENGAGEMENT_FIELDS)}"
            )
        return cls(**{k: str(v) if v is not None else "" for k, v in values.items()})

    @property
    def is_empty(self) -> bool:
        return not any(self.to_dict().values())

    def to_dict(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in ENGAGEMENT_FIELDS}


def load_engagement(path: str | Path) -> Engagement:
    """Read engagement details from a TOML file of ``field = "text"`` lines."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"engagement file '{path}' does not exist") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InputError(f"engagement file '{path}' is not valid TOML: {error}") from None
    return Engagement.from_mapping(data)


def with_engagement(document: Mapping[str, Any], engagement: Engagement | None) -> dict[str, Any]:
    """The audit document with its engagement details (unchanged when there are none)."""
    if engagement is None or engagement.is_empty:
        return dict(document)
    return {**document, "engagement": engagement.to_dict()}
