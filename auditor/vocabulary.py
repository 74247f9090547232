"""The words of a data set's domain — who the people are, what the model decides, what the true
outcome is — so every sentence, table header, chart and report reads in them.

A user names the decision (``"approved"``, ``"hired"``, ``"flagged high risk"``) and the
outcome (``"repaid"``, ``"good credit"``, ``"re-offended"``); :func:`vocabulary_from_names`
turns the names into the phrases the sentences use, and :func:`metric_label` into the headers
of tables and charts ("approved (selection rate)", "denied among those who had good credit
(false negative rate)").

>>> words = vocabulary_from_names(decision="approved", not_decision="denied",
...                               outcome="good credit", people="applicants")
>>> words.predicted_negative, words.actual_positive
('were denied', 'had good credit')
>>> metric_label("fnr", words)
'denied among those who had good credit (false negative rate)'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import InputError

__all__ = [
    "Vocabulary",
    "impact_ratio_words",
    "metric_label",
    "vocabulary_from_dict",
    "vocabulary_from_names",
]


@dataclass(frozen=True, kw_only=True)
class Vocabulary:
    """Words for the people and outcomes of a data set, so sentences read naturally.

    The phrases (``predicted_positive`` …) complete sentences such as "Black applicants who
    had good credit were denied 2.4× as often as …"; the names (``decision`` …) label
    tables and charts. Empty names fall back to the generic wording.
    """

    people: str = "people"
    actual_positive: str = "had the positive outcome"
    actual_negative: str = "did not have the positive outcome"
    predicted_positive: str = "were predicted positive"
    predicted_negative: str = "were predicted negative"
    decision: str = ""
    """The positive decision in the user's words ("approved", "flagged high risk")."""
    not_decision: str = ""
    """Its opposite ("denied", "not flagged high risk")."""
    outcome: str = ""
    """The positive true outcome ("repaid", "good credit", "re-offended")."""
    not_outcome: str = ""
    """Its opposite ("did not repay", "bad credit")."""

    def to_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)


_BE = ("were ", "was ", "are ", "is ", "got ", "received ", "had ", "have ")
# past tenses that do not end in -ed, so "who repaid" rather than "who had repaid"
_VERBS = {"repaid", "paid", "won", "lost", "left", "quit", "stayed", "got", "made", "paid back"}


def _decision_phrase(name: str) -> str:
    return name if name.lower().startswith(_BE) else f"were {name}"


def _is_verb(name: str) -> bool:
    first = name.lower().split()[0] if name.split() else ""
    return name.lower() in _VERBS or first in _VERBS or first.endswith("ed")


def _outcome_phrase(name: str) -> str:
    """'repaid' → 'repaid'; 'good credit' → 'had good credit'."""
    if name.lower().startswith(("did ", "had ", "has ", "have ", "was ", "were ")):
        return name
    return name if _is_verb(name) else f"had {name}"


def _not_outcome_phrase(name: str) -> str:
    """'repaid' → 'had not repaid'; 'good credit' → 'did not have good credit'."""
    return f"had not {name}" if _is_verb(name) else f"did not have {name}"


def _clean(value: str | None, what: str) -> str:
    text = " ".join(str(value or "").split())
    if len(text) > 60:
        raise InputError(
            f"the {what} name {text[:60]!r}… is longer than 60 characters: "
            "use a few words, e.g. 'approved'"
        )
    return text


def vocabulary_from_names(
    *,
    decision: str | None = None,
    not_decision: str | None = None,
    outcome: str | None = None,
    not_outcome: str | None = None,
    people: str | None = None,
) -> Vocabulary:
    """A :class:`Vocabulary` from the names a user gives; a name left out keeps the generic words.

    ``decision`` is what the model's positive decision does to a person, as a past participle
    ("approved", "hired", "flagged high risk"); ``outcome`` the positive true outcome, as a
    verb in the past ("repaid", "re-offended") or a noun phrase ("good credit").
    """
    decision = _clean(decision, "decision")
    not_decision = _clean(not_decision, "opposite decision")
    outcome = _clean(outcome, "outcome")
    not_outcome = _clean(not_outcome, "opposite outcome")
    people = _clean(people, "people")
    generic = Vocabulary()
    values: dict[str, str] = {}
    if people:
        values["people"] = people
    if decision:
        values["decision"] = decision
        values["not_decision"] = not_decision or f"not {decision}"
        values["predicted_positive"] = _decision_phrase(decision)
        values["predicted_negative"] = (
            _decision_phrase(not_decision) if not_decision else f"were not {decision}"
        )
    elif not_decision:
        raise InputError("an opposite decision needs the decision's own name: give both")
    if outcome:
        values["outcome"] = outcome
        values["not_outcome"] = not_outcome or f"not {outcome}"
        values["actual_positive"] = _outcome_phrase(outcome)
        values["actual_negative"] = (
            _outcome_phrase(not_outcome) if not_outcome else _not_outcome_phrase(outcome)
        )
    elif not_outcome:
        raise InputError("an opposite outcome needs the outcome's own name: give both")
    return dataclasses.replace(generic, **values)


def vocabulary_from_dict(data: Mapping[str, Any] | None) -> Vocabulary:
    """The :class:`Vocabulary` of an audit document's ``vocabulary`` object (unknown keys are
    ignored, so an older or newer document still reads)."""
    if not data:
        return Vocabulary()
    names = {f.name for f in dataclasses.fields(Vocabulary)}
    return Vocabulary(**{k: str(v) for k, v in data.items() if k in names and v is not None})


_METRIC_NAMES: dict[str, str] = {
    "selection_rate": "selection rate",
    "base_rate": "base rate",
    "tpr": "true positive rate",
    "fpr": "false positive rate",
    "fnr": "false negative rate",
    "tnr": "true negative rate",
    "ppv": "precision (PPV)",
    "npv": "negative predictive value",
    "fdr": "false discovery rate",
    "for": "false omission rate",
    "accuracy": "accuracy",
}


def metric_label(metric: str, vocabulary: Vocabulary | None = None) -> str:
    """A metric's name for headers and charts, in the data set's words when it has them.

    ``selection_rate`` → "approved (selection rate)", ``fpr`` → "approved among those who did
    not have good credit (false positive rate)"; without names the statistical name.
    """
    name = _METRIC_NAMES.get(metric, metric)
    v = vocabulary or Vocabulary()
    decided = {
        "selection_rate": (v.decision, ""),
        "tpr": (v.decision, v.actual_positive),
        "fpr": (v.decision, v.actual_negative),
        "fnr": (v.not_decision, v.actual_positive),
        "tnr": (v.not_decision, v.actual_negative),
    }
    if metric in decided:
        decision, among = decided[metric]
        if not decision or (metric != "selection_rate" and not v.outcome):
            return name
        if not among or metric == "selection_rate":
            return f"{decision} ({name})"
        return f"{decision} among those who {among} ({name})"
    if metric == "base_rate" and v.outcome:
        return f"{v.outcome} (base rate)"
    return name


def impact_ratio_words(breakdown: Mapping[str, Any], vocabulary: Vocabulary | None = None) -> str:
    """The impact ratio's numerator: the selection rate, or for an unfavourable decision its
    favourable complement (the four-fifths rule compares favourable rates)."""
    if breakdown.get("impact_ratio_rate") == "favourable_complement":
        decision = getattr(vocabulary, "decision", "") or "given the (unfavourable) decision"
        return (
            f"The decision ({decision}) is unfavourable, so the four-fifths rule compares the "
            f"favourable complement: each group's share not {decision} ÷ the highest such share"
        )
    return "Each group's selection rate ÷ the highest selection rate"
