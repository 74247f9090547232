"""Uploads are deleted when their browser session ends — within a bounded time on a quiet server,
and at shutdown (a 37 MB upload was still on disk minutes after its session had closed)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from dashboard.janitor import WorkspaceJanitor
from dashboard.workspace import Workspace

from .browser import launch_chromium, require_browser, streamlit_server

ROOT = Path(__file__).resolve().parent.parent
COMPAS = ROOT / "sample_data" / "compas_predictions.csv"


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _workspace_with_upload(tmp_path: Path) -> Workspace:
    space = Workspace(parent=tmp_path)
    space.save_upload("data.csv", b"y,yhat,sex\n1,1,F\n")
    return space


def test_a_session_gone_longer_than_the_grace_period_loses_its_uploads(tmp_path):
    alive = {"a", "b"}
    clock = _Clock()
    janitor = WorkspaceJanitor(
        is_alive=lambda sid: sid in alive, grace_seconds=120, interval_seconds=30, clock=clock
    )
    first, second = _workspace_with_upload(tmp_path), _workspace_with_upload(tmp_path)
    janitor.register("a", first)
    janitor.register("b", second)
    assert janitor.sweep() == 0
    alive.discard("a")  # session a disconnects
    clock.now = 60
    assert janitor.sweep() == 0 and first.directory.exists()  # may still reconnect
    clock.now = 200
    assert janitor.sweep() == 1
    assert not first.directory.exists() and first.closed
    assert second.directory.exists() and not second.closed


def test_a_session_that_reconnects_within_the_grace_period_keeps_its_uploads(tmp_path):
    alive = {"a"}
    clock = _Clock()
    janitor = WorkspaceJanitor(
        is_alive=lambda sid: sid in alive, grace_seconds=120, interval_seconds=30, clock=clock
    )
    space = _workspace_with_upload(tmp_path)
    janitor.register("a", space)
    alive.clear()
    janitor.sweep()
    clock.now = 100
    alive.add("a")
    janitor.sweep()
    clock.now = 300
    alive.clear()
    assert janitor.sweep() == 0  # the clock restarts at the new disconnect
    assert space.directory.exists()


def test_shutdown_closes_every_workspace_and_errors_keep_data(tmp_path):
    def broken(session_id: str) -> bool:
        raise RuntimeError("runtime is gone")

    janitor = WorkspaceJanitor(is_alive=broken, grace_seconds=0, interval_seconds=1)
    space = _workspace_with_upload(tmp_path)
    janitor.register("a", space)
    assert janitor.sweep() == 0 and space.directory.exists()  # in doubt, keep the data
    janitor.close_all()
    assert not space.directory.exists()


def _session_folders(tmp: Path) -> list[Path]:
    return sorted(tmp.glob("auditor-session-*"))


def _wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return condition()


@pytest.mark.browser
@pytest.mark.slow
def test_closing_the_browser_deletes_the_upload_and_shutdown_deletes_the_rest(tmp_path):
    require_browser("upload clean-up test")
    from playwright.sync_api import expect, sync_playwright

    tmp = tmp_path / "server-tmp"
    tmp.mkdir()
    env = {"TMPDIR": str(tmp), "AUDITOR_UPLOAD_GRACE_SECONDS": "2"}
    with streamlit_server(tmp_path, env_extra=env) as url, sync_playwright() as p:
        browser = launch_chromium(p)
        try:

            def upload():
                context = browser.new_context()
                page = context.new_page()
                page.set_default_timeout(60_000)
                page.goto(f"{url}/upload")
                page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
                    str(COMPAS)
                )
                expect(page.get_by_text("Column roles")).to_be_visible()
                return context

            closing = upload()
            (first,) = [f for f in _session_folders(tmp) if (f / "uploads").exists()]
            closing.close()  # the user closes the tab; the server stays quiet
            assert _wait_until(lambda: not first.exists(), timeout=30), (
                f"{first} was still on disk 30 s after its session ended"
            )
            upload()  # this session stays open
            time.sleep(3)  # longer than the grace period: an open session keeps its upload
            assert [f for f in _session_folders(tmp) if (f / "uploads").exists()]
        finally:
            browser.close()
    assert _wait_until(lambda: not _session_folders(tmp), timeout=10), (
        f"server shutdown left {_session_folders(tmp)}"
    )
