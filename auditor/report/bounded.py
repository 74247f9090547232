"""Bound the text of an audit document before it is laid out.

Group values, column names, policy names and file names come from the data. A 30 KB group name
took ReportLab 101 s and 1 GiB to lay out, and a vertical tab in one made vl-convert abort the
process. Every string in the document (keys included) is therefore shortened to
:data:`TEXT_LIMIT` characters (:func:`auditor.textsafety.shorten`: ellipsis, full length and a
digest, so distinct names stay distinct) and its control characters are made visible
(:func:`auditor.textsafety.visible`). The report then says that it did so.

Sentences the auditor wrote itself (a baseline study's ``conclusion``, a check's
``description``, the stated known bias of estimated race, a template's rule for reading
Fisher's test: :data:`PROSE_KEYS`) may be longer: in those only each word longer than :data:`TEXT_LIMIT` is
shortened, and the whole is cut at :data:`PROSE_LIMIT` characters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..textsafety import has_unsafe, shorten, visible

__all__ = ["TEXT_LIMIT", "BoundedDocument", "bound_document", "bound_text"]

TEXT_LIMIT = 160
"""Characters of one string from the data that the report prints."""
PROSE_LIMIT = 3000
"""Characters of one of the auditor's own sentences (which may quote names from the data)."""
PROSE_KEYS = frozenset(
    {
        "conclusion",
        "description",
        "note",
        "notes",
        "explanation",
        "reason",
        "warning",
        # the method statements of estimated race, a regulatory template and a DP release
        "known_bias",
        "fallback_rules",
        "estimator_description",
        "intervals",
        "fisher_rule",
        "breslow_day_caveat",
        "suppressed",
    }
)
"""Keys whose strings the auditor writes: sentences, bounded as prose. (Under a group,
``intervals`` holds numbers, which are not bounded either way.)"""
_LONG_WORD = re.compile(rf"\S{{{TEXT_LIMIT + 1},}}")


@dataclass(frozen=True)
class BoundedDocument:
    document: dict[str, Any]
    shortened: int
    """How many distinct strings were longer than :data:`TEXT_LIMIT` and were shortened."""
    escaped: int
    """How many distinct strings held control characters now shown as escapes."""


def bound_text(text: str) -> str:
    """One string as the report prints it: shortened, control characters visible."""
    return visible(shorten(text, limit=TEXT_LIMIT))


def bound_prose(text: str) -> str:
    """One of the auditor's sentences: over-long words shortened, the whole bounded."""
    if len(text) > TEXT_LIMIT:
        text = _LONG_WORD.sub(lambda word: shorten(word.group(), limit=TEXT_LIMIT), text)
    return visible(shorten(text, limit=PROSE_LIMIT))


def bound_document(document: Mapping[str, Any]) -> BoundedDocument:
    """A copy of ``document`` with every string bounded by :func:`bound_text`."""
    shortened: set[str] = set()
    escaped: set[str] = set()

    def text(value: str, *, prose: bool = False) -> str:
        bounded = bound_prose(value) if prose else bound_text(value)
        if len(value) > (PROSE_LIMIT if prose else TEXT_LIMIT) or (
            prose and _LONG_WORD.search(value)
        ):
            shortened.add(bounded)
        if has_unsafe(value[: PROSE_LIMIT + 1]):
            escaped.add(bounded)
        return bounded

    def walk(value: Any, *, prose: bool = False) -> Any:
        if isinstance(value, str):
            return text(value, prose=prose)
        if isinstance(value, Mapping):
            return {
                (text(k) if isinstance(k, str) else k): walk(v, prose=k in PROSE_KEYS)
                for k, v in value.items()
            }
        if isinstance(value, (list, tuple)):
            return [walk(v, prose=prose) for v in value]
        return value

    bounded = walk(document)
    return BoundedDocument(bounded, len(shortened), len(escaped))


def bounding_note(bounded: BoundedDocument) -> str | None:
    """A sentence for the report saying what was shortened or escaped (None if nothing)."""
    parts = []
    if bounded.shortened:
        parts.append(
            f"{bounded.shortened:,} name{'s' if bounded.shortened != 1 else ''} from the data "
            f"{'are' if bounded.shortened != 1 else 'is'} longer than {TEXT_LIMIT} characters "
            "and shortened here, marked '… [length, #digest]'"
        )
    if bounded.escaped:
        parts.append("control characters in names from the data are shown as escapes such as \\x1b")
    if not parts:
        return None
    return "Note: " + "; ".join(parts) + ". The audit JSON holds every name in full."
