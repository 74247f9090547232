"""Regenerate the dashboard screenshots in docs/screenshots/ (headless Chromium, 1280 px wide).

    /tmp/venv/bin/python scripts/screenshots.py [--sample compas] [--out docs/screenshots]

Starts ``streamlit run app.py`` with the sample loaded, opens every page and saves a
compressed PNG of each (palette-quantised, well under 300 KB).
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
COMPAS = ROOT / "sample_data" / "compas_predictions.csv"


def _upload(page) -> None:
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(COMPAS))
    page.get_by_text("Column roles").wait_for(timeout=60_000)


def _release(page) -> None:
    page.get_by_role("button", name="Release with ε = 1 (spends ε from the budget)").click()
    page.get_by_text("Exact vs private").wait_for(timeout=60_000)
    wait_idle(page)
    page.get_by_role("button", name="Compute the cost of ε (takes a few seconds)").click()
    page.get_by_text("exact (no noise)").wait_for(timeout=120_000)


def _study(page) -> None:
    page.get_by_role("button", name="Run the study on the Adult data").click()
    page.get_by_text("Output-constrained").first.wait_for(timeout=180_000)


def _save(page) -> None:
    page.get_by_role("button", name="Save this audit to the history").click()
    page.get_by_text("Saved as").wait_for(timeout=30_000)


# (file name, sidebar link, what to do on the page, text that appears last on the page)
PAGES = [
    ("home", "Home", None, "Or audit your own predictions"),
    ("upload", "Upload & map", _upload, "Run the audit"),
    ("disparities", "Disparities", None, "Largest disparities across all attributes"),
    ("intersections", "Intersections", None, "Ratios compare each cell"),
    ("scores", "Scores", None, "A well-calibrated score"),
    ("privacy", "Privacy", _release, "exact (no noise)"),
    ("baseline", "Input vs output", _study, "How well each remaining feature"),
    ("report", "Report", _save, "Saved as"),
    ("history", "History", None, "Download this audit's JSON"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_streamlit(port: int, *, env: dict[str, str] | None = None) -> subprocess.Popen:
    """``streamlit run app.py`` on localhost:port; returns once /_stcore/health answers."""
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
        ],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited: {process.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as r:
                if r.status == 200:
                    return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("streamlit did not become healthy within 30 s")


def wait_idle(page, timeout: float = 60_000) -> None:
    """Wait until Streamlit has run the script and drawn everything (no skeletons, no spinner)."""
    page.wait_for_selector("[data-testid='stSidebarNav']", timeout=timeout)
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidget"]')
                 && !document.querySelector('[data-testid="stSkeleton"]')
                 && !document.querySelector('[data-testid="stSpinner"]')
                 && document.querySelector('[data-testid="stMainBlockContainer"] [data-testid="stHeading"]')""",
        timeout=timeout,
    )
    page.wait_for_timeout(1500)  # vega-embed draws charts asynchronously


def full_page_png(page) -> bytes:
    """A screenshot of the whole page: Streamlit scrolls inside its main section, so grow the
    viewport to the content's height first."""
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    width = page.viewport_size["width"]
    page.set_viewport_size({"width": width, "height": max(700, min(int(height), 6000))})
    page.wait_for_timeout(800)
    data = page.screenshot(full_page=True)
    page.set_viewport_size({"width": width, "height": 900})
    return data


def compress_png(data: bytes) -> bytes:
    from PIL import Image

    image = Image.open(io.BytesIO(data)).convert("RGB")
    quantised = image.quantize(
        colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
    )
    out = io.BytesIO()
    quantised.save(out, format="PNG", optimize=True)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sample", default="compas", choices=("compas", "adult"))
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--only", nargs="*", help="page names to capture")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    store = tempfile.mkdtemp(prefix="auditor-screenshots-")
    server = start_streamlit(
        port,
        env={"AUDITOR_SAMPLE": args.sample, "AUDITOR_STORE": os.path.join(store, "audits.duckdb")},
    )
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"http://127.0.0.1:{port}/")
            wait_idle(page)
            # One browser session throughout (a new page load would be a new, empty session):
            # move between pages with the sidebar.
            for name, link, action, last in PAGES:
                page.locator("[data-testid='stSidebarNav']").get_by_text(link, exact=True).click()
                wait_idle(page)
                if action is not None:
                    action(page)
                page.get_by_text(last).first.wait_for(timeout=120_000)
                wait_idle(page)
                if args.only and name not in args.only:
                    continue
                data = compress_png(full_page_png(page))
                (out / f"{name}.png").write_bytes(data)
                print(f"{name}.png: {len(data) / 1024:.0f} KB")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(store, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
