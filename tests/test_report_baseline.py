"""The input-restriction study in the PDF: alone (``write_baseline_pdf``) and as a chapter."""

from __future__ import annotations

import io
import re

import pypdf
import pytest

import auditor
from auditor.report import ReportError, audit_pdf_bytes, baseline_pdf_bytes, write_baseline_pdf


def _text(pdf: bytes) -> str:
    return re.sub(
        r"\s+",
        " ",
        "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages),
    )


def _summary(ratio: float, difference: float) -> dict:
    return {
        "demographic_parity_difference": difference,
        "demographic_parity_ratio": ratio,
        "equalized_odds_difference": 0.2,
        "equalized_odds_ratio": 0.5,
        "equal_opportunity_difference": 0.1,
    }


HAND_MADE = {
    "schema": "auditor/baseline-v1",
    "created_at": "2026-11-21T08:00:00+00:00",
    "protected": "sex",
    "target": "income",
    "strategies": [
        {
            "name": "aware",
            "features": ["age", "sex", "relationship"],
            "accuracy": 0.851,
            "summary": _summary(0.293, 0.178),
        },
        {
            "name": "unaware",
            "features": ["age", "relationship"],
            "accuracy": 0.849,
            "summary": _summary(0.311, 0.171),
        },
        {
            "name": "unaware_without_proxies",
            "features": ["age"],
            "accuracy": 0.815,
            "summary": _summary(0.524, 0.071),
        },
        {
            "name": "output_constrained",
            "features": ["age", "relationship"],
            "accuracy": 0.833,
            "summary": _summary(0.999, 0.000),
        },
    ],
    "proxies": [{"feature": "relationship", "auc": 0.862}, {"feature": "age <&> x", "auc": 0.565}],
    "proxy_auc_all_features": 0.931,
    "conclusion": "Restricting the inputs did not bring the decisions within the four-fifths rule.",
}


def test_standalone_study_has_table_proxies_and_conclusion(tmp_path):
    path = write_baseline_pdf(HAND_MADE, tmp_path / "study.pdf")
    text = _text(path.read_bytes())
    for name in ("aware", "unaware", "unaware_without_proxies", "output_constrained"):
        assert name in text
    assert "0.293" in text and "0.999" in text  # demographic parity ratios
    assert "85.1%" in text  # accuracy
    assert "AUC 0.931" in text
    assert "age <&> x" in text and "0.862" in text
    assert HAND_MADE["conclusion"] in text


def test_study_as_a_chapter_of_the_audit_report():
    document = auditor.audit(
        "sample_data/compas_predictions.csv",
        label="two_year_recid",
        prediction="high_risk",
        protected="sex",
    ).to_dict()
    text = _text(audit_pdf_bytes(document, baseline=HAND_MADE, charts=False))
    assert "Input restriction study" in text.split("Methodology", 1)[0]
    assert HAND_MADE["conclusion"] in text


def test_a_study_with_the_wrong_schema_is_refused():
    with pytest.raises(ReportError, match="auditor/baseline-v1"):
        baseline_pdf_bytes({**HAND_MADE, "schema": "auditor/audit-v1"})


@pytest.mark.slow
def test_real_study_renders_with_its_chart():
    from auditor.baselines import run_study

    study = run_study(
        "sample_data/compas_predictions.csv", target="two_year_recid", protected="race", seed=0
    )
    document = study.to_dict()
    pdf = baseline_pdf_bytes(document)
    text = _text(pdf)
    for strategy in document["strategies"]:
        assert strategy["name"] in text or strategy.get("label", "") in text
    assert "Conclusion" in text
    last_line = document["conclusion"].strip().splitlines()[-1]
    assert re.sub(r"\s+", " ", last_line) in text
    images = sum(len(page.images) for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert images >= 1  # the trade-off chart
