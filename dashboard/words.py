"""First guesses at the domain's words (the decision, the outcome) and its direction (does the
positive decision favour the person?), for the user to confirm on the Upload page. No
Streamlit here.

>>> words = suggest_words(label="credit", prediction="decision", positive="good",
...                       values_column="credit")
>>> words.outcome, words.favourable
('good credit', True)
>>> suggest_words(label="two_year_recid", prediction="high_risk", positive=None,
...               values_column="two_year_recid").decision
'flagged high risk'
"""

from __future__ import annotations

import dataclasses
import re

from auditor.vocabulary import Vocabulary, vocabulary_from_names

__all__ = [
    "DIRECTIONS",
    "FAVOURABLE",
    "UNFAVOURABLE",
    "SuggestedWords",
    "suggest_words",
    "words_vocabulary",
]

FAVOURABLE = "favourable to the person (approved, hired, low risk)"
UNFAVOURABLE = "unfavourable to the person (denied, flagged high risk)"
DIRECTIONS = (FAVOURABLE, UNFAVOURABLE)

_UNFAVOURABLE_WORDS = (
    "risk",
    "flag",
    "recid",
    "reoffend",
    "re-offend",
    "default",
    "deny",
    "denied",
    "declin",
    "reject",
    "fraud",
    "arrest",
    "fail",
    "bad",
    "churn",
)
_ADJECTIVES = {"good", "bad", "high", "low", "positive", "negative"}
_KNOWN_TOKENS = {"1", "0", "true", "false", "t", "f", "yes", "no", "y", "n", "1.0", "0.0"}


@dataclasses.dataclass(frozen=True, kw_only=True)
class SuggestedWords:
    """Words to start the Upload page's fields with; the user edits them."""

    decision: str
    not_decision: str
    outcome: str
    not_outcome: str
    favourable: bool


def _readable(column: str | None) -> str:
    """'high_risk' → 'high risk'; 'is_approved' → 'approved'."""
    text = re.sub(r"[_\-.]+", " ", str(column or "")).strip().lower()
    return re.sub(r"^(is|was|has|y|pred|predicted|label)\s+", "", text) or text


def _value_words(value: str | None, column: str | None) -> str | None:
    """A value that says something ('approved', 'good' → 'good credit'), else ``None``."""
    if value is None or str(value).strip().lower() in _KNOWN_TOKENS:
        return None
    text = str(value).strip()
    if text.lower() in _ADJECTIVES and column:
        return f"{text.lower()} {_readable(column)}"
    return text


def _mentions_unfavourable(*texts: str | None) -> bool:
    lowered = " ".join(str(t or "").lower() for t in texts)
    return any(word in lowered for word in _UNFAVOURABLE_WORDS)


def suggest_words(
    *,
    label: str | None,
    prediction: str | None,
    positive: str | None,
    values_column: str | None,
    other: str | None = None,
) -> SuggestedWords:
    """The decision and outcome in words, from the column names and the positive value.

    ``positive`` is the value chosen as positive (``None`` for 1/true/yes), ``other`` the
    column's other value, ``values_column`` the column whose values they are from. When the
    prediction uses the label's words (German credit: both ``good``/``bad``), the decision
    reads "predicted good credit" until the user names it ("approved"). The direction is "unfavourable" when the names speak
    of risk, flags, re-offending, default, denial or fraud.
    """
    from_value = _value_words(positive, values_column)
    other_words = _value_words(other, values_column) if from_value else None
    flagged = _readable(prediction)
    if prediction and _mentions_unfavourable(prediction) and not flagged.startswith("flag"):
        flagged = f"flagged {flagged}"
    not_decision = ""
    if values_column is not None and values_column == prediction and from_value:
        decision, not_decision = from_value, other_words or ""
    elif values_column is not None and values_column == label and from_value and prediction:
        decision = f"predicted {from_value}"
        not_decision = f"predicted {other_words}" if other_words else ""
    elif prediction:
        decision = flagged if _mentions_unfavourable(prediction) else _readable(prediction)
    else:
        decision = "predicted positive"
    not_outcome = ""
    if label is None:
        outcome = ""
    elif values_column == label and from_value:
        outcome, not_outcome = from_value, other_words or ""
    else:
        outcome = _readable(label)
    favourable = not _mentions_unfavourable(prediction, decision, positive)
    return SuggestedWords(
        decision=decision,
        not_decision=not_decision or f"not {decision}",
        outcome=outcome,
        not_outcome=not_outcome or (f"not {outcome}" if outcome else ""),
        favourable=favourable,
    )


def words_vocabulary(
    *,
    decision: str,
    not_decision: str = "",
    outcome: str = "",
    not_outcome: str = "",
    people: str = "",
) -> Vocabulary:
    """The :class:`~auditor.vocabulary.Vocabulary` of the Upload page's fields. An opposite
    that only says "not …" is left to the default phrasing ("were not approved")."""

    def opposite(text: str, of: str) -> str:
        text = " ".join(str(text or "").split())
        return "" if not text or text == f"not {of}" else text

    decision = " ".join(str(decision or "").split())
    outcome = " ".join(str(outcome or "").split())
    return vocabulary_from_names(
        decision=decision,
        not_decision=opposite(not_decision, decision) if decision else "",
        outcome=outcome,
        not_outcome=opposite(not_outcome, outcome) if outcome else "",
        people=people,
    )
