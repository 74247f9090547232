"""In a real browser: upload the hiring sample, open Templates, compute the LL144 tables with
the 2 % exclusion, and download the section's PDF and a table's CSV."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .browser import launch_chromium

ROOT = Path(__file__).resolve().parent.parent
HIRING = ROOT / "sample_data" / "hiring.csv"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def server(shared_server):
    """The session's dashboard server (tests/conftest.py); this test's own Chromium sessions."""
    return shared_server


def _choose(page, label: str, option: str) -> None:
    from playwright.sync_api import expect

    box = page.get_by_role("combobox", name=label)
    box.click()
    box.fill(option)
    box.press("Enter")
    expect(page.get_by_role("combobox", name=label)).to_have_value(option)


def test_ll144_template_in_the_browser(server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
            page.set_default_timeout(30_000)
            page.goto(f"{server}/upload")
            page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(HIRING))
            expect(page.get_by_text("Column roles")).to_be_visible()
            _choose(page, "True outcome (label)", "hired")
            _choose(page, "Prediction column", "selected")
            page.get_by_role("button", name="Run the audit").click()
            expect(page.get_by_text("Audited 2,400 rows")).to_be_visible(timeout=90_000)

            page.locator("[data-testid='stSidebarNav']").get_by_text("Templates").click()
            expect(page.get_by_text("does not give legal advice")).to_be_visible(timeout=60_000)
            page.get_by_text("Exclude categories under 2 %").click()
            page.get_by_role("button", name="Compute the tables").click()
            intersection = page.locator("[data-testid='stTable']").filter(
                has_text="Hispanic or Latino Female"
            )
            expect(intersection).to_be_visible(timeout=90_000)
            row = (
                page.locator("[data-testid='stTable'] tr")
                .filter(has_text="Native Hawaiian or Other Pacific Islander")
                .first
            )
            expect(row).to_contain_text("excluded")
            source = page.locator("[data-testid='stTable'] tr").filter(has_text="Data source")
            expect(source).to_contain_text("hiring.csv")
            expect(source).not_to_contain_text("/")  # the upload's name, not a server path
            if os.environ.get("AUDITOR_SCREENSHOTS"):
                intersection.scroll_into_view_if_needed()
                page.screenshot(path=os.environ["AUDITOR_SCREENSHOTS"], full_page=True)

            with page.expect_download() as download_info:
                page.get_by_role("button", name="Download this section as PDF").click()
            target = tmp_path / "ll144.pdf"
            download_info.value.save_as(target)
            assert target.read_bytes().startswith(b"%PDF")
            with page.expect_download() as download_info:
                page.get_by_role("button", name="CSV of this table").first.click()
            csv_path = tmp_path / "sex.csv"
            download_info.value.save_as(csv_path)
            text = csv_path.read_text(encoding="utf-8")
            assert text.startswith("Category,# Applicants,# Selected,Selection rate,Impact ratio")
            assert "Female,969,185,19.1%,0.715" in text
        finally:
            browser.close()
