"""How the dashboard writes numbers: ratios, intervals, counts (≈ when noisy), released rates, flag
names. Undefined values read 'n/a', never 0. No Streamlit here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from auditor.narrative import format_rate

__all__ = ["FLAG_NAMES", "display_rate", "format_count", "format_interval", "format_ratio"]

FLAG_NAMES = {
    "empty": "no rows",
    "insufficient_data": "insufficient data",
    "no_actual_positives": "no actual positives",
    "no_actual_negatives": "no actual negatives",
}


def format_ratio(value: float | None) -> str:
    """1.923 → '1.92×'; ``None`` → 'n/a'."""
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value:.2f}×"


def format_interval(interval: Sequence[float] | None) -> str:
    if not interval:
        return "n/a"
    return f"{100 * interval[0]:.1f}–{100 * interval[1]:.1f}"


def format_count(value: Any, *, private: bool) -> str:
    if value is None:
        return "n/a"
    if private:
        return f"≈{max(0.0, float(value)):,.0f}"
    return f"{int(value):,}"


def display_rate(value: float | None) -> str:
    """A released rate for display: clamped into [0, 1] (the JSON keeps the raw value)."""
    if value is None:
        return "n/a"
    return format_rate(min(1.0, max(0.0, value)))
