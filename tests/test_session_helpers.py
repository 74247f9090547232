"""UI-free dashboard helpers: per-session workspaces, mapping suggestions, display tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import auditor
from auditor.samples import SAMPLES, get_sample
from auditor.session import (
    Workspace,
    breakdown_for,
    group_table,
    policy_from_text,
    suggest_mapping,
    threshold_range,
    threshold_view,
)

ROOT = Path(__file__).resolve().parent.parent


def test_workspaces_are_isolated_and_deleted_on_close():
    first, second = Workspace(), Workspace()
    try:
        a = first.save_upload("data.csv", b"y,p,g\n1,1,a\n0,1,b\n")
        b = second.save_upload("data.csv", b"y,p,g\n0,0,c\n")
        assert a != b and a.read_bytes() != b.read_bytes()
        assert first.directory != second.directory
        first.inspect(a)
        second.inspect(b)
        # Each session queries its own view on its own connection.
        assert first.connection.sql("SELECT g FROM auditor_source").fetchall() == [("a",), ("b",)]
        assert second.connection.sql("SELECT g FROM auditor_source").fetchall() == [("c",)]
    finally:
        first.close()
        second.close()
    assert not first.directory.exists() and first.closed


def test_upload_names_cannot_escape_the_workspace():
    space = Workspace()
    try:
        path = space.save_upload("../../etc/passwd", b"a,b\n1,2\n")
        assert path.parent == space.directory / "uploads"
        with pytest.raises(auditor.InputError, match="empty"):
            space.save_upload("empty.csv", b"")
    finally:
        space.close()


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_mapping_suggestions_match_the_sample_definitions(name):
    sample = get_sample(name)
    preview = pd.read_csv(sample.path, dtype=str, nrows=500)
    suggestion = suggest_mapping(preview)
    assert suggestion.label == sample.label
    assert suggestion.prediction == sample.prediction
    assert suggestion.score == sample.score
    assert set(sample.protected) <= set(suggestion.protected)
    assert suggestion.positive_label == sample.positive_label


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


def test_policy_text_errors_name_the_problem():
    with pytest.raises(auditor.PolicyError, match="not hold valid TOML"):
        policy_from_text("[[checks]\n")
    policy = policy_from_text(
        '[[checks]]\nmetric = "selection_rate"\nrule = "ratio_at_least"\nbound = 0.8\n'
    )
    assert policy.checks[0].bound == 0.8


def test_threshold_view_recomputes_from_the_cube_without_the_file(tmp_path):
    source = tmp_path / "compas.csv"
    source.write_bytes((ROOT / "sample_data" / "compas_predictions.csv").read_bytes())
    result = SAMPLES["compas"].audit_options()
    result = auditor.audit(source, **result)
    source.unlink()  # no rescan is possible any more
    assert threshold_range(result) == (1.0, 10.0, 1.0, 5.0)
    moved = threshold_view(result, 7)
    fpr = breakdown_for(moved.to_dict(), "race")["groups"][0]["metrics"]["fpr"]
    assert fpr == pytest.approx(0.2279, abs=1e-4)
    same = threshold_view(result, 5)
    assert breakdown_for(same.to_dict(), "race")["groups"][0]["metrics"]["fpr"] == pytest.approx(
        0.42338, abs=1e-5
    )


def test_private_view_releases_from_the_cached_cube_and_holds_no_exact_counts(tmp_path):
    from auditor.session import private_view
    from auditor.store import AuditStore

    exact = SAMPLES["compas"].audit()
    store = AuditStore(tmp_path / "ledger.duckdb")
    released = private_view(
        exact, epsilon=1.0, store=store, privacy_budget=1.5, reference={"race": "Caucasian"}
    )
    document = released.to_dict()
    assert document["privacy"]["mode"] == "dp"
    assert document["dataset"]["rows"] is None and document["dataset"]["size_bytes"] is None
    assert "scores" not in document
    exact_race = {
        g["key"]["race"]: g["n"] for g in breakdown_for(exact.to_dict(), "race")["groups"]
    }
    private_race = {g["key"]["race"]: g["n"] for g in breakdown_for(document, "race")["groups"]}
    assert private_race != {k: v for k, v in exact_race.items() if k in private_race}
    assert breakdown_for(document, "race")["reference"] == {"race": "Caucasian"}
    assert store.budget(exact.dataset.sha256).spent_epsilon == pytest.approx(1.0)
    with pytest.raises(auditor.BudgetExceededError):
        private_view(exact, epsilon=1.0, store=store, privacy_budget=1.5)


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
                "is_reference": False,
            },
        ],
    }
    row = group_table(breakdown, ["fpr"], private=True).set_index("group").loc["a"]
    assert row["false positive rate (95% interval)"] == "0.0% (0.0–33.0) — not estimable at this ε"
    assert row["n (noisy)"] == "≈0"
    assert breakdown["groups"][0]["metrics"]["fpr"] == -0.23  # the document is untouched


def test_summary_table_shows_all_groups_and_groups_with_enough_data(compas_audit):
    from auditor.session import summary_table

    race = compas_audit.to_dict()["breakdowns"][0]
    table = summary_table(race).set_index("summary")
    row = table.loc[table.index.str.startswith("Equalized odds difference")].iloc[0]
    # the 11 Native American defendants drive the all-groups figure
    assert row["all groups"] == "0.661"
    assert row["groups with enough data"] == "0.377"
