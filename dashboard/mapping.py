"""First guesses at the column roles of an uploaded file (label, prediction, score, protected
attributes, positive label), for the user to confirm on the Upload page. No Streamlit here.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import pandas as pd

from auditor.labels import is_known_binary

__all__ = ["MappingSuggestion", "suggest_mapping"]

_PROTECTED_WORDS = (
    "race",
    "ethnic",
    "sex",
    "gender",
    "age_cat",
    "age_group",
    "agegroup",
    "age_band",
    "religion",
    "disab",
    "nationality",
    "national_origin",
    "marital",
    "pregnan",
    "colour",
    "color",
    "caste",
    "orientation",
)


_LABEL_WORDS = (
    "label",
    "target",
    "outcome",
    "actual",
    "truth",
    "y_true",
    "recid",
    "income",
    "class",
    "default",
    "churn",
)


_PREDICTION_WORDS = ("pred", "yhat", "y_hat", "decision", "high_risk", "flag", "approved", "output")


_SCORE_WORDS = ("score", "prob", "proba", "decile", "risk", "logit", "confidence")


@dataclasses.dataclass(frozen=True, kw_only=True)
class MappingSuggestion:
    """A first guess at the column roles, for the user to confirm."""

    label: str | None
    prediction: str | None
    score: str | None
    threshold: float | None
    protected: tuple[str, ...]
    positive_label: str | None
    label_values: tuple[str, ...] = ()


def _distinct(frame: pd.DataFrame, column: str) -> list[str]:
    values = frame[column].dropna().astype(str).str.strip()
    return sorted(v for v in values.unique() if v != "")


def _numeric(frame: pd.DataFrame, column: str) -> pd.Series | None:
    values = pd.to_numeric(frame[column].dropna().astype(str).str.strip(), errors="coerce")
    if len(values) == 0 or values.isna().mean() > 0.05:
        return None
    return values.dropna()


def _mentions(name: str, words: Sequence[str]) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in words)


def suggest_mapping(preview: pd.DataFrame) -> MappingSuggestion:
    """Guess label, prediction, score (+ threshold), protected attributes and positive label.

    Uses column names and the values in the preview rows; the user confirms every choice.
    """
    columns = [str(c) for c in preview.columns]
    distinct = {c: _distinct(preview, c) for c in columns}
    binary = [c for c in columns if len(distinct[c]) == 2]

    def pick(words: Sequence[str], candidates: Sequence[str], exclude: set[str]) -> str | None:
        for column in candidates:
            if column not in exclude and _mentions(column, words):
                return column
        return None

    label = pick(_LABEL_WORDS, binary, set())
    prediction = pick(_PREDICTION_WORDS, binary, {label} if label else set())
    if label is None:
        remaining = [c for c in binary if c != prediction]
        label = remaining[0] if remaining else None
    if prediction is None:
        prediction = next(
            (c for c in binary if c not in (label,) and not _mentions(c, _PROTECTED_WORDS)), None
        )

    score = None
    for column in columns:
        if column in (label, prediction) or not _mentions(column, _SCORE_WORDS):
            continue
        numbers = _numeric(preview, column)
        if numbers is not None and numbers.nunique() > 2:
            score = column
            break
    threshold = None
    if score is not None:
        numbers = _numeric(preview, score)
        low, high = float(numbers.min()), float(numbers.max())
        threshold = 0.5 if low >= 0.0 and high <= 1.0 else float(math.floor((low + high) / 2))

    protected = [
        c
        for c in columns
        if c not in (label, prediction, score)
        and _mentions(c, _PROTECTED_WORDS)
        and 1 < len(distinct[c]) <= 50
    ]

    positive_label = None
    label_values: tuple[str, ...] = ()
    if label is not None:
        label_values = tuple(distinct[label])
        if not is_known_binary(label_values):
            counts = preview[label].dropna().astype(str).str.strip().value_counts()
            positive_label = str(counts.index[-1]) if len(counts) else None
    return MappingSuggestion(
        label=label,
        prediction=prediction,
        score=score,
        threshold=threshold,
        protected=tuple(protected),
        positive_label=positive_label,
        label_values=label_values,
    )
