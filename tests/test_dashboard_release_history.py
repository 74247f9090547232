"""A private release's record in the store's history is written in the background after the
click (its JSON takes 250–500 ms to store for 765 groups), and the History page waits for it:
a release made just before opening the History page is listed, with the session's document."""

from __future__ import annotations

import json
import threading

import pytest

from auditor.store import AuditStore
from dashboard import state

from .test_dashboard_pages import _loaded, _open


@pytest.fixture(autouse=True)
def _private_store(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDITOR_STORE", str(tmp_path / "audits.duckdb"))
    monkeypatch.delenv("AUDITOR_SAMPLE", raising=False)


def test_the_history_page_waits_for_the_release_record_written_in_the_background(tmp_path):
    at = _open(_loaded(), "privacy")
    gate = threading.Event()
    # the history writer is busy until the gate opens, so the release's record is still
    # pending when the History page is opened
    state._history_writer().submit(gate.wait, 60)
    at.button(key="dp_release").click().run()
    assert not at.exception, [e.value for e in at.exception]
    released = at.session_state["private_result"][1]
    with AuditStore(tmp_path / "audits.duckdb") as store:
        assert store.list_audits() == []  # not written yet: the click did not wait for it
        assert store.budget(released.privacy["ledger"]["dataset"]).releases == 1  # spent
    threading.Timer(2.0, gate.set).start()
    _open(at, "history")
    entries = [str(entry) for entry in at.table[0].value["entry"]]
    assert entries == ["private release (recorded automatically)"]
    with AuditStore(tmp_path / "audits.duckdb") as store:
        (summary,) = store.list_audits()
        recorded = store.load_audit(summary.id)
    document = at.session_state[state.PRIVATE_DOCUMENT][1]
    assert json.dumps(recorded, sort_keys=True) == json.dumps(document, sort_keys=True)
    assert state.HISTORY_WRITES not in at.session_state  # waited for, then forgotten
