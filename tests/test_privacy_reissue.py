"""A spent release whose output was lost is re-issued from the store: the same noisy counts,
no new spend (issue #12)."""

from __future__ import annotations

import json

import pytest

import auditor
from auditor.cli import main
from auditor.errors import PrivacyError
from auditor.store import AuditStore

from .conftest import COMPAS_PREDICTIONS

COMPAS = dict(label="two_year_recid", prediction="high_risk", protected=["race", "sex"])


def _statistics(document: dict) -> list:
    return [
        [(g["key"], g["n"], g["tp"], g["fp"], g["tn"], g["fn"]) for g in b["groups"]]
        for b in document["breakdowns"]
    ]


def test_reissue_gives_the_same_release_and_spends_nothing(tmp_path):
    store = tmp_path / "ledger.duckdb"
    original = auditor.audit(
        COMPAS_PREDICTIONS,
        **COMPAS,
        epsilon=0.5,
        store=store,
        privacy_budget=0.5,
        dataset_name="compas",
    )
    release_id = original.privacy["release_id"]
    before = AuditStore(store).budget("compas")
    assert before.remaining == pytest.approx(0.0)  # nothing left: a new release is impossible

    again = auditor.reissue(store, release_id)
    assert _statistics(again.to_dict()) == _statistics(original.to_dict())
    assert again.privacy["release_id"] == release_id and again.privacy["reissued"] is True
    assert again.privacy["guarantee"] == original.privacy["guarantee"]
    assert again.to_dict()["columns"] == original.to_dict()["columns"]
    assert AuditStore(store).budget("compas") == before  # no new spend
    # presentation may change (post-processing), the counts may not
    other = auditor.reissue(store, release_id, reference=["sex=Female"])
    assert other.breakdown("sex").reference == {"sex": "Female"}
    assert _statistics(other.to_dict()) == _statistics(original.to_dict())


def test_cli_reissue_writes_the_json_again_and_unknown_ids_are_usage_errors(tmp_path, capsys):
    store = tmp_path / "ledger.duckdb"
    original = auditor.audit(
        COMPAS_PREDICTIONS, **COMPAS, epsilon=1.0, store=store, privacy_budget=1.0
    )
    out = tmp_path / "again.json"
    code = main(
        ["reissue", original.privacy["release_id"], "--store", str(store), "--json", str(out)]
    )
    assert code == 0
    assert _statistics(json.loads(out.read_text())) == _statistics(original.to_dict())
    capsys.readouterr()
    assert main(["reissue", "nope", "--store", str(store), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no release with id 'nope'" in err[0]
    with pytest.raises(PrivacyError, match="no release with id"):
        auditor.reissue(store, "nope")
