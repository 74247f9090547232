"""Score analyses by group — ROC AUC, ROC curves, threshold sweeps, calibration — from score-bin counts.

Scores are counted in bins (three significant digits; integer scores such as COMPAS deciles
are exact), so these figures need no second pass over the data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .cube import CountCube
from .errors import InputError
from .metrics import wilson_interval

__all__ = [
    "CalibrationBin",
    "ScoreGroup",
    "cube_at_threshold",
    "roc_auc",
    "roc_curve",
    "score_analysis",
    "threshold_sweep",
]

MAX_CALIBRATION_BINS = 10


@dataclass(frozen=True)
class CalibrationBin:
    """Observed positive rate among a group's rows whose score falls in [lower, upper]."""

    lower: float
    upper: float
    mean_score: float
    observed_rate: float | None
    n: float
    interval: tuple[float, float] | None


@dataclass(frozen=True)
class ScoreGroup:
    """Score figures for one group."""

    key: dict[str, str]
    positives: float
    negatives: float
    roc_auc: float | None
    calibration: tuple[CalibrationBin, ...]

    def to_dict(self) -> dict:
        return {
            "key": self.key,
            "positives": self.positives,
            "negatives": self.negatives,
            "roc_auc": self.roc_auc,
            "calibration": [
                {
                    "lower": b.lower,
                    "upper": b.upper,
                    "mean_score": b.mean_score,
                    "observed_rate": b.observed_rate,
                    "n": b.n,
                    "interval": list(b.interval) if b.interval else None,
                }
                for b in self.calibration
            ],
        }


def roc_auc(positives: Sequence[float], negatives: Sequence[float]) -> float | None:
    """AUC from counts per ascending score bin; ties count one half. ``None`` if a class is absent."""
    pos = np.clip(np.asarray(positives, dtype=float), 0, None)
    neg = np.clip(np.asarray(negatives, dtype=float), 0, None)
    total_pos, total_neg = pos.sum(), neg.sum()
    if total_pos <= 0 or total_neg <= 0:
        return None
    negatives_below = np.concatenate([[0.0], np.cumsum(neg)[:-1]])
    wins = (pos * negatives_below).sum() + 0.5 * (pos * neg).sum()
    return float(wins / (total_pos * total_neg))


def roc_curve(
    bins: Sequence[float], positives: Sequence[float], negatives: Sequence[float]
) -> pd.DataFrame:
    """(threshold, fpr, tpr) for 'score ≥ threshold' at every bin, from strict to lenient."""
    order = np.argsort(np.asarray(bins, dtype=float))[::-1]
    b = np.asarray(bins, dtype=float)[order]
    pos = np.clip(np.asarray(positives, dtype=float)[order], 0, None)
    neg = np.clip(np.asarray(negatives, dtype=float)[order], 0, None)
    tp, fp = np.cumsum(pos), np.cumsum(neg)
    total_pos, total_neg = max(pos.sum(), 1e-12), max(neg.sum(), 1e-12)
    frame = pd.DataFrame({"threshold": b, "fpr": fp / total_neg, "tpr": tp / total_pos})
    start = pd.DataFrame({"threshold": [np.inf], "fpr": [0.0], "tpr": [0.0]})
    return pd.concat([start, frame], ignore_index=True)


def _groups(frame: pd.DataFrame, by: tuple[str, ...]) -> Iterable[tuple[dict, pd.DataFrame]]:
    if not by:
        yield {}, frame
        return
    for values, part in frame.groupby(list(by), sort=True, observed=True):
        values = values if isinstance(values, tuple) else (values,)
        yield dict(zip(by, (str(v) for v in values), strict=True)), part


def threshold_sweep(
    cube: CountCube, by: Iterable[str], thresholds: Sequence[float]
) -> pd.DataFrame:
    """Selection rate, TPR and FPR per group for 'score ≥ t' at each threshold t."""
    by = tuple(by)
    table = cube.score_counts(by)
    rows = []
    for key, part in _groups(table, by):
        bins = part["score_bin"].to_numpy(dtype=float)
        pos = part["positives"].to_numpy(dtype=float)
        neg = part["negatives"].to_numpy(dtype=float)
        total_pos, total_neg = pos.sum(), neg.sum()
        for t in thresholds:
            chosen = bins >= t
            tp, fp = pos[chosen].sum(), neg[chosen].sum()
            n = total_pos + total_neg
            rows.append(
                {
                    **key,
                    "threshold": float(t),
                    "n": n,
                    "selection_rate": (tp + fp) / n if n > 0 else None,
                    "tpr": tp / total_pos if total_pos > 0 else None,
                    "fpr": fp / total_neg if total_neg > 0 else None,
                }
            )
    return pd.DataFrame(rows)


def _calibration_edges(bins: np.ndarray) -> np.ndarray | None:
    distinct = np.unique(bins)
    if len(distinct) <= MAX_CALIBRATION_BINS:
        return None
    return np.linspace(distinct.min(), distinct.max(), MAX_CALIBRATION_BINS + 1)


def _calibration(part: pd.DataFrame, edges: np.ndarray | None) -> tuple[CalibrationBin, ...]:
    bins = part["score_bin"].to_numpy(dtype=float)
    pos = np.clip(part["positives"].to_numpy(dtype=float), 0, None)
    neg = np.clip(part["negatives"].to_numpy(dtype=float), 0, None)
    if edges is None:
        index = np.searchsorted(np.unique(bins), bins)
        bounds = [(v, v) for v in np.unique(bins)]
    else:
        index = np.clip(np.searchsorted(edges, bins, side="right") - 1, 0, len(edges) - 2)
        bounds = list(zip(edges[:-1], edges[1:], strict=True))
    result = []
    for position, (lower, upper) in enumerate(bounds):
        chosen = index == position
        p, q = pos[chosen].sum(), neg[chosen].sum()
        n = p + q
        if n <= 0:
            continue
        mean_score = float((bins[chosen] * (pos[chosen] + neg[chosen])).sum() / n)
        result.append(
            CalibrationBin(
                lower=float(lower),
                upper=float(upper),
                mean_score=mean_score,
                observed_rate=float(p / n),
                n=float(n),
                interval=wilson_interval(p, n),
            )
        )
    return tuple(result)


def score_analysis(cube: CountCube, by: Iterable[str]) -> list[ScoreGroup]:
    """ROC AUC and calibration for each group of ``by`` (``()`` for the whole population)."""
    by = tuple(by)
    table = cube.score_counts(by)
    edges = _calibration_edges(table["score_bin"].to_numpy(dtype=float)) if len(table) else None
    result = []
    for key, part in _groups(table, by):
        part = part.sort_values("score_bin")
        result.append(
            ScoreGroup(
                key=key,
                positives=float(part["positives"].sum()),
                negatives=float(part["negatives"].sum()),
                roc_auc=roc_auc(part["positives"], part["negatives"]),
                calibration=_calibration(part, edges),
            )
        )
    return result


def cube_at_threshold(cube: CountCube, threshold: float) -> CountCube:
    """The same cube with predictions re-derived as 'score bin ≥ threshold'.

    Lets a dashboard move the threshold without rescanning the data. Exact for integer
    scores; otherwise scores are compared at three significant digits.

    The finest cells summed over the recorded prediction — one row per (attributes, label,
    score bin), kept with the cube — already are the cells at any threshold: every row of one
    (attributes, label, score bin) gets the same new prediction. Marking them ``score bin ≥
    threshold`` gives the table ``groupby(attributes, y, yhat, score_bin)`` would, in its order
    (within a group, the bins below the threshold come first either way), and the cells summed
    over the bins are one ``np.bincount``.
    """
    if not cube.has_score or cube.cells is None:
        raise InputError(
            "moving the threshold needs a score column and the finest count table: "
            "audit with --score COL"
        )
    by_score = cube.kept("cells_by_score", lambda: _cells_by_score(cube))
    bins = by_score.cells["score_bin"].to_numpy()
    yhat = (bins >= float(threshold)).astype("int64")
    cells = by_score.cells.copy()
    cells.insert(len(cube.attributes) + 1, "yhat", yhat)
    return cube.at_threshold(
        cells, threshold=float(threshold), without_scores=by_score.without_scores(yhat)
    )


@dataclass(frozen=True)
class _CellsByScore:
    """The finest cells summed over the recorded prediction, and their (attributes, label)
    groups (``group[i]``: row i's group, ``groups``: each group's values, in sorted order)."""

    cells: pd.DataFrame
    group: np.ndarray
    groups: pd.DataFrame

    def without_scores(self, yhat: np.ndarray) -> pd.DataFrame:
        """The cells at these predictions summed over the score bins, as
        ``groupby([*attributes, "y", "yhat"]).sum()`` gives them (combinations without rows
        left out; sorted by group, then prediction)."""
        keys = self.group * 2 + yhat
        size = 2 * len(self.groups)
        present = np.bincount(keys, minlength=size) > 0
        totals = np.bincount(keys, weights=self.cells["n"].to_numpy(), minlength=size)
        rows = np.repeat(np.arange(len(self.groups)), 2)[present]
        frame = self.groups.iloc[rows].reset_index(drop=True)
        frame["yhat"] = np.tile(np.array([0, 1], dtype="int64"), len(self.groups))[present]
        counts = self.cells["n"]
        totals = totals[present]
        frame["n"] = np.rint(totals).astype(counts.dtype) if counts.dtype.kind in "iu" else totals
        return frame


def _cells_by_score(cube: CountCube) -> _CellsByScore:
    attributes = [*cube.attributes, "y"]
    cells = (
        cube.cells.dropna(subset=["score_bin"])
        .groupby([*attributes, "score_bin"], as_index=False, observed=True)["n"]
        .sum()
    )
    starts = np.ones(len(cells), dtype=bool)
    if len(cells):
        starts[1:] = (
            cells[attributes].iloc[1:].to_numpy() != cells[attributes].iloc[:-1].to_numpy()
        ).any(axis=1)
    group = np.cumsum(starts) - 1
    groups = cells.loc[starts, attributes].reset_index(drop=True)
    return _CellsByScore(cells=cells, group=group, groups=groups)
