"""In a real browser: load COMPAS, compare decile ≥ 5 (production) with decile ≥ 7, read the
verdict and a change with its interval, download the comparison PDF."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from .browser import launch_chromium

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def server(shared_server):
    """The session's dashboard server (tests/conftest.py); this test's own Chromium sessions."""
    return shared_server


def test_compare_page_in_a_browser(server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1400}, accept_downloads=True)
            page.set_default_timeout(60_000)
            expect.set_options(timeout=60_000)  # the sample audit and the bootstrap take seconds
            page.goto(server)
            page.get_by_role("button", name="Load the COMPAS sample").click()
            expect(page.get_by_text("Groups by").first).to_be_visible()  # on Disparities
            page.locator("[data-testid='stSidebarNav']").get_by_text("Compare models").click()
            expect(page.get_by_text("Compare a candidate model with production")).to_be_visible()
            page.get_by_role("button", name="Compare", exact=True).click()
            verdict = re.compile(r"^Release gate: (PASS|FAIL|NOT EVALUABLE)$")
            expect(page.get_by_text(verdict)).to_be_visible()
            summary = page.locator("[data-testid='stTable']").nth(1)
            expect(summary).to_contain_text("Demographic parity difference")
            groups = page.locator("[data-testid='stTable']").nth(2)
            black = groups.locator("tr").filter(has_text="African-American")
            expect(black).to_contain_text("57.6%")  # decile ≥ 5
            expect(black).to_contain_text("37.4%")  # decile ≥ 7
            expect(black).to_contain_text("-20.2 pp [-21.6, -18.8]")
            if os.environ.get("AUDITOR_SCREENSHOTS"):
                page.screenshot(path=os.environ["AUDITOR_SCREENSHOTS"], full_page=True)
            with page.expect_download() as download_info:
                page.get_by_role("button", name="Download comparison PDF").click()
            target = Path(tmp_path) / "comparison.pdf"
            download_info.value.save_as(target)
            assert target.read_bytes().startswith(b"%PDF")
        finally:
            browser.close()


def test_compare_two_saved_audits_in_a_browser(server, tmp_path):
    import json

    from playwright.sync_api import expect, sync_playwright

    import auditor

    files = []
    for threshold in (5, 7):
        result = auditor.audit(
            Path(__file__).resolve().parent.parent / "sample_data" / "compas_predictions.csv",
            label="two_year_recid",
            score="decile_score",
            threshold=threshold,
            protected=["race"],
        )
        path = Path(tmp_path) / f"audit-decile-{threshold}.json"
        path.write_text(json.dumps(result.to_dict()))
        files.append(str(path))
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1400})
            page.set_default_timeout(60_000)
            expect.set_options(timeout=60_000)
            page.goto(f"{server}/compare")
            page.get_by_text("Two saved audits (unpaired)").click()
            uploads = page.locator("[data-testid='stFileUploaderDropzoneInput']")
            uploads.nth(0).set_input_files(files[0])
            uploads.nth(1).set_input_files(files[1])
            page.get_by_role("button", name="Compare", exact=True).click()
            expect(page.get_by_text("design: unpaired")).to_be_visible()
            groups = page.locator("[data-testid='stTable']").nth(2)
            black = groups.locator("tr").filter(has_text="African-American")
            expect(black).to_contain_text("57.6%")
            expect(black).to_contain_text("37.4%")
        finally:
            browser.close()
