"""Formatting of values for the report: escaping, rates, intervals, counts.

Everything that comes from the uploaded data (group names, column names, file names) passes
through :func:`esc` before it reaches ReportLab's paragraph mini-markup, so a group called
``<b>`` or ``&`` prints literally.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape

from ..textsafety import visible

__all__ = [
    "clamp",
    "esc",
    "fmt_count",
    "fmt_interval",
    "fmt_number",
    "fmt_rate",
    "fmt_ratio",
    "group_name",
    "is_defined",
]


def esc(value: Any) -> str:
    """Text safe for a ReportLab Paragraph (``&``, ``<``, ``>``, quotes escaped; controls visible)."""
    return escape(visible(str(value)), {'"': "&quot;"})


def is_defined(value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return False
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def clamp(value: float, low: float = 0.0, high: float = math.inf) -> float:
    """For display only: a rate from noisy (DP) counts can fall outside [0, 1]."""
    return min(max(value, low), high)


def fmt_rate(value: Any) -> str:
    """0.4233 → '42.3%'; undefined → 'n/a' (never 0); shown clamped to [0, 1]."""
    return f"{100 * clamp(float(value), 0.0, 1.0):.1f}%" if is_defined(value) else "n/a"


def fmt_interval(interval: Sequence[Any] | None, *, percent: bool = True) -> str:
    """[0.399, 0.448] → '39.9–44.8'; missing → ''; shown clamped to [0, 1] (ratios: ≥ 0)."""
    if not interval or len(interval) != 2 or not all(is_defined(v) for v in interval):
        return ""
    low, high = (float(v) for v in interval)
    if percent:
        return f"{100 * clamp(low, 0, 1):.1f}–{100 * clamp(high, 0, 1):.1f}"
    return f"{clamp(low):.2f}–{clamp(high):.2f}"


def fmt_ratio(value: Any) -> str:
    return f"{clamp(float(value)):.2f}" if is_defined(value) else "n/a"


def fmt_number(value: Any, digits: int = 3) -> str:
    return f"{float(value):.{digits}f}" if is_defined(value) else "n/a"


def fmt_count(value: Any, *, private: bool) -> str:
    """An integer count; a DP count is the released noisy value, clamped at 0 for display."""
    if not is_defined(value):
        return "n/a"
    number = float(value)
    if private:
        number = max(0.0, number)
    return f"{round(number):,}"


def group_name(key: Mapping[str, Any]) -> str:
    return " × ".join(str(v) for v in key.values()) or "all"
