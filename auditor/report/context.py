"""What every section builder needs: the document, styles, frame size, wording."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reportlab.platypus import Paragraph

from ..narrative import VOCABULARIES, Vocabulary
from ..vocabulary import vocabulary_from_dict
from .document import frame_size
from .errors import ReportError
from .fonts import register_fonts
from .styles import Styles, make_styles
from .text import esc

__all__ = ["ReportContext", "new_context", "resolve_vocabulary"]

UNKNOWN_VOCABULARY = "vocabulary {name!r} is not known: use one of {known} or pass a Vocabulary"


def resolve_vocabulary(vocabulary: str | Vocabulary | None) -> Vocabulary:
    """A :class:`~auditor.narrative.Vocabulary` from a name in ``VOCABULARIES`` or an instance."""
    if vocabulary is None:
        return VOCABULARIES["generic"]
    if isinstance(vocabulary, Vocabulary):
        return vocabulary
    if vocabulary not in VOCABULARIES:
        raise ReportError(UNKNOWN_VOCABULARY.format(name=vocabulary, known=", ".join(VOCABULARIES)))
    return VOCABULARIES[vocabulary]


@dataclass(frozen=True, kw_only=True)
class ReportContext:
    document: Mapping[str, Any]
    styles: Styles
    frame_width: float
    frame_height: float
    vocabulary: Vocabulary
    charts: bool = True

    @property
    def private(self) -> bool:
        return (self.document.get("privacy") or {}).get("mode") == "dp"

    @property
    def min_group_size(self) -> int:
        return int((self.document.get("options") or {}).get("min_group_size", 30))

    def p(self, text: str, style: str = "body") -> Paragraph:
        """A paragraph of trusted markup (callers escape data with :func:`esc`)."""
        return Paragraph(text, getattr(self.styles, style))

    def plain(self, text: Any, style: str = "body") -> Paragraph:
        """A paragraph of untrusted text, printed literally."""
        return Paragraph(esc(text), getattr(self.styles, style))

    def heading(self, text: str, level: int = 1) -> Paragraph:
        """A section heading (escaped); H1 and H2 go into the table of contents."""
        return Paragraph(esc(text), (self.styles.h1, self.styles.h2, self.styles.h3)[level - 1])

    def bullet(self, markup: str) -> Paragraph:
        return Paragraph(markup, self.styles.bullet, bulletText="•")


def document_vocabulary(
    document: Mapping[str, Any], vocabulary: str | Vocabulary | None = None
) -> Vocabulary:
    """The words a report uses: the ones asked for, else the audit's own (its ``vocabulary``,
    named by the user at mapping time), else the generic words."""
    if vocabulary is not None and vocabulary != "generic":
        return resolve_vocabulary(vocabulary)
    own = document.get("vocabulary")
    return vocabulary_from_dict(own) if own else resolve_vocabulary(vocabulary)


def new_context(
    document: Mapping[str, Any], *, vocabulary: str | Vocabulary | None, charts: bool
) -> ReportContext:
    """The context for one report: fonts registered, styles made, the page's frame measured."""
    register_fonts()
    width, height = frame_size()
    return ReportContext(
        document=document,
        styles=make_styles(),
        frame_width=width,
        frame_height=height,
        vocabulary=document_vocabulary(document, vocabulary),
        charts=charts,
    )
