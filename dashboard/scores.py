"""What the Scores page shows: the threshold slider's range, ROC curves, operating points and AUC
by group. No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from auditor.errors import InputError
from auditor.scores import roc_curve

from .tables import breakdown_for

__all__ = [
    "ModelThreshold",
    "auc_table",
    "model_threshold",
    "operating_points",
    "calibration_figure",
    "page_document",
    "roc_frame",
    "roc_figure",
    "score_groups",
    "threshold_range",
]

DERIVED_AGREEMENT = 0.995
"""The prediction column counts as 'score ≥ t' when at least this share of rows agrees."""


@dataclass(frozen=True, kw_only=True)
class ModelThreshold:
    """Where the Scores page's threshold starts, and why.

    ``origin``: ``"mapping"`` (given with the score when the data was mapped), ``"derived"``
    (the prediction column is 'score ≥ value' for ``agreement`` of the rows) or ``"default"``
    (no cut reproduces the prediction column: 0.5, or the middle of a score range without 0.5).
    """

    value: float
    origin: Literal["mapping", "derived", "default"]
    agreement: float | None = None

    def statement(self, score: str) -> str:
        """One sentence for the page: where the threshold starts and how that was decided."""
        if self.origin == "mapping":
            return (
                f"Starts at the threshold given when the data was mapped: {score} ≥ {self.value:g}."
            )
        share = (
            "every row" if self.agreement == 1 else f"{100 * (self.agreement or 0):.2f}% of rows"
        )
        if self.origin == "derived":
            return (
                f"Starts at the model's own threshold, {self.value:g}: the prediction column "
                f"equals {score} ≥ {self.value:g} for {share}."
            )
        return (
            f"The model's threshold could not be derived: no single cut on {score} reproduces "
            f"the prediction column (the best agrees on {share}), so the threshold starts at "
            f"{self.value:g}, an assumption, not the model's."
        )


def threshold_range(result) -> tuple[float, float, float, float]:
    """``(low, high, step, current)`` for a threshold slider over the audit's score bins;
    ``current`` is :func:`model_threshold`'s value."""
    low, high, step = _score_span(result)
    return low, high, step, model_threshold(result).value


def _score_span(result) -> tuple[float, float, float]:
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
    return low, high, step


def model_threshold(result) -> ModelThreshold:
    """The threshold that produced the prediction column, if one did (see :class:`ModelThreshold`)."""
    low, high, step = _score_span(result)
    if result.mapping.threshold is not None:
        value = min(max(float(result.mapping.threshold), low), high)
        return ModelThreshold(value=value, origin="mapping")
    value, agreement = _best_cut(result.cube.cells)
    if agreement >= DERIVED_AGREEMENT:
        return ModelThreshold(value=value, origin="derived", agreement=agreement)
    fallback = 0.5 if low <= 0.5 <= high else low + round((high - low) / 2 / step) * step
    return ModelThreshold(value=fallback, origin="default", agreement=agreement)


def _best_cut(cells: pd.DataFrame) -> tuple[float, float]:
    """``(t, share)``: the score bin ``t`` for which 'score ≥ t' agrees with the prediction
    column on the largest share of rows (scores compared at the cube's three significant
    digits)."""
    table = (
        cells.dropna(subset=["score_bin"])
        .assign(positive=lambda f: f["yhat"] * f["n"])
        .groupby("score_bin")[["positive", "n"]]
        .sum()
        .sort_index()
    )
    positives = table["positive"].to_numpy(dtype=float)
    negatives = table["n"].to_numpy(dtype=float) - positives
    total = float(table["n"].sum())
    # Cut before bin j: bins < j predicted negative, bins ≥ j positive.
    agree = np.concatenate([[0.0], np.cumsum(negatives)])[:-1] + np.cumsum(positives[::-1])[::-1]
    best = int(np.argmax(agree))
    return float(table.index[best]), float(agree[best] / total) if total else 0.0


def roc_frame(result, attribute: str) -> pd.DataFrame:
    """ROC points per group of ``attribute`` (columns ``group``, ``threshold``, ``fpr``, ``tpr``),
    kept with the result's cube: a moved threshold moves only the operating points, not the
    curves (~14 ms for the benchmark's race groups). Treat the frame as read-only."""
    return result.cube.kept(("roc_frame", attribute), lambda: _roc_frame(result.cube, attribute))


def _roc_frame(cube, attribute: str) -> pd.DataFrame:
    table = cube.score_counts((attribute,))
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


def score_groups(document: Mapping[str, Any], attribute: str) -> list[str]:
    """The groups of ``attribute`` in the score section, in order: one colour each on every
    chart of the Scores page (``auditor.charts.group_colours``)."""
    return [
        " × ".join(str(v) for v in group["key"].values()) or "all"
        for group in (document.get("scores") or {}).get(attribute, [])
    ]


def roc_figure(result, attribute: str, document: Mapping[str, Any], groups: tuple[str, ...]):
    """The ROC chart of ``attribute``'s groups with the operating points of ``document`` (the
    audit at the page's threshold), each group in its colour of ``groups``' order."""
    from auditor import charts

    return charts.roc_chart(
        roc_frame(result, attribute),
        points=operating_points(document, attribute),
        colours=charts.group_colours(groups),
    )


def calibration_figure(calibration: list, groups: tuple[str, ...], *, counts: bool = False):
    """The calibration chart (``counts``: the people per score bin) of one attribute's groups."""
    from auditor import charts

    draw = charts.calibration_counts_chart if counts else charts.calibration_chart
    return draw(calibration, colours=charts.group_colours(groups))


def page_document(view, attribute: str) -> dict[str, Any]:
    """The parts of ``view``'s audit JSON the Scores page shows: the policy's verdicts, the
    words, and the breakdown of ``attribute`` — not the 765 groups of every breakdown (the
    whole document of a moved threshold took about as long to write as to compute)."""
    from auditor.result import breakdown_to_dict

    return {
        "policy": view.policy.to_dict() if view.policy is not None else None,
        "vocabulary": view.vocabulary.to_dict(),
        "breakdowns": [
            breakdown_to_dict(b, estimated=view.estimated)
            for b in view.breakdowns
            if b.by == (attribute,)
        ],
    }
