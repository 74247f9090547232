"""What the user asks for: which columns hold the surname, the ZIP code and the first name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..errors import InputError

__all__ = ["ESTIMATORS", "BisgSpec", "Estimator", "parse_bisg"]

Estimator = Literal["weighted", "threshold", "both"]
ESTIMATORS: tuple[str, ...] = ("weighted", "threshold", "both")
ATTRIBUTE = "race"
"""The protected attribute BISG adds."""

THRESHOLD = 0.8
"""Threshold assignment: the most probable race if its posterior is at least this, else
'Unassigned'."""


@dataclass(frozen=True, kw_only=True)
class BisgSpec:
    """The columns BISG reads. They are personal data: used in the join, never reported."""

    surname: str
    zip: str
    first_name: str | None = None
    estimator: Estimator = "weighted"

    def __post_init__(self) -> None:
        if self.estimator not in ESTIMATORS:
            raise InputError(
                f"BISG estimator {self.estimator!r} is not known: use one of {', '.join(ESTIMATORS)}"
            )
        named = [self.surname, self.zip] + ([self.first_name] if self.first_name else [])
        if len(set(named)) != len(named):
            raise InputError(
                "--bisg names the same column twice: surname, zip and first_name are different "
                "columns"
            )

    @property
    def method(self) -> Literal["BISG", "BIFSG"]:
        return "BIFSG" if self.first_name else "BISG"

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.surname, self.zip) + ((self.first_name,) if self.first_name else ())


def parse_bisg(text: str, *, estimator: Estimator = "weighted") -> BisgSpec:
    """``"surname=last,zip=zip5[,first_name=first]"`` → :class:`BisgSpec`."""
    parts: dict[str, str] = {}
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        key, sep, value = item.partition("=")
        key = key.strip().lower().replace("-", "_")
        if not sep or not value.strip():
            raise InputError(
                f"--bisg item {item!r} is not KEY=COLUMN: write e.g. "
                "--bisg surname=last_name,zip=zip_code[,first_name=first_name]"
            )
        if key not in ("surname", "zip", "first_name"):
            raise InputError(
                f"--bisg key {key!r} is not known: use surname=COL, zip=COL and optionally "
                "first_name=COL"
            )
        if key in parts:
            raise InputError(f"--bisg gives {key} twice: give each key once")
        parts[key] = value.strip()
    missing = [key for key in ("surname", "zip") if key not in parts]
    if missing:
        raise InputError(
            f"--bisg needs {' and '.join(missing)}: write e.g. "
            "--bisg surname=last_name,zip=zip_code"
        )
    return BisgSpec(
        surname=parts["surname"],
        zip=parts["zip"],
        first_name=parts.get("first_name"),
        estimator=estimator,
    )
