"""AuditStore: audit history and the privacy-budget ledger (single process)."""

from __future__ import annotations

import json

import pytest

import auditor
from auditor.cli import main
from auditor.errors import BudgetExceededError, InputError, PrivacyError
from auditor.store import AuditStore, AuditSummary

from .conftest import COMPAS_CLI, COMPAS_PREDICTIONS

CONTENT = "ab" * 32


def test_audit_history_round_trip(tmp_path, compas_audit):
    with AuditStore(tmp_path / "audits.duckdb") as store:
        document = compas_audit.to_dict()
        first = store.record_audit(document)
        second = store.record_audit({**document, "created_at": "2999-01-01T00:00:00+00:00"})
        audits = store.list_audits()
        assert [a.id for a in audits] == [second, first]  # newest first
        assert audits[1] == AuditSummary(
            id=first,
            created_at=document["created_at"],
            source=document["dataset"]["source"],
            sha256=document["dataset"]["sha256"],
            mode="exact",
            passed=compas_audit.passed,
            saved_at=audits[1].saved_at,
            kind="saved",
        )
        assert audits[1].saved_at <= audits[0].saved_at  # when each entry was written
        assert store.load_audit(first) == json.loads(json.dumps(document))
        with pytest.raises(InputError, match="no audit with id 'nope'"):
            store.load_audit("nope")
    # a new store object on the same file sees everything (persistence)
    assert len(AuditStore(tmp_path / "audits.duckdb").list_audits()) == 2


def test_budget_is_checked_recorded_and_refused_beyond_the_total(tmp_path):
    store = AuditStore(tmp_path / "ledger.duckdb")
    cells = [{"sex": "F", "y": 1, "yhat": 1, "n": 12}]
    record, state = store.commit_release(
        content=CONTENT, epsilon=0.6, delta=0.0, mechanism="laplace", cells=cells, total=1.0
    )
    name = record.dataset
    assert name.startswith("dataset-")  # no name declared: a random one, never the content
    assert state.total == 1.0 and state.spent_epsilon == pytest.approx(0.6)
    assert state.remaining == pytest.approx(0.4) and state.releases == 1
    with pytest.raises(BudgetExceededError, match=r"only ε=0.4 of the total ε=1 remains"):
        store.commit_release(
            content=CONTENT, epsilon=0.5, delta=0.0, mechanism="laplace", cells=cells
        )
    assert store.budget(name).spent_epsilon == pytest.approx(0.6)  # the refusal recorded nothing
    store.commit_release(
        content=CONTENT, epsilon=0.4, delta=1e-7, mechanism="gaussian", cells=cells
    )
    releases = store.releases(name)
    assert [r.epsilon for r in releases] == [0.6, 0.4] and releases[0].cells == cells
    assert releases[0].id == record.id
    assert store.budget(name).remaining == pytest.approx(0.0)
    assert store.budget(name).spent_delta == pytest.approx(1e-7)
    assert store.release(record.id) == releases[0]
    entries = store.ledger_entries(name)  # the ledger table's view: the same, without cells
    assert [(e.id, e.dataset, e.created_at, e.mechanism, e.epsilon, e.delta) for e in entries] == [
        (r.id, r.dataset, r.created_at, r.mechanism, r.epsilon, r.delta) for r in releases
    ]
    assert store.ledger_entries("no such data set") == []
    # the page's one read: the rows' name, then that data set's budget and entries
    overview = store.ledger_overview(CONTENT, "typed but ignored: the rows have a name")
    assert (overview.known_name, overview.name) == (name, name)
    assert overview.budget == store.budget(name) and list(overview.entries) == entries
    fresh = store.ledger_overview("not released content", "a new name")
    assert (fresh.known_name, fresh.name) == (None, "a new name")
    assert fresh.budget == store.budget("a new name") and fresh.entries == ()
    nothing = store.ledger_overview("not released content", None)
    assert (nothing.name, nothing.budget, nothing.entries) == (None, None, ())


def test_total_is_declared_once(tmp_path):
    store = AuditStore(tmp_path / "ledger.duckdb")
    with pytest.raises(PrivacyError, match="declare its total once with --privacy-budget"):
        store.commit_release(
            content=CONTENT, dataset="d", epsilon=0.1, delta=0.0, mechanism="laplace", cells=[]
        )
    store.set_budget("d", 2.0)
    with pytest.raises(PrivacyError, match="cannot be changed to 5"):
        store.commit_release(
            content=CONTENT,
            dataset="d",
            epsilon=0.1,
            delta=0.0,
            mechanism="laplace",
            cells=[],
            total=5.0,
        )
    assert store.budget("d").total == 2.0 and store.budget("other").total is None


def test_dp_audit_spends_budget_and_stores_the_released_cells(tmp_path):
    path = tmp_path / "ledger.duckdb"
    result = auditor.audit(
        COMPAS_PREDICTIONS,
        label="two_year_recid",
        prediction="high_risk",
        protected=["sex"],
        epsilon=0.5,
        categories={"sex": ["Male", "Female"]},
        store=path,
        privacy_budget=1.2,
    )
    ledger = result.privacy["ledger"]
    assert ledger["spent_epsilon"] == 0.5 and ledger["remaining_epsilon"] == pytest.approx(0.7)
    (release,) = AuditStore(path).releases(ledger["dataset"])
    assert release.id == ledger["release_id"]
    # the stored cells are exactly the released (noisy) cells the audit was computed from
    stored = {(c["sex"], c["y"], c["yhat"]): c["n"] for c in release.cells}
    cells = result.cube.cells
    released = {(r.sex, r.y, r.yhat): r.n for r in cells.itertuples()}
    assert stored == released


def test_cli_dp_audit_then_refusal_with_exit_2(tmp_path, capsys):
    store = tmp_path / "x.duckdb"
    argv = [
        "audit",
        *COMPAS_CLI,
        "--epsilon",
        "1",
        "--store",
        str(store),
        "--privacy-budget",
        "1.5",
        "--json",
        "-",
        "--quiet",
    ]
    assert main(argv) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["privacy"]["mode"] == "dp"
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "only ε=0.5 of the total ε=1.5 remains" in lines[0]
    (summary,) = AuditStore(store).list_audits()  # the DP audit is in the history, once
    assert summary.mode == "dp" and summary.sha256 is None  # no hash in a DP output
