"""Load, in a real browser: audits queue for the server's slots, and simultaneous releases never
overspend the privacy budget.

1. Three sessions (separate Chromium contexts, so separate Streamlit sessions) upload three
   different files and press "Run the audit" at the same moment, against a server with one audit
   slot (``AUDITOR_AUDIT_SLOTS=1``). Every session ends with its own numbers; how many saw the
   "server is busy" message is printed, not asserted (it depends on whether the audits overlapped;
   the waiting itself is tested with threads in test_dashboard_audit_slots.py).
2. Four sessions load the same sample and press "Release with ε = 1" at the same moment against
   a total budget of 3: exactly three releases are made, the fourth session reads that no
   release was made because the budget is exceeded, and the ledger (read from the store after
   the server stops) holds ε = 3 in three releases — never more than the budget.

Localhost only; each test is bounded (about a minute on a quiet machine).
"""

from __future__ import annotations

import asyncio
import time

import pytest

from auditor.store import AuditStore
from dashboard.audit_slots import BUSY_MESSAGE

from .browser import launch_chromium, require_browser, streamlit_server
from .test_load_dashboard_sessions import (
    ADULT,
    COMPAS,
    Upload,
    _choose_patiently,
    _group_row,
    _idle,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TEST_DEADLINE = 180.0  # seconds for each test's browser phase on two shared cores
BUDGET = 3.0
SESSIONS_RELEASING = 4


async def _new_page(browser):
    context = await browser.new_context(viewport={"width": 1280, "height": 1000})
    page = await context.new_page()
    page.set_default_timeout(60_000)
    return context, page


async def _upload_and_map(browser, url: str, upload: Upload):
    """One user up to the "Run the audit" button, mapping answered; returns (context, page)."""
    from playwright.async_api import expect

    context, page = await _new_page(browser)
    await page.goto(f"{url}/upload")
    await page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
        str(upload.path)
    )
    await expect(page.get_by_text("Column roles")).to_be_visible()
    await expect(page.get_by_role("combobox", name="True outcome (label)")).to_have_value(
        upload.label
    )
    if upload.positive_label:
        await _choose_patiently(
            page, "Which value is the favourable decision", upload.positive_label
        )
    await _idle(page)
    return context, page


async def _run_and_watch(page, rows: int) -> bool:
    """Press "Run the audit"; True if the busy message was shown before the audit finished."""
    from playwright.async_api import expect

    busy = page.get_by_text(BUSY_MESSAGE)
    done = page.get_by_text(f"Audited {rows:,} rows")
    await page.get_by_role("button", name="Run the audit").click()
    saw_busy = False
    while not await done.count():
        saw_busy = saw_busy or bool(await busy.count())
        await asyncio.sleep(0.05)
    await expect(done).to_be_visible()
    return saw_busy


def test_simultaneous_audits_queue_for_one_slot_and_each_session_gets_its_own(
    tmp_path, tmp_path_factory
):
    from playwright.async_api import async_playwright, expect

    require_browser("load test")
    expect.set_options(timeout=60_000)
    synthetic = tmp_path_factory.mktemp("queue") / "synthetic.csv"
    lines = ["race,two_year_recid,high_risk"]
    for race, flagged in (("African-American", 20), ("Caucasian", 60)):
        lines += [f"{race},0,{int(i < flagged)}" for i in range(100)]
        lines += [f"{race},1,{int(i < 70)}" for i in range(100)]
    synthetic.write_text("\n".join(lines) + "\n")
    uploads = [
        Upload(ADULT, "income", "predicted_income", "sex", "Female", positive_label=">50K"),
        Upload(COMPAS, "two_year_recid", "high_risk", "race", "African-American"),
        Upload(synthetic, "two_year_recid", "high_risk", "race", "African-American"),
    ]
    expected = [upload.expected() for upload in uploads]
    assert len({fpr for _, fpr in expected}) == len(uploads), expected

    async def run() -> list[bool]:
        async with async_playwright() as p:
            browser = await launch_chromium(p)
            try:
                sessions = await asyncio.gather(
                    *(_upload_and_map(browser, url, upload) for upload in uploads)
                )
                # every session presses "Run the audit" at the same moment
                busy = await asyncio.gather(
                    *(
                        _run_and_watch(page, rows)
                        for (_, page), (rows, _) in zip(sessions, expected, strict=True)
                    )
                )
                for (_, page), upload, (_, fpr) in zip(sessions, uploads, expected, strict=True):
                    await (
                        page.locator("[data-testid='stSidebarNav']")
                        .get_by_text("Disparities")
                        .click()
                    )
                    await expect(page.get_by_text("Groups by")).to_be_visible()
                    await expect(await _group_row(page, upload)).to_contain_text(fpr)
                for context, _ in sessions:
                    await context.close()
                return busy
            finally:
                await browser.close()

    with streamlit_server(tmp_path, env_extra={"AUDITOR_AUDIT_SLOTS": "1"}) as url:
        started = time.monotonic()
        busy = asyncio.run(asyncio.wait_for(run(), timeout=TEST_DEADLINE))
        elapsed = time.monotonic() - started
    # Whether a session sees the busy message depends on whether the audits overlapped in time,
    # which a fast machine may not give (CI saw [False, False, False]): the queue's waiting is
    # tested with threads in test_dashboard_audit_slots.py; here, every session ends with its own
    # numbers through one slot.
    print(f"queued sessions that showed the busy message: {sum(busy)} of 3; {elapsed:.0f} s")


async def _ready_to_release(browser, url: str):
    """One user with the COMPAS sample loaded, on the Privacy page."""
    from playwright.async_api import expect

    context, page = await _new_page(browser)
    await page.goto(url)
    await page.get_by_role("button", name="Load the COMPAS sample").click()
    await page.wait_for_url("**/disparities")  # loaded; no need to wait for its charts
    await page.locator("[data-testid='stSidebarNav']").get_by_text("Privacy").click()
    button = page.get_by_role("button", name="Release with ε = 1 (spends ε from the budget)")
    await expect(button).to_be_enabled()
    await _idle(page)
    return context, page


async def _release(page) -> str:
    """Press Release; return "released" or "refused" from what the page says."""
    from playwright.async_api import expect

    await page.get_by_role("button", name="Release with ε = 1 (spends ε from the budget)").click()
    outcome = page.get_by_text("Released with ε = 1").or_(page.get_by_text("No release was made"))
    await expect(outcome.first).to_be_visible()
    if await page.get_by_text("Released with ε = 1").count():
        return "released"
    refusal = await page.get_by_text("No release was made").first.inner_text()
    assert "privacy budget exceeded" in refusal, refusal
    assert f"total ε={BUDGET:g}" in refusal, refusal
    return "refused"


def test_simultaneous_releases_spend_exactly_the_budget_and_refuse_the_rest(tmp_path):
    from playwright.async_api import async_playwright, expect

    require_browser("load test")
    expect.set_options(timeout=60_000)

    async def run() -> list[str]:
        async with async_playwright() as p:
            browser = await launch_chromium(p)
            try:
                sessions = await asyncio.gather(
                    *(_ready_to_release(browser, url) for _ in range(SESSIONS_RELEASING))
                )
                # every session presses Release at the same moment
                outcomes = await asyncio.gather(*(_release(page) for _, page in sessions))
                for context, _ in sessions:
                    await context.close()
                return outcomes
            finally:
                await browser.close()

    with streamlit_server(tmp_path) as url:
        started = time.monotonic()
        outcomes = asyncio.run(asyncio.wait_for(run(), timeout=TEST_DEADLINE))
        print(f"releases: {sorted(outcomes)}; {time.monotonic() - started:.0f} s")
    assert sorted(outcomes) == ["refused"] + ["released"] * 3, outcomes
    with AuditStore(tmp_path / "audits.duckdb") as store:
        (ledger,) = store.datasets()
        releases = store.releases(ledger.dataset)
    assert ledger.total == BUDGET
    assert len(releases) == ledger.releases == 3
    assert ledger.spent_epsilon == pytest.approx(3.0)
    assert ledger.spent_epsilon <= ledger.total
