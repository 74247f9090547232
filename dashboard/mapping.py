"""First guesses at the column roles of an uploaded file (label, prediction, score, protected
attributes, positive label), for the user to confirm on the Upload page. No Streamlit here.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import pandas as pd

from auditor.labels import is_known_binary

__all__ = [
    "AUTOMATIC_POSITIVE",
    "CHOOSE_POSITIVE",
    "MappingSuggestion",
    "decision_has_own_values",
    "favourable_value",
    "positive_choices",
    "suggest_mapping",
]

AUTOMATIC_POSITIVE = "(automatic: 1, true or yes)"
CHOOSE_POSITIVE = "(choose the value)"

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


_PROTECTED_NAMES = ("age", "age_years", "foreign_worker", "citizenship", "national origin")
"""Whole column names of protected attributes too short or common to match inside other names
("age" is in "average", "page", "wage")."""


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
    "credit",
    "repaid",
    "repay",
)


_PREDICTION_WORDS = ("pred", "yhat", "y_hat", "decision", "high_risk", "flag", "approved", "output")


_SCORE_WORDS = ("score", "prob", "proba", "decile", "risk", "logit", "confidence")


_FAVOURABLE_PAIRS: tuple[tuple[str, str], ...] = (
    ("approved", "denied"),
    ("approved", "declined"),
    ("approved", "rejected"),
    ("approve", "deny"),
    ("accepted", "rejected"),
    ("accept", "reject"),
    ("granted", "denied"),
    ("granted", "refused"),
    ("hired", "not hired"),
    ("hire", "no hire"),
    ("selected", "not selected"),
    ("offer", "no offer"),
    ("admitted", "rejected"),
    ("pass", "fail"),
    ("passed", "failed"),
    ("good", "bad"),
)
"""Text outcomes whose favourable value the words themselves say (first of each pair)."""


def favourable_value(values: Sequence[str]) -> str | None:
    """The favourable one of two text outcomes when the words say it, else ``None``.

    ``good``/``bad`` → ``good``, ``Approved``/``Denied`` → ``Approved``. Two values that do not
    say it (``A``/``B``, ``<=50K``/``>50K``, ``low``/``high``) give ``None``: the user must
    choose, because guessing wrong silently turns approval rates into denial rates.
    """
    distinct = {str(v).strip() for v in values if str(v).strip() != ""}
    if len(distinct) != 2:
        return None
    lowered = {v.lower(): v for v in distinct}
    for favourable, unfavourable in _FAVOURABLE_PAIRS:
        if set(lowered) == {favourable, unfavourable}:
            return lowered[favourable]
    return None


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
        # a column named like a protected attribute (sex) is not the outcome
        plain = [c for c in remaining if not _mentions(c, _PROTECTED_WORDS)]
        label = (plain or remaining or [None])[0]
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
        and (
            (_mentions(c, _PROTECTED_WORDS) and 1 < len(distinct[c]) <= 50)
            # an age in years: offered for binning on the Upload page
            or (c.strip().lower() in _PROTECTED_NAMES and _numeric(preview, c) is not None)
            or (c.strip().lower() in _PROTECTED_NAMES and 1 < len(distinct[c]) <= 50)
        )
    ]
    # an age in years is left out when the file has its bands already (age_cat)
    protected = [
        c
        for c in protected
        if c.strip().lower() not in _PROTECTED_NAMES
        or not any(c.strip().lower() in other.lower() and other != c for other in protected)
    ]

    positive_label = None
    label_values: tuple[str, ...] = ()
    if label is not None:
        label_values = tuple(distinct[label])
        if not is_known_binary(label_values):
            positive_label = favourable_value(label_values)
    return MappingSuggestion(
        label=label,
        prediction=prediction,
        score=score,
        threshold=threshold,
        protected=tuple(protected),
        positive_label=positive_label,
        label_values=label_values,
    )


NO_LABEL = "(no outcome column: decisions only)"
"""The label choice for a file without ground truth: the audit then has selection rates,
impact ratios, intervals, tests and selection-rate verdicts only."""


def decision_values_column(
    label: str | None, *, prediction: str | None, columns: Sequence[str]
) -> str | None:
    """Which column's values say what "positive" is: the label's, or without a label the
    prediction column's (``None`` for a score with a threshold: 1 = score ≥ threshold)."""
    if label is not None:
        return label
    return prediction if prediction in columns else None


def positive_choices(values: Sequence[str]) -> tuple[list[str], str]:
    """The options for "which value is the favourable decision or the flag", and the default.

    0/1, true/false, yes/no: automatic (1, true, yes). Words that say it (approved/denied,
    good/bad…): the favourable one. Anything else: no default — the user chooses.
    """
    shown = [str(v) for v in values][:50]
    if is_known_binary(values):
        return [AUTOMATIC_POSITIVE, *shown], AUTOMATIC_POSITIVE
    favourable = favourable_value(values)
    return [CHOOSE_POSITIVE, *shown], favourable if favourable is not None else CHOOSE_POSITIVE


def decision_has_own_values(label_values: Sequence[str], prediction_values: Sequence[str]) -> bool:
    """Whether the prediction column speaks other words than the label (credit ``good``/``bad``,
    decision ``approved``/``denied``): then its positive value is asked for separately.
    1/0, true/false and yes/no decisions are coded automatically and need no question."""
    if not label_values or not prediction_values or is_known_binary(prediction_values):
        return False
    label_words = {str(v).strip().lower() for v in label_values}
    return not {str(v).strip().lower() for v in prediction_values} <= label_words
