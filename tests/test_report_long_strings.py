"""Long names from the data cannot freeze the PDF: they are shortened, marked and noted.

Before: a 2,000-character group value gave a layout error, 30 KB took 101 s and 1 GiB, 100 KB
did not finish in 400 s, a 150 KB policy name took 183 s and 5.5 GiB.
"""

from __future__ import annotations

import subprocess

import numpy as np
import pandas as pd
import pytest

import auditor
from auditor.report import audit_pdf_bytes
from auditor.report.bounded import TEXT_LIMIT, bound_document


def _pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


@pytest.mark.timeout(240)
def test_30_to_150_kb_names_give_a_bounded_pdf(tmp_path):
    rng = np.random.default_rng(0)
    rows = 300
    group_a, group_b = "G" * 100_000, "G" * 99_999 + "H"  # distinct, sharing a long start
    column = "c" * 30_000
    frame = pd.DataFrame(
        {
            "y": rng.integers(0, 2, rows),
            "p": rng.integers(0, 2, rows),
            "g": rng.choice([group_a, group_b, "short " * 5_000], rows),
            column: rng.choice(["a", "b"], rows),
        }
    )
    policy = tmp_path / "policy.toml"
    policy.write_text(
        f'name = "{"N" * 150_000}"\n[[checks]]\nmetric = "selection_rate"\n'
        'rule = "ratio_at_least"\nbound = 0.8\n',
        encoding="utf-8",
    )
    result = auditor.audit(frame, label="y", prediction="p", protected=["g", column], policy=policy)
    pdf = audit_pdf_bytes(result.to_dict())
    text = _pdf_text(pdf, tmp_path)
    assert "100,000 characters" in text and "150,000 characters" in text
    assert "30,000 characters" in text
    assert "longer than 160 characters and shortened here" in text
    assert len(pdf) < 3_000_000


def test_shortened_names_stay_distinct_and_short():
    document = {
        "groups": [{"key": {"g": "x" * 5000}}, {"key": {"g": "x" * 4999 + "y"}}],
        "policy": {"name": "p" * 10_000, "checks": [{"description": "ok " + "w" * 900}]},
        "conclusion": "A sentence we wrote, quoting " + "q" * 400 + " once. " * 200,
    }
    bounded = bound_document(document)
    first, second = (g["key"]["g"] for g in bounded.document["groups"])
    assert first != second
    assert len(first) < TEXT_LIMIT + 40 and first.startswith("x" * TEXT_LIMIT + "…")
    assert len(bounded.document["policy"]["name"]) < TEXT_LIMIT + 40
    conclusion = bounded.document["conclusion"]
    assert conclusion.startswith("A sentence we wrote") and "400 characters" in conclusion
    assert "once.  once." in conclusion  # prose keeps its words
    assert bounded.shortened == 5


def test_short_names_are_untouched():
    document = {"groups": [{"key": {"race": "African-American"}}], "policy": {"name": "4/5"}}
    bounded = bound_document(document)
    assert bounded.document == document
    assert (bounded.shortened, bounded.escaped) == (0, 0)


def test_the_auditors_own_sentences_are_never_shortened_as_names():
    """The method statements of estimated race, of the EEOC/OFCCP template and of a DP release
    run past 160 characters: they are the auditor's sentences, not names from the data, so a
    report prints them whole (the UGESP section read "… the two-standard-deviatio… [171
    characters, #a00964]" and the BISG report claimed 5 long names from the data)."""
    from auditor.templates.run import template_audit

    from .conftest import SAMPLES

    documents = [
        auditor.audit(
            SAMPLES / "bisg_applicants.csv",
            label="repaid",
            prediction="approved",
            bisg="surname=last_name,zip=zip",
            bisg_estimator="both",
        ).to_dict(),
        template_audit(
            SAMPLES / "hiring.csv",
            template="ugesp",
            prediction="selected",
            protected=["sex", "race_ethnicity"],
            strata=["job_group"],
        ).to_dict(),
        auditor.audit(
            SAMPLES / "compas_predictions.csv",
            label="two_year_recid",
            prediction="high_risk",
            protected=["race"],
            epsilon=1.0,
        ).to_dict(),
    ]
    long_sentences = 0
    for document in documents:
        bounded = bound_document(document)
        assert (bounded.shortened, bounded.escaped) == (0, 0)
        assert bounded.document == document
        long_sentences += sum(len(s) > TEXT_LIMIT for s in _strings(document))
    assert long_sentences >= 5  # the test covers sentences that a name's limit would cut


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
