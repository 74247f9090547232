"""Several processes recording audits and spending budget on one store file at once:
no record lost or duplicated, and the total budget never overspent."""

from __future__ import annotations

import subprocess
import sys

import pytest

from auditor.store import AuditStore

SHA = "ef" * 32
PROCESSES = 4
ATTEMPTS = 6  # per process: one audit and one release of ε = SPEND each
SPEND = 0.25
TOTAL = 4.0  # room for 16 of the 24 attempted releases

WORKER = """
import sys
from auditor.errors import BudgetExceededError
from auditor.store import AuditStore

store, worker = AuditStore(sys.argv[1], timeout=60), sys.argv[2]
sha, spend, attempts = sys.argv[3], float(sys.argv[4]), int(sys.argv[5])
for i in range(attempts):
    store.record_audit({"dataset": {"source": f"{worker}-{i}", "sha256": sha},
                        "privacy": {"mode": "dp"}, "policy": {"passed": i % 2 == 0}})
    print(f"audit {worker}-{i}", flush=True)
    try:
        store.commit_release(content=sha, dataset="shared", epsilon=spend, delta=0.0, mechanism="laplace",
                             cells=[], details={"key": f"{worker}-{i}"})
    except BudgetExceededError:
        print(f"refused {worker}-{i}", flush=True)
    else:
        print(f"release {worker}-{i}", flush=True)
"""


@pytest.mark.slow
def test_concurrent_writers_lose_nothing_duplicate_nothing_and_never_overspend(tmp_path):
    path = tmp_path / "shared.duckdb"
    AuditStore(path).set_budget("shared", TOTAL)
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(path), f"w{n}", SHA, str(SPEND), str(ATTEMPTS)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(PROCESSES)
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    for process, (_, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err
    lines = [line.split() for out, _ in outputs for line in out.splitlines()]
    audited = {key for kind, key in lines if kind == "audit"}
    released = {key for kind, key in lines if kind == "release"}
    refused = {key for kind, key in lines if kind == "refused"}

    store = AuditStore(path)
    audits = [a.source for a in store.list_audits()]
    releases = [r.details["key"] for r in store.releases("shared")]
    assert len(audits) == len(set(audits)) == PROCESSES * ATTEMPTS
    assert set(audits) == audited
    assert len(releases) == len(set(releases)) and set(releases) == released
    # exactly as many releases as the budget holds, the rest refused, never overspent
    assert len(released) == int(TOTAL / SPEND) and len(refused) == PROCESSES * ATTEMPTS - len(
        released
    )
    state = store.budget("shared")
    assert state.spent_epsilon == pytest.approx(TOTAL) and state.spent_epsilon <= TOTAL + 1e-9
    assert state.remaining == pytest.approx(0.0)
