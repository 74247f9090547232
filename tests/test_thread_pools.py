"""One pool per purpose and process; a forked child makes its own (auditor.thread_pools)."""

from __future__ import annotations

import multiprocessing

from auditor.thread_pools import process_pool


def test_a_pool_is_made_once_per_name():
    assert process_pool("test-a") is process_pool("test-a")
    assert process_pool("test-a") is not process_pool("test-b")
    assert process_pool("test-a").submit(lambda: 6 * 7).result(timeout=10) == 42


def _in_child(queue) -> None:
    pool = process_pool("test-a")
    queue.put((pool is not PARENT_POOL_ID, pool.submit(lambda: "ran").result(timeout=10)))


PARENT_POOL_ID = None


def test_a_forked_child_makes_its_own_pool_whose_threads_run():
    global PARENT_POOL_ID
    parent = process_pool("test-a")
    parent.submit(lambda: None).result(timeout=10)  # the parent's thread exists
    PARENT_POOL_ID = parent
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_in_child, args=(queue,))
    child.start()
    child.join(timeout=30)
    assert child.exitcode == 0
    assert queue.get(timeout=5) == (True, "ran")
