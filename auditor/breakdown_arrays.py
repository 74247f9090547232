"""Vectorised statistics of a breakdown, from confusion counts of shape ``(..., groups, 4)``.

The last axis is ``(tp, fp, tn, fn)``. Leading axes are bootstrap replicates (or none). A
zero denominator gives ``nan`` (undefined), as in :mod:`auditor.metrics`. Summaries are taken
over the groups ``eligible`` for them (the groups with enough data), as fairlearn's
``between_groups`` over the groups whose values are defined.
"""

from __future__ import annotations

import warnings

import numpy as np

from .rate_definitions import RATE_CELLS as _RATE_CELLS
from .rate_definitions import RATE_METRICS, SUMMARY_DEFINITIONS

__all__ = [
    "CELL_INDEX",
    "IMPACT_RATIO",
    "bootstrap_confusions",
    "impact_ratios",
    "percentile_interval",
    "rate_parts",
    "rates",
    "summaries",
]

CELL_INDEX = {"tp": 0, "fp": 1, "tn": 2, "fn": 3}
IMPACT_RATIO = "impact_ratio"
"""A group's selection rate ÷ the highest selection rate among the groups with enough data."""


def rate_parts(confusion: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(numerator, denominator) of every rate metric of every group, each of shape
    ``confusion.shape[:-1]`` (cells summed in the order :func:`auditor.metrics.rate_parts`
    sums them, so the sums are the same floats)."""
    parts = {}
    for metric in RATE_METRICS:
        numerator_cells, denominator_cells = _RATE_CELLS[metric]
        numerator = sum(confusion[..., CELL_INDEX[c]] for c in numerator_cells)
        denominator = sum(confusion[..., CELL_INDEX[c]] for c in denominator_cells)
        parts[metric] = (numerator, denominator)
    return parts


def rates(
    confusion: np.ndarray, *, parts: dict[str, tuple[np.ndarray, np.ndarray]] | None = None
) -> dict[str, np.ndarray]:
    """Every rate metric of every group: arrays of shape ``confusion.shape[:-1]``."""
    result = {}
    for metric, (numerator, denominator) in (parts or rate_parts(confusion)).items():
        with np.errstate(invalid="ignore", divide="ignore"):
            result[metric] = np.where(denominator > 0, numerator / denominator, np.nan)
    return result


def _nan_extreme(values: np.ndarray, eligible: np.ndarray, which: str) -> np.ndarray:
    chosen = np.where(eligible, values, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-nan slices give nan, as wanted
        return np.nanmax(chosen, axis=-1) if which == "max" else np.nanmin(chosen, axis=-1)


def impact_ratios(selection: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """Each group's selection rate ÷ the highest among the eligible groups (``nan`` if 0)."""
    highest = _nan_extreme(selection, eligible, "max")[..., None]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(highest > 0, selection / highest, np.nan)


def summaries(metric_rates: dict[str, np.ndarray], eligible: np.ndarray) -> dict[str, np.ndarray]:
    """The audit's summary metrics over the eligible groups (see ``SUMMARY_DEFINITIONS``)."""

    def spread(metric: str) -> np.ndarray:
        values = metric_rates[metric]
        return _nan_extreme(values, eligible, "max") - _nan_extreme(values, eligible, "min")

    def min_over_max(metric: str) -> np.ndarray:
        values = metric_rates[metric]
        top = _nan_extreme(values, eligible, "max")
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(top != 0, _nan_extreme(values, eligible, "min") / top, np.nan)

    tpr_range, fpr_range = spread("tpr"), spread("fpr")
    tpr_ratio, fpr_ratio = min_over_max("tpr"), min_over_max("fpr")
    result = {
        "demographic_parity_difference": spread("selection_rate"),
        "demographic_parity_ratio": min_over_max("selection_rate"),
        # nan when either part is undefined (np.maximum/np.minimum propagate nan)
        "equalized_odds_difference": np.maximum(tpr_range, fpr_range),
        "equalized_odds_ratio": np.minimum(tpr_ratio, fpr_ratio),
        "equal_opportunity_difference": tpr_range,
    }
    assert set(result) == set(SUMMARY_DEFINITIONS)
    return result


def bootstrap_confusions(
    confusion: np.ndarray, *, replicates: int, rng: np.random.Generator
) -> np.ndarray:
    """Resample each group's people (its 4 cells, size fixed): shape ``(replicates, G, 4)``."""
    out = np.zeros((replicates, *confusion.shape))
    for index, row in enumerate(confusion):
        whole = np.rint(np.asarray(row, dtype=float)).astype(np.int64)
        if whole.sum() > 0:
            out[:, index, :] = rng.multinomial(
                int(whole.sum()), whole / whole.sum(), size=replicates
            )
    return out


def percentile_interval(
    values: np.ndarray, *, confidence: float, min_defined: float = 0.9
) -> tuple[float, float] | None:
    """The central ``confidence`` percentile interval of the defined values (``None`` if fewer
    than ``min_defined`` of them are defined)."""
    defined = values[np.isfinite(values)]
    if defined.size == 0 or defined.size < min_defined * values.size:
        return None
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(defined, [tail, 100 - tail])
    return float(low), float(high)
