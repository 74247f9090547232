"""End to end in a real browser: upload a CSV, map it, read a known rate, switch the reference,
download the PDF. Drives Debian's Chromium through Playwright against `streamlit run app.py`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .browser import (
    launch_chromium,
    record_external_requests,
)

ROOT = Path(__file__).resolve().parent.parent
COMPAS = ROOT / "sample_data" / "compas_predictions.csv"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def server(shared_server):
    """The session's dashboard server (tests/conftest.py); this test's own Chromium sessions."""
    return shared_server


def _choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the Streamlit selectbox labelled ``label``."""
    from playwright.sync_api import expect

    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()
    expect(page.get_by_role("combobox", name=label)).to_have_value(option)


def test_upload_map_read_switch_reference_and_download_pdf(server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
            page.set_default_timeout(30_000)
            external = record_external_requests(page)
            page.goto(f"{server}/upload")
            page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(COMPAS))
            expect(page.get_by_text("Column roles")).to_be_visible(timeout=60_000)
            # The suggested mapping: label, prediction and the three protected attributes.
            expect(page.get_by_role("combobox", name="True outcome (label)")).to_have_value(
                "two_year_recid"
            )
            expect(page.locator("[data-testid='stMultiSelect']")).to_contain_text("race")
            page.get_by_role("button", name="Run the audit").click()
            expect(page.get_by_text("Audited 6,172 rows")).to_be_visible(timeout=120_000)
            sidebar = page.locator("[data-testid='stSidebar']")
            expect(sidebar).to_contain_text("6,172 rows audited")  # not "No data loaded."

            # Same session: navigate with the sidebar, not a new page load.
            page.locator("[data-testid='stSidebarNav']").get_by_text("Disparities").click()
            expect(page.get_by_text("Groups by")).to_be_visible()
            _choose(page, "Protected attribute", "race")
            table = page.locator("[data-testid='stTable']").first
            expect(table).to_contain_text("Hispanic")
            african_american = table.locator("tr").filter(has_text="African-American")
            expect(african_american).to_contain_text("42.3% (39.9–44.8)")
            expect(african_american).to_contain_text("reference")  # the largest group, by default

            _choose(page, "Reference group", "Caucasian")
            # the page opens on the decision's rate: 57.6% ÷ 33.1% flagged
            expect(african_american).to_contain_text("1.74×")
            expect(
                page.get_by_text(re.compile(r"1\.7× as often as Caucasian")).first
            ).to_be_visible()

            page.locator("[data-testid='stSidebarNav']").get_by_text("Report").click()
            with page.expect_download(timeout=180_000) as download_info:  # a busy CI box
                page.get_by_role("button", name="Download the audit PDF").click()
            target = tmp_path / "audit.pdf"
            download_info.value.save_as(target)
            data = target.read_bytes()
            assert data.startswith(b"%PDF"), data[:20]
            assert len(data) > 5_000
            assert external == [], f"the app requested addresses off this machine: {external}"
        finally:
            browser.close()
