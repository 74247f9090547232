"""The EEOC/OFCCP adverse-impact battery: the EEOC's published example, hand-computed z,
Fisher, interval and shortfall, the Fisher rule, and per-stratum tables from the cube."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportions_ztest

from auditor.templates import ugesp_battery
from auditor.templates.run import template_audit
from auditor.templates.ugesp import preferred_test

from .conftest import SAMPLES
from .template_data import cube_of, expand


def test_eeoc_example_48_of_80_against_12_of_40_gives_0_5():
    # Uniform Guidelines Q&A 12: 80 White applicants, 48 hired (60 %); 40 Black, 12 hired (30 %).
    cube = cube_of(expand(["race"], [("White", 80, 48), ("Black", 40, 12)]), ["race"])
    table = ugesp_battery(cube, protected=["race"]).table("race")
    assert table.comparison == "White"
    black = table.row("Black")
    assert black.impact_ratio == pytest.approx(0.5)
    # pooled p = 60/120; z = (0.3 − 0.6) / √(0.5·0.5·(1/40 + 1/80))
    z = (0.3 - 0.6) / math.sqrt(0.25 * (1 / 40 + 1 / 80))
    assert black.z == pytest.approx(z)  # −3.098
    assert black.two_sd_flag
    statsmodels_z, statsmodels_p = proportions_ztest([12, 48], [40, 80])
    assert black.z == pytest.approx(statsmodels_z) and black.z_p == pytest.approx(statsmodels_p)
    assert black.fisher_p == pytest.approx(stats.fisher_exact([[12, 28], [48, 32]]).pvalue)
    assert black.test == "two_proportion_z"
    # Katz: exp(log 0.5 ± 1.96 √(1/12 − 1/40 + 1/48 − 1/80))
    se = math.sqrt(1 / 12 - 1 / 40 + 1 / 48 - 1 / 80)
    low, high = black.impact_ratio_interval
    assert low == pytest.approx(0.5 * math.exp(-1.959963985 * se), rel=1e-6)
    assert high == pytest.approx(0.5 * math.exp(1.959963985 * se), rel=1e-6)
    # Shortfall to the comparison rate: 0.6 × 40 − 12 = 12; to four-fifths: 0.48 × 40 − 12 = 7.2 → 8
    assert black.shortfall == 12 and black.shortfall_four_fifths == 8
    white = table.row("White")
    assert white.is_comparison and white.impact_ratio == 1.0 and white.z is None


@pytest.mark.parametrize(
    "x1, n1, x2, n2, expected",
    [
        (12, 40, 48, 80, "two_proportion_z"),
        (3, 10, 10, 15, "fisher_exact"),  # 25 people
        (1, 40, 8, 400, "fisher_exact"),  # 40 · 9/440 = 0.8 expected focal selections
        (20, 100, 30, 100, "two_proportion_z"),
    ],
)
def test_fisher_is_the_test_to_read_for_small_tables(x1, n1, x2, n2, expected):
    assert preferred_test(x1, n1, x2, n2) == expected


def test_comparison_is_the_highest_rate_among_categories_with_enough_applicants():
    cells = [("A", 200, 100), ("B", 100, 30), ("C", 5, 5)]  # C: 100 % but only 5 people
    cube = cube_of(expand(["group"], cells), ["group"])
    table = ugesp_battery(cube, protected=["group"], min_group_size=30).table("group")
    assert table.comparison == "A"
    assert table.row("C").impact_ratio == pytest.approx(2.0)
    assert table.row("C").test == "fisher_exact"
    every = ugesp_battery(cube, protected=["group"], min_group_size=0).table("group")
    assert every.comparison == "C"


def test_stratum_tables_equal_the_battery_on_each_stratum_alone():
    cells = [
        ("Female", "Sales", 120, 30),
        ("Male", "Sales", 80, 32),
        ("Female", "Ops", 40, 20),
        ("Male", "Ops", 160, 64),
        ("Unknown", "Ops", 7, 2),
    ]
    frame = expand(["sex", "job"], cells)
    result = ugesp_battery(cube_of(frame, ["sex", "job"]), protected=["sex"], strata=["job"])
    for job in ("Sales", "Ops"):
        alone = ugesp_battery(
            cube_of(frame[frame["job"] == job], ["sex"]), protected=["sex"]
        ).table("sex")
        assert result.table("sex", stratum=job).to_dict() == {**alone.to_dict(), "stratum": job}
    assert result.table("sex", stratum="Ops").unknown == 7
    assert result.table("sex", stratum="Ops").comparison == "Female"  # 0.5 against 0.4
    pooled = result.pooled_row("sex", category="Female")
    assert pooled.comparison == "Male"  # pooled: 50/160 against 96/240
    # E[a]: Sales 120·62/200 = 37.2, Ops 40·84/200 = 16.8 → 54 expected, 50 observed
    assert pooled.test.shortfall == pytest.approx(4.0)


def test_ugesp_json_keys_follow_the_contract():
    result = template_audit(
        SAMPLES / "hiring.csv",
        template="ugesp",
        prediction="selected",
        protected=["sex", "race_ethnicity"],
        strata=["job_group"],
    )
    document = result.to_dict()["ugesp"]
    table = document["tables"][0]
    assert {"by", "stratum", "comparison", "rows"} <= set(table)
    assert {
        "category",
        "applicants",
        "selected",
        "rate",
        "impact_ratio",
        "z",
        "fisher_p",
        "shortfall",
    } <= set(table["rows"][0])
    strata_seen = {t["stratum"] for t in document["tables"]}
    assert strata_seen == {None, "Engineering", "Sales", "Warehouse"}
    pooled = document["pooled"][0]
    assert {
        "by",
        "category",
        "cmh_chi2",
        "cmh_p",
        "mh_odds_ratio",
        "mh_odds_ratio_interval",
        "breslow_day_p",
        "shortfall",
    } <= set(pooled)
    # the strata come from the cube: the stratum tables add up to the unstratified one
    frame = pd.read_csv(SAMPLES / "hiring.csv")
    female = [
        row
        for t in document["tables"]
        if t["by"] == ["sex"] and t["stratum"]
        for row in t["rows"]
        if row["category"] == "Female"
    ]
    assert sum(r["applicants"] for r in female) == int((frame["sex"] == "Female").sum())
