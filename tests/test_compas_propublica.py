"""ProPublica's COMPAS error rates by race, reproduced from their two-year file with their filter.

ProPublica's filter: |days_b_screening_arrest| <= 30, is_recid != -1, c_charge_degree != 'O',
score_text != 'N/A' (6,172 rows); prediction: score_text != 'Low' (decile >= 5). On this file
their method gives FPR 42.3% (Black) vs 22.0% (white) and FNR 28.5% vs 49.6%. (The article's
headline table — 44.9%/23.5% and 28.0%/47.7% — was computed from ProPublica's separate
Cox-parsed survival file, which is not among our data sets.)
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

import auditor

from .conftest import COMPAS_RAW


@pytest.fixture(scope="module")
def raw_filtered() -> pd.DataFrame:
    frame = pd.read_csv(COMPAS_RAW)
    keep = (
        frame["days_b_screening_arrest"].between(-30, 30)
        & (frame["is_recid"] != -1)
        & (frame["c_charge_degree"] != "O")
        & (frame["score_text"] != "N/A")
    )
    out = frame[keep].copy()
    out["high_risk"] = (out["score_text"] != "Low").astype(int)
    return out


def test_filter_keeps_propublicas_6172_rows(raw_filtered):
    assert len(raw_filtered) == 6172


def test_error_rates_by_race_match_propublica(raw_filtered):
    result = auditor.audit(
        raw_filtered,
        label="two_year_recid",
        prediction="high_risk",
        protected="race",
        intersections=False,
    )
    race = result.breakdown("race")
    black, white = race.group(race="African-American"), race.group(race="Caucasian")
    assert round(black.metrics["fpr"], 3) == 0.423
    assert round(white.metrics["fpr"], 3) == 0.220
    assert round(black.metrics["fnr"], 3) == 0.285
    assert round(white.metrics["fnr"], 3) == 0.496
    assert black.n == 3175 and white.n == 2103


def test_counts_match_an_independent_pandas_tally(raw_filtered):
    result = auditor.audit(
        raw_filtered,
        label="two_year_recid",
        prediction="high_risk",
        protected="race",
        intersections=False,
    )
    for group in result.breakdown("race").groups:
        rows = raw_filtered[raw_filtered["race"] == group.key["race"]]
        y, p = rows["two_year_recid"], rows["high_risk"]
        assert group.counts.tp == ((y == 1) & (p == 1)).sum()
        assert group.counts.fp == ((y == 0) & (p == 1)).sum()
        assert group.counts.tn == ((y == 0) & (p == 0)).sum()
        assert group.counts.fn == ((y == 1) & (p == 0)).sum()


def test_raw_file_with_duplicate_header_audits_through_a_duckdb_relation():
    # The raw file repeats `decile_score` in its header; DuckDB de-duplicates the names.
    con = duckdb.connect()
    relation = con.sql(
        "SELECT *, (score_text <> 'Low')::INT AS high_risk FROM read_csv(?) "
        "WHERE days_b_screening_arrest BETWEEN -30 AND 30 AND is_recid <> -1 "
        "AND c_charge_degree <> 'O' AND score_text <> 'N/A'",
        params=[str(COMPAS_RAW)],
    )
    result = auditor.audit(
        relation,
        label="two_year_recid",
        prediction="high_risk",
        protected="race",
        intersections=False,
    )
    assert result.dataset.rows_used == 6172
    assert round(result.breakdown("race").group(race="African-American").metrics["fpr"], 3) == 0.423
