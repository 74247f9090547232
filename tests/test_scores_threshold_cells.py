"""A moved threshold's cells (``cube_at_threshold``) are exactly what regrouping the finest
cells by the new prediction gives: the same rows, order and types, and the same cells summed
over the score bins — on integer scores (COMPAS deciles) and on probabilities with a missing
score bin and empty groups."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import auditor
from auditor.scores import cube_at_threshold

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data" / "compas_predictions.csv"


def _regrouped(cube, threshold: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The previous implementation: group the finest cells again by the new prediction."""
    cells = cube.cells.dropna(subset=["score_bin"]).copy()
    cells["yhat"] = (cells["score_bin"] >= float(threshold)).astype("int64")
    cells = cells.groupby(
        [*cube.attributes, "y", "yhat", "score_bin"], as_index=False, observed=True
    )["n"].sum()
    summed = cells.groupby(
        [*cube.attributes, "y", "yhat"], as_index=False, observed=True, dropna=False
    )[["n"]].sum()
    return cells, summed


def _check(cube, thresholds) -> None:
    for threshold in thresholds:
        moved = cube_at_threshold(cube, threshold)
        cells, summed = _regrouped(cube, threshold)
        pd.testing.assert_frame_equal(moved.cells, cells)
        pd.testing.assert_frame_equal(moved._cells_without_scores(), summed)
        assert moved.threshold == threshold
        for by in cube.breakdowns():
            pd.testing.assert_frame_equal(
                moved.counts(by), cube_from(cells, cube, threshold).counts(by)
            )


def cube_from(cells, cube, threshold):
    from dataclasses import replace

    return replace(cube, cells=cells, threshold=float(threshold), _cache={})


def test_integer_scores_at_every_decile():
    result = auditor.audit(
        SAMPLE,
        label="two_year_recid",
        score="decile_score",
        threshold=5,
        protected=["race", "sex"],
    )
    _check(result.cube, [0, 1, 4.5, 5, 7, 10, 11])


@pytest.mark.parametrize("seed", [0, 1])
def test_probabilities_with_missing_scores_and_a_recorded_prediction(tmp_path, seed):
    rng = np.random.default_rng(seed)
    n = 3000
    frame = pd.DataFrame(
        {
            "group": rng.choice(["a", "b", "c", "tiny"], n, p=[0.5, 0.3, 0.199, 0.001]),
            "band": rng.choice(["x", "y"], n),
            "label": rng.integers(0, 2, n),
            "score": np.round(rng.random(n), 3),
        }
    )
    frame.loc[rng.random(n) < 0.02, "score"] = np.nan
    frame["decision"] = (frame["score"].fillna(0) > 0.6).astype(int)
    path = tmp_path / "scores.csv"
    frame.to_csv(path, index=False)
    result = auditor.audit(
        path, label="label", prediction="decision", score="score", protected=["group", "band"]
    )
    _check(result.cube, [0.0, 0.25, 0.5, 0.6, 0.999, 1.0, 2.0])
