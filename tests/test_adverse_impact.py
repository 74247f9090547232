"""Adverse-impact statistics against the EEOC's published example and independent references.

References: pandas group-bys for rates and ratios, statsmodels' ``proportions_ztest`` for the
pooled z test, scipy's ``fisher_exact`` — on COMPAS and on UCI Adult (both in sample_data).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from auditor.adverse_impact import (
    FOUR_FIFTHS_THRESHOLD,
    fisher_exact_test,
    holm_adjust,
    impact_ratios,
    proportion_test,
    selection_shortfall,
    two_proportion_z_test,
)

DATA = Path(__file__).resolve().parent.parent / "sample_data"


def test_eeoc_example_48_of_80_and_12_of_40_gives_impact_ratio_one_half():
    # 29 CFR 1607.4(D) / EEOC Q&A 12: whites 48/80 = 60 %, Blacks 12/40 = 30 %, ratio 0.5
    result = impact_ratios(selected=[48, 12], total=[80, 40])
    assert result.comparison_index == 0
    assert result.comparison_rate == pytest.approx(0.6)
    assert result.ratios.tolist() == pytest.approx([1.0, 0.5])
    assert result.ratios[1] < FOUR_FIFTHS_THRESHOLD
    # 0.8 × 60 % × 40 = 19.2 → 8 more of the 40 Black applicants to reach four-fifths, 12 to parity
    assert selection_shortfall(selected=12, total=40, comparison_rate=0.6) == 8
    assert selection_shortfall(selected=12, total=40, comparison_rate=0.6, ratio=1.0) == 12
    assert selection_shortfall(selected=48, total=80, comparison_rate=0.6) == 0


def test_comparison_is_the_highest_rate_not_the_largest_group():
    # the largest group (1000) selects 50 %, a smaller one 70 %: ratios divide by 70 %
    result = impact_ratios(selected=[500, 140, 25], total=[1000, 200, 100])
    assert result.comparison_index == 1
    assert result.ratios.tolist() == pytest.approx([0.5 / 0.7, 1.0, 0.25 / 0.7])


def test_ineligible_groups_get_a_ratio_but_cannot_be_the_comparison():
    result = impact_ratios(selected=[30, 45, 2], total=[100, 60, 2], eligible=[True, True, False])
    assert result.comparison_index == 1
    assert result.ratios.tolist() == pytest.approx([0.4, 1.0, 1.0 / 0.75])


def test_no_ratio_when_the_highest_rate_is_zero_or_no_group_is_eligible():
    assert impact_ratios(selected=[0, 0], total=[10, 20]).comparison_index is None
    assert np.isnan(impact_ratios(selected=[0, 0], total=[10, 20]).ratios).all()
    none = impact_ratios(selected=[3, 4], total=[10, 20], eligible=[False, False])
    assert none.comparison_index is None and none.comparison_rate is None
    empty = impact_ratios(selected=[0, 5], total=[0, 10])
    assert math.isnan(empty.ratios[0]) and empty.ratios[1] == 1.0


def test_shortfall_is_the_smallest_whole_number_reaching_the_target():
    for selected, total, rate in [(3, 17, 0.61), (0, 5, 0.9), (10, 33, 0.45), (7, 9, 0.5)]:
        k = selection_shortfall(selected=selected, total=total, comparison_rate=rate)
        target = 0.8 * rate
        assert (selected + k) / total >= target - 1e-12
        if k > 0:
            assert (selected + k - 1) / total < target
    assert selection_shortfall(selected=0, total=0, comparison_rate=0.5) is None
    assert selection_shortfall(selected=1, total=5, comparison_rate=None) is None


def test_z_and_fisher_reject_impossible_counts():
    assert (
        two_proportion_z_test(selected=5, total=0, comparison_selected=1, comparison_total=3)
        is None
    )
    assert fisher_exact_test(selected=6, total=5, comparison_selected=1, comparison_total=3) is None


def test_z_test_without_variation_is_no_evidence():
    test = two_proportion_z_test(selected=0, total=10, comparison_selected=0, comparison_total=20)
    assert (test.statistic, test.p_value) == (0.0, 1.0)


def test_proportion_test_uses_fisher_for_small_expected_counts():
    small = proportion_test(selected=1, total=12, comparison_selected=9, comparison_total=14)
    large = proportion_test(selected=40, total=100, comparison_selected=60, comparison_total=100)
    assert small.method == "fisher_exact" and large.method == "two_proportion_z"


def test_holm_equals_statsmodels():
    p = [0.01, 0.04, 0.03, 0.2, 0.0001]
    expected = multipletests(p, method="holm")[1]
    assert holm_adjust(p) == pytest.approx(expected.tolist(), rel=1e-12)


def _compas() -> pd.DataFrame:
    return pd.read_csv(DATA / "compas_predictions.csv")


def _adult() -> pd.DataFrame:
    frame = pd.read_csv(DATA / "adult_predictions.csv")
    frame["selected"] = (frame["predicted_income"] == ">50K").astype(int)
    return frame


@pytest.mark.parametrize(
    ("loader", "column", "selected_column"),
    [
        (_compas, "race", "high_risk"),
        (_compas, "age_cat", "high_risk"),
        (_adult, "race", "selected"),
        (_adult, "sex", "selected"),
    ],
)
def test_ratios_z_and_fisher_equal_pandas_statsmodels_and_scipy(loader, column, selected_column):
    frame = loader()
    counts = frame.groupby(column)[selected_column].agg(["sum", "count"])
    result = impact_ratios(selected=counts["sum"].to_numpy(), total=counts["count"].to_numpy())
    rates = counts["sum"] / counts["count"]
    highest = rates.idxmax()
    assert counts.index[result.comparison_index] == highest
    np.testing.assert_allclose(result.ratios, (rates / rates.max()).to_numpy(), rtol=1e-12)

    x2, n2 = counts.loc[highest, "sum"], counts.loc[highest, "count"]
    for group, (x1, n1) in counts.iterrows():
        if group == highest:
            continue
        ours = two_proportion_z_test(
            selected=x1, total=n1, comparison_selected=x2, comparison_total=n2
        )
        z, p = proportions_ztest([x1, x2], [n1, n2])  # pooled variance is statsmodels' default
        assert ours.statistic == pytest.approx(z, rel=1e-9)
        assert ours.p_value == pytest.approx(p, rel=1e-9, abs=1e-300)
        exact = fisher_exact_test(
            selected=x1, total=n1, comparison_selected=x2, comparison_total=n2
        )
        reference = stats.fisher_exact([[x1, n1 - x1], [x2, n2 - x2]])
        assert exact.p_value == pytest.approx(reference.pvalue, rel=1e-9, abs=1e-300)


def test_katz_interval_exists_with_a_zero_cell_and_covers_the_reported_ratio():
    from auditor.metrics import katz_ratio_interval

    low, high = katz_ratio_interval(0, 30, 3, 30)  # the audit reports a ratio of 0.0 here
    assert 0 < low < 0.2 and 1 < high < 20
    # no correction without a zero cell: the plain Katz interval, unchanged
    low, high = katz_ratio_interval(12, 40, 48, 80)
    z = 1.959963984540054
    se = math.sqrt(1 / 12 - 1 / 40 + 1 / 48 - 1 / 80)
    assert (low, high) == pytest.approx((0.5 * math.exp(-z * se), 0.5 * math.exp(z * se)))
    assert katz_ratio_interval(0, 0, 3, 30) is None


def test_eeoc_example_through_the_audit():
    import auditor

    frame = pd.DataFrame(
        {
            "race": ["White"] * 80 + ["Black"] * 40,
            "hired": [1] * 48 + [0] * 32 + [1] * 12 + [0] * 28,
        }
    )
    result = auditor.audit(frame, prediction="hired", protected="race", policy=auditor.FOUR_FIFTHS)
    black = result.breakdown("race").group(race="Black")
    assert black.adverse_impact.impact_ratio == pytest.approx(0.5)
    assert black.adverse_impact.shortfall_to_four_fifths == 8
    assert result.policy.outcome == "fail" and result.exit_code == 1
