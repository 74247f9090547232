"""Undefined rates print as "n/a", never as 0; small intersection cells print no rate."""

from __future__ import annotations

import pandas as pd
import pytest

import auditor
from auditor.report.document import frame_size
from auditor.report.fonts import register_fonts
from auditor.report.styles import make_styles
from auditor.report.tables import group_rate_table, intersection_table


@pytest.fixture(scope="module")
def document() -> dict:
    # group "P" has only actual positives: its FPR (FP / (FP + TN)) is undefined
    frame = pd.DataFrame(
        {
            "group": ["P"] * 40 + ["Q"] * 60 + ["Q"] * 5,
            "band": ["hi"] * 40 + ["hi"] * 30 + ["lo"] * 30 + ["lo"] * 5,
            "y": [1] * 40 + [0, 1] * 30 + [1] * 5,
            "yhat": [1, 0] * 20 + [1, 1, 0] * 20 + [1] * 5,
        }
    )
    return auditor.audit(frame, label="y", prediction="yhat", protected=["group", "band"]).to_dict()


def _cells(table) -> list[list[str]]:
    return [[getattr(c, "text", str(c)) for c in row] for row in table._cellvalues]


def test_undefined_fpr_is_na_not_zero(document):
    register_fonts()
    width, _ = frame_size()
    breakdown = next(b for b in document["breakdowns"] if b["by"] == ["group"])
    group_p = next(g for g in breakdown["groups"] if g["key"]["group"] == "P")
    assert group_p["metrics"]["fpr"] is None
    rows = _cells(
        group_rate_table(
            breakdown, make_styles(), frame_width=width, private=False, min_group_size=30
        )
    )
    header, row_p = rows[0], next(r for r in rows if r[0] == "P")
    fpr_column = next(i for i, h in enumerate(header) if h.startswith("FPR"))
    assert row_p[fpr_column] == "n/a"
    assert "no actual negatives" in row_p[-1]


def test_small_intersection_cell_has_no_rate(document):
    register_fonts()
    width, _ = frame_size()
    pair = next(b for b in document["breakdowns"] if len(b["by"]) == 2)
    small = [g for g in pair["groups"] if "insufficient_data" in g["flags"]]
    assert small
    rows = _cells(
        intersection_table(pair, make_styles(), frame_width=width, private=False, min_group_size=30)
    )
    for group in small:
        name = " × ".join(group["key"].values())
        row = next(r for r in rows if r[0] == name)
        assert row[2] == "suppressed (n &lt; 30)"
        assert not any("%" in cell for cell in row)
