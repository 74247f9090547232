"""A private release's rates the noise swamps: no ratio is read off them in the tables, and the
charts leave them out (a noisy rate can fall below 0; its ratio printed as -1.82×)."""

from __future__ import annotations

import auditor
from auditor import charts
from dashboard.tables import NOT_ESTIMABLE, group_table

from .conftest import COMPAS_PREDICTIONS


def _private_breakdown():
    result = auditor.audit(
        COMPAS_PREDICTIONS,
        label="two_year_recid",
        prediction="high_risk",
        protected=["race"],
        epsilon=0.2,
        categories={
            "race": [
                "African-American",
                "Asian",
                "Caucasian",
                "Hispanic",
                "Native American",
                "Other",
            ]
        },
        seed=3,
    )
    breakdown = next(b for b in result.to_dict()["breakdowns"] if b["by"] == ["race"])
    hidden = {
        g["key"]["race"]
        for g in breakdown["groups"]
        if "selection_rate" in (g.get("not_estimable") or ())
    }
    assert hidden and hidden != {g["key"]["race"] for g in breakdown["groups"]}
    return breakdown, hidden


def test_no_ratio_is_shown_for_a_rate_that_is_not_estimable():
    breakdown, hidden = _private_breakdown()
    table = group_table(breakdown, ["selection_rate"], private=True).set_index("group")
    impact = next(c for c in table.columns if c.startswith("impact ratio"))
    for group in hidden:
        assert table.loc[group, "÷ reference"] in (NOT_ESTIMABLE, "reference")
        assert table.loc[group, impact] in (NOT_ESTIMABLE, "1 (highest)")
        assert table.loc[group, "short of 4/5"] == ""  # no shortfall read off noise either
    shown = set(table.index) - hidden
    assert all(table.loc[g, "÷ reference"] != NOT_ESTIMABLE for g in shown)


def test_the_charts_leave_out_rates_that_are_not_estimable():
    breakdown, hidden = _private_breakdown()
    for build in (charts.rate_chart, charts.disparity_chart):
        spec = build(breakdown, "selection_rate").to_dict()
        drawn = {
            row["group"]
            for rows in spec.get("datasets", {}).values()
            for row in rows
            if "group" in row
        }
        assert drawn and not drawn & hidden, build.__name__
