"""Load: four browser sessions at once against one `streamlit run app.py`, each with its own file.

Four Chromium contexts (separate cookies, separate Streamlit sessions) upload four different
files at the same time — COMPAS, Adult, a semicolon-delimited synthetic file and a gzip subset
of Adult — run their audits concurrently, and each must read its own false positive rate
(e.g. COMPAS African-American 42.3%), not another session's. After every session has finished,
each one checks its numbers again, so a later upload elsewhere cannot have replaced them.
Expected values come from :func:`auditor.audit` on the same files. Localhost only; the
concurrent phase is bounded (60 s).
"""

from __future__ import annotations

import asyncio
import gzip
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

import auditor

from .browser import launch_chromium

ROOT = Path(__file__).resolve().parent.parent
COMPAS = ROOT / "sample_data" / "compas_predictions.csv"
ADULT = ROOT / "sample_data" / "adult_predictions.csv"
SESSIONS_DEADLINE = 180.0  # audits queue for AUDITOR_AUDIT_SLOTS (2) on two shared cores

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@dataclass(frozen=True)
class Upload:
    path: Path
    label: str
    prediction: str
    protected: str
    group: str
    positive_label: str | None = None

    def expected(self) -> tuple[int, str]:
        """Rows audited and the group's false positive rate as the dashboard prints it."""
        result = auditor.audit(
            self.path,
            label=self.label,
            prediction=self.prediction,
            protected=self.protected,
            positive_label=self.positive_label,
        )
        fpr = result.breakdown(self.protected).group(**{self.protected: self.group}).metrics["fpr"]
        return result.dataset.rows_used, f"{fpr:.1%} ("


@pytest.fixture(scope="module")
def uploads(tmp_path_factory) -> list[Upload]:
    folder = tmp_path_factory.mktemp("uploads")
    synthetic = folder / "synthetic_semicolon.csv"
    lines = ["race;sex;two_year_recid;high_risk"]
    # African-American: 100 negatives, 10 flagged (FPR 10%); Caucasian: 100 negatives, 50 flagged.
    for race, flagged in (("African-American", 10), ("Caucasian", 50)):
        for i in range(100):
            lines.append(f"{race};{'Male' if i % 2 else 'Female'};0;{int(i < flagged)}")
        for i in range(100):
            lines.append(f"{race};{'Male' if i % 2 else 'Female'};1;{int(i < 70)}")
    synthetic.write_text("\n".join(lines) + "\n")
    subset = folder / "adult_subset.csv.gz"
    text = ADULT.read_text().splitlines()
    subset.write_bytes(gzip.compress(("\n".join(text[:8001]) + "\n").encode(), mtime=0))
    return [
        Upload(COMPAS, "two_year_recid", "high_risk", "race", "African-American"),
        Upload(ADULT, "income", "predicted_income", "sex", "Female", positive_label=">50K"),
        Upload(synthetic, "two_year_recid", "high_risk", "race", "African-American"),
        Upload(subset, "income", "predicted_income", "sex", "Female", positive_label=">50K"),
    ]


@pytest.fixture
def server(shared_server):
    """The session's dashboard server (tests/conftest.py); this test's own Chromium sessions."""
    return shared_server


async def _idle(page) -> None:
    """Wait until the session's script run has finished (the "Running…" widget is gone)."""
    from playwright.async_api import expect

    await expect(page.locator("[data-testid='stStatusWidget']")).to_have_count(0)


async def _choose_patiently(page, label: str, option: str, attempts: int = 4) -> None:
    """Choose ``option`` in the drop-down ``label``; again if a rerun of the page closed the
    drop-down before the click (a user would simply open it again)."""
    from playwright.async_api import Error, expect

    for attempt in range(attempts):
        await _idle(page)
        combobox = page.get_by_role("combobox", name=label)
        if await combobox.input_value() == option:
            return
        try:
            await combobox.click()
            await page.get_by_role("option", name=option, exact=True).click(timeout=10_000)
            await expect(combobox).to_have_value(option, timeout=10_000)
            return
        except Error:
            if attempt == attempts - 1:
                raise
            await page.keyboard.press("Escape")


async def _group_row(page, upload: Upload):
    from playwright.async_api import Error, expect

    # patiently: with four sessions on two cores a rerun of the page can close the drop-down
    # before the click (failed the suite once on the option "sex")
    await _choose_patiently(page, "Protected attribute", upload.protected)
    heading = page.get_by_role("heading", name=f"Groups by {upload.protected}")
    for attempt in range(3):
        try:
            await expect(heading).to_be_visible(timeout=20_000)
            break
        except (AssertionError, Error):
            # the choice showed in the box but the page did not rerun (seen once in CI with four
            # sessions): a user would pick another attribute and back
            if attempt == 2:
                raise
            combobox = page.get_by_role("combobox", name="Protected attribute")
            await combobox.click()
            options = page.get_by_role("option")
            names = [name.strip() for name in await options.all_inner_texts()]
            other = next(name for name in names if name and name != upload.protected)
            await page.get_by_role("option", name=other, exact=True).click()
            await _choose_patiently(page, "Protected attribute", upload.protected)
    table = page.locator("[data-testid='stTable']").first
    return table.locator("tr").filter(has_text=upload.group).first


async def _session(browser, url: str, upload: Upload, rows: int, fpr: str):
    """One user: upload, run the audit, read the group's FPR; returns the page for later."""
    from playwright.async_api import expect

    context = await browser.new_context(viewport={"width": 1280, "height": 1000})
    page = await context.new_page()
    page.set_default_timeout(45_000)
    await page.goto(f"{url}/upload")
    await page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
        str(upload.path)
    )
    await expect(page.get_by_text("Column roles")).to_be_visible()
    await expect(page.get_by_role("combobox", name="True outcome (label)")).to_have_value(
        upload.label
    )
    if upload.positive_label:  # values like '>50K' do not say it: the user answers the page
        await _choose_patiently(
            page, "Which value is the favourable decision", upload.positive_label
        )
    await page.get_by_role("button", name="Run the audit").click()
    await expect(page.get_by_text(f"Audited {rows:,} rows")).to_be_visible()
    await page.locator("[data-testid='stSidebarNav']").get_by_text("Disparities").click()
    await expect(page.get_by_text("Groups by")).to_be_visible()
    await expect(await _group_row(page, upload)).to_contain_text(fpr)
    return context, page


async def _recheck(page, upload: Upload, fpr: str) -> None:
    from playwright.async_api import expect

    await page.locator("[data-testid='stSidebarNav']").get_by_text("Intersections").click()
    await page.locator("[data-testid='stSidebarNav']").get_by_text("Disparities").click()
    await expect(page.get_by_text("Groups by")).to_be_visible()
    await expect(await _group_row(page, upload)).to_contain_text(fpr)


def test_four_concurrent_sessions_each_see_their_own_numbers(server, uploads):
    from playwright.async_api import async_playwright, expect

    # four sessions share two cores with the test itself: allow slow script runs
    expect.set_options(timeout=45_000)
    expected = [upload.expected() for upload in uploads]
    # the four files really differ, so a mixed-up session would show another number
    assert len({fpr for _, fpr in expected}) == 4, expected

    async def run() -> float:
        async with async_playwright() as p:
            browser = await launch_chromium(p)
            try:
                started = time.monotonic()
                sessions = await asyncio.wait_for(
                    asyncio.gather(
                        *(
                            _session(browser, server, upload, rows, fpr)
                            for upload, (rows, fpr) in zip(uploads, expected, strict=True)
                        )
                    ),
                    timeout=SESSIONS_DEADLINE,
                )
                await asyncio.gather(
                    *(
                        _recheck(page, upload, fpr)
                        for (_, page), upload, (_, fpr) in zip(
                            sessions, uploads, expected, strict=True
                        )
                    )
                )
                elapsed = time.monotonic() - started
                for context, _ in sessions:
                    await context.close()
                return elapsed
            finally:
                await browser.close()

    elapsed = asyncio.run(run())
    assert elapsed < SESSIONS_DEADLINE + 30
