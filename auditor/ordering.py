"""The order groups are listed in: ordered buckets in their natural order (``<25``, ``25-39``,
``40-59``, ``60+``), else as the data gives them; or the order a user sets.

Age bands and income brackets sorted as text put ``60+`` before ``<25`` and ``100-149`` before
``25-49``; a regulator reads a table of them top to bottom. :func:`natural_order` detects
values that all read as numeric buckets (a number, a range, "under"/"over" a number, a number
with "+") or as a known ordinal scale (low/medium/high) and sorts them by their lower bound.

>>> natural_order(["60+", "25-39", "<25", "40-59"])
['<25', '25-39', '40-59', '60+']
>>> natural_order(["Greater than 45", "25 - 45", "Less than 25"])
['Less than 25', '25 - 45', 'Greater than 45']
>>> natural_order(["Female", "Male"]) is None
True
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

__all__ = ["bucket_key", "natural_order", "ordered"]

_NUMBER = r"[-+]?\$?\d[\d,]*(?:\.\d+)?\s*[kKmM%]?"
_BELOW = re.compile(
    rf"^(?:<=?|≤|under|below|less than|fewer than|up to|younger than)\s*({_NUMBER})", re.I
)
_ABOVE = re.compile(rf"^(?:>=?|≥|over|above|greater than|more than|older than)\s*({_NUMBER})", re.I)
_PLUS = re.compile(rf"^({_NUMBER})\s*(?:\+|or more|or older|or over|and over|and above|plus)", re.I)
_RANGE = re.compile(rf"^({_NUMBER})\s*(?:-|–|—|to)\s*({_NUMBER})", re.I)
_PLAIN = re.compile(rf"^({_NUMBER})(?:\s+[a-z ]+)?$", re.I)

_SCALES: tuple[tuple[str, ...], ...] = (
    ("very low", "low", "medium", "high", "very high"),
    ("very low", "low", "moderate", "high", "very high"),
    ("low", "medium", "high"),
    ("low", "moderate", "high"),
    ("low", "mid", "high"),
    ("small", "medium", "large"),
    ("never", "rarely", "sometimes", "often", "always"),
)


def _number(text: str) -> float:
    cleaned = text.strip().replace(",", "").replace("$", "").replace(" ", "")
    scale = 1.0
    if cleaned[-1:] in "kK":
        scale, cleaned = 1e3, cleaned[:-1]
    elif cleaned[-1:] in "mM":
        scale, cleaned = 1e6, cleaned[:-1]
    elif cleaned.endswith("%"):
        cleaned = cleaned[:-1]
    return float(cleaned) * scale


def bucket_key(value: str) -> tuple[float, int] | None:
    """(lower bound, rank) of a numeric bucket, ``None`` if ``value`` is not one.

    Rank orders buckets that share a bound: "under 25" (0) before "25-39" or "25" (1) before
    "over 25" or "25+" (2).
    """
    text = str(value).strip()
    for pattern, rank in ((_BELOW, 0), (_ABOVE, 2), (_PLUS, 2), (_RANGE, 1), (_PLAIN, 1)):
        match = pattern.match(text)
        if match:
            try:
                return _number(match.group(1)), rank
            except ValueError:
                return None
    return None


def natural_order(values: Iterable[str], *, last: Sequence[str] = ()) -> list[str] | None:
    """``values`` in their natural order when they are ordered buckets or an ordinal scale,
    else ``None``. Values in ``last`` (e.g. the missing-value group) are listed last and do
    not decide whether the others are ordered."""
    distinct = list(dict.fromkeys(str(v) for v in values))
    tail = [v for v in distinct if v in last]
    body = [v for v in distinct if v not in last]
    if len(body) < 2:
        return None
    keys = {v: bucket_key(v) for v in body}
    if all(key is not None for key in keys.values()):
        return sorted(body, key=lambda v: keys[v]) + tail
    lowered = {v.strip().lower(): v for v in body}
    for scale in _SCALES:
        if set(lowered) <= set(scale) and len(lowered) >= 2:
            return [lowered[word] for word in scale if word in lowered] + tail
    return None


def ordered(
    values: Iterable[str],
    *,
    order: Sequence[str] | None = None,
    last: Sequence[str] = (),
) -> list[str]:
    """``values`` in the user's ``order`` (values it does not name follow, as given), else in
    their natural order, else as given."""
    distinct = list(dict.fromkeys(str(v) for v in values))
    if order:
        rank = {str(v): i for i, v in enumerate(order)}
        return sorted(distinct, key=lambda v: (rank.get(v, len(rank)), distinct.index(v)))
    return natural_order(distinct, last=last) or distinct


def group_rank(
    keys: Sequence[Mapping[str, str]],
    *,
    orders: Mapping[str, Sequence[str]] | None = None,
    last: Sequence[str] = (),
) -> list[int]:
    """The indices of ``keys`` (one group's value per attribute) sorted attribute by attribute
    in each attribute's order (:func:`ordered`)."""
    if not keys:
        return []
    attributes = list(keys[0])
    positions = {}
    for name in attributes:
        sequence = ordered([str(k[name]) for k in keys], order=(orders or {}).get(name), last=last)
        positions[name] = {value: i for i, value in enumerate(sequence)}
    return sorted(
        range(len(keys)),
        key=lambda i: tuple(positions[name][str(keys[i][name])] for name in attributes),
    )
