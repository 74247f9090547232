"""Browser plumbing shared by the Playwright tests and ``scripts/screenshots.py``: Chromium's
requirements, its launch (one set of flags) and a live server.

Locally a missing Chromium or Playwright skips the test with the reason; in CI (``CI`` set) it
fails instead, so a missing install step can never pass as a skip.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HEALTH_TIMEOUT = 30.0


def require_browser(what: str = "browser test") -> None:
    """Skip locally without Chromium or Playwright; in CI (CI set) fail instead."""
    problems = []
    if not CHROMIUM.exists():
        problems.append(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("the playwright package is missing (pip install -e '.[dev]')")
    if problems:
        message = f"{what} needs " + "; ".join(problems)
        if os.environ.get("CI"):
            pytest.fail(message + " — CI must run the browser tests")
        pytest.skip(message)


def launch_chromium(playwright):
    """The system Chromium, headless, with background networking off: ``playwright.chromium``
    launched the one way every browser test and the screenshot script use (with the async API,
    await the result)."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


OUR_CODE = tuple(str(ROOT / part) for part in ("auditor", "pages", "dashboard", "app.py"))


def our_tracebacks(log_text: str) -> list[str]:
    """Tracebacks in a server log that pass through our code.

    Streamlit's own websocket teardown can log a harmless traceback when a browser closes
    mid-message ('Cannot call "send" once a close message has been sent'); only errors
    raised in or through the app's code count.
    """
    blocks = log_text.split("Traceback (most recent call last):")[1:]
    return [block for block in blocks if any(path in block for path in OUR_CODE)]


@contextlib.contextmanager
def streamlit_server(folder: Path, *, env_extra: dict[str, str] | None = None) -> Iterator[str]:
    """``streamlit run app.py`` on a free localhost port with its own store; yields the URL.

    The server runs as ``auditor serve`` does (no file watcher), without a preloaded sample
    unless ``env_extra`` sets ``AUDITOR_SAMPLE``. Its log must hold no traceback through our
    code.
    """
    port = free_port()
    inherited = {k: v for k, v in os.environ.items() if k != "AUDITOR_SAMPLE"}
    env = {**inherited, "AUDITOR_STORE": str(folder / "audits.duckdb"), **(env_extra or {})}
    log_path = folder / "streamlit.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(ROOT / "app.py"),
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + HEALTH_TIMEOUT
            while True:
                assert process.poll() is None, log_path.read_text()[-2000:]
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                assert time.monotonic() < deadline, (
                    f"streamlit did not answer /_stcore/health in {HEALTH_TIMEOUT:.0f} s"
                )
                time.sleep(0.3)
            yield url
            ours = our_tracebacks(log_path.read_text(errors="replace"))
            assert not ours, ours[0][-3000:]
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def record_external_requests(page) -> list[str]:
    """Record every request of ``page`` that leaves this machine (the app must make none).

    Returns the list the page's requests are appended to; assert it is empty at the end. The
    dashboard is run offline in agencies: a favicon from a font host or an image named in a data
    file would leak who opens what.
    """
    from urllib.parse import urlsplit

    external: list[str] = []

    def check(request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about", "chrome", "chrome-extension"):
            return
        host = parts.hostname or ""
        if host not in ("127.0.0.1", "localhost", "::1"):
            external.append(request.url)

    page.on("request", check)
    return external
