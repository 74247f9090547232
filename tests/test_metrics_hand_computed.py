"""Tiny fixtures whose every number was computed by hand."""

from __future__ import annotations

import pandas as pd
import pytest

import auditor
from auditor.cube import MISSING_GROUP
from auditor.metrics import wilson_interval


def _frame(rows):
    return pd.DataFrame(rows, columns=["g", "h", "y", "p"])


# group A: TP=2 FP=1 TN=1 FN=0 (n=4); group B: TP=0 FP=0 TN=2 FN=1 (n=3)
TWO_GROUPS = _frame(
    [
        ("A", "x", 1, 1),
        ("A", "x", 1, 1),
        ("A", "y", 0, 1),
        ("A", "y", 0, 0),
        ("B", "x", 0, 0),
        ("B", "x", 0, 0),
        ("B", "x", 1, 0),
    ]
)


def _audit(frame, **options):
    options.setdefault("label", "y")
    options.setdefault("prediction", "p")
    options.setdefault("protected", "g")
    return auditor.audit(frame, **options)


def test_rates_of_two_groups_by_hand():
    result = _audit(TWO_GROUPS)
    a = result.breakdown("g").group(g="A")
    assert (a.counts.tp, a.counts.fp, a.counts.tn, a.counts.fn) == (2, 1, 1, 0)
    assert a.metrics["selection_rate"] == 3 / 4
    assert a.metrics["tpr"] == 1.0
    assert a.metrics["fpr"] == 1 / 2
    assert a.metrics["ppv"] == 2 / 3
    assert a.metrics["npv"] == 1.0
    assert a.metrics["for"] == 0.0
    assert a.metrics["accuracy"] == 3 / 4


def test_zero_denominators_stay_undefined_never_zero():
    result = _audit(TWO_GROUPS)
    b = result.breakdown("g").group(g="B")
    # B has no predicted positives: PPV and FDR are 0/0
    assert b.metrics["ppv"] is None and b.metrics["fdr"] is None
    assert b.metrics["selection_rate"] == 0.0
    assert b.metrics["tpr"] == 0.0 and b.metrics["fnr"] == 1.0
    assert b.intervals["ppv"] is None
    document = result.to_dict()
    group_b = next(g for g in document["breakdowns"][0]["groups"] if g["key"] == {"g": "B"})
    assert group_b["metrics"]["ppv"] is None


def test_reference_is_largest_group_and_ratios_follow():
    breakdown = _audit(TWO_GROUPS).breakdown("g")
    assert breakdown.reference == {"g": "A"}
    assert breakdown.reference_rule == "largest group"
    b = breakdown.group(g="B")
    assert b.ratio_to_reference["selection_rate"] == 0.0
    assert b.difference_to_reference["fpr"] == pytest.approx(0 - 1 / 2)
    # PPV of B is undefined, so its ratio is too
    assert b.ratio_to_reference["ppv"] is None


def test_user_chosen_reference_and_unknown_reference():
    breakdown = _audit(TWO_GROUPS, reference={"g": "B"}).breakdown("g")
    assert breakdown.reference == {"g": "B"} and breakdown.reference_rule == "chosen by the user"
    # A's selection rate over B's 0 is undefined
    assert breakdown.group(g="A").ratio_to_reference["selection_rate"] is None
    with pytest.raises(auditor.InputError, match="reference group g='Z' does not exist.*A, B"):
        _audit(TWO_GROUPS, reference=["g=Z"])


def test_summary_by_hand():
    summary = _audit(TWO_GROUPS).breakdown("g").summary
    assert summary["demographic_parity_difference"] == 3 / 4
    assert summary["demographic_parity_ratio"] == 0.0
    # TPR: A 1, B 0 -> range 1; FPR: A 1/2, B 0 -> range 1/2
    assert summary["equalized_odds_difference"] == 1.0
    assert summary["equal_opportunity_difference"] == 1.0
    assert summary["equalized_odds_ratio"] == 0.0


def test_single_group():
    frame = TWO_GROUPS.assign(g="only")
    breakdown = _audit(frame).breakdown("g")
    assert len(breakdown.groups) == 1
    only = breakdown.groups[0]
    assert only.is_reference and only.n == 7
    assert breakdown.summary["demographic_parity_difference"] == 0.0
    assert breakdown.summary["demographic_parity_ratio"] == 1.0
    assert only.tests == {}


def test_empty_intersection_is_listed_with_zero_counts():
    # (B, y) never occurs
    result = _audit(TWO_GROUPS, protected=["g", "h"])
    pair = result.breakdown("g", "h")
    assert len(pair.groups) == 4
    empty = pair.group(g="B", h="y")
    assert empty.n == 0
    assert "empty" in empty.flags and "insufficient_data" in empty.flags
    assert all(value is None for value in empty.metrics.values())
    assert sum(g.n for g in pair.groups) == 7


def test_missing_protected_value_becomes_a_visible_group():
    frame = TWO_GROUPS.astype({"g": object}).copy()
    frame.loc[0, "g"] = None
    frame.loc[4, "g"] = ""
    breakdown = _audit(frame).breakdown("g")
    missing = breakdown.group(g=MISSING_GROUP)
    assert missing.n == 2
    assert sum(g.n for g in breakdown.groups) == 7


def test_rows_missing_label_or_prediction_are_excluded_and_counted():
    frame = TWO_GROUPS.astype({"y": "Int64", "p": "Int64"}).copy()
    frame.loc[0, "y"] = pd.NA
    frame.loc[1, "p"] = pd.NA
    frame.loc[2, "p"] = pd.NA
    result = _audit(frame)
    assert result.dataset.rows == 7
    assert result.dataset.rows_used == 4
    assert result.dataset.exclusions == {"missing_label": 1, "missing_prediction": 2}
    assert result.breakdown("g").group(g="A").n == 1


def test_string_labels_with_declared_positive():
    frame = TWO_GROUPS.assign(
        y=TWO_GROUPS["y"].map({1: "approved", 0: "denied"}),
        p=TWO_GROUPS["p"].map({1: "approved", 0: "denied"}),
    )
    with pytest.raises(auditor.InputError, match="positive-label"):
        _audit(frame)
    result = _audit(frame, positive_label="approved")
    assert result.breakdown("g").group(g="A").metrics["tpr"] == 1.0
    flipped = _audit(frame, positive_label="denied").breakdown("g").group(g="A")
    # positive = denied: A has TP=1 (y=denied,p=denied), FN=1
    assert flipped.metrics["tpr"] == 1 / 2


@pytest.mark.parametrize(
    ("positive", "negative"),
    [("1", "0"), ("true", "false"), ("Yes", "No"), ("1.0", "0.0"), ("T", "F")],
)
def test_common_binary_spellings_need_no_positive_label(positive, negative):
    frame = TWO_GROUPS.assign(
        y=TWO_GROUPS["y"].map({1: positive, 0: negative}),
        p=TWO_GROUPS["p"].map({1: positive, 0: negative}),
    )
    assert _audit(frame).breakdown("g").group(g="A").metrics["selection_rate"] == 3 / 4


def test_score_and_threshold():
    frame = pd.DataFrame(
        {
            "g": ["A", "A", "A", "B", "B", "B"],
            "y": [1, 0, 1, 0, 1, 0],
            "s": [0.9, 0.6, 0.2, 0.5, 0.7, 0.1],
        }
    )
    result = _audit(frame, prediction=None, score="s", threshold=0.5)
    a, b = result.breakdown("g").group(g="A"), result.breakdown("g").group(g="B")
    # A: 0.9 (y1) TP, 0.6 (y0) FP, 0.2 (y1) FN ; B: 0.5 (y0) FP (>= threshold), 0.7 TP, 0.1 TN
    assert (a.counts.tp, a.counts.fp, a.counts.tn, a.counts.fn) == (1, 1, 0, 1)
    assert (b.counts.tp, b.counts.fp, b.counts.tn, b.counts.fn) == (1, 1, 1, 0)
    # A's AUC: positives 0.9, 0.2 vs negative 0.6 -> 1 of 2 pairs
    auc = {tuple(g.key.values()): g.roc_auc for g in result.scores["g"]}
    assert auc[("A",)] == 0.5 and auc[("B",)] == 1.0


def test_wilson_interval_by_hand():
    low, high = wilson_interval(2, 4)
    # p=0.5, n=4, z=1.959964: centre 0.5, half = z*sqrt(.25/4 + z^2/64)/(1+z^2/4)
    assert low == pytest.approx(0.15003, abs=1e-5)
    assert high == pytest.approx(0.84997, abs=1e-5)
    assert wilson_interval(0, 0) is None


def test_small_groups_are_flagged_not_dropped():
    breakdown = _audit(TWO_GROUPS).breakdown("g")
    assert all("insufficient_data" in g.flags for g in breakdown.groups)
    assert _audit(TWO_GROUPS, min_group_size=4).breakdown("g").group(g="A").flags == ()


def test_summary_over_sufficient_groups_leaves_small_groups_out():
    breakdown = _audit(TWO_GROUPS, min_group_size=4).breakdown("g")
    # fairlearn-identical summary: both groups
    assert breakdown.summary["demographic_parity_difference"] == 3 / 4
    # only A (n=4) has enough data; B (n=3) is flagged insufficient
    assert breakdown.summary_sufficient_data["demographic_parity_difference"] == 0.0
    assert breakdown.summary_sufficient_data["demographic_parity_ratio"] == 1.0
    document = _audit(TWO_GROUPS, min_group_size=4).to_dict()
    assert document["breakdowns"][0]["summary_sufficient_data"]["demographic_parity_ratio"] == 1.0
