"""Paragraph styles and page geometry of the report."""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm

from .fonts import BODY, BOLD, ITALIC

__all__ = ["ACCENT", "MARGIN", "PAGE", "Styles", "make_styles"]

PAGE = A4
MARGIN = 16 * mm
ACCENT = colors.HexColor("#1f4e79")
GRID = colors.HexColor("#b7b7b7")
HEADER_FILL = colors.HexColor("#dde6ef")
SUPPRESSED_FILL = colors.HexColor("#f0f0f0")
FAIL = colors.HexColor("#a61b1b")
PASS = colors.HexColor("#1d6b2f")


@dataclass(frozen=True)
class Styles:
    title: ParagraphStyle
    subtitle: ParagraphStyle
    h1: ParagraphStyle
    h2: ParagraphStyle
    h3: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle
    bullet: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle
    cell_right: ParagraphStyle
    head: ParagraphStyle
    caption: ParagraphStyle
    note: ParagraphStyle
    verdict: ParagraphStyle
    toc: tuple[ParagraphStyle, ...]


def make_styles() -> Styles:
    """Fresh styles (DejaVu Sans must already be registered)."""
    body = ParagraphStyle(
        "Body", fontName=BODY, fontSize=9.5, leading=13, alignment=TA_LEFT, spaceAfter=5
    )
    cell = ParagraphStyle("Cell", fontName=BODY, fontSize=7.5, leading=9.2, splitLongWords=1)
    styles = Styles(
        title=ParagraphStyle(
            "Title", fontName=BOLD, fontSize=24, leading=29, textColor=ACCENT, spaceAfter=10
        ),
        subtitle=ParagraphStyle("Subtitle", fontName=BODY, fontSize=13, leading=17, spaceAfter=16),
        h1=ParagraphStyle(
            "H1",
            fontName=BOLD,
            fontSize=15,
            leading=19,
            textColor=ACCENT,
            spaceBefore=4,
            spaceAfter=8,
            keepWithNext=1,
        ),
        h2=ParagraphStyle(
            "H2",
            fontName=BOLD,
            fontSize=11.5,
            leading=15,
            spaceBefore=10,
            spaceAfter=5,
            keepWithNext=1,
        ),
        h3=ParagraphStyle(
            "H3",
            fontName=BOLD,
            fontSize=9.5,
            leading=12,
            spaceBefore=6,
            spaceAfter=3,
            keepWithNext=1,
        ),
        body=body,
        small=ParagraphStyle("Small", parent=body, fontSize=8, leading=10.5),
        bullet=ParagraphStyle("Bullet", parent=body, leftIndent=12, bulletIndent=2, spaceAfter=3),
        cell=cell,
        cell_bold=ParagraphStyle("CellBold", parent=cell, fontName=BOLD),
        cell_right=ParagraphStyle("CellRight", parent=cell, alignment=2),
        head=ParagraphStyle("Head", parent=cell, fontName=BOLD),
        caption=ParagraphStyle(
            "Caption",
            parent=body,
            fontName=ITALIC,
            fontSize=8,
            leading=10,
            textColor=colors.HexColor("#444444"),
            spaceAfter=8,
        ),
        note=ParagraphStyle(
            "Note",
            parent=body,
            fontName=ITALIC,
            fontSize=8,
            leading=10,
            textColor=colors.HexColor("#444444"),
            spaceAfter=3,
            keepWithNext=1,
        ),
        verdict=ParagraphStyle(
            "Verdict",
            parent=body,
            fontName=BOLD,
            fontSize=11,
            leading=15,
            borderPadding=6,
            borderWidth=0.8,
            borderColor=ACCENT,
            backColor=colors.HexColor("#f3f6f9"),
            spaceBefore=6,
            spaceAfter=12,
        ),
        toc=(
            ParagraphStyle(
                "TOC1", fontName=BOLD, fontSize=10.5, leading=15, leftIndent=8, firstLineIndent=-8
            ),
            ParagraphStyle(
                "TOC2", fontName=BODY, fontSize=9.5, leading=13, leftIndent=24, firstLineIndent=-8
            ),
        ),
    )
    # ReportLab's default bullet font is Helvetica (not embedded): use DejaVu everywhere.
    for value in vars(styles).values():
        for style in value if isinstance(value, tuple) else (value,):
            style.bulletFontName = BODY
    return styles
