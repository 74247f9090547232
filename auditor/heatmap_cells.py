"""What a heatmap cell looks like: its fill colour, a text colour legible on it, the worst cell.

Pure data, no chart library: :func:`auditor.charts.intersection_heatmap` draws with these, and the
Vega-Lite colour scale it declares uses the very same stops with RGB interpolation, so the fill
computed here is the fill drawn (a test compares them). The text colour is chosen from the fill's
relative luminance (WCAG 2.x), so every label keeps a contrast of at least 4.5 : 1.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from .findings import not_estimable
from .narrative import VOCABULARIES, Vocabulary, describe_group_comparison, format_rate

__all__ = [
    "ColourBy",
    "SMALL_FILL",
    "clamped_value",
    "colour_stops",
    "contrast_ratio",
    "fill_colour",
    "palette",
    "ratio_extent",
    "text_colour",
    "worst_cell",
    "worst_cell_sentence",
]

ColourBy = Literal["ratio", "rate"]

# Purple (below 1) – near white (1) – orange (above 1): ColorBrewer PuOr, safe for the common
# colour-vision deficiencies and neutral about which direction is "bad" (that depends on the
# metric and on who reads it).
DIVERGING = ("#5e3c99", "#b2abd2", "#f7f7f7", "#fdb863", "#e66101")
# ColorBrewer Blues, for the rate itself (0 → 100 %).
SEQUENTIAL = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
SMALL_FILL = "#ececec"
"""Cells with too few rows, or whose rate cannot be estimated: grey, outside either scale."""

MIN_RATIO_EXTENT = 1.25
MAX_RATIO_EXTENT = 8.0
_BLACK, _WHITE = "#000000", "#ffffff"


def ratio_extent(ratios: Sequence[float | None]) -> float:
    """``m`` for a symmetric log colour domain ``[1/m, m]`` covering the ratios (clamped to
    ``[1.25, 8]``: a tiny cell's 0.01 must not wash out every other colour)."""
    logs = [abs(math.log(r)) for r in ratios if r is not None and _finite(r) and r > 0]
    extent = math.exp(max(logs, default=0.0))
    return min(max(extent, MIN_RATIO_EXTENT), MAX_RATIO_EXTENT)


def colour_stops(colour_by: ColourBy, extent: float = MIN_RATIO_EXTENT) -> list[float]:
    """The domain points matching the palette's colours (piecewise scale)."""
    if colour_by == "rate":
        return [0.0, 0.25, 0.5, 0.75, 1.0]
    if colour_by == "ratio":
        root = math.sqrt(extent)
        return [1 / extent, 1 / root, 1.0, root, extent]
    raise ValueError(f"colour_by must be 'ratio' or 'rate', not {colour_by!r}")


def palette(colour_by: ColourBy) -> tuple[str, ...]:
    return SEQUENTIAL if colour_by == "rate" else DIVERGING


def fill_colour(value: float | None, colour_by: ColourBy, extent: float = MIN_RATIO_EXTENT) -> str:
    """The fill of a cell whose rate (``colour_by="rate"``) or ratio to the reference is
    ``value``, as Vega draws it: piecewise RGB interpolation, log-spaced for ratios, clamped."""
    if value is None or not _finite(value):
        return SMALL_FILL
    stops = colour_stops(colour_by, extent)
    colours = palette(colour_by)
    if colour_by == "ratio":
        value = max(value, stops[0])  # a ratio of 0 takes the end colour
        position, points = math.log(value), [math.log(s) for s in stops]
    else:
        position, points = value, stops
    position = min(max(position, points[0]), points[-1])
    for index in range(len(points) - 1):
        if position <= points[index + 1]:
            span = points[index + 1] - points[index]
            t = 0.0 if span == 0 else (position - points[index]) / span
            return _mix(colours[index], colours[index + 1], t)
    return colours[-1]


def clamped_value(value: float | None, colour_by: ColourBy, extent: float) -> float | None:
    """The value handed to the chart's colour scale: inside the domain (a log scale has no 0)."""
    if value is None or not _finite(value):
        return None
    stops = colour_stops(colour_by, extent)
    return min(max(value, stops[0]), stops[-1])


def text_colour(fill: str) -> str:
    """Black or white, whichever contrasts more with ``fill``."""
    black, white = contrast_ratio(fill, _BLACK), contrast_ratio(fill, _WHITE)
    return _BLACK if black >= white else _WHITE


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    a, b = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def worst_cell(groups: Sequence[Mapping[str, Any]], metric: str) -> Mapping[str, Any] | None:
    """The group whose ``metric`` is furthest from the reference's (largest ``|log ratio|``),
    among groups with enough rows whose rate is estimable; ``None`` when no group qualifies.

    A rate of 0 against a non-zero reference is the largest gap of all.
    """
    best, best_gap = None, -1.0
    for group in groups:
        flags = group.get("flags") or ()
        if group.get("is_reference") or "insufficient_data" in flags or "empty" in flags:
            continue
        if not_estimable(group, metric):
            continue
        ratio = (group.get("ratio_to_reference") or {}).get(metric)
        if ratio is None or not _finite(ratio) or ratio < 0:
            continue
        gap = math.inf if ratio == 0 else abs(math.log(ratio))
        if gap > best_gap and gap > 0:
            best, best_gap = group, gap
    return best


def worst_cell_sentence(
    breakdown: Mapping[str, Any],
    metric: str,
    *,
    vocabulary: Vocabulary = VOCABULARIES["generic"],
) -> str | None:
    """The heatmap's outlined cell in words: which cell, how far from the reference and whether
    its 95% interval rules out chance; ``None`` when no cell qualifies (see :func:`worst_cell`)."""
    groups = breakdown.get("groups") or []
    worst = worst_cell(groups, metric)
    reference = next((g for g in groups if g.get("is_reference")), None)
    if worst is None or reference is None:
        return None
    name = " × ".join(str(v) for v in worst["key"].values())
    comparison = describe_group_comparison(metric, worst, reference, vocabulary=vocabulary)
    if comparison is None:  # a rate of 0: no "N× as often"
        reference_name = " × ".join(str(v) for v in reference["key"].values())
        comparison = (
            f"its rate is {format_rate(worst['metrics'].get(metric))} against "
            f"{format_rate(reference['metrics'].get(metric))} for {reference_name}."
        )
    low, high = ((worst.get("ratio_intervals") or {}).get(metric) or [None, None])[:2]
    if low is not None and high is not None and _finite(low) and _finite(high):
        chance = _chance_words(low, high, inverted=_sentence_inverts(worst, reference, metric))
    else:
        chance = ""
    return f"Largest gap from the reference cell (outlined): {name}. {comparison}{chance}"


def _sentence_inverts(group: Mapping[str, Any], reference: Mapping[str, Any], metric: str) -> bool:
    """Whether the comparison sentence states reference ÷ group (it makes the higher rate its
    subject, so a group below the reference is compared the other way round)."""
    value, ref_value = group["metrics"].get(metric), reference["metrics"].get(metric)
    return value is not None and ref_value is not None and 0 < value < ref_value


def _chance_words(low: float, high: float, *, inverted: bool) -> str:
    """The ratio's 95% interval, for the factor the sentence states: group ÷ reference, or its
    inverse when the sentence is the other way round ("3.7× as often" with the interval of
    0.27× read as 0.13–0.55 would contradict itself)."""
    if inverted:
        low, high = 1 / high if high > 0 else math.inf, 1 / low if low > 0 else math.inf
    shown = f"{low:.2f}–{high:.2f}" if math.isfinite(high) else f"{low:.2f} or more"
    if low <= 1 <= high:
        return f" Its 95% interval for this factor ({shown}) includes 1: this gap could be chance."
    return f" Its 95% interval for this factor ({shown}) excludes 1."


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _rgb(colour: str) -> tuple[int, int, int]:
    text = colour.lstrip("#")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def _mix(first: str, second: str, t: float) -> str:
    a, b = _rgb(first), _rgb(second)
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b, strict=True))


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b
