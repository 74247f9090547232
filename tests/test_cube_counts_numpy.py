"""The numpy path of CountCube.counts gives exactly the table of the pandas groupby path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from auditor import cube as cube_module
from auditor.cube import _confusion_by, _fill_empty_intersections, _integer_confusion_by


def _by_pandas(cells: pd.DataFrame, by: tuple[str, ...]) -> pd.DataFrame:
    table = _confusion_by(cells, by)
    if len(by) == 2:
        table = _fill_empty_intersections(table, by)
    return table.sort_values(list(by), kind="stable").reset_index(drop=True)


@pytest.mark.parametrize("name", ["compas", "adult"])
def test_every_breakdown_of_the_sample_audits(name, compas_audit, adult_audit):
    cube = (compas_audit if name == "compas" else adult_audit).cube
    cells = cube._cells_without_scores()
    for by in cube.breakdowns(intersections=True):
        expected = _by_pandas(cells, by)
        pd.testing.assert_frame_equal(_integer_confusion_by(cells, by), expected, check_exact=True)
        pd.testing.assert_frame_equal(cube.counts(by), expected, check_exact=True)


def test_missing_keys_unobserved_pairs_and_a_product_too_large_to_fill(monkeypatch):
    rng = np.random.default_rng(3)
    size = 400
    cells = pd.DataFrame(
        {
            "a": pd.array(rng.choice(["x", "y", "é", "Z"], size=size), dtype="str"),
            "b": pd.array([f"b{v:03d}" for v in rng.integers(0, 120, size=size)], dtype="str"),
            "y": rng.integers(0, 2, size=size),
            "yhat": rng.integers(0, 2, size=size),
            "n": rng.integers(1, 50, size=size),
        }
    )
    cells.loc[5, "a"] = None  # dropped, as groupby drops a missing key
    for by in [("a",), ("b",), ("a", "b"), ("b", "a")]:
        pd.testing.assert_frame_equal(
            _integer_confusion_by(cells, by), _by_pandas(cells, by), check_exact=True
        )
    monkeypatch.setattr(cube_module, "MAX_EMPTY_INTERSECTION_FILL", 100)  # no fill: 4 × 120 > 100
    pd.testing.assert_frame_equal(
        _integer_confusion_by(cells, ("a", "b")), _by_pandas(cells, ("a", "b")), check_exact=True
    )


def test_fractional_counts_keep_the_pandas_path():
    cells = pd.DataFrame({"a": ["x"], "y": [1], "yhat": [1], "n": [0.5]})
    assert _integer_confusion_by(cells, ("a",)) is None


def test_estimated_counts_and_their_variances_equal_the_pandas_path_up_to_rounding():
    """Estimated membership (BISG) makes counts fractional, with a variance per cell."""
    rng = np.random.default_rng(5)
    size = 300
    cells = pd.DataFrame(
        {
            "a": rng.choice(["x", "y", "z"], size=size),
            "race": rng.choice(["White", "Black", "Hispanic", "Multiracial"], size=size),
            "y": rng.integers(0, 2, size=size),
            "yhat": rng.integers(0, 2, size=size),
            "n": rng.random(size) * 40,
        }
    )
    cells["n_var"] = cells["n"] * rng.random(size) / 4
    cells = cells[~((cells["a"] == "z") & (cells["race"] == "Black"))]  # an empty intersection
    for by in [("a",), ("race",), ("a", "race"), ("race", "a")]:
        fast = _integer_confusion_by(cells, by)
        assert list(fast.columns) == [*by, "tp", "fp", "tn", "fn"] + [
            f"{c}_var" for c in ("tp", "fp", "tn", "fn")
        ] + ["n"]
        assert fast["tp"].dtype == np.float64
        pd.testing.assert_frame_equal(fast, _by_pandas(cells, by), check_exact=False, rtol=1e-12)
    assert _integer_confusion_by(cells, ()) is None
