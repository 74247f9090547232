"""A DP audit's JSON contains no exact count, group size, row total or exact rate — anywhere.

The fixture's counts are distinctive four-digit values (and their sums) that cannot appear
by chance. ε is small (0.002: a count comes out exact only when its noise is 0, probability
about 0.07%), and the noise is seeded, hence the test is reproducible. The same search on the exact audit finds them, which shows
the search itself works.
"""

from __future__ import annotations

import itertools
import json
import re

import numpy as np
import pandas as pd
import pytest

import auditor

# group -> (tp, fp, tn, fn)
CELLS = {
    "A": (2633, 1741, 2287, 1258),  # n = 7919
    "B": (1069, 587, 1123, 534),  # n = 3313
    "C": (389, 263, 401, 184),  # n = 1237
}
MISSING_LABEL_ROWS = 97


def _frame() -> pd.DataFrame:
    rows = []
    for group, (tp, fp, tn, fn) in CELLS.items():
        for (y, yhat), count in zip(
            ((1, 1), (0, 1), (0, 0), (1, 0)), (tp, fp, tn, fn), strict=True
        ):
            rows.append(
                pd.DataFrame(
                    {"group": group, "y": [y] * count, "yhat": yhat, "score": 0.9 if yhat else 0.1}
                )
            )
    missing = pd.DataFrame(
        {"group": "A", "y": [None] * MISSING_LABEL_ROWS, "yhat": 1, "score": 0.9}
    )
    frame = pd.concat([*rows, missing], ignore_index=True)
    frame["y"] = frame["y"].astype("Int64")
    return frame.sample(frac=1.0, random_state=3).reset_index(drop=True)


def _exact_numbers() -> tuple[set[int], set[float]]:
    """Every count the exact audit would show, and every exact rate."""
    integers: set[int] = {MISSING_LABEL_ROWS}
    rates: set[float] = set()
    groups = list(CELLS.values())
    for size in range(1, len(groups) + 1):
        for chosen in itertools.combinations(groups, size):
            tp, fp, tn, fn = (sum(c[i] for c in chosen) for i in range(4))
            integers |= {tp, fp, tn, fn, tp + fp + tn + fn, tp + fn, fp + tn, tp + fp, tn + fn}
            rates |= {fp / (fp + tn), tp / (tp + fn), (tp + fp) / (tp + fp + tn + fn)}
    integers.add(sum(sum(c) for c in groups) + MISSING_LABEL_ROWS)  # all rows
    return integers, rates


def _found(text: str, integers: set[int], rates: set[float]) -> list[str]:
    hits = [str(v) for v in integers if re.search(rf"(?<![\d.]){v}(?!\d)", text)]
    hits += [repr(r) for r in rates if repr(r) in text]
    return hits


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return _frame()


def _audit(frame: pd.DataFrame, **options) -> dict:
    result = auditor.audit(
        frame, label="y", prediction="yhat", score="score", protected="group", **options
    )
    return result.to_dict()


def test_exact_audit_shows_the_distinctive_counts(frame):
    integers, rates = _exact_numbers()
    text = json.dumps(_audit(frame))
    assert {"7919", "3313", "1237", "97"} <= set(_found(text, integers, rates))


@pytest.mark.parametrize("declared", [True, False])
def test_dp_audit_shows_no_exact_count_rate_or_row_total(frame, declared):
    integers, rates = _exact_numbers()
    categories = {"group": ["A", "B", "C", "D"]} if declared else None
    document = _audit(frame, epsilon=0.002, categories=categories, seed=11)
    # the random release id (hex) and the clock are not data: "…a97f…" is not the count 97
    text = json.dumps(document).replace(document["privacy"]["release_id"], "<release id>")
    text = text.replace(document["created_at"], "<created at>")
    assert _found(text, integers, rates) == []
    dataset = document["dataset"]
    assert dataset["rows"] is None and dataset["rows_excluded"] is None
    assert dataset["exclusions"] == {} and dataset["size_bytes"] is None
    assert "scores" not in document  # score bins are data-dependent: omitted in DP mode
    assert all(not g["tests"] for b in document["breakdowns"] for g in b["groups"])


def test_released_counts_are_not_clamped(frame):
    document = _audit(frame, epsilon=0.02, categories={"group": ["A", "B", "C", "D"]}, seed=5)
    cells = [g[c] for g in document["breakdowns"][0]["groups"] for c in ("tp", "fp", "tn", "fn")]
    # the declared, empty group D and (other) carry pure noise, some of it negative
    assert min(cells) < 0
    assert all(isinstance(c, int) for c in cells)
    assert np.isfinite([g["n"] for g in document["breakdowns"][0]["groups"]]).all()
