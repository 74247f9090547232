"""A second prediction is one more dimension of the count cube: both models from one scan."""

from __future__ import annotations

import pandas as pd
import pytest

from auditor.cube import SecondPrediction, build_cube
from auditor.engine import connect
from auditor.errors import InputError
from auditor.ingest import ColumnMapping, open_source

from .conftest import COMPAS_PREDICTIONS

PROTECTED = ("race", "sex")


def _cube(source, *, threshold=None, prediction=None, second=None, **options):
    con = connect()
    mapping = ColumnMapping(
        label="two_year_recid",
        prediction=prediction,
        score="decile_score",
        threshold=threshold,
        protected=PROTECTED,
    )
    return build_cube(open_source(source, connection=con), mapping, second=second, **options)


def test_each_side_of_a_paired_cube_equals_its_own_cube():
    paired = _cube(COMPAS_PREDICTIONS, threshold=5, second=SecondPrediction(threshold=7))
    first, second = paired.for_first_prediction(), paired.for_second_prediction()
    alone5 = _cube(COMPAS_PREDICTIONS, threshold=5)
    alone7 = _cube(COMPAS_PREDICTIONS, threshold=7)
    assert second.threshold == 7 and first.threshold == 5
    for by in [(), *alone5.breakdowns()]:
        assert paired.counts(by).equals(alone5.counts(by)), by
        assert first.counts(by).equals(alone5.counts(by)), by
        assert second.counts(by).equals(alone7.counts(by)), by
    assert second.score_counts(("race",)).equals(alone7.score_counts(("race",)))


def test_paired_counts_equal_a_pandas_crosstab(compas_frame):
    paired = _cube(COMPAS_PREDICTIONS, prediction="high_risk", second=SecondPrediction(threshold=7))
    table = paired.paired_counts(("race",))
    frame = compas_frame.assign(yhat2=(compas_frame["decile_score"] >= 7).astype(int))
    expected = frame.groupby(["race", "two_year_recid", "high_risk", "yhat2"]).size().rename("n")
    got = table.set_index(["race", "y", "yhat", "yhat2"])["n"]
    got.index.names = expected.index.names
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_dtype=False)


def test_rows_missing_the_second_decision_are_left_out_of_both(tmp_path, compas_frame):
    frame = compas_frame.assign(candidate=(compas_frame["decile_score"] >= 7).astype("Int64"))
    frame.loc[:99, "candidate"] = pd.NA
    path = tmp_path / "pairs.csv"
    frame.to_csv(path, index=False)
    paired = _cube(path, prediction="high_risk", second=SecondPrediction(column="candidate"))
    assert paired.exclusions["missing_second_prediction"] == 100
    assert paired.rows_used == len(frame) - 100
    assert int(paired.for_first_prediction().counts(())["n"].sum()) == len(frame) - 100
    assert int(paired.for_second_prediction().counts(())["n"].sum()) == len(frame) - 100


def test_a_second_threshold_without_a_score_is_refused():
    con = connect()
    mapping = ColumnMapping(label="two_year_recid", prediction="high_risk", protected=("race",))
    with pytest.raises(InputError, match="needs a score column"):
        build_cube(
            open_source(COMPAS_PREDICTIONS, connection=con),
            mapping,
            second=SecondPrediction(threshold=7),
        )


def test_a_paired_cube_too_large_for_the_finest_table_is_refused():
    with pytest.raises(InputError, match="paired comparison needs the finest"):
        _cube(
            COMPAS_PREDICTIONS,
            threshold=5,
            second=SecondPrediction(threshold=7),
            max_finest_cells=0,
        )
