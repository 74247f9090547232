"""The ledger under threads (issue #12.1): the sessions of one dashboard server are threads of
one process, and their check-and-spend must be serialised as strictly as separate processes'.

Before the fix, 8 threads each releasing ε = 0.3 against a budget of 1.0 overspent in 19 of
20 rounds (DuckDB's optimistic transactions do not conflict on two inserts of different
releases, so every thread passed the budget check on the same spent total).
"""

from __future__ import annotations

import threading

import pytest

import auditor
from auditor.errors import BudgetExceededError
from auditor.store import AuditStore

from .conftest import COMPAS_PREDICTIONS

THREADS = 8
SPEND = 0.3
TOTAL = 1.0
COMPAS = dict(label="two_year_recid", prediction="high_risk", protected=["sex"])


def _race(release, rounds: int) -> list[tuple[int, int, float]]:
    """Each round: THREADS threads released at once; (accepted, refused, spent) per round."""
    outcomes = []
    for _ in range(rounds):
        barrier = threading.Barrier(THREADS)
        accepted, refused, errors = [], [], []

        def one(index: int, barrier=barrier, accepted=accepted, refused=refused, errors=errors):
            barrier.wait()
            try:
                release(index)
            except BudgetExceededError:
                refused.append(index)
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)
            else:
                accepted.append(index)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not errors, errors
        outcomes.append((len(accepted), len(refused)))
    return outcomes


def test_threads_releasing_through_the_audit_api_never_overspend(tmp_path):
    exact = auditor.audit(COMPAS_PREDICTIONS, **COMPAS)  # warm imports outside the race
    assert not exact.is_private
    for round_ in range(3):
        path = tmp_path / f"ledger{round_}.duckdb"
        AuditStore(path)  # an empty store
        outcomes = _race(
            lambda index, path=path: auditor.audit(
                COMPAS_PREDICTIONS,
                **COMPAS,
                epsilon=SPEND,
                categories={"sex": ["Male", "Female"]},
                store=path,
                privacy_budget=TOTAL,
                dataset_name="compas",
            ),
            rounds=1,
        )
        assert outcomes == [(3, THREADS - 3)]  # 3 × 0.3 fit in 1.0, the 4th would not
        state = AuditStore(path).budget("compas")
        assert state.spent_epsilon == pytest.approx(3 * SPEND)
        assert state.spent_epsilon <= TOTAL and state.releases == 3


def test_threads_releasing_through_the_dashboard_helper_never_overspend(tmp_path):
    """The dashboard's private-release helper, on one store object shared by the sessions."""
    from dashboard.views import private_view

    exact = auditor.audit(COMPAS_PREDICTIONS, **COMPAS)
    path = tmp_path / "ledger.duckdb"
    store = AuditStore(path)
    outcomes = _race(
        lambda index: private_view(exact, epsilon=SPEND, store=store, privacy_budget=TOTAL),
        rounds=5,
    )
    assert all(accepted <= 3 for accepted, _ in outcomes)
    (state,) = store.datasets()  # one data set: the same rows every time
    assert state.spent_epsilon <= TOTAL + 1e-9 and state.releases == 3
    assert state.spent_epsilon == pytest.approx(3 * SPEND)
