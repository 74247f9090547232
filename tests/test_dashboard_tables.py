"""dashboard.tables: display tables of an audit document."""

from __future__ import annotations

from pathlib import Path

from dashboard.tables import group_table

ROOT = Path(__file__).resolve().parent.parent


def test_group_table_shows_undefined_as_na_and_private_sizes_as_approximate():
    breakdown = {
        "by": ["g"],
        "groups": [
            {
                "key": {"g": "a"},
                "n": 5,
                "metrics": {"fpr": None},
                "intervals": {"fpr": None},
                "ratio_to_reference": {"fpr": None},
                "flags": ["insufficient_data"],
                "is_reference": False,
            },
            {
                "key": {"g": "b"},
                "n": 40.4,
                "metrics": {"fpr": 0.25},
                "intervals": {"fpr": [0.1, 0.4]},
                "ratio_to_reference": {"fpr": 1.0},
                "flags": [],
                "is_reference": True,
            },
        ],
    }
    exact = group_table(breakdown, ["fpr"]).set_index("group")
    assert exact.loc["a", "false positive rate (95% interval)"] == "n/a"
    assert exact.loc["a", "÷ reference"] == "n/a"
    assert exact.loc["b", "false positive rate (95% interval)"] == "25.0% (10.0–40.0)"
    private = group_table(breakdown, ["fpr"], private=True).set_index("group")
    assert private.loc["b", "n (noisy)"] == "≈40"


def test_private_tables_clamp_released_rates_for_display_only():
    breakdown = {
        "by": ["g"],
        "groups": [
            {
                "key": {"g": "a"},
                "n": -3.2,
                "metrics": {"fpr": -0.23},
                "intervals": {"fpr": [-0.4, 0.33]},
                "ratio_to_reference": {"fpr": None},
                "flags": ["not_estimable"],
                "not_estimable": ["fpr"],
                "is_reference": False,
            },
        ],
    }
    row = group_table(breakdown, ["fpr"], private=True).set_index("group").loc["a"]
    assert row["false positive rate (95% interval)"] == "0.0% (0.0–33.0) — not estimable at this ε"
    assert row["n (noisy)"] == "≈0"
    assert breakdown["groups"][0]["metrics"]["fpr"] == -0.23  # the document is untouched


def test_summary_table_shows_all_groups_and_groups_with_enough_data(compas_audit):
    from dashboard.tables import summary_table

    race = compas_audit.to_dict()["breakdowns"][0]
    table = summary_table(race).set_index("summary")
    row = table.loc[table.index.str.startswith("Equalized odds difference")].iloc[0]
    # the 11 Native American defendants drive the all-groups figure
    assert row["all groups"] == "0.661"
    assert row["groups with enough data"] == "0.377"


def test_a_private_table_says_not_estimable_of_the_rates_that_are_only():
    group = {
        "key": {"g": "a"},
        "n": 31.4,
        "metrics": {"selection_rate": 0.226, "tpr": 0.41},
        "intervals": {"selection_rate": [0.112, 0.399]},
        "ratio_to_reference": {"selection_rate": 0.7, "tpr": None},
        "flags": ["not_estimable"],  # some rate of the group is not estimable: here TPR
        "not_estimable": ["tpr"],
        "is_reference": False,
    }
    row = group_table({"by": ["g"], "groups": [group]}, ["selection_rate", "tpr"], private=True)
    row = row.set_index("group").loc["a"]
    assert row["selection rate (95% interval)"] == "22.6% (11.2–39.9)"
    assert row["true positive rate (95% interval)"] == "41.0% — not estimable at this ε"


def test_exact_vs_private_says_not_estimable_of_the_rate_shown_only():
    from dashboard.privacy import exact_vs_private

    def document(group):
        return {"breakdowns": [{"by": ["g"], "reference": {"g": "a"}, "groups": [group]}]}

    exact = {
        "key": {"g": "a"},
        "n": 31,
        "metrics": {"selection_rate": 0.2258, "tpr": 0.4},
        "intervals": {"selection_rate": [0.114, 0.397], "tpr": [0.17, 0.69]},
        "flags": [],
    }
    noisy = {
        "key": {"g": "a"},
        "n": 31.4,
        "metrics": {"selection_rate": 0.226, "tpr": 0.41},
        "intervals": {"selection_rate": [0.112, 0.399]},
        "flags": ["not_estimable"],
        "not_estimable": ["tpr"],
    }
    shown = exact_vs_private(document(exact), document(noisy), "g", "selection_rate").iloc[0]
    assert shown["PRIVATE 95% interval (noise + sampling)"] == "11.2–39.9"
    hidden = exact_vs_private(document(exact), document(noisy), "g", "tpr").iloc[0]
    assert hidden["PRIVATE 95% interval (noise + sampling)"] == "not estimable at this ε"
