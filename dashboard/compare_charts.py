"""Altair charts of a comparison (compare-v1 dict): each group's change with its interval."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import altair as alt
import pandas as pd

__all__ = ["change_chart", "change_frame"]


def change_frame(breakdown: Mapping[str, Any], metric: str) -> pd.DataFrame:
    """One row per group: baseline, candidate, change and its interval for ``metric``."""
    rows = []
    for group in breakdown.get("groups", []):
        figure = group.get("metrics", {}).get(metric) or {}
        interval = figure.get("interval") or [None, None]
        rows.append(
            {
                "group": " × ".join(str(v) for v in group["key"].values()),
                "n": group["n"]["candidate"],
                "small": "insufficient_data" in group.get("flags", []),
                "baseline": figure.get("baseline"),
                "candidate": figure.get("candidate"),
                "change": figure.get("change"),
                "low": interval[0],
                "high": interval[1],
                "method": figure.get("method"),
            }
        )
    return pd.DataFrame(rows)


def change_chart(breakdown: Mapping[str, Any], metric: str, *, title: str) -> alt.LayerChart:
    """Change (candidate − baseline) per group: a point and its interval, and a zero line."""
    frame = change_frame(breakdown, metric).dropna(subset=["change"])
    frame["size"] = frame["small"].map({True: "small group", False: "enough data"})
    base = alt.Chart(frame).encode(y=alt.Y("group:N", title=None, sort=None))
    bars = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("low:Q", title=f"change in {title} (candidate − baseline)"), x2="high:Q"
    )
    points = base.mark_point(filled=True, size=70).encode(
        x="change:Q",
        shape=alt.Shape("size:N", title=None),
        tooltip=["group", "n", "baseline", "candidate", "change", "low", "high", "method"],
    )
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(strokeDash=[4, 3]).encode(x="x:Q")
    return alt.layer(bars, points, zero).properties(height=max(120, 28 * len(frame)))
