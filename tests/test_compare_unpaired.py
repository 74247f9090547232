"""Two independent audits compared: hand-computed intervals, matching of groups, the store."""

from __future__ import annotations

import pandas as pd
import pytest
from statsmodels.stats.proportion import confint_proportions_2indep

import auditor
from auditor.compare import compare_audits
from auditor.errors import InputError


def _frame(rows):
    """rows: (group, y, yhat, count)"""
    records = []
    for group, y, yhat, count in rows:
        records += [{"g": group, "y": y, "p": yhat}] * count
    return pd.DataFrame.from_records(records)


# Last quarter: group A 40 people (selected 15: 10 TP, 5 FP; 25 not: 5 FN, 20 TN),
#               group B 50 people (selected 20: 12 TP, 8 FP; 30 not: 6 FN, 24 TN).
BEFORE = _frame(
    [("A", 1, 1, 10), ("A", 0, 1, 5), ("A", 1, 0, 5), ("A", 0, 0, 20)]
    + [("B", 1, 1, 12), ("B", 0, 1, 8), ("B", 1, 0, 6), ("B", 0, 0, 24)]
)
# This quarter: group A 50 people (selected 9: 6 TP, 3 FP; 41 not: 9 FN, 32 TN),
#               group B 60 people (selected 27: 15 TP, 12 FP; 33 not: 7 FN, 26 TN).
AFTER = _frame(
    [("A", 1, 1, 6), ("A", 0, 1, 3), ("A", 1, 0, 9), ("A", 0, 0, 32)]
    + [("B", 1, 1, 15), ("B", 0, 1, 12), ("B", 1, 0, 7), ("B", 0, 0, 26)]
)


def _audit(frame):
    return auditor.audit(frame, label="y", prediction="p", protected="g", min_group_size=30)


@pytest.fixture(scope="module")
def comparison():
    return compare_audits(_audit(BEFORE), _audit(AFTER), replicates=2000)


def test_rate_changes_and_newcombe_intervals_by_hand(comparison):
    group = comparison.breakdown("g").group(g="A")
    selection = group.changes["selection_rate"]
    # 15/40 = 0.375 → 9/50 = 0.18: change −0.195
    assert selection.baseline == pytest.approx(0.375) and selection.candidate == pytest.approx(0.18)
    assert selection.change == pytest.approx(-0.195)
    # Newcombe (1998) method 10 from the two Wilson intervals; statsmodels as the reference
    expected = confint_proportions_2indep(9, 50, 15, 40, method="newcomb", compare="diff")
    assert selection.interval == pytest.approx(expected, abs=1e-10)
    # hand: Wilson 15/40 = (0.2425, 0.5293), 9/50 = (0.0977, 0.3080);
    # lower = −0.195 − √((0.18 − 0.0977)² + (0.5293 − 0.375)²) = −0.3699
    assert selection.interval[0] == pytest.approx(-0.3702, abs=5e-4)
    tpr = group.changes["tpr"]  # 10/15 → 6/15
    assert tpr.change == pytest.approx(6 / 15 - 10 / 15)
    assert tpr.method == "newcombe_independent"


def test_summary_change_by_hand_with_a_bootstrap_interval(comparison):
    dpd = comparison.breakdown("g").summary["demographic_parity_difference"]
    # before: |0.375 − 0.40| = 0.025; after: |0.18 − 0.45| = 0.27
    assert dpd.baseline == pytest.approx(0.025) and dpd.candidate == pytest.approx(0.27)
    assert dpd.change == pytest.approx(0.245)
    assert dpd.method == "bootstrap_independent"
    low, high = dpd.interval
    assert low < 0.245 < high < 0.6


def test_groups_in_one_audit_only_are_undefined_there_and_left_out(comparison):
    after = pd.concat([AFTER, _frame([("C", 1, 1, 20), ("C", 0, 0, 20)])])
    result = compare_audits(_audit(BEFORE), _audit(after), replicates=300)
    group_c = result.breakdown("g").group(g="C")
    assert group_c.changes["selection_rate"].baseline is None
    assert group_c.changes["selection_rate"].change is None
    assert {"g": "C"} in [dict(k) for k in result.breakdown("g").left_out]


def test_stored_audits_by_id(tmp_path):
    from auditor.store import AuditStore

    with AuditStore(tmp_path / "audits.duckdb") as store:
        first = store.record_audit(_audit(BEFORE).to_dict())
        second = store.record_audit(_audit(AFTER).to_dict())
    result = compare_audits(first, second, store=tmp_path / "audits.duckdb", replicates=300)
    assert result.breakdown("g").group(g="A").changes["selection_rate"].change == pytest.approx(
        -0.195
    )


def test_a_private_audit_is_refused():
    document = _audit(BEFORE).to_dict()
    document["privacy"] = {"mode": "dp"}
    with pytest.raises(InputError, match="differentially private"):
        compare_audits(document, _audit(AFTER))


def test_not_an_audit_is_refused(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"schema": "auditor/baseline-v1"}')
    with pytest.raises(InputError, match="is not an audit"):
        compare_audits(path, path)
