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
