"""NYC Local Law 144 tables on a hand-computed fixture: rates, impact ratios against the most
selected category, unknowns counted apart, the 2 % exclusion, natural intersection names, and
a scoring tool's median over the whole sample."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from auditor import InputError
from auditor.templates import ll144_tables
from auditor.templates.median import above_median_threshold, sample_median
from auditor.templates.run import template_audit

from .template_data import cube_of, expand

# (sex, race, applicants, selected); 460 applicants in all.
CELLS = [
    ("Female", "White", 100, 40),
    ("Male", "White", 150, 75),
    ("Female", "Black or African American", 80, 20),
    ("Male", "Black or African American", 60, 24),
    ("Female", "Hispanic or Latino", 20, 12),
    ("Male", "Hispanic or Latino", 30, 9),
    ("Female", "Native Hawaiian or Other Pacific Islander", 3, 3),
    ("Male", "Native Hawaiian or Other Pacific Islander", 2, 1),
    ("Unknown", "White", 10, 5),
    ("Female", None, 5, 1),  # race not given: an empty cell
]


@pytest.fixture(scope="module")
def cube():
    return cube_of(expand(["sex", "race"], CELLS), ["sex", "race"])


def test_sex_table_by_hand(cube):
    result = ll144_tables(cube, sex="sex", race="race", data_source="fixture")
    table = result.table("sex")
    assert table.unknown == 10
    female, male = table.row("Female"), table.row("Male")
    assert (female.applicants, female.selected) == (208, 76)
    assert (male.applicants, male.selected) == (242, 109)
    assert female.rate == pytest.approx(76 / 208)
    assert female.impact_ratio == pytest.approx((76 / 208) / (109 / 242))  # 0.811
    assert male.impact_ratio == 1.0 and table.comparison == "Male"
    assert result.applicants == 460


def test_race_table_compares_with_the_most_selected_not_the_largest_category(cube):
    table = ll144_tables(cube, sex="sex", race="race", data_source="fixture").table("race")
    assert table.unknown == 5  # the empty race cells
    # Without an exclusion the 5 NHOPI applicants (4 selected, 0.8) are the most selected.
    assert table.comparison == "Native Hawaiian or Other Pacific Islander"
    assert table.row("White").impact_ratio == pytest.approx((120 / 260) / 0.8)
    assert table.row("White").applicants == 260  # includes the White applicant of unknown sex


def test_exclusion_under_two_percent_keeps_the_row_and_flags_the_lost_maximum(cube):
    result = ll144_tables(cube, sex="sex", race="race", exclude_under=0.02, data_source="f")
    table = result.table("race")
    nhopi = table.row("Native Hawaiian or Other Pacific Islander")
    assert nhopi.excluded and nhopi.impact_ratio is None
    assert (nhopi.applicants, nhopi.selected, nhopi.rate) == (5, 4, 0.8)
    assert nhopi.share == pytest.approx(5 / 460)
    assert nhopi.would_be_maximum
    assert table.excluded_would_be_maximum == ("Native Hawaiian or Other Pacific Islander",)
    assert table.comparison == "White"
    assert table.row("Black or African American").impact_ratio == pytest.approx(
        (44 / 140) / (120 / 260)
    )
    assert table.row("Hispanic or Latino").impact_ratio == pytest.approx(0.42 / (120 / 260))
    assert "less than 2%" in result.justification
    document = result.to_dict()
    assert document["excluded_under"] == 0.02
    assert document["exclusion_justification"] == result.justification


def test_intersection_rows_are_named_naturally_and_count_either_unknown(cube):
    result = ll144_tables(cube, sex="sex", race="race", exclude_under=0.02, data_source="f")
    table = result.table("sex", "race")
    assert table.unknown == 15  # unknown sex (10) or missing race (5)
    names = {row.category for row in table.rows}
    assert "Hispanic or Latino Female" in names and "White Male" in names
    # Hispanic or Latino Female: 12/20 = 0.6 is the highest rate among included categories
    assert table.comparison == "Hispanic or Latino Female"
    assert table.row("White Male").impact_ratio == pytest.approx(0.5 / 0.6)
    nhopi_female = table.row("Native Hawaiian or Other Pacific Islander Female")
    assert nhopi_female.excluded and nhopi_female.would_be_maximum  # 3/3 = 1.0
    nhopi_male = table.row("Native Hawaiian or Other Pacific Islander Male")
    assert nhopi_male.excluded and not nhopi_male.would_be_maximum  # 1/2 = 0.5


def test_json_shape_follows_the_contract(cube):
    document = ll144_tables(cube, sex="sex", race="race", data_source="fixture").to_dict()
    assert document["kind"] == "selection" and document["median_score"] is None
    assert [t["by"] for t in document["tables"]] == [["sex"], ["race"], ["sex", "race"]]
    row = document["tables"][0]["rows"][0]
    assert {"category", "applicants", "selected", "rate", "impact_ratio", "excluded"} <= set(row)
    assert document["tables"][0]["unknown"] == 10
    assert document["excluded_under"] is None


def test_bad_options_are_input_errors(cube):
    with pytest.raises(InputError, match="between 0 and 1"):
        ll144_tables(cube, sex="sex", race="race", exclude_under=2, data_source="f")
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        ll144_tables(cube, sex="sex", race="race", data_source="f", tool_distribution_date="May")


def _scored_frame(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "sex": rng.choice(["Female", "Male", "Unknown"], size=rows, p=[0.45, 0.5, 0.05]),
            "race": rng.choice(["Asian", "White", "Black or African American"], size=rows),
            "score": rng.normal(50, 10, size=rows).round(2),
        }
    )
    frame.loc[frame["sex"] == "Female", "score"] -= 3
    return frame


def test_scoring_tool_rates_use_the_exact_median_of_the_whole_sample():
    frame = _scored_frame(1001, seed=3)
    frame.loc[0, "score"] = frame["score"].median()  # a score exactly at the median: not above
    median = float(np.median(frame["score"]))
    result = template_audit(frame, template="ll144", score="score", protected=["sex", "race"])
    ll144 = result.templates["ll144"]
    assert ll144.kind == "scoring" and ll144.median_score == median
    table = ll144.table("sex")
    for sex in ("Female", "Male"):
        members = frame[frame["sex"] == sex]
        row = table.row(sex)
        assert row.applicants == len(members)
        assert row.above_median == int((members["score"] > median).sum())
        assert row.rate == pytest.approx((members["score"] > median).mean())
        assert row.selected is None
    best = max(table.row(s).rate for s in ("Female", "Male"))
    assert table.row("Female").impact_ratio == pytest.approx(table.row("Female").rate / best)
    assert table.unknown == int((frame["sex"] == "Unknown").sum())  # in the median, not the rates


def test_even_sample_median_is_the_mean_of_the_two_middle_scores():
    frame = pd.DataFrame({"score": [1.0, 2.0, 10.0, 11.0, None, "n/a"]})
    median, count = sample_median(frame.astype({"score": object}).astype(str), score="score")
    assert (median, count) == (6.0, 4)
    assert above_median_threshold(6.0) > 6.0
    assert math.nextafter(above_median_threshold(6.0), -math.inf) == 6.0


def test_scoring_audit_without_a_score_is_an_input_error():
    frame = _scored_frame(50, seed=1)
    with pytest.raises(InputError, match="--prediction COL .* or --score COL"):
        template_audit(frame, template="ll144", protected=["sex", "race"])
