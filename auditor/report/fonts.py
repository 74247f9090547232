"""Register the embedded TrueType fonts (DejaVu Sans, from Debian's ``fonts-dejavu-core``).

The PDF embeds its fonts so any viewer shows the same glyphs (× ≥ ≤ ε δ − included) and the text
stays searchable. Nothing is bundled: a missing font raises :class:`FontMissingError` naming the
package to install.
"""

from __future__ import annotations

import os
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from .errors import FontMissingError

__all__ = ["BODY", "BOLD", "FONT_DIR_ENV", "ITALIC", "font_directory", "register_fonts"]

FONT_DIR_ENV = "AUDITOR_FONT_DIR"
"""Environment variable that overrides the font directory."""

_DEFAULT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/local/share/fonts/dejavu",
)
_FILES = {
    "DejaVuSans": "DejaVuSans.ttf",
    "DejaVuSans-Bold": "DejaVuSans-Bold.ttf",
    "DejaVuSans-Oblique": "DejaVuSans-Oblique.ttf",
    "DejaVuSans-BoldOblique": "DejaVuSans-BoldOblique.ttf",
}
BODY, BOLD, ITALIC = "DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique"

MISSING_FONT = (
    "the PDF report embeds the DejaVu Sans TrueType font, but {path} does not exist; install "
    "Debian's fonts-dejavu-core package (apt-get install fonts-dejavu-core) or set "
    f"{FONT_DIR_ENV} to a directory that holds DejaVuSans.ttf"
)


def font_directory() -> Path:
    """The directory holding ``DejaVuSans.ttf`` (``$AUDITOR_FONT_DIR`` first)."""
    override = os.environ.get(FONT_DIR_ENV)
    candidates = (override,) if override else _DEFAULT_DIRS
    for directory in candidates:
        if (Path(directory) / _FILES[BODY]).is_file():
            return Path(directory)
    raise FontMissingError(MISSING_FONT.format(path=Path(candidates[0]) / _FILES[BODY]))


def register_fonts() -> Path:
    """Register DejaVu Sans (regular, bold, oblique, bold oblique) with ReportLab; idempotent."""
    directory = font_directory()
    registered = set(pdfmetrics.getRegisteredFontNames())
    for name, filename in _FILES.items():
        if name in registered:
            continue
        path = directory / filename
        if not path.is_file():
            raise FontMissingError(MISSING_FONT.format(path=path))
        pdfmetrics.registerFont(TTFont(name, str(path)))
    addMapping(BODY, 0, 0, BODY)
    addMapping(BODY, 1, 0, BOLD)
    addMapping(BODY, 0, 1, ITALIC)
    addMapping(BODY, 1, 1, "DejaVuSans-BoldOblique")
    return directory
