"""Estimated race end to end in a real browser: upload the BISG sample, choose "Estimate race from
surname and ZIP code", audit, and read race marked estimated with its fallbacks — and no request
leaves 127.0.0.1. Drives Debian's Chromium through Playwright against `streamlit run app.py`."""

from __future__ import annotations

from pathlib import Path

import pytest

from .browser import (
    launch_chromium,
    record_external_requests,
)

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data" / "bisg_applicants.csv"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def server(shared_server):
    """The session's dashboard server (tests/conftest.py); this test's own Chromium sessions."""
    return shared_server


def test_upload_estimate_race_and_read_it_marked_estimated(server):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.set_default_timeout(30_000)
            external = record_external_requests(page)
            page.goto(f"{server}/upload")
            page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(SAMPLE))
            expect(page.get_by_text("Column roles")).to_be_visible(timeout=60_000)
            # the suggested roles are the ones this test wants; it checks, not re-chooses them
            expect(page.get_by_role("combobox", name="True outcome (label)")).to_have_value(
                "repaid"
            )
            expect(page.get_by_role("combobox", name="Prediction column")).to_have_value("approved")
            # only the estimated attribute: the file's recorded true_race is not audited
            protected = page.locator("[data-testid='stMultiSelect']").filter(
                has=page.get_by_role("combobox", name="Protected attributes")
            )
            remove = protected.get_by_role("button", name="Remove true_race")
            if remove.count():
                remove.click()
            expect(protected).not_to_contain_text("true_race")
            page.get_by_text("Estimate race from surname and ZIP code").click()
            expect(page.get_by_role("combobox", name="Surname column")).to_have_value("last_name")
            expect(page.get_by_role("combobox", name="ZIP code column")).to_have_value("zip")
            page.get_by_role("button", name="Run the audit").click()
            expect(page.get_by_text("Audited 4,000 rows")).to_be_visible(timeout=120_000)

            page.locator("[data-testid='stSidebarNav']").get_by_text("Disparities").click()
            expect(page.get_by_role("combobox", name="Protected attribute")).to_have_value(
                "race (estimated)"
            )
            notice = page.locator("[data-testid='stAlert']").filter(
                has_text="Race is estimated, not recorded"
            )
            expect(notice).to_be_visible()
            expect(notice).to_contain_text("2010 Census")
            expect(notice).to_contain_text("UNDERSTATE")
            expect(notice).to_contain_text("People who took a fallback")
            expect(notice).to_contain_text("surname not in the Census list")
            table = page.locator("[data-testid='stTable']").first
            expect(table).to_contain_text("Asian or Pacific Islander")
            # the names that fed the estimate are never shown
            expect(page.locator("body")).not_to_contain_text("Hovda")
            assert external == [], f"the app requested addresses off this machine: {external}"
        finally:
            browser.close()
