"""COMPAS, two "models" (decile ≥ 5 and decile ≥ 7) compared on the same defendants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import auditor
from auditor.compare import compare
from auditor.compare.compute import paired_confusions

from .conftest import COMPAS_PREDICTIONS

PROTECTED = ["race", "sex"]


@pytest.fixture(scope="module")
def comparison():
    return compare(
        COMPAS_PREDICTIONS,
        label="two_year_recid",
        protected=PROTECTED,
        score="decile_score",
        baseline_threshold=5,
        candidate_threshold=7,
        replicates=500,
    )


@pytest.fixture(scope="module")
def audits():
    def run(threshold):
        return auditor.audit(
            COMPAS_PREDICTIONS,
            label="two_year_recid",
            score="decile_score",
            threshold=threshold,
            protected=PROTECTED,
        )

    return run(5), run(7)


def test_each_side_equals_an_audit_of_that_model(comparison, audits):
    before, after = audits
    for breakdown in comparison.breakdowns:
        audited = (before.breakdown(*breakdown.by), after.breakdown(*breakdown.by))
        for group in breakdown.groups:
            for side, audit_breakdown in zip(("baseline", "candidate"), audited, strict=True):
                expected = audit_breakdown.group(**group.key)
                for metric in ("selection_rate", "tpr", "fpr", "fnr", "ppv", "accuracy"):
                    got = getattr(group.changes[metric], side)
                    assert got == pytest.approx(expected.metrics[metric], abs=1e-12) or (
                        got is None and expected.metrics[metric] is None
                    )
        for name, figure in breakdown.summary.items():
            for side, audit_breakdown in zip(("baseline", "candidate"), audited, strict=True):
                expected = audit_breakdown.summary_sufficient_data[name]
                got = getattr(figure, side)
                assert (got is None and expected is None) or got == pytest.approx(expected)


def test_discordant_people_equal_a_pandas_count(comparison, compas_frame):
    frame = compas_frame.assign(
        old=compas_frame["decile_score"] >= 5, new=compas_frame["decile_score"] >= 7
    )
    for race, rows in frame.groupby("race"):
        group = comparison.breakdown("race").group(race=race)
        assert group.discordant["baseline_only"] == int((rows["old"] & ~rows["new"]).sum())
        assert group.discordant["candidate_only"] == int((~rows["old"] & rows["new"]).sum())


def test_raising_the_threshold_lowers_every_selection_rate_with_evidence(comparison):
    for group in comparison.breakdown("race").groups:
        change = group.changes["selection_rate"]
        if group.n_baseline >= 100:
            assert change.change < 0 and change.interval[1] < 0, group.key
            assert change.method == "newcombe_paired"
    # the candidate misses more re-offenders: FNR rises for African-American defendants
    fnr = comparison.breakdown("race").group(race="African-American").changes["fnr"]
    assert fnr.interval[0] > 0


def test_a_small_group_with_few_discordant_people_is_not_called_changed(comparison):
    # 31 Asian defendants, 3 selected by the baseline only and none by the candidate only:
    # the exact McNemar p is 2 · 0.5³ = 0.25 and the interval includes no change
    group = comparison.breakdown("race").group(race="Asian")
    assert group.discordant == {"baseline_only": 3, "candidate_only": 0}
    change = group.changes["selection_rate"]
    assert change.p_value == pytest.approx(0.25)
    assert change.interval[0] < 0 < change.interval[1]


def test_paired_confusions_split_the_joint_cells():
    cells = np.arange(8.0)
    base, cand = paired_confusions(cells)
    # tp: y=1, baseline=1 → cells 6, 7; candidate=1 → cells 5, 7
    assert base.tolist() == [13, 5, 1, 9] and cand.tolist() == [12, 4, 2, 10]


def test_same_answer_from_a_dataframe_with_two_prediction_columns(compas_frame, comparison):
    frame = compas_frame.assign(
        prod=(compas_frame["decile_score"] >= 5).astype(int),
        new=(compas_frame["decile_score"] >= 7).astype(int),
    )
    by_columns = compare(
        frame,
        label="two_year_recid",
        protected=PROTECTED,
        baseline="prod",
        candidate="new",
        replicates=500,
    )
    assert by_columns.to_dict()["breakdowns"] == comparison.to_dict()["breakdowns"]
    assert isinstance(frame, pd.DataFrame)
