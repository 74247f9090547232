"""dashboard.views: audits derived from the cached count cube (threshold, DP release)."""

from __future__ import annotations

from pathlib import Path

import pytest

import auditor
from auditor.samples import SAMPLES
from dashboard.scores import threshold_range
from dashboard.tables import breakdown_for
from dashboard.views import threshold_view

ROOT = Path(__file__).resolve().parent.parent


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
    from auditor.store import AuditStore
    from dashboard.views import private_view

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
    assert document["dataset"]["sha256"] is None  # no fingerprint of the data in a DP output
    (state,) = store.datasets()
    assert state.spent_epsilon == pytest.approx(1.0)
    with pytest.raises(auditor.BudgetExceededError):
        private_view(exact, epsilon=1.0, store=store, privacy_budget=1.5)
