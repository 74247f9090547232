"""A process killed with SIGKILL in the middle of writes leaves a store that opens, with every
acknowledged record present once, nothing duplicated, and a ledger consistent with its releases.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time

import pytest

from auditor.store import AuditStore

SHA = "cd" * 32
SPEND = 0.001

WORKER = """
import sys
from auditor.store import AuditStore

store, tag, sha, spend = AuditStore(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
for i in range(100000):
    store.record_audit({"dataset": {"source": f"{tag}-{i}", "sha256": sha},
                        "privacy": {"mode": "exact"}, "policy": None})
    print(f"audit {i}", flush=True)
    store.commit_release(content=sha, dataset="shared", epsilon=spend, delta=0.0, mechanism="laplace",
                         cells=[{"i": i, "n": i}], details={"tag": tag, "i": i})
    print(f"release {i}", flush=True)
"""


def _run_and_kill(path, *, tag: str, after: float) -> list[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(path), tag, SHA, str(SPEND)],
        stdout=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    deadline = time.monotonic() + 20
    while not lines and time.monotonic() < deadline:  # wait until it is writing
        time.sleep(0.02)
    time.sleep(after)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    reader.join(timeout=5)
    assert process.returncode == -signal.SIGKILL
    return [line.strip() for line in lines]


def _keys(lines: list[str], kind: str, tag: str) -> set[str]:
    return {f"{tag}-{line.split()[1]}" for line in lines if line.startswith(kind + " ")}


@pytest.mark.slow
def test_sigkill_mid_write_loses_no_acknowledged_record_and_duplicates_none(tmp_path):
    path = tmp_path / "store.duckdb"
    AuditStore(path).set_budget("shared", 1000.0)
    rng = random.Random()
    acknowledged_audits: set[str] = set()
    acknowledged_releases: set[str] = set()
    for round_ in range(2):
        tag = f"round{round_}"
        lines = _run_and_kill(path, tag=tag, after=rng.uniform(0.3, 1.5))
        acknowledged_audits |= _keys(lines, "audit", tag)
        acknowledged_releases |= _keys(lines, "release", tag)
        assert _keys(lines, "release", tag), "the worker made no release before the kill"

        store = AuditStore(path, timeout=10)  # opens after the crash (WAL replayed)
        audits = [a.source for a in store.list_audits()]
        releases = [f"{r.details['tag']}-{r.details['i']}" for r in store.releases("shared")]
        # nothing duplicated
        assert len(audits) == len(set(audits)) and len(releases) == len(set(releases))
        # nothing acknowledged lost; unacknowledged: at most the one in flight per killed run
        assert acknowledged_audits <= set(audits)
        assert acknowledged_releases <= set(releases)
        assert len(set(audits) - acknowledged_audits) <= round_ + 1
        assert len(set(releases) - acknowledged_releases) <= round_ + 1
        # the ledger is its releases: spent ε is exactly the sum of the recorded spends
        state = store.budget("shared")
        assert state.releases == len(releases)
        assert state.spent_epsilon == pytest.approx(SPEND * len(releases))
    # still writable afterwards
    AuditStore(path).record_audit({"dataset": {"source": "after"}, "privacy": {"mode": "exact"}})
    assert "after" in [a.source for a in AuditStore(path).list_audits()]
