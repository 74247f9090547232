"""The browser test skips locally without Chromium, but fails in CI (CI set) instead of skipping."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import browser


def test_missing_chromium_skips_locally(monkeypatch):
    monkeypatch.setattr(browser, "CHROMIUM", Path("/nonexistent/chromium"))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="/nonexistent/chromium is missing"):
        browser.require_browser()


def test_missing_chromium_fails_in_ci(monkeypatch):
    monkeypatch.setattr(browser, "CHROMIUM", Path("/nonexistent/chromium"))
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the browser tests"):
        browser.require_browser()


def test_server_log_check_ignores_streamlit_teardown_but_not_our_errors():
    streamlit_only = (
        "Traceback (most recent call last):\n"
        '  File "/venv/site-packages/starlette/websockets.py", line 104, in send\n'
        'starlette.websockets.WebSocketDisconnected: Cannot call "send" once a close message\n'
    )
    ours = (
        "Traceback (most recent call last):\n"
        f'  File "{browser.ROOT / "auditor" / "cube.py"}", line 1, in build_cube\n'
        "KeyError: 'x'\n"
    )
    assert browser.our_tracebacks(streamlit_only) == []
    assert len(browser.our_tracebacks(streamlit_only + ours)) == 1


def test_every_browser_user_launches_chromium_through_the_one_helper():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "screenshots", browser.ROOT / "scripts" / "screenshots.py"
    )
    screenshots = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(screenshots)
    assert screenshots.launch_chromium is browser.launch_chromium
    assert screenshots.streamlit_server is browser.streamlit_server
    users = [browser.ROOT / "scripts" / "screenshots.py", *browser.ROOT.glob("tests/test_*.py")]
    for path in users:
        if path.resolve() == Path(__file__).resolve():
            continue  # this test names what it looks for
        source = path.read_text()
        assert "chromium.launch(" not in source, f"{path.name} launches Chromium on its own"
        assert '"--headless"' not in source, f"{path.name} has its own Chromium flags"


def test_the_shared_launch_opens_a_page_offline():
    browser.require_browser("the Chromium launch helper")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = browser.launch_chromium(p)
        try:
            page = chromium.new_page()
            page.set_content("<p id='x'>ready</p>")
            assert page.inner_text("#x") == "ready"
        finally:
            chromium.close()
