"""A 50-group intersectional audit still lays out, and names from the data print literally.

Ten regions × five sectors = 50 intersection groups, some of them small (suppressed). Region
names include ReportLab markup, a spreadsheet formula, an ampersand and a 70-character word
with no space in it.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd
import pypdf
import pytest
from reportlab.platypus import Paragraph

import auditor
from auditor.report import audit_pdf_bytes
from auditor.report.document import frame_size
from auditor.report.fonts import register_fonts
from auditor.report.styles import make_styles
from auditor.report.tables import group_rate_table, intersection_table, ratio_table

# Each module builds a full report with charts once (≈ 5–15 s on a loaded 2-core machine).
pytestmark = pytest.mark.slow

HOSTILE = ["<b>bold</b>", '=HYPERLINK("http://evil.example","x")', "A & B", "x" * 70]
REGIONS = [*HOSTILE, "North", "South", "East", "West", "Centre", "Islands"]
SECTORS = ["retail", "farming", "mining", "finance", "public sector"]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    rows = []
    for i, region in enumerate(REGIONS):
        for j, sector in enumerate(SECTORS):
            size = 12 if (i + j) % 7 == 0 else 40 + 5 * i + 3 * j  # some cells below 30
            y = rng.random(size) < 0.3 + 0.04 * i
            yhat = rng.random(size) < 0.25 + 0.05 * j
            rows.append(
                pd.DataFrame(
                    {
                        "region": region,
                        "sector": sector,
                        "y": y.astype(int),
                        "yhat": yhat.astype(int),
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


@pytest.fixture(scope="module")
def document(frame) -> dict:
    return auditor.audit(
        frame, label="y", prediction="yhat", protected=["region", "sector"]
    ).to_dict()


@pytest.fixture(scope="module")
def pages(document) -> list[str]:
    pdf = audit_pdf_bytes(document)  # a LayoutError would be raised here
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def test_fifty_intersection_groups_some_suppressed(document):
    pair = next(b for b in document["breakdowns"] if b["by"] == ["region", "sector"])
    assert len(pair["groups"]) == 50
    assert any("insufficient_data" in g["flags"] for g in pair["groups"])


def test_every_group_name_appears_literally(document, pages):
    text = _squash("\n".join(pages))
    pair = next(b for b in document["breakdowns"] if b["by"] == ["region", "sector"])
    names = [" × ".join(g["key"].values()) for g in pair["groups"]] + REGIONS + SECTORS
    assert [name for name in names if _squash(name) not in text] == []
    # markup was escaped, not interpreted; the formula is text
    assert "<b>bold</b>" in text
    assert _squash('=HYPERLINK("http://evil.example","x")') in text


def test_small_cells_show_suppressed_not_rates(document, pages):
    text = "\n".join(pages)
    pair = next(b for b in document["breakdowns"] if b["by"] == ["region", "sector"])
    small = [g for g in pair["groups"] if "insufficient_data" in g["flags"]]
    assert text.count("suppressed (n < 30)") >= len(small)
    # a suppressed row is followed by its note, not by its rate
    for group in small:
        name = " × ".join(group["key"].values())
        if "x" * 70 in name:
            continue  # the long word is split across lines
        after = _squash(text).rsplit(_squash(name), 1)[1][:40]  # last: the table row
        assert after.startswith(_squash("< 30 suppressed (n < 30)")), (name, after)


def test_intersection_table_splits_with_repeated_header(document, pages):
    pages_with_rows = [
        p
        for p in pages
        if "North × " in p or "Islands × " in p or "South × " in p or "A & B × " in p
    ]
    assert len(pages_with_rows) >= 2
    assert all("region × sector" in p for p in pages_with_rows)


def test_tables_fit_the_frame(document):
    register_fonts()
    styles = make_styles()
    width, height = frame_size()
    builders = [
        lambda b: group_rate_table(b, styles, frame_width=width, private=False, min_group_size=30),
        lambda b: ratio_table(b, styles, frame_width=width),
        lambda b: intersection_table(
            b, styles, frame_width=width, private=False, min_group_size=30
        ),
    ]
    for breakdown in document["breakdowns"]:
        for build in builders:
            table = build(breakdown)
            table_width, _ = table.wrap(width, height)
            assert table_width <= width + 0.01
            for row, widths in zip(
                table._cellvalues, [table._colWidths] * len(table._cellvalues), strict=True
            ):
                for cell, column_width in zip(row, widths, strict=True):
                    if isinstance(cell, Paragraph):
                        cell_width, _ = cell.wrap(column_width - 6, height)
                        assert cell_width <= column_width - 6 + 0.01


def test_hundreds_of_groups_lay_out_without_unreadable_charts():
    rng = np.random.default_rng(1)
    size = 6000  # about 25 rows per zip × sex cell: most are small
    frame = pd.DataFrame(
        {
            "zip": rng.integers(0, 120, size).astype(str),
            "sex": rng.choice(["F", "M"], size),
            "y": rng.integers(0, 2, size),
            "yhat": rng.integers(0, 2, size),
        }
    )
    document = auditor.audit(
        frame, label="y", prediction="yhat", protected=["zip", "sex"]
    ).to_dict()
    reader = pypdf.PdfReader(io.BytesIO(audit_pdf_bytes(document)))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert text.count("Charts omitted: 120 groups") == 1
    assert text.count("Charts omitted: 240 groups") == 1
    assert "… and" in text  # the summary names the first small groups, not hundreds
    assert sum(len(page.images) for page in reader.pages) == 4  # sex: 2 rate + 2 ratio charts
