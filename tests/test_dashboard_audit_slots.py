"""Audits in the dashboard run in a bounded number of slots; the others wait and are told so.

Real threads (the dashboard's sessions are threads of one process) running real audits.
"""

from __future__ import annotations

import threading
from pathlib import Path

import auditor
from dashboard.audit_slots import AuditSlots

COMPAS = Path(__file__).resolve().parent.parent / "sample_data" / "compas_predictions.csv"


def test_a_second_audit_waits_for_the_slot_and_is_told_the_server_is_busy():
    slots = AuditSlots(1)
    holding, release = threading.Event(), threading.Event()
    told, finished = [], []

    def first():
        with slots.slot():
            holding.set()
            release.wait(30)
        finished.append("first")

    def second():
        with slots.slot(on_wait=lambda: told.append("busy")):
            finished.append("second")

    one = threading.Thread(target=first)
    one.start()
    holding.wait(30)
    two = threading.Thread(target=second)
    two.start()
    two.join(0.5)
    assert two.is_alive() and told == ["busy"] and slots.waiting == 1
    release.set()
    one.join(30)
    two.join(30)
    assert finished == ["first", "second"]
    assert (slots.running, slots.waiting) == (0, 0)


def test_four_concurrent_audits_never_run_more_than_two_at_once():
    slots = AuditSlots(2)
    peak, lock, busy = [0], threading.Lock(), []
    results = []

    def session():
        with slots.slot(on_wait=lambda: busy.append(1)):
            with lock:
                peak[0] = max(peak[0], slots.running)
            result = auditor.audit(
                COMPAS, label="two_year_recid", prediction="high_risk", protected=["race"]
            )
        results.append(result.dataset.rows_used)

    threads = [threading.Thread(target=session) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert results == [6172] * 4
    assert peak[0] <= 2
