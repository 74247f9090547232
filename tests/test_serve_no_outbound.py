"""`auditor serve` makes no outbound connection at start-up.

Streamlit, headless on a wildcard address, looks up the host's external IP
(checkip.amazonaws.com) just to print a URL; usage statistics would be sent to Snowflake.
The project's ``.streamlit/config.toml`` binds 127.0.0.1 and turns usage statistics off. This
test starts the real server under ``strace`` and fails on any ``connect()`` to an address that
is not loopback (DNS included), up to the first page load.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = ("127.", "::1", "::ffff:127.")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_connects_nowhere_but_loopback(tmp_path):
    assert shutil.which("strace"), "needs strace (apt-get install strace; .ci/run installs it)"
    port = _free_port()
    trace = tmp_path / "connect.trace"
    process = subprocess.Popen(
        ["strace", "-f", "-qq", "-e", "trace=connect", "-o", str(trace),
         sys.executable, "-m", "auditor", "serve", "--port", str(port)],
        cwd=tmp_path,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
             "AUDITOR_STORE": str(tmp_path / "audits.duckdb"),
             "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as page:
                    assert page.status == 200
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("the dashboard did not start")
                time.sleep(1)
        time.sleep(3)  # anything done just after start-up
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)
    calls = trace.read_text().splitlines()
    addresses = [
        match.group(1)
        for line in calls
        for match in [re.search(r'inet_(?:addr|pton)\((?:AF_INET6?, )?"([^"]+)"', line)]
        if match
    ]
    # (Without the explicit bind address this sees Streamlit's 8.8.8.8 probe and its DNS query.)
    outbound = [a for a in addresses if not a.startswith(LOOPBACK)]
    assert not outbound, f"connections off the host at start-up: {sorted(set(outbound))}"
