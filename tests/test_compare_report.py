"""The comparison chapter of the PDF says what the JSON says (COMPAS, decile ≥ 5 vs ≥ 7)."""

from __future__ import annotations

import io

from pypdf import PdfReader

from auditor.compare import compare
from auditor.report.comparison import comparison_pdf_bytes

from .conftest import COMPAS_PREDICTIONS


def test_comparison_pdf_text(tmp_path):
    gate = tmp_path / "gate.toml"
    gate.write_text(
        '[[checks]]\nmetric = "demographic_parity_difference"\nrule = "no_worse_than_baseline"\n'
        'by = ["sex"]\nevidence = "interval"\n'
    )
    result = compare(
        COMPAS_PREDICTIONS,
        label="two_year_recid",
        protected=["race", "sex"],
        score="decile_score",
        baseline_threshold=5,
        candidate_threshold=7,
        replicates=400,
        policy=gate,
    )
    document = result.to_dict()
    text = " ".join(
        page.extract_text() for page in PdfReader(io.BytesIO(comparison_pdf_bytes(document))).pages
    )
    text = " ".join(text.split())
    assert "Model comparison" in text and "decile_score >= 7" in text
    assert "Release gate" in text and "FAIL" in text
    female = next(b for b in document["breakdowns"] if b["by"] == ["sex"])["groups"][0]
    selection = female["metrics"]["selection_rate"]
    assert f"{100 * selection['baseline']:.1f}% → {100 * selection['candidate']:.1f}%" in text
    assert f"{100 * selection['change']:+.1f} pp" in text
    assert "Native American" in text  # a small group is listed, marked, and left out
