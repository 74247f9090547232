"""A DP audit's PDF prints only the released noisy counts: no exact group size or row total.

The data have distinctive group sizes (7919, 3313, 1237; 12469 used, 12566 read, 97 rows
without a label). ε is tiny and the noise seeded, so a noisy count equals an exact one only by
a (reproducible) fluke. The same search over the exact report finds them: the search works.
"""

from __future__ import annotations

import io
import re

import pandas as pd
import pypdf
import pytest

import auditor
from auditor.report import audit_pdf_bytes

CELLS = {  # group -> (tp, fp, tn, fn)
    "A": (2633, 1741, 2287, 1258),  # n = 7919
    "B": (1069, 587, 1123, 534),  # n = 3313
    "C": (389, 263, 401, 184),  # n = 1237
}
MISSING_LABEL_ROWS = 97
SIZES = {7919, 3313, 1237, 7919 + 3313, 7919 + 1237, 3313 + 1237}
TOTALS = {12469, 12469 + MISSING_LABEL_ROWS}


def _frame() -> pd.DataFrame:
    rows = []
    for group, cells in CELLS.items():
        for (y, yhat), count in zip(((1, 1), (0, 1), (0, 0), (1, 0)), cells, strict=True):
            rows.append(pd.DataFrame({"group": group, "y": [y] * count, "yhat": yhat}))
    missing = pd.DataFrame({"group": "A", "y": [None] * MISSING_LABEL_ROWS, "yhat": 1})
    frame = pd.concat([*rows, missing], ignore_index=True)
    frame["y"] = frame["y"].astype("Int64")
    return frame


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def _exact_counts_in(text: str) -> list[int]:
    found = []
    for value in SIZES | TOTALS:
        for form in (str(value), f"{value:,}"):
            if re.search(rf"(?<![\d.,]){re.escape(form)}(?![\d]|[.,]\d)", text):
                found.append(value)
    if re.search(rf"missing label:\s*{MISSING_LABEL_ROWS}\b", text):
        found.append(MISSING_LABEL_ROWS)
    return found


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return _frame()


def _audit(frame: pd.DataFrame, **options) -> dict:
    return auditor.audit(
        frame, label="y", prediction="yhat", protected="group", **options
    ).to_dict()


def test_exact_report_shows_the_distinctive_counts(frame):
    text = _text(audit_pdf_bytes(_audit(frame), charts=False))
    assert {7919, 3313, 1237, 12469, 12566, MISSING_LABEL_ROWS} <= set(_exact_counts_in(text))


@pytest.fixture(scope="module")
def dp_document(frame) -> dict:
    return _audit(frame, epsilon=0.002, categories={"group": ["A", "B", "C", "D"]}, seed=11)


@pytest.fixture(scope="module")
def dp_text(dp_document) -> str:
    return _text(audit_pdf_bytes(dp_document))


def test_dp_report_shows_no_exact_count(dp_text):
    assert _exact_counts_in(dp_text) == []


def test_dp_report_prints_the_noisy_counts_it_holds(dp_document, dp_text):
    group = next(g for g in dp_document["breakdowns"][0]["groups"] if g["key"]["group"] == "A")
    assert f"{max(0, round(group['n'])):,}" in dp_text
    assert "n(noisy)" in re.sub(r"\s+", "", dp_text)
    assert "exact row counts are not published in DP mode" in dp_text


def test_dp_report_has_a_privacy_statement(dp_document, dp_text):
    privacy = dp_document["privacy"]
    text = re.sub(r"\s+", " ", dp_text)
    assert "Privacy statement" in text
    assert "add/remove one row" in text
    assert "discrete Laplace" in text
    assert f"ε spent by this release {privacy['epsilon']:g}" in text
    assert "What the noise does to each figure" in text
    assert "NOT PRIVATE" in text  # seeded noise is labelled as such
    assert "†" not in text  # no significance tests in DP mode
    assert "Wilson" not in text.split("Intervals and tests", 1)[1].split("Output specification")[0]


def test_rates_too_noisy_to_say_anything_are_not_printed(dp_document, dp_text):
    hidden = [g for b in dp_document["breakdowns"] for g in b["groups"] if g.get("not_estimable")]
    assert hidden  # at this tiny ε some rates are not estimable
    assert "not estimable at this ε" in re.sub(r"\s+", " ", dp_text)


def test_noisy_rates_outside_0_1_are_shown_clamped(dp_document, dp_text):
    rates = [
        v
        for b in dp_document["breakdowns"]
        for g in b["groups"]
        for v in g["metrics"].values()
        if v is not None
    ]
    assert min(rates) < 0 or max(rates) > 1  # noise pushed some rate out of [0, 1]
    assert not re.search(r"-\d+(\.\d)?%", dp_text)
    assert not re.search(r"\b(1\d\d|[2-9]\d\d)\.\d%", dp_text)


def test_budget_from_the_ledger_is_reported(dp_document):
    document = {
        **dp_document,
        "privacy": {
            **dp_document["privacy"],
            "ledger": {
                "store": "audits.duckdb",
                "release_id": 4,
                "total_epsilon": 3.0,
                "spent_epsilon": 1.5,
                "remaining_epsilon": 1.5,
                "spent_delta": 0.0,
                "releases": 2,
            },
        },
    }
    text = re.sub(r"\s+", " ", _text(audit_pdf_bytes(document, charts=False)))
    assert "Data set budget: ε remaining 1.5" in text
    assert "Data set budget: total ε 3" in text


def test_hand_made_discrete_laplace_document(dp_document):
    privacy = {
        "mode": "dp",
        "mechanism": "discrete_laplace",
        "epsilon": 1.0,
        "delta": 0.0,
        "scale": 1.0,
        "neighbours": "add/remove one row",
    }
    text = re.sub(
        r"\s+", " ", _text(audit_pdf_bytes({**dp_document, "privacy": privacy}, charts=False))
    )
    assert "discrete Laplace (pure ε-DP)" in text
    assert "standard deviation ≈ 1.36 per count" in text  # √(2q/(1−q)²), q = e^−1
