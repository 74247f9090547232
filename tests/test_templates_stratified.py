"""CMH, the Mantel–Haenszel odds ratio and Breslow–Day: by hand, on Simpson's paradox, and
against statsmodels' StratifiedTable on the bundled COMPAS and Adult files."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.contingency_tables import StratifiedTable

from auditor.templates import stratified_test, ugesp_battery

from .conftest import ADULT_PREDICTIONS, COMPAS_PREDICTIONS
from .template_data import cube_of, expand


def test_two_strata_by_hand():
    # Stratum 1: focal 10/40, comparison 20/40. Stratum 2: focal 20/50, comparison 30/50.
    result = stratified_test(
        focal_selected=[10, 20],
        focal_total=[40, 50],
        comparison_selected=[20, 30],
        comparison_total=[40, 50],
    )
    expected = [40 * 30 / 80, 50 * 50 / 100]  # E[a_k] = row total × selected total / n
    variance = [40 * 40 * 30 * 50 / (80**2 * 79), 50 * 50 * 50 * 50 / (100**2 * 99)]
    deviation = 30 - sum(expected)  # −10
    chi2 = (abs(deviation) - 0.5) ** 2 / sum(variance)
    assert result.expected == pytest.approx(40.0)
    assert result.cmh_chi2 == pytest.approx(chi2)
    assert result.cmh_chi2 == pytest.approx(8.16006, rel=1e-5)
    assert result.cmh_p == pytest.approx(stats.chi2.sf(chi2, 1))
    assert result.z_mh == pytest.approx(-math.sqrt(chi2))
    # MH odds ratio: Σ a d / n ÷ Σ b c / n = (200/80 + 400/100) / (600/80 + 900/100)
    assert result.mh_odds_ratio == pytest.approx(6.5 / 16.5)
    assert result.shortfall == pytest.approx(10.0)
    assert result.strata_used == 2


def test_robins_breslow_greenland_interval_by_hand():
    result = stratified_test(
        focal_selected=[10, 20],
        focal_total=[40, 50],
        comparison_selected=[20, 30],
        comparison_total=[40, 50],
    )
    # a, b, c, d per stratum: (10, 30, 20, 20, n=80), (20, 30, 30, 20, n=100)
    P = [30 / 80, 40 / 100]  # (a + d)/n
    Q = [50 / 80, 60 / 100]  # (b + c)/n
    R = [200 / 80, 400 / 100]  # a d / n
    S = [600 / 80, 900 / 100]  # b c / n
    r, s = sum(R), sum(S)
    var = (
        sum(p * x for p, x in zip(P, R, strict=True)) / (2 * r**2)
        + sum(p * y + q * x for p, q, x, y in zip(P, Q, R, S, strict=True)) / (2 * r * s)
        + sum(q * y for q, y in zip(Q, S, strict=True)) / (2 * s**2)
    )
    low = math.exp(math.log(r / s) - 1.959963985 * math.sqrt(var))
    high = math.exp(math.log(r / s) + 1.959963985 * math.sqrt(var))
    assert result.mh_odds_ratio_interval == pytest.approx((low, high), rel=1e-8)


def test_breslow_day_is_zero_when_every_stratum_has_the_common_odds_ratio():
    # Both strata have odds ratio (10·20)/(30·20) = 1/3; the second is the first doubled.
    result = stratified_test(
        focal_selected=[10, 20],
        focal_total=[40, 80],
        comparison_selected=[20, 40],
        comparison_total=[40, 80],
    )
    assert result.mh_odds_ratio == pytest.approx(1 / 3)
    assert result.breslow_day_chi2 == pytest.approx(0.0, abs=1e-12)
    assert result.breslow_day_p == pytest.approx(1.0)


def test_breslow_day_detects_opposite_strata():
    # Stratum 1 favours the focal group strongly, stratum 2 the comparison group.
    result = stratified_test(
        focal_selected=[40, 10],
        focal_total=[50, 50],
        comparison_selected=[10, 40],
        comparison_total=[50, 50],
    )
    assert result.mh_odds_ratio == pytest.approx(1.0)
    assert result.cmh_p > 0.5  # pooled: no difference at all …
    assert result.breslow_day_p < 1e-10  # … because the strata disagree


def test_uninformative_strata_are_left_out_and_counted():
    result = stratified_test(
        focal_selected=[10, 0, 5],
        focal_total=[40, 0, 10],
        comparison_selected=[20, 7, 0],
        comparison_total=[40, 9, 10],
    )
    alone = stratified_test(
        focal_selected=[10, 5],
        focal_total=[40, 10],
        comparison_selected=[20, 0],
        comparison_total=[40, 10],
    )
    assert result.strata_used == 2 and result.strata_uninformative == 1
    assert result.cmh_chi2 == pytest.approx(alone.cmh_chi2)
    assert result.mh_odds_ratio == pytest.approx(alone.mh_odds_ratio)


# Simpson's paradox: women are selected MORE often than men in each job group, but apply mostly
# to the hard job group, so pooled over job groups they are selected far LESS often.
SIMPSON = [
    ("Female", "Easy", 60, 54),  # 0.90
    ("Male", "Easy", 300, 240),  # 0.80
    ("Female", "Hard", 300, 60),  # 0.20
    ("Male", "Hard", 60, 6),  # 0.10
]


def test_simpsons_paradox_cmh_tells_the_within_stratum_story():
    frame = expand(["sex", "job"], SIMPSON)
    cube = cube_of(frame, ["sex", "job"])
    result = ugesp_battery(cube, protected=["sex"], strata=["job"])

    pooled_table = result.table("sex")
    assert pooled_table.comparison == "Male"  # 246/360 against 114/360
    female = pooled_table.row("Female")
    assert female.impact_ratio == pytest.approx(114 / 246)  # 0.46: the raw rates say "adverse"
    assert female.z < -1.96

    for job in ("Easy", "Hard"):  # every stratum says the opposite
        assert result.table("sex", stratum=job).comparison == "Female"

    pooled = result.pooled_row("sex", category="Female").test
    # a d / n per stratum: (54·60)/360 and (60·54)/360; b c / n: (6·240)/360 and (240·6)/360
    assert pooled.mh_odds_ratio == pytest.approx((9 + 9) / (4 + 4))  # 2.25: women favoured
    assert pooled.z_mh > 0 and pooled.cmh_p < 0.05
    # E[a_k]: 60·294/360 + 300·66/360 = 49 + 55 = 104 against 114 observed: no shortfall
    assert pooled.expected == pytest.approx(104.0)
    assert pooled.shortfall == pytest.approx(-10.0)
    assert pooled.breslow_day_p == pytest.approx(1.0)  # both strata have odds ratio 2.25


def _statsmodels_reference(frame, *, group, focal, comparison, outcome, strata):
    tables = []
    for _, part in frame.groupby(strata):
        rows = []
        for value in (focal, comparison):
            members = part[part[group] == value][outcome]
            rows.append([int((members == 1).sum()), int((members == 0).sum())])
        tables.append(np.array(rows))
    return StratifiedTable(tables)


@pytest.mark.parametrize(
    "path, group, outcome, positive, strata, focal_attribute",
    [
        (COMPAS_PREDICTIONS, "race", "high_risk", 1, "age_cat", "race"),
        (COMPAS_PREDICTIONS, "sex", "high_risk", 1, "age_cat", "sex"),
        (ADULT_PREDICTIONS, "sex", "predicted_income", ">50K", "age_group", "sex"),
    ],
)
def test_pooled_figures_equal_statsmodels_stratified_table(
    path, group, outcome, positive, strata, focal_attribute
):
    raw = pd.read_csv(path)
    raw["selected"] = (raw[outcome] == positive).astype(int)
    cube = cube_of(raw[[group, strata, "selected"]], [group, strata])
    result = ugesp_battery(cube, protected=[group], strata=[strata], min_group_size=30)
    comparison = result.table(group).comparison
    checked = 0
    for row in result.pooled:
        reference = _statsmodels_reference(
            raw,
            group=group,
            focal=row.category,
            comparison=comparison,
            outcome="selected",
            strata=strata,
        )
        if (reference.table.sum(axis=(0, 1)) == 0).any() or row.test.strata_uninformative:
            continue  # statsmodels divides by zero on empty strata; ours leaves them out
        test = row.test
        null = reference.test_null_odds(correction=True)
        assert test.cmh_chi2 == pytest.approx(null.statistic, rel=1e-10)
        assert test.cmh_p == pytest.approx(null.pvalue, rel=1e-8, abs=1e-15)
        assert test.mh_odds_ratio == pytest.approx(reference.oddsratio_pooled, rel=1e-12)
        assert test.mh_odds_ratio_interval == pytest.approx(
            reference.oddsratio_pooled_confint(), rel=1e-10
        )
        equal = reference.test_equal_odds()
        assert test.breslow_day_chi2 == pytest.approx(equal.statistic, rel=1e-8)
        assert test.breslow_day_p == pytest.approx(equal.pvalue, rel=1e-6, abs=1e-12)
        checked += 1
    assert checked >= 1


def test_breslow_day_stays_exact_when_the_pooled_odds_ratio_is_one_up_to_rounding():
    # Σ a·d/n = Σ b·c/n = 102/30 here, so OR_MH is 1 up to floating-point rounding; the textbook
    # root (−B + √…)/(2(1 − ψ)) then divides ~0 by ~0 (it did: χ² came out inf/nan).
    result = stratified_test(
        focal_selected=[1, 2, 7],
        focal_total=[10, 10, 10],
        comparison_selected=[2, 6, 12],
        comparison_total=[20, 20, 20],
    )
    assert result.mh_odds_ratio == pytest.approx(1.0)
    fitted = np.array([10 * 3 / 30, 10 * 8 / 30, 10 * 19 / 30])  # E[a_k] when ψ = 1
    row1, col1, n = 10, np.array([3, 8, 19]), 30
    variance = 1 / (
        1 / fitted + 1 / (col1 - fitted) + 1 / (row1 - fitted) + 1 / (n - row1 - col1 + fitted)
    )
    expected = float((((np.array([1, 2, 7]) - fitted) ** 2) / variance).sum())
    assert result.breslow_day_chi2 == pytest.approx(expected, rel=1e-9)
    assert result.breslow_day_p == pytest.approx(stats.chi2.sf(expected, 2), rel=1e-9)
