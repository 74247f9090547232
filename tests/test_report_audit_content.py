"""The audit PDF of the COMPAS sample: its text carries the fingerprint, every group, the
verdict and the definitions; metadata, page numbering and determinism."""

from __future__ import annotations

import io
import re

import pypdf
import pytest

import auditor
from auditor.metrics import METRIC_DEFINITIONS, SUMMARY_DEFINITIONS
from auditor.narrative import verdict_sentence
from auditor.report import ReportError, audit_pdf_bytes
from auditor.report.appendix import LIMITATIONS
from auditor.report.figures import clear_chart_cache

# Each module builds a full report with charts once (≈ 5–15 s on a loaded 2-core machine).
pytestmark = pytest.mark.slow

COMPAS = dict(
    label="two_year_recid",
    prediction="high_risk",
    protected=["race", "sex", "age_cat"],
    score="decile_score",
    policy="sample_data/policy.toml",
)


def _squash(text: str) -> str:
    """Text without whitespace: wrapped table cells and paragraphs compare equal to the source."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def document() -> dict:
    return auditor.audit("sample_data/compas_predictions.csv", **COMPAS).to_dict()


@pytest.fixture(scope="module")
def pdf(document) -> bytes:
    return audit_pdf_bytes(document, vocabulary="compas")


@pytest.fixture(scope="module")
def reader(pdf) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(pdf))


@pytest.fixture(scope="module")
def pages(reader) -> list[str]:
    return [page.extract_text() for page in reader.pages]


@pytest.fixture(scope="module")
def text(pages) -> str:
    return _squash("\n".join(pages))


def test_is_a_pdf_with_several_pages(pdf, reader):
    assert pdf.startswith(b"%PDF")
    assert len(reader.pages) >= 8


def test_fingerprint_rows_and_mode_on_the_cover(document, pages):
    cover = _squash(pages[0])
    assert document["dataset"]["sha256"] in cover
    assert _squash("6,172 read, 6,172 used, 0 excluded") in cover
    assert "exact(nonoise" in cover
    assert _squash(document["created_at"]) in cover


def test_every_group_of_every_breakdown_is_named(document, text):
    names = {" × ".join(g["key"].values()) for b in document["breakdowns"] for g in b["groups"]}
    assert len(names) > 20
    missing = [name for name in names if _squash(name) not in text]
    assert missing == []


def test_verdict_and_plain_language_findings(document, text):
    assert _squash(verdict_sentence(document)) in text
    assert "FAILS" in text
    # the compas vocabulary reads "defendants who did not re-offend were flagged high-risk"
    assert _squash("defendants who did not re-offend were flagged high-risk") in text


def test_small_groups_are_listed(text):
    assert _squash("race: Native American") in text
    assert _squash("suppressed (n < 30)") in text


def test_definitions_methods_and_limitations(text):
    for formula, meaning in METRIC_DEFINITIONS.values():
        assert _squash(formula) in text and _squash(meaning) in text
    for definition in SUMMARY_DEFINITIONS.values():
        assert _squash(definition) in text
    for method in ("Wilson", "Katz", "Newcombe", "Holm", "Fisher"):
        assert method in text
    assert _squash(LIMITATIONS[0]) in text
    # the policy's checks, in words
    assert _squash("equalized odds difference ≤ 0.1") in text


def test_rates_and_intervals_are_printed(document, text):
    group = document["breakdowns"][0]["groups"][0]  # African-American
    rate = group["metrics"]["fpr"]
    low, high = group["intervals"]["fpr"]
    assert f"{100 * rate:.1f}%" in text
    assert f"[{100 * low:.1f}–{100 * high:.1f}]" in text


def test_contents_page_numbers_and_running_header(reader, pages):
    total = len(pages)
    assert "Contents" in pages[1]
    assert "Executive summary" in pages[1] and "Methodology" in pages[1]
    for number, page in enumerate(pages[1:], start=2):
        assert f"page {number} of {total}" in page
    assert "Fairness audit · high_risk on compas_predictions.csv" in pages[3]
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    assert "Executive summary" in outline and "Intersections" in outline


def test_metadata(document, reader):
    meta = reader.metadata
    sha = document["dataset"]["sha256"]
    assert meta.author == "auditor"
    assert meta.title == "Fairness audit: high_risk on compas_predictions.csv"
    assert "exact" in meta.subject
    assert f"sha256:{sha}" in meta["/Keywords"]
    stamp = document["created_at"][:19].replace("-", "").replace(":", "").replace("T", "")
    assert meta["/CreationDate"] == f"D:{stamp}+00'00'"


def test_fonts_are_embedded_truetype(reader):
    fonts = set()
    for page in reader.pages[:3]:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts.add(font["/BaseFont"])
            assert (
                "/FontFile2" in font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
                if "/DescendantFonts" in font
                else "/FontFile2" in font["/FontDescriptor"]
            )
    assert any("DejaVuSans" in str(name) for name in fonts)


def test_charts_are_embedded_as_images(reader):
    images = sum(len(page.images) for page in reader.pages)
    assert images >= 10


@pytest.mark.slow
def test_same_document_gives_identical_bytes(document, pdf):
    clear_chart_cache()  # render the charts again, not from the cache
    assert audit_pdf_bytes(document, vocabulary="compas") == pdf


def test_creation_date_comes_from_the_document(document):
    later = {**document, "created_at": "2030-02-03T04:05:06+00:00"}
    first = audit_pdf_bytes(later, charts=False)
    reader = pypdf.PdfReader(io.BytesIO(first))
    assert reader.metadata["/CreationDate"] == "D:20300203040506+00'00'"
    assert audit_pdf_bytes(later, charts=False) == first


def test_wrong_document_is_refused_with_the_fix(document):
    with pytest.raises(ReportError, match="auditor/audit-v1"):
        audit_pdf_bytes({"schema": "something-else"})
    with pytest.raises(ReportError, match="'martian' is not known"):
        audit_pdf_bytes(document, vocabulary="martian")


def test_summaries_over_groups_with_enough_data_are_reported():
    document = auditor.audit(
        "sample_data/compas_predictions.csv",
        label="two_year_recid",
        prediction="high_risk",
        protected="race",
        intersections=False,
    ).to_dict()
    pages = pypdf.PdfReader(io.BytesIO(audit_pdf_bytes(document, charts=False))).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())
    # race: equalized odds difference 0.661 over all groups, 0.377 without the 11 Native Americans
    assert "Groups with enough data" in text
    assert "0.661" in text and "0.377" in text
