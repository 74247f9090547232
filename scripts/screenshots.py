"""Regenerate the dashboard screenshots in docs/screenshots/ (headless Chromium, 1280 px wide).

    .venv/bin/python scripts/screenshots.py [--sample compas] [--out docs/screenshots] [--only NAME …]

Starts ``streamlit run app.py`` with the sample loaded and Chromium the way the browser tests
do (``tests/browser.py``), opens every page and saves a compressed PNG of each
(palette-quantised, well under 300 KB).
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from a checkout: the browser helpers are in tests/

from tests.browser import launch_chromium, streamlit_server  # noqa: E402

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


def _compare(page) -> None:
    page.get_by_role("button", name="Compare", exact=True).click()
    verdict = re.compile(r"^Release gate: (PASS|FAIL|NOT EVALUABLE)$")
    page.get_by_text(verdict).first.wait_for(timeout=180_000)


def _templates(page) -> None:
    page.get_by_role("button", name="Compute the tables").click()
    page.get_by_text("CSV of this table").first.wait_for(timeout=120_000)


# (file name, sidebar link, what to do on the page, text that appears last on the page)
PAGES = [
    ("home", "Home", None, "Or audit your own predictions"),
    ("upload", "Upload & map", _upload, "Run the audit"),
    ("disparities", "Disparities", None, "Largest disparities across all attributes"),
    ("intersections", "Intersections", None, "Ratios compare each cell"),
    ("scores", "Scores", None, "A well-calibrated score"),
    ("privacy", "Privacy", _release, "exact (no noise)"),
    ("compare", "Compare models", _compare, "Download comparison PDF"),
    ("baseline", "Input vs output", _study, "How well each remaining feature"),
    ("report", "Report", _save, "Saved as"),
    ("templates", "Templates", _templates, "CSV of this table"),
    ("history", "History", None, "Download this audit's JSON"),
]


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
    with (
        tempfile.TemporaryDirectory(prefix="auditor-screenshots-") as store,
        streamlit_server(Path(store), env_extra={"AUDITOR_SAMPLE": args.sample}) as url,
        sync_playwright() as p,
    ):
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{url}/")
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
