"""The security headers of docs/deployment.md, loaded in a real browser with the real app.

The nginx block in the deployment guide adds a Content-Security-Policy, X-Frame-Options,
X-Content-Type-Options and others to every response. Here Playwright adds exactly those headers
(read from the guide, so the test follows the document) to every response of a live
``streamlit run app.py``, the way the proxy would; the only change is the websocket origin in
``connect-src``, which names the agency's host in the guide and this test's localhost port here.
With the headers on, a user uploads a file, runs the audit and opens every page: each page
must render, and the browser must report no Content-Security-Policy violation (neither a
``securitypolicyviolation`` event nor a console message). Another page cannot frame the app.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest

from .browser import free_port, launch_chromium, require_browser
from .header_proxy import header_proxy

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "deployment.md"
COMPAS = ROOT / "sample_data" / "compas_predictions.csv"
GUIDE_HOST = "wss://auditor.agency.example"

pytestmark = [pytest.mark.browser]

# Every page of the sidebar and a text it shows once rendered, after an upload and an audit.
PAGES = {
    "Disparities": "Disparities between groups",
    "Intersections": "Intersections of protected attributes",
    "Scores": "Scores: threshold, ROC and calibration",
    "Privacy": "Publish with differential privacy",
    "Input vs output": "Restrict the inputs, or specify the outputs?",
    "Compare models": "Compare a candidate model with production",
    "Report": "Report",
    "Templates": "Regulatory templates",
    "History": "Audit history",
    "Home": "Fairness audit of a model's outputs",
}

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`);
});
"""


def documented_headers() -> dict[str, str]:
    """The ``add_header NAME "VALUE" always;`` lines of the guide's nginx block."""
    found = dict(re.findall(r'^\s*add_header ([\w-]+) "([^"]+)" always;', GUIDE.read_text(), re.M))
    assert {"Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options"} <= set(found)
    assert GUIDE_HOST in found["Content-Security-Policy"]
    return found


def test_documented_headers_are_what_the_guide_says():
    headers = documented_headers()
    policy = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    # no source outside this origin may be loaded: every source is a keyword, a scheme for
    # in-page data, or the agency's own websocket host
    for directive in policy.split(";"):
        for source in directive.split()[1:]:
            assert source.startswith("'") or source in ("data:", "blob:", GUIDE_HOST), source
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]


def test_the_app_works_under_the_documented_security_headers(shared_server):
    from playwright.sync_api import expect, sync_playwright

    require_browser("security-header test")
    headers = documented_headers()
    headers.pop("Strict-Transport-Security", None)  # HTTPS only; this proxy is plain HTTP
    app_url = shared_server
    with sync_playwright() as p:
        port = free_port()
        added = {
            **headers,
            "Content-Security-Policy": headers["Content-Security-Policy"].replace(
                GUIDE_HOST, f"ws://127.0.0.1:{port}"
            ),
        }
        browser = launch_chromium(p)
        try:
            with header_proxy(app_url, added, port=port) as url:
                context = browser.new_context(viewport={"width": 1280, "height": 1000})
                context.add_init_script(RECORD_VIOLATIONS)
                console = []
                page = context.new_page()
                page.on("console", lambda message: console.append(message.text))
                page.set_default_timeout(60_000)
                expect.set_options(timeout=60_000)

                response = page.goto(f"{url}/upload")
                assert response is not None
                policy = response.headers["content-security-policy"]
                assert policy == added["Content-Security-Policy"]
                assert response.headers["x-frame-options"] == "DENY"
                assert response.headers["x-content-type-options"] == "nosniff"
                page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
                    str(COMPAS)
                )
                expect(page.get_by_text("Column roles")).to_be_visible()
                page.get_by_role("button", name="Run the audit").click()
                expect(page.get_by_text("Audited 6,172 rows")).to_be_visible()
                nav = page.locator("[data-testid='stSidebarNav']")
                for title, heading in PAGES.items():
                    nav.get_by_text(title, exact=True).click()
                    expect(page.get_by_role("heading", name=heading).first).to_be_visible()
                    expect(page.locator("[data-testid='stStatusWidget']")).to_have_count(0)
                # charts are drawn (Vega compiles with Function(): the CSP must allow it)
                nav.get_by_text("Disparities", exact=True).click()
                chart = page.locator("[data-testid='stVegaLiteChart'] svg.marks")
                expect(chart.first).to_be_visible()
                expect(page.locator("[data-testid='stException']")).to_have_count(0)

                violations = page.evaluate("window.__cspViolations")
                reported = [text for text in console if "Content Security Policy" in text]
                assert not violations and not reported, (violations, reported)

                # clickjacking: another page cannot frame the app (e.g. over its Release button)
                framing = context.new_page()
                refusals: list[str] = []
                framing.on("console", lambda message: refusals.append(message.text))
                framing.set_content(f'<iframe src="{url}/" width="900" height="700"></iframe>')
                framing.wait_for_timeout(3_000)
                (framed,) = framing.main_frame.child_frames
                assert framed.locator("[data-testid='stApp']").count() == 0
                assert any(
                    "frame-ancestors" in text or "X-Frame-Options" in text for text in refusals
                ), refusals
                context.close()
        finally:
            browser.close()


def test_every_inline_script_of_streamlit_is_allowed_by_its_hash():
    """Streamlit's index.html has inline scripts; the CSP allows each by its SHA-256 (not by
    'unsafe-inline'). After a Streamlit upgrade this names the hash to put in the guide."""
    import streamlit

    index = Path(streamlit.__file__).parent / "static" / "index.html"
    policy = documented_headers()["Content-Security-Policy"]
    script_sources = next(
        part.split()[1:] for part in policy.split(";") if part.split()[0] == "script-src"
    )
    assert "'unsafe-inline'" not in script_sources
    for body in re.findall(r"<script>(.*?)</script>", index.read_text(), re.S):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in script_sources, (
            f"add 'sha256-{digest}' to script-src in docs/deployment.md (Streamlit "
            f"{streamlit.__version__}'s inline script {body.strip()[:60]!r})"
        )
