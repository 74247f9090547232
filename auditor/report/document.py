"""Page layout and the build: running headers, "page X of Y", table of contents, metadata.

Two runs over the same document give the same bytes: ReportLab's ``invariant`` mode fixes the
document ID and internal timestamps, and the creation date written into the metadata is the
audit's own ``created_at``, not the clock.
"""

from __future__ import annotations

import contextlib
import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, NextPageTemplate, PageTemplate
from reportlab.platypus.paragraph import Paragraph

from .fonts import BODY, register_fonts
from .styles import ACCENT, MARGIN, PAGE

__all__ = ["PdfMetadata", "build_pdf", "frame_size", "pdf_date"]

_HEADER_GAP = 10
_BUILD_LOCK = threading.Lock()
_TOC_STYLES = {"H1": 0, "H2": 1}


@dataclass(frozen=True, kw_only=True)
class PdfMetadata:
    title: str
    subject: str
    keywords: Sequence[str]
    header: str
    footer: str
    created_at: str | None
    author: str = "auditor"
    creator: str = "auditor"


def frame_size() -> tuple[float, float]:
    """Width and height of the text frame of a body page."""
    width, height = PAGE
    return width - 2 * MARGIN, height - 2 * MARGIN - 2 * _HEADER_GAP


def pdf_date(created_at: str | None) -> str:
    """A PDF date string from an ISO timestamp (UTC); a fixed epoch when there is none."""
    moment = datetime(2000, 1, 1, tzinfo=UTC)
    if created_at:
        with contextlib.suppress(ValueError):
            moment = datetime.fromisoformat(str(created_at).replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)
    return moment.strftime("D:%Y%m%d%H%M%S+00'00'")


def _canvas_class(meta: PdfMetadata) -> type[Canvas]:
    fixed_date = pdf_date(meta.created_at)

    class NumberedCanvas(Canvas):
        """Defers each page so the footer can say "page X of Y" once Y is known."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.setDateFormatter(lambda *_: fixed_date)
            self._pending_pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - ReportLab's name
            self._pending_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pending_pages)
            for state in self._pending_pages:
                self.__dict__.update(state)
                if self._pageNumber > 1:
                    self.setFont(BODY, 7.5)
                    self.setFillColor(colors.HexColor("#555555"))
                    self.drawRightString(
                        PAGE[0] - MARGIN, MARGIN - 14, f"page {self._pageNumber} of {total}"
                    )
                super().showPage()
            super().save()

    return NumberedCanvas


def _clip(canvas: Canvas, text: str, width: float, size: float) -> str:
    if canvas.stringWidth(text, BODY, size) <= width:
        return text
    while text and canvas.stringWidth(text + "…", BODY, size) > width:
        text = text[:-1]
    return text + "…"


class AuditDocTemplate(BaseDocTemplate):
    """Cover page without decorations, body pages with a running header and footer."""

    def __init__(self, target: Any, *, meta: PdfMetadata) -> None:
        self.meta = meta
        super().__init__(
            target,
            pagesize=PAGE,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN + _HEADER_GAP,
            bottomMargin=MARGIN + _HEADER_GAP,
            title=meta.title,
            author=meta.author,
            subject=meta.subject,
            keywords=list(meta.keywords),
            creator=meta.creator,
            invariant=1,
            initialFontName=BODY,
            lang="en",
        )
        width, height = frame_size()
        frame = Frame(
            MARGIN,
            MARGIN + _HEADER_GAP,
            width,
            height,
            id="body",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        self.addPageTemplates(
            [
                PageTemplate(id="cover", frames=[frame], onPageEnd=self._decorate_cover),
                PageTemplate(id="body", frames=[frame], onPageEnd=self._decorate),
            ]
        )
        self._section = ""
        self._page_section: str | None = None
        self._heading_count = 0
        self._outline_level = -1

    def beforeDocument(self) -> None:  # noqa: N802 - ReportLab's hook
        self._section = ""
        self._page_section = None
        self._heading_count = 0
        self._outline_level = -1

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802 - ReportLab's hook
        """Register H1/H2 headings in the table of contents and the PDF outline."""
        if not isinstance(flowable, Paragraph):
            return
        level = _TOC_STYLES.get(flowable.style.name)
        if level is None:
            return
        text = flowable.getPlainText()
        self._heading_count += 1
        key = f"h{self._heading_count}"
        self.canv.bookmarkPage(key)
        # The outline cannot skip a level (a study without an H1 starts at H2).
        outline_level = min(level, self._outline_level + 1)
        self._outline_level = outline_level
        self.canv.addOutlineEntry(text, key, level=outline_level, closed=outline_level > 0)
        self.notify("TOCEntry", (level, _escape_toc(text), self.page, key))
        if level == 0:
            self._section = text
            if self._page_section is None:
                self._page_section = text

    def _decorate_cover(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setFillColor(ACCENT)
        canvas.rect(0, PAGE[1] - 14, PAGE[0], 14, stroke=0, fill=1)
        canvas.setFont(BODY, 7.5)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(MARGIN, MARGIN - 14, _clip(canvas, self.meta.footer, 300, 7.5))
        canvas.restoreState()
        self._page_section = None

    def _decorate(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        width = PAGE[0] - 2 * MARGIN
        section = self._page_section or self._section
        top = PAGE[1] - MARGIN + 2
        canvas.saveState()
        canvas.setFont(BODY, 7.5)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(MARGIN, top, _clip(canvas, self.meta.header, width * 0.6, 7.5))
        canvas.drawRightString(PAGE[0] - MARGIN, top, _clip(canvas, section, width * 0.38, 7.5))
        canvas.setStrokeColor(ACCENT)
        canvas.setLineWidth(0.6)
        canvas.line(MARGIN, top - 4, PAGE[0] - MARGIN, top - 4)
        canvas.line(MARGIN, MARGIN - 4, PAGE[0] - MARGIN, MARGIN - 4)
        canvas.drawString(MARGIN, MARGIN - 14, _clip(canvas, self.meta.footer, width * 0.7, 7.5))
        canvas.restoreState()
        self._page_section = None


def _escape_toc(text: str) -> str:
    # TableOfContents renders entries as paragraph markup; headings come from data.
    from .text import esc

    return esc(text)


def build_pdf(story: list[Flowable], *, meta: PdfMetadata) -> bytes:
    """Lay out ``story`` (cover first) and return the PDF bytes."""
    register_fonts()
    buffer = io.BytesIO()
    doc = AuditDocTemplate(buffer, meta=meta)
    # Plain Flate streams: ASCII85 on top makes the file 25% larger and encodes slowly in Python.
    # rl_config is process-global, so builds (e.g. two dashboard sessions) take turns.
    with _BUILD_LOCK:
        previous = rl_config.useA85
        rl_config.useA85 = 0
        try:
            doc.multiBuild([NextPageTemplate("body"), *story], canvasmaker=_canvas_class(meta))
        finally:
            rl_config.useA85 = previous
    return buffer.getvalue()
