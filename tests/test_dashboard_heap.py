"""Loading an audit freezes the long-lived heap; garbage cycles are still freed (dashboard.heap)."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import heap

ROOT = Path(__file__).resolve().parent.parent


class _Node:
    def __init__(self) -> None:
        self.other = self  # a reference cycle: only the cyclic collector frees it


@pytest.fixture(autouse=True)
def _unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_settling_freezes_what_is_alive_and_frees_what_is_garbage():
    dead = weakref.ref(_Node())  # garbage at once (a cycle: not freed by reference counting)
    alive = _Node()
    kept = weakref.ref(alive)
    heap.settle()
    assert dead() is None  # collected before freezing
    assert gc.get_freeze_count() > 0 and kept() is alive
    # a frozen cycle that becomes garbage waits for the next settle (not for a collection) ...
    del alive
    gc.collect()
    assert kept() is not None
    # ... which frees it: memory stays bounded by what was alive at two settles
    heap.settle()
    assert kept() is None


def test_full_collections_after_settling_skip_the_frozen_objects():
    objects = [_Node() for _ in range(50_000)]  # noqa: F841 - kept alive on purpose
    gc.collect()
    examined_before = len(gc.get_objects(generation=2))
    heap.settle()
    assert len(gc.get_objects(generation=2)) < examined_before - 50_000


def test_loading_an_audit_in_the_dashboard_settles_the_heap(monkeypatch, tmp_path):
    monkeypatch.setenv("AUDITOR_STORE", str(tmp_path / "audits.duckdb"))
    monkeypatch.delenv("AUDITOR_SAMPLE", raising=False)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert gc.get_freeze_count() == 0
    at.button(key="load_compas").click().run()
    assert not at.exception
    assert gc.get_freeze_count() > 0
