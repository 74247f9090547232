"""History entries say when they were saved, tell a user's save from the automatic record of a
private release, and reopen as PDF; a private release carries its own date (it carried the exact
audit's)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from auditor.store import AuditStore
from dashboard.history import history_table

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"


@pytest.fixture(autouse=True)
def _private_store(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDITOR_STORE", str(tmp_path / "audits.duckdb"))
    monkeypatch.delenv("AUDITOR_SAMPLE", raising=False)


def test_an_entry_keeps_when_it_was_saved_and_what_kind_it_is(tmp_path):
    document = {
        "schema": "auditor/audit-v1",
        "created_at": "2020-01-01T00:00:00+00:00",
        "dataset": {"source": "old.csv", "sha256": "ab" * 32},
        "privacy": {"mode": "exact"},
    }
    with AuditStore(tmp_path / "s.duckdb") as store:
        store.record_audit(document)
        store.record_audit({**document, "privacy": {"mode": "dp"}}, kind="release")
        summaries = store.list_audits(sha256="ab" * 32)
    assert {s.kind for s in summaries} == {"saved", "release"}
    this_year = str(dt.datetime.now(dt.UTC).year)
    for summary in summaries:
        assert summary.created_at.startswith("2020-01-01")  # when the audit ran
        assert summary.saved_at.startswith(this_year)  # when the entry was written
    table = history_table(summaries)
    assert set(table["entry"]) == {"saved by a user", "private release (recorded automatically)"}
    assert set(table["audit run (UTC)"]) == {"2020-01-01 00:00:00"}
    with pytest.raises(ValueError, match="kind"):
        AuditStore(tmp_path / "s.duckdb").record_audit(document, kind="other")


def test_history_page_tells_saves_from_releases_and_offers_the_pdf():
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    at.button(key="load_compas").click().run()
    exact_date = at.session_state["audit"].created_at
    at.switch_page("pages/privacy.py").run()
    at.button(key="dp_release").click().run()
    assert not at.exception, [e.value for e in at.exception]
    released = at.session_state["private_result"][1]
    assert released.created_at >= exact_date
    at.switch_page("pages/report.py").run()
    at.button(key="save_history").click().run()
    at.switch_page("pages/history.py").run()
    assert not at.exception, [e.value for e in at.exception]
    table = at.table[0].value
    assert set(table["entry"]) == {"saved by a user", "private release (recorded automatically)"}
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Download this audit's PDF" in labels and "Download this audit's JSON" in labels


def test_a_private_release_is_dated_when_it_is_made_not_when_the_exact_audit_ran(tmp_path):
    import dataclasses

    from auditor.samples import get_sample
    from dashboard.views import private_view

    exact = dataclasses.replace(
        get_sample("compas").audit(), created_at="2020-01-01T00:00:00+00:00"
    )
    with AuditStore(tmp_path / "ledger.duckdb") as store:
        released = private_view(exact, epsilon=1.0, store=store, privacy_budget=2.0, seed=1)
    assert not released.created_at.startswith("2020")
    assert released.to_dict()["created_at"] == released.created_at
