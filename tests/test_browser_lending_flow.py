"""The regulator's lending path in a real browser: upload a lender's German-credit-like file,
name the decision in words, read a verdict, download the PDF in those words — with no request
leaving this machine. Drives Debian's Chromium through Playwright against `streamlit run`."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest

from .browser import (
    launch_chromium,
    record_external_requests,
)

ROOT = Path(__file__).resolve().parent.parent
GERMAN = ROOT / "sample_data" / "german_credit_predictions.csv"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def server(shared_server):
    """The session's dashboard server (tests/conftest.py); this test's own Chromium sessions."""
    return shared_server


def _idle(page) -> None:
    """Wait until the session's script run has finished (the "Running…" widget is gone)."""
    from playwright.sync_api import expect

    expect(page.locator("[data-testid='stStatusWidget']")).to_have_count(0)


def _type(page, label: str, text: str) -> None:
    """Type into a Streamlit text input and commit it (Enter), as a user does."""
    from playwright.sync_api import expect

    _idle(page)
    box = page.get_by_label(label, exact=True)
    box.fill(text)
    box.press("Enter")
    _idle(page)
    expect(box).to_have_value(text)


def _choose_patiently(page, label: str, option: str, attempts: int = 4) -> None:
    """Pick ``option`` in the selectbox ``label``; again if a rerun closed the drop-down."""
    from playwright.sync_api import Error, expect

    for attempt in range(attempts):
        _idle(page)
        combobox = page.get_by_role("combobox", name=label)
        if combobox.input_value() == option:
            return
        try:
            combobox.click()
            page.get_by_role("option", name=option, exact=True).click(timeout=10_000)
            expect(combobox).to_have_value(option, timeout=10_000)
            return
        except Error:
            if attempt == attempts - 1:
                raise
            page.keyboard.press("Escape")


def test_lending_upload_words_verdict_and_pdf(server, tmp_path):
    import pypdf
    from playwright.sync_api import expect, sync_playwright

    started = time.monotonic()
    # every check waits up to 30 s, not Playwright's 5 s: on a loaded CI box a page rerun
    # (upload, audit, navigation) can take longer than 5 s without anything being wrong
    expect.set_options(timeout=30_000)
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1100}, accept_downloads=True)
            page.set_default_timeout(30_000)
            external = record_external_requests(page)
            page.goto(f"{server}/upload")
            page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(GERMAN))
            expect(page.get_by_text("Column roles")).to_be_visible(timeout=60_000)
            expect(page.get_by_text("german_credit_predictions.csv").first).to_be_visible()
            expect(page.get_by_text("1,000 rows").first).to_be_visible()

            # The favourable value: the label's words say it (good), the user confirms it.
            _choose_patiently(page, "Which value is the favourable decision", "good")
            # Name the decision and the people; the outcome is suggested ("good credit").
            expect(
                page.get_by_label("The positive true outcome in words", exact=True)
            ).to_have_value("good credit")
            _type(page, "The positive decision in words", "approved")
            _type(page, "The other decision", "denied")
            _type(page, "Who the rows are", "applicants")

            page.get_by_role("button", name="Run the audit").click()
            expect(page.get_by_text("Audited 1,000 rows")).to_be_visible(timeout=60_000)

            page.locator("[data-testid='stSidebarNav']").get_by_text("Disparities").click()
            expect(page.get_by_text("Groups by")).to_be_visible()
            _choose_patiently(page, "Protected attribute", "sex")
            # a verdict, and the table in the user's words
            expect(page.get_by_text("The model FAILS").first).to_be_visible()
            table = page.locator("[data-testid='stTable']").first
            expect(table).to_contain_text("approved (selection rate)")
            expect(page.get_by_text("as often as").first).to_contain_text("approved")

            page.locator("[data-testid='stSidebarNav']").get_by_text("Report").click()
            with page.expect_download(timeout=120_000) as download_info:
                page.get_by_role("button", name="Download the audit PDF").click()
            target = tmp_path / "audit.pdf"
            download_info.value.save_as(target)
            data = target.read_bytes()
            assert data.startswith(b"%PDF"), data[:20]
            text = " ".join(
                page_.extract_text() for page_ in pypdf.PdfReader(io.BytesIO(data)).pages
            )
            text = " ".join(text.split())
            assert "share approved" in text
            assert "applicants who had good credit were denied" in text
            assert external == [], f"the app requested addresses off this machine: {external}"
        finally:
            browser.close()
    print(f"lending flow: {time.monotonic() - started:.1f} s")
