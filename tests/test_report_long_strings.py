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
