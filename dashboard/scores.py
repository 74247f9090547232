"""What the Scores page shows: the threshold slider's range, ROC curves, operating points and AUC
by group. No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from auditor.errors import InputError
from auditor.scores import roc_curve

from .tables import breakdown_for

__all__ = ["auc_table", "operating_points", "roc_frame", "threshold_range"]


def threshold_range(result) -> tuple[float, float, float, float]:
    """``(low, high, step, current)`` for a threshold slider over the audit's score bins."""
    cells = result.cube.cells
    bins = (
        cells["score_bin"].dropna().astype(float)
        if cells is not None
        else pd.Series([], dtype=float)
    )
    if bins.empty:
        raise InputError(
            "this audit has no score values: audit with a score column to move the threshold"
        )
    low, high = float(bins.min()), float(bins.max())
    integer = bool((bins == bins.round()).all())
    step = 1.0 if integer else (0.01 if high - low <= 1.0 else round((high - low) / 100, 6))
    current = result.mapping.threshold
    if current is None:
        current = _implied_threshold(result.cube.cells)
    current = min(max(float(current), low), high)
    return low, high, step, current


def _implied_threshold(cells: pd.DataFrame) -> float:
    """The lowest score bin whose rows are mostly predicted positive (the model's own cut)."""
    table = (
        cells.dropna(subset=["score_bin"])
        .groupby("score_bin")[["yhat", "n"]]
        .apply(lambda part: (part["yhat"] * part["n"]).sum() / max(part["n"].sum(), 1))
    )
    positive = table[table >= 0.5]
    return float(positive.index.min()) if len(positive) else float(table.index.max())


def roc_frame(result, attribute: str) -> pd.DataFrame:
    """ROC points per group of ``attribute`` (columns ``group``, ``threshold``, ``fpr``, ``tpr``)."""
    table = result.cube.score_counts((attribute,))
    frames = []
    for value, part in table.groupby(attribute, observed=True, sort=True):
        curve = roc_curve(part["score_bin"], part["positives"], part["negatives"])
        curve.insert(0, "group", str(value))
        frames.append(curve)
    return (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["group", "threshold", "fpr", "tpr"])
    )


def operating_points(document: Mapping[str, Any], attribute: str) -> pd.DataFrame:
    """Each group's (FPR, TPR) in an audit document: its point on the ROC curve."""
    rows = [
        {
            "group": " × ".join(g["key"].values()),
            "fpr": g["metrics"].get("fpr"),
            "tpr": g["metrics"].get("tpr"),
        }
        for g in breakdown_for(document, attribute)["groups"]
    ]
    return pd.DataFrame(rows, columns=["group", "fpr", "tpr"]).dropna()


def auc_table(document: Mapping[str, Any], attribute: str) -> pd.DataFrame:
    """ROC AUC per group from the audit document's score section."""
    rows = []
    for group in (document.get("scores") or {}).get(attribute, []):
        auc = group.get("roc_auc")
        rows.append(
            {
                "group": " × ".join(group["key"].values()) or "all",
                "ROC AUC": "n/a" if auc is None else f"{auc:.3f}",
            }
        )
    return pd.DataFrame(rows)
