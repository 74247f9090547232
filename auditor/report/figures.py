"""Render the dashboard's Altair charts (``auditor.charts``) into the PDF.

The specs are converted with vl-convert to PNG at 3× scale and embedded as images. Why PNG and
not vector: ReportLab can only place another PDF's page (``vegalite_to_pdf``) through pdfrw or
svglib, neither of which is a dependency; a 3× PNG prints sharply (≈ 216 dpi at the size used),
renders byte-identically for the same spec (so the report stays deterministic), and every figure
in a chart is also printed in a table next to it, so no number is only inside a picture.
"""

from __future__ import annotations

import io
import json
from functools import lru_cache
from typing import Any

import altair as alt
import vl_convert
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Image

from ..textsafety import visible
from .fonts import font_directory

__all__ = ["CHART_SCALE", "chart_image", "chart_png", "clear_chart_cache"]

CHART_SCALE = 2
_PX_TO_PT = 0.75  # a Vega pixel is a CSS pixel: 1/96 in = 0.75 pt
_fonts_registered = False


def _register_chart_fonts() -> None:
    global _fonts_registered
    if not _fonts_registered:
        vl_convert.register_font_directory(str(font_directory()))
        _fonts_registered = True


def _xml_safe(value: Any) -> Any:
    """Every string of a spec with XML-forbidden characters made visible, backslashes replaced.

    vl-convert lays text out through an SVG parser that panics on such characters (a vertical
    tab, ESC or U+FFFE in a group name), and the panic aborts the process. Vega-Lite copies some
    titles (tooltip keys) into expression strings, where a backslash starts an escape: the
    four characters ``\x0b`` in a column name become a vertical tab again. So a backslash is
    drawn as the look-alike U+29F5 (⧵); the charts' own specs use none.
    """
    if isinstance(value, str):
        return visible(value).replace("\\", "\u29f5")
    if isinstance(value, dict):
        return {_xml_safe(k): _xml_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_xml_safe(v) for v in value]
    return value


def chart_png(chart: alt.TopLevelMixin | dict[str, Any], *, scale: int = CHART_SCALE) -> bytes:
    """PNG bytes of an Altair chart (or a Vega-Lite dict), drawn in DejaVu Sans."""
    spec = chart if isinstance(chart, dict) else chart.to_dict(validate=False)
    spec = _xml_safe(spec)
    spec = {**spec, "config": {**spec.get("config", {}), "font": "DejaVu Sans"}}
    return _render(json.dumps(spec, sort_keys=True, default=str), scale)


@lru_cache(maxsize=64)
def _render(spec_json: str, scale: int) -> bytes:
    # Cached by spec: the dashboard's download button rebuilds the same report repeatedly.
    _register_chart_fonts()
    return vl_convert.vegalite_to_png(json.loads(spec_json), scale=scale)


def clear_chart_cache() -> None:
    """Forget rendered charts (tests use it to render from scratch)."""
    _render.cache_clear()


def chart_image(
    chart: alt.TopLevelMixin | dict[str, Any], *, max_width: float, max_height: float
) -> Image:
    """A ReportLab Image of the chart at its natural size, shrunk to fit the given box."""
    png = chart_png(chart)
    width_px, height_px = ImageReader(io.BytesIO(png)).getSize()
    width = width_px / CHART_SCALE * _PX_TO_PT
    height = height_px / CHART_SCALE * _PX_TO_PT
    shrink = min(1.0, max_width / width, max_height / height)
    image = Image(io.BytesIO(png), width=width * shrink, height=height * shrink)
    image.hAlign = "LEFT"
    return image
