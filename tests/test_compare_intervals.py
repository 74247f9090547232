"""Intervals for a change: Newcombe's paired interval (published and hand-computed fixtures),
the independent Newcombe interval against statsmodels, McNemar against statsmodels."""

from __future__ import annotations

import math

import pytest
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.proportion import confint_proportions_2indep

from auditor.compare.compute import _mcnemar_p, _paired_table
from auditor.compare.intervals import paired_difference_interval, unpaired_difference_interval


def test_paired_interval_matches_the_published_cavo_example():
    # Fagerland, Lydersen & Laake (2017), ch. 8, Cavo et al. (2012): table [[59, 6], [16, 80]];
    # Newcombe square-and-add 95% CI for p1+ − p+1 = −0.0621 is (−0.1186, −0.0046).
    # Our function gives p_second − p_first, the same interval mirrored.
    low, high = paired_difference_interval(59, 6, 16, 80)
    assert (round(low, 4), round(high, 4)) == (0.0046, 0.1186)


def test_paired_interval_hand_computed():
    # both 30, first only 5, second only 15, neither 50 (n = 100): p_first = .35, p_second = .45
    # Wilson 95%: 35/100 → (0.263642, 0.447456); 45/100 → (0.356145, 0.547554)
    # ad − bc = 1500 − 75 = 1425 > n/2, so corrected 1425 − 50 = 1375;
    # φ = 1375 / √(35·65·45·55) = 1375 / 2372.894 = 0.579461
    # lower = .10 − √((.45 − .356145)² − 2φ(.45 − .356145)(.447456 − .35) + (.447456 − .35)²)
    # upper = .10 + √((.547554 − .45)² − 2φ(.547554 − .45)(.35 − .263642) + (.35 − .263642)²)
    l1, u1, l2, u2 = 0.263642482, 0.447455567, 0.356145380, 0.547553970
    phi = 1375 / math.sqrt(35 * 65 * 45 * 55)
    lower = 0.10 - math.sqrt(
        (0.45 - l2) ** 2 - 2 * phi * (0.45 - l2) * (u1 - 0.35) + (u1 - 0.35) ** 2
    )
    upper = 0.10 + math.sqrt(
        (u2 - 0.45) ** 2 - 2 * phi * (u2 - 0.45) * (0.35 - l1) + (0.35 - l1) ** 2
    )
    assert (round(lower, 4), round(upper, 4)) == (0.0122, 0.1849)
    assert paired_difference_interval(30, 5, 15, 50) == pytest.approx((lower, upper), abs=1e-8)


def test_paired_interval_with_no_discordant_pairs_still_has_width():
    low, high = paired_difference_interval(10, 0, 0, 20)
    assert low < 0 < high  # no change observed, but 30 people cannot prove "no change"
    assert paired_difference_interval(0, 0, 0, 0) is None


def test_paired_interval_is_narrower_than_the_unpaired_one_for_correlated_decisions():
    paired = paired_difference_interval(30, 5, 15, 50)
    unpaired = unpaired_difference_interval(35, 100, 45, 100)
    assert paired[1] - paired[0] < unpaired[1] - unpaired[0]


@pytest.mark.parametrize("x1,n1,x2,n2", [(15, 40, 9, 50), (0, 30, 3, 30), (200, 1000, 260, 900)])
def test_unpaired_interval_equals_statsmodels_newcombe(x1, n1, x2, n2):
    expected = confint_proportions_2indep(x2, n2, x1, n1, method="newcomb", compare="diff")
    assert unpaired_difference_interval(x1, n1, x2, n2) == pytest.approx(expected, abs=1e-10)


def test_mcnemar_p_value_equals_statsmodels_exact():
    assert _mcnemar_p(5, 15) == pytest.approx(mcnemar([[30, 5], [15, 50]], exact=True).pvalue)
    assert _mcnemar_p(0, 0) is None


def test_paired_tables_take_the_metric_denominator_people():
    # cells indexed 4·y + 2·baseline + candidate
    cells = [50, 7, 3, 10, 4, 2, 6, 30]
    # selection: everyone; both = (0,1,1)+(1,1,1) = 10+30, baseline only = 3+6, cand only = 7+2
    assert _paired_table(cells, "selection_rate") == (40, 9, 9, 54)
    # TPR: actual positives only (y=1): both 30, baseline only 6, candidate only 2, neither 4
    assert _paired_table(cells, "tpr") == (30, 6, 2, 4)
    # FPR: actual negatives: both 10, baseline only 3, candidate only 7, neither 50
    assert _paired_table(cells, "fpr") == (10, 3, 7, 50)
    # FNR: positives the model misses: both miss 4, baseline only misses 2, candidate only 6
    assert _paired_table(cells, "fnr") == (4, 2, 6, 30)
