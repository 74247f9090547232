"""Altair chart specifications, built from the audit document (``AuditResult.to_dict()``).

The dashboard draws these and the PDF renders the very same specs (via vl-convert), so a
figure means the same thing everywhere. Functions take plain dicts and return ``alt.Chart``.

Names from the data are data here: a chart's fields are internal names (``group``,
``attribute_0``, …), never the data's column names, and encodings are built with explicit
``field=``/``type=`` rather than shorthand strings (Altair parses ``"a:b"`` in a shorthand as a
field and a type, and Vega-Lite reads ``.`` and ``[`` in a field as nested access). Column names
and group values reach the chart only as values and as titles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import pandas as pd

from . import heatmap_cells
from .chart_building import layered, with_properties, with_title_config
from .findings import not_estimable
from .heatmap_cells import (
    SMALL_FILL,
    ColourBy,
    colour_stops,
    fill_colour,
    palette,
    ratio_extent,
    text_colour,
    worst_cell,
)
from .vocabulary import metric_label

__all__ = [
    "BAND",
    "baseline_tradeoff_chart",
    "calibration_chart",
    "calibration_counts_chart",
    "GROUP_PALETTE",
    "group_colours",
    "attribute_field",
    "disparity_chart",
    "group_frame",
    "intersection_heatmap",
    "rate_chart",
    "ratio_ticks",
    "roc_chart",
    "sized_for_page",
]

BAND = (0.8, 1.25)
"""A visual guide on ratio charts: ratios to the reference within a factor of 1.25. It is not a
verdict; the four-fifths rule compares selection rates with the *highest* rate (impact ratios)."""

_RATIO_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 0.8, 1.0, 1.25, 2.0, 4.0, 5.0, 10.0)
_RATIO_TICKS += (20.0, 50.0, 100.0)
_FINE_RATIO_TICKS = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0)


def ratio_ticks(low: float, high: float) -> list[float]:
    """Tick values for a log-scale ratio axis over ``[low, high]``: the band's edges, 1, and
    round ratios, finer on a narrow axis — each labelled. (Left to Vega, a narrow log domain
    dropped labels.)"""
    candidates = _FINE_RATIO_TICKS if high / low <= 4 else _RATIO_TICKS
    return [tick for tick in candidates if low <= tick <= high]


_REFERENCE_COLOUR = "#7f7f7f"
_GROUP_COLOUR = "#1f4e79"
_SMALL_COLOUR = "#c9c9c9"


def _expression_safe(title: Any) -> str:
    """A title Vega-Lite copies into an expression string (tooltip keys): no backslash escapes."""
    return str(title).replace("\\", "\u29f5")


def _capitalised(text: str) -> str:
    """First letter upper case, the rest as written ("Approved (selection rate)")."""
    return text[:1].upper() + text[1:]


def _label(key: Mapping[str, str]) -> str:
    return " × ".join(str(v) for v in key.values())


def attribute_field(position: int) -> str:
    """The internal field name of the breakdown's ``position``-th attribute in :func:`group_frame`."""
    return f"attribute_{position}"


def group_frame(breakdown: Mapping[str, Any], metric: str) -> pd.DataFrame:
    """One row per group: label, n, value, interval, ratio (with interval), status flags.

    The group's value of the breakdown's i-th attribute is in column ``attribute_i``
    (:func:`attribute_field`), whatever the attribute is called in the data.
    """
    return pd.DataFrame(group_rows(breakdown, metric))


def group_rows(breakdown: Mapping[str, Any], metric: str) -> list[dict[str, Any]]:
    """:func:`group_frame`'s rows as plain dicts (``None`` where a figure is missing)."""
    rows = []
    for group in breakdown["groups"]:
        interval = group.get("intervals", {}).get(metric) or [None, None]
        ratio_interval = group.get("ratio_intervals", {}).get(metric) or [None, None]
        flags = group.get("flags", [])
        small = "insufficient_data" in flags or "empty" in flags
        rows.append(
            {
                "group": _label(group["key"]),
                **{attribute_field(i): str(v) for i, v in enumerate(group["key"].values())},
                "n": group.get("n"),
                "value": group["metrics"].get(metric),
                "lower": interval[0],
                "upper": interval[1],
                "ratio": group.get("ratio_to_reference", {}).get(metric),
                "ratio_lower": ratio_interval[0],
                "ratio_upper": ratio_interval[1],
                "not_estimable": not_estimable(group, metric),
                "is_reference": bool(group.get("is_reference")),
                "small": small,
                "status": "reference"
                if group.get("is_reference")
                else ("insufficient data" if small else "group"),
            }
        )
    return rows


def _inline(rows: list[dict[str, Any]]) -> alt.InlineData:
    """Rows given to Vega-Lite as they are: they hold only text, numbers, booleans and
    ``None``, so Altair has nothing to convert (a DataFrame is sanitised column by column on
    every draw, for each layer that holds it)."""
    return alt.InlineData(values=rows)


def _status_colour() -> alt.Color:
    return alt.Color(
        "status:N",
        scale=alt.Scale(
            domain=["group", "reference", "insufficient data"],
            range=[_GROUP_COLOUR, _REFERENCE_COLOUR, _SMALL_COLOUR],
        ),
        legend=alt.Legend(title=None, orient="bottom"),
    )


def rate_chart(
    breakdown: Mapping[str, Any], metric: str, *, width: int = 480, vocabulary: Any = None
) -> alt.Chart:
    """Horizontal bars of ``metric`` per group with interval error bars (named in the
    ``vocabulary``'s words when given: "approved (selection rate)")."""
    name = metric_label(metric, vocabulary)
    # rates a private release's noise swamps ("not estimable at this ε") are left out, as
    # undefined rates are: a noisy rate can even fall below 0
    rows = [
        row
        for row in group_rows(breakdown, metric)
        if row["value"] is not None and not row["not_estimable"]
    ]
    title = f"{_capitalised(name)} by {' × '.join(breakdown['by'])}"
    # The layers get their data from the layer (``layered(..., data=rows)``): the same spec
    # as layering charts that each hold the rows, without Altair hashing them per layer.
    base = alt.Chart().encode(y=alt.Y("group:N", sort=None, title=None))
    bars = base.mark_bar().encode(
        x=alt.X(
            "value:Q",
            title=name,
            scale=alt.Scale(domain=[0, 1]),
            axis=alt.Axis(format="%"),
        ),
        color=_status_colour(),
        tooltip=[
            alt.Tooltip("group:N"),
            alt.Tooltip("n:Q", format=",.0f"),
            alt.Tooltip("value:Q", format=".1%", title=metric),
            alt.Tooltip("lower:Q", format=".1%", title="95% lower"),
            alt.Tooltip("upper:Q", format=".1%", title="95% upper"),
        ],
    )
    errors = base.mark_errorbar(ticks=True, color="black").encode(
        x=alt.X("lower:Q", title=name), x2=alt.X2("upper:Q")
    )
    return layered(
        bars, errors, data=_inline(rows), title=title, width=width, height=max(60, 22 * len(rows))
    )


def disparity_chart(
    breakdown: Mapping[str, Any], metric: str, *, width: int = 480, vocabulary: Any = None
) -> alt.Chart:
    """Each group's ratio to the reference (log scale) with its interval and the 0.8–1.25 band."""
    rows = [
        row
        for row in group_rows(breakdown, metric)
        if _positive(row["ratio"]) and not row["not_estimable"]
    ]
    reference = ", ".join(f"{k}={v}" for k, v in breakdown["reference"].items())
    title = f"{_capitalised(metric_label(metric, vocabulary))}: ratio to reference ({reference})"
    values = [BAND[0], BAND[1], *(row["ratio"] for row in rows)]
    values += [row["ratio_lower"] for row in rows if _positive(row["ratio_lower"])]
    values += [row["ratio_upper"] for row in rows if _known(row["ratio_upper"])]
    domain = [min(values) * 0.9, max(values) * 1.1]
    band = (
        alt.Chart(_inline([{"low": BAND[0], "high": BAND[1]}]))
        .mark_rect(color="#d9ead3", opacity=0.7)
        .encode(
            x=alt.X("low:Q", scale=alt.Scale(type="log", domain=domain, nice=False)),
            x2=alt.X2("high:Q"),
        )
    )
    one = (
        alt.Chart(_inline([{"x": 1.0}]))
        .mark_rule(color="black", strokeDash=[4, 3])
        .encode(x=alt.X("x:Q"))
    )
    # An explicit order: layers hold different subsets of groups, and sort=None would list the
    # reference (which has no interval) last; keep the table's order instead.
    base = alt.Chart(_inline(rows)).encode(
        y=alt.Y("group:N", sort=[row["group"] for row in rows], title=None)
    )
    points = base.mark_point(filled=True, size=80).encode(
        x=alt.X(
            "ratio:Q",
            title=f"ratio to reference (log scale; band {BAND[0]}–{BAND[1]})",
            scale=alt.Scale(type="log", domain=domain, nice=False),
            axis=alt.Axis(values=ratio_ticks(*domain), format="~g", labelOverlap=False),
        ),
        color=_status_colour(),
        tooltip=[
            alt.Tooltip("group:N"),
            alt.Tooltip("ratio:Q", format=".2f"),
            alt.Tooltip("ratio_lower:Q", format=".2f", title="95% lower"),
            alt.Tooltip("ratio_upper:Q", format=".2f", title="95% upper"),
            alt.Tooltip("n:Q", format=",.0f"),
        ],
    )
    errors = (
        base.transform_filter("datum.ratio_lower > 0")
        .mark_rule(color="black")
        .encode(x=alt.X("ratio_lower:Q"), x2=alt.X2("ratio_upper:Q"))
    )
    return layered(
        band, one, errors, points, title=title, width=width, height=max(60, 22 * len(rows))
    )


def _known(value: Any) -> bool:
    """Whether a figure of the document is there (not ``None``, not NaN)."""
    return value is not None and not _is_nan(value)


def _positive(value: Any) -> bool:
    return _known(value) and value > 0


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and value != value


def _cell_text(value: Any, *, small: bool, suppress_small: bool, not_estimable: bool) -> str:
    """A heatmap cell's label, in the words the tables use."""
    if small and suppress_small:
        return "suppressed"
    if not_estimable:
        return "not estimable"  # a private release: the noise swamps the rate at this ε
    text = "n/a" if value is None or pd.isna(value) else f"{100 * value:.0f}%"
    return text + (" *" if small else "")


def _ratio_text(ratio: Any, *, is_reference: bool, hidden: bool) -> str:
    """A heatmap cell's second line: its ratio to the reference cell."""
    if is_reference:
        return "reference"
    if hidden or ratio is None or pd.isna(ratio):
        return ""
    return f"{ratio:.2f}×"


_LEGEND_RATIOS = (0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
_GREY_INK = "#4d4d4d"


def _heatmap_column_step(frame: pd.DataFrame, field: str) -> int:
    """Pixels per column: wide enough for the longest column label and a cell's text."""
    longest = max((len(str(v)) for v in frame[field]), default=0)
    return int(min(180, max(96, 7 * longest + 20)))


def intersection_heatmap(
    breakdown: Mapping[str, Any],
    metric: str,
    *,
    colour_by: ColourBy = "ratio",
    suppress_small: bool = False,
    row_height: int = 46,
    vocabulary: Any = None,
) -> alt.Chart:
    """Heatmap of ``metric`` over a pair of attributes, sized so every label is readable.

    Cells are coloured by their ratio to the reference cell (``colour_by="ratio"``: a diverging
    log scale centred at 1) or by the rate itself (``"rate"``); each label is black or white,
    whichever contrasts more with its cell (:mod:`auditor.heatmap_cells`). The cell furthest from
    the reference among those with enough data is outlined in black. Cells with too few rows or
    a rate that cannot be estimated are grey with a dashed border, outside the colour scale.
    Without any ratio in the breakdown the cells are coloured by the rate. ``vocabulary`` names
    the metric in the user's words, as :func:`rate_chart` does.

    With ``suppress_small`` (the PDF) the rates of small or empty cells are not shown at all:
    such a cell is left blank and labelled "suppressed".
    """
    if len(breakdown["by"]) != 2:
        raise ValueError(f"a heatmap needs a pair of attributes, not {breakdown['by']}")
    if colour_by not in ("ratio", "rate"):
        raise ValueError(f"colour_by must be 'ratio' or 'rate', not {colour_by!r}")
    first, second = breakdown["by"]
    frame = group_frame(breakdown, metric)
    if suppress_small:
        for column in ("value", "lower", "upper", "ratio", "n"):
            frame[column] = frame[column].astype(float).where(~frame["small"])
    grey = frame["small"] | frame["not_estimable"]
    frame["text"] = [
        _cell_text(v, small=small, suppress_small=suppress_small, not_estimable=unknown)
        for v, small, unknown in zip(
            frame["value"], frame["small"], frame["not_estimable"], strict=True
        )
    ]
    frame["ratio_text"] = [
        _ratio_text(r, is_reference=ref, hidden=hidden)
        for r, ref, hidden in zip(frame["ratio"], frame["is_reference"], grey, strict=True)
    ]
    coloured = frame["ratio"] if colour_by == "ratio" else frame["value"]
    if colour_by == "ratio" and coloured[~grey].dropna().empty:
        colour_by, coloured = "rate", frame["value"]
    extent = ratio_extent(frame.loc[~grey, "ratio"].dropna().tolist())
    frame["colour_value"] = [
        None if hidden else heatmap_cells.clamped_value(v, colour_by, extent)
        for v, hidden in zip(coloured, grey, strict=True)
    ]
    frame["fill"] = [
        SMALL_FILL if v is None else fill_colour(v, colour_by, extent)
        for v in frame["colour_value"]
    ]
    frame["ink"] = [
        _GREY_INK if hidden else text_colour(fill)
        for fill, hidden in zip(frame["fill"], grey, strict=True)
    ]
    frame["grey"] = grey
    worst = worst_cell(breakdown["groups"], metric)
    frame["worst"] = [
        worst is not None and label == _label(worst["key"]) for label in frame["group"]
    ]

    first_field, second_field = attribute_field(0), attribute_field(1)
    step = _heatmap_column_step(frame, second_field)
    base = alt.Chart().encode(  # the data is the layer's (see rate_chart)
        x=alt.X(
            field=second_field,
            type="nominal",
            title=str(second),
            axis=alt.Axis(orient="top", labelAngle=0, labelLimit=step - 6, labelFontSize=12),
        ),
        y=alt.Y(
            field=first_field,
            type="nominal",
            title=str(first),
            axis=alt.Axis(labelLimit=220, labelFontSize=12),
        ),
    )
    stops = colour_stops(colour_by, extent)
    if colour_by == "ratio":
        scale = alt.Scale(
            type="log", domain=stops, range=list(palette("ratio")), interpolate="rgb", clamp=True
        )
        legend = alt.Legend(
            title="ratio to the reference cell (log scale)",
            titleLimit=0,
            values=[
                t
                for t in (_LEGEND_RATIOS if extent > 2.5 else _FINE_RATIO_TICKS)
                if stops[0] <= t <= stops[-1]
            ],
            format="~g",
            gradientLength=220,
        )
    else:
        scale = alt.Scale(domain=stops, range=list(palette("rate")), interpolate="rgb", clamp=True)
        legend = alt.Legend(
            title=metric_label(metric, vocabulary), titleLimit=0, format="%", gradientLength=220
        )
    tooltip = [
        alt.Tooltip(field=first_field, type="nominal", title=_expression_safe(first)),
        alt.Tooltip(field=second_field, type="nominal", title=_expression_safe(second)),
        alt.Tooltip("n:Q", format=",.0f", title="rows"),
        alt.Tooltip(
            "value:Q", format=".1%", title=_expression_safe(metric_label(metric, vocabulary))
        ),
        alt.Tooltip("ratio:Q", format=".2f", title="ratio to the reference cell"),
    ]
    cells = (
        base.transform_filter("!datum.grey")
        .mark_rect(stroke="white", strokeWidth=2)
        .encode(
            color=alt.Color(field="colour_value", type="quantitative", scale=scale, legend=legend),
            tooltip=tooltip,
        )
    )
    small = (
        base.transform_filter("datum.grey")
        .mark_rect(fill=SMALL_FILL, stroke="#8c8c8c", strokeDash=[4, 3], strokeWidth=1)
        .encode(tooltip=tooltip)
    )
    outline = (
        base.transform_filter("datum.worst")
        .mark_rect(fillOpacity=0, stroke="black", strokeWidth=4)
        .encode(tooltip=tooltip)
    )
    ink = alt.Fill(field="ink", type="nominal", scale=None)
    rate_labels = base.mark_text(fontSize=13, fontWeight="bold", baseline="bottom", dy=-1).encode(
        text=alt.Text(field="text", type="nominal"), fill=ink
    )
    ratio_labels = base.mark_text(fontSize=11, baseline="top", dy=3).encode(
        text=alt.Text(field="ratio_text", type="nominal"), fill=ink
    )
    how = "ratio to the reference cell" if colour_by == "ratio" else "rate"
    notes = [f"colour: {how}"]
    if worst is not None:
        notes.append("black outline: the largest gap from the reference cell")
    notes.append(
        "grey dashed: suppressed (too few rows)"
        if suppress_small
        else "grey dashed, *: too few rows or not estimable"
    )
    return layered(
        cells,
        small,
        outline,
        rate_labels,
        ratio_labels,
        data=frame,
        title=alt.TitleParams(
            f"{_capitalised(metric_label(metric, vocabulary))} by {first} × {second}",
            subtitle="; ".join(notes),
        ),
        width=alt.Step(step),
        height=alt.Step(row_height),
    )


def roc_chart(
    curves: pd.DataFrame,
    *,
    group_field: str = "group",
    width: int = 360,
    points: pd.DataFrame | None = None,
    colours: alt.Scale | None = None,
) -> alt.Chart:
    """ROC curves per group from a frame with columns ``group``, ``fpr``, ``tpr``.

    ``points`` (same columns) marks each group's operating point at the current threshold;
    ``colours`` (:func:`group_colours`) keeps each group's colour the same across charts.
    """
    diagonal = (
        alt.Chart(pd.DataFrame({"x": [0, 1], "y": [0, 1]}))
        .mark_line(color="grey", strokeDash=[4, 3])
        .encode(x=alt.X("x:Q"), y=alt.Y("y:Q"))
    )
    colour = alt.Color(
        field=group_field, type="nominal", title=None, scale=colours or alt.Undefined
    )
    lines = (
        alt.Chart(curves)
        .mark_line(interpolate="step-after")
        .encode(
            x=alt.X("fpr:Q", title="false positive rate", scale=alt.Scale(domain=[0, 1])),
            y=alt.Y("tpr:Q", title="true positive rate", scale=alt.Scale(domain=[0, 1])),
            color=colour,
        )
    )
    layers = [diagonal, lines]
    title: str | alt.TitleParams = "ROC by group"
    if points is not None and len(points):
        layers.append(
            alt.Chart(points)
            .mark_point(shape="diamond", size=120, filled=True, stroke="black", strokeWidth=1)
            .encode(
                x=alt.X("fpr:Q"),
                y=alt.Y("tpr:Q"),
                color=colour,
                tooltip=[
                    alt.Tooltip(field=group_field, type="nominal", title="group"),
                    alt.Tooltip("fpr:Q", format=".1%", title="false positive rate"),
                    alt.Tooltip("tpr:Q", format=".1%", title="true positive rate"),
                ],
            )
        )
        title = alt.TitleParams("ROC by group", subtitle="◆ each group at the current threshold")
    return layered(*layers, title=title, width=width, height=width)


GROUP_PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#000000",
    "#8C6D31",
    "#7F7F7F",
    "#B8A000",
    "#6A3D9A",
    "#A50026",
)
"""Group colours (Okabe–Ito first, then darker distinct hues): every one readable as a line on
white and none a lighter shade of another, unlike the theme's paired light/dark palette."""


def group_colours(groups: Sequence[str]) -> alt.Scale:
    """One fixed colour per group, in the given order: pass the same scale to every chart of a
    page so a group keeps its colour (beyond 12 groups the colours repeat)."""
    names = list(dict.fromkeys(str(g) for g in groups))
    repeated = [GROUP_PALETTE[i % len(GROUP_PALETTE)] for i in range(max(1, len(names)))]
    return alt.Scale(domain=names, range=repeated)


def _calibration_frame(groups: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    rows = []
    for group in groups:
        name = _label(group["key"]) or "all"
        for b in group["calibration"]:
            lower, upper = b.get("lower"), b.get("upper")
            rows.append(
                {
                    "group": name,
                    "mean_score": b["mean_score"],
                    "observed_rate": b["observed_rate"],
                    "n": b["n"],
                    "lower": lower,
                    "bin": f"{lower:.3g}" if lower == upper else f"{lower:.3g}–{upper:.3g}",
                }
            )
    return pd.DataFrame(rows, columns=["group", "mean_score", "observed_rate", "n", "lower", "bin"])


def calibration_chart(
    groups: Sequence[Mapping[str, Any]],
    *,
    width: int = 360,
    colours: alt.Scale | None = None,
) -> alt.Chart:
    """Observed positive rate against mean score per bin, one line per group (score dicts).

    Each point's area shows how many people its bin holds (also in the tooltip). When every
    score lies in [0, 1] the scores are read as probabilities and the line y = x (a perfectly
    calibrated score) is drawn; on another scale (deciles, points) there is no such line.
    """
    frame = _calibration_frame(groups)
    probabilities = bool(len(frame)) and frame["mean_score"].between(0, 1).all()
    colour = alt.Color(field="group", type="nominal", title=None, scale=colours or alt.Undefined)
    lines = (
        alt.Chart(frame)
        .mark_line()
        .encode(
            x=alt.X(
                "mean_score:Q",
                title="mean score in bin",
                scale=alt.Scale(domain=[0, 1]) if probabilities else alt.Undefined,
            ),
            y=alt.Y(
                "observed_rate:Q",
                title="observed positive rate",
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            color=colour,
        )
    )
    points = lines.mark_point(filled=True, opacity=0.85).encode(
        size=alt.Size(
            "n:Q",
            title="people in bin",
            scale=alt.Scale(range=[15, 350]),
            legend=alt.Legend(orient="bottom", format=",.0f"),
        ),
        tooltip=[
            alt.Tooltip(field="group", type="nominal"),
            alt.Tooltip("bin:N", title="score bin"),
            alt.Tooltip("mean_score:Q", format=".3f"),
            alt.Tooltip("observed_rate:Q", format=".1%"),
            alt.Tooltip("n:Q", format=",.0f", title="people in bin"),
        ],
    )
    layers = [lines, points]
    subtitle = "point area: people in the bin"
    if probabilities:
        diagonal = (
            alt.Chart(pd.DataFrame({"x": [0.0, 1.0], "y": [0.0, 1.0]}))
            .mark_line(color="grey", strokeDash=[4, 3])
            .encode(x=alt.X("x:Q"), y=alt.Y("y:Q"))
        )
        layers.insert(0, diagonal)
        subtitle += "; dashed: y = x, a perfectly calibrated score"
    else:
        subtitle += "; scores are not probabilities, so no y = x line"
    return layered(
        *layers,
        title=alt.TitleParams("Calibration by group", subtitle=subtitle),
        width=width,
        height=width * 0.75,
    )


def calibration_counts_chart(
    groups: Sequence[Mapping[str, Any]],
    *,
    width: int = 360,
    colours: alt.Scale | None = None,
) -> alt.Chart:
    """How many people of each group fall in each calibration bin: bars side by side."""
    frame = _calibration_frame(groups)
    order = frame.sort_values("lower")["bin"].drop_duplicates().tolist()
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(
                "bin:N",
                sort=order,
                title="score bin",
                axis=alt.Axis(labelAngle=0 if max(map(len, order), default=0) <= 4 else -40),
            ),
            xOffset=alt.XOffset(field="group", type="nominal"),
            y=alt.Y("n:Q", title="people"),
            color=alt.Color(
                field="group",
                type="nominal",
                title=None,
                scale=colours or alt.Undefined,
                legend=None,  # the calibration chart above carries the legend
            ),
            tooltip=[
                alt.Tooltip(field="group", type="nominal"),
                alt.Tooltip("bin:N", title="score bin"),
                alt.Tooltip("n:Q", format=",.0f", title="people in bin"),
            ],
        )
        .properties(
            title=alt.TitleParams("People per score bin", subtitle="same group colours as above"),
            width=width,
            height=160,
        )
    )


def baseline_tradeoff_chart(document: Mapping[str, Any], *, width: int = 440) -> alt.Chart:
    """Accuracy against demographic-parity ratio: one point per strategy of a baseline study.

    ``document`` is ``BaselineStudy.to_dict()`` (schema ``auditor/baseline-v1``). The region
    that meets the four-fifths rule is shaded; the output-constrained model's frontier over
    its constraint strength (``frontier.points``, if any) is drawn as a grey line.
    """
    threshold = float(document.get("four_fifths_threshold", BAND[0]))
    points = pd.DataFrame(
        [
            {
                "strategy": s.get("label", s["name"]),
                "name": s["name"],
                "accuracy": s["accuracy"],
                "ratio": s["summary"].get("demographic_parity_ratio"),
                "difference": s["summary"].get("demographic_parity_difference"),
            }
            for s in document["strategies"]
        ]
    ).dropna(subset=["accuracy", "ratio"])
    frontier = pd.DataFrame(
        [
            {"tol": p["tol"], "accuracy": p["accuracy"], "ratio": p.get("demographic_parity_ratio")}
            for p in (document.get("frontier") or {}).get("points", [])
        ],
        columns=["tol", "accuracy", "ratio"],
    ).dropna(subset=["accuracy", "ratio"])
    accuracies = [*points["accuracy"].tolist(), *frontier["accuracy"].tolist()]
    low, high = (min(accuracies), max(accuracies)) if accuracies else (0.0, 1.0)
    pad = max(0.01, (high - low) * 0.15)
    y_scale = alt.Scale(domain=[max(0.0, low - pad), min(1.0, high + pad)], zero=False)
    x_scale = alt.Scale(domain=[0, 1.05], nice=False)  # room for points at exactly 1
    band = (
        alt.Chart(pd.DataFrame({"low": [threshold], "high": [1.0]}))
        .mark_rect(color="#d9ead3", opacity=0.7)
        .encode(x=alt.X("low:Q", scale=x_scale), x2=alt.X2("high:Q"))
    )
    rule = (
        alt.Chart(pd.DataFrame({"x": [threshold]}))
        .mark_rule(color="black", strokeDash=[4, 3])
        .encode(x=alt.X("x:Q"))
    )
    line = (
        alt.Chart(frontier)
        .mark_line(
            color=_REFERENCE_COLOUR, point=alt.OverlayMarkDef(color=_REFERENCE_COLOUR, size=25)
        )
        .encode(
            x=alt.X("ratio:Q", scale=x_scale),
            y=alt.Y("accuracy:Q", scale=y_scale),
            order=alt.Order("tol:Q"),
            tooltip=[
                alt.Tooltip("tol:Q", title="allowed selection-rate range"),
                alt.Tooltip("ratio:Q", format=".2f", title="demographic parity ratio"),
                alt.Tooltip("accuracy:Q", format=".1%"),
            ],
        )
    )
    base = alt.Chart(points).encode(
        x=alt.X(
            "ratio:Q",
            scale=x_scale,
            title=f"demographic parity ratio (min ÷ max selection rate; shaded ≥ {threshold:g})",
        ),
        y=alt.Y(
            "accuracy:Q",
            scale=y_scale,
            title="accuracy on held-out rows",
            axis=alt.Axis(format="%"),
        ),
    )
    dots = base.mark_point(filled=True, size=110).encode(
        color=alt.Color("strategy:N", sort=None, legend=alt.Legend(title=None, orient="bottom")),
        tooltip=[
            alt.Tooltip("strategy:N"),
            alt.Tooltip("accuracy:Q", format=".1%"),
            alt.Tooltip("ratio:Q", format=".2f", title="demographic parity ratio"),
            alt.Tooltip("difference:Q", format=".3f", title="selection-rate difference"),
        ],
    )
    subtitle = "grey line: the output constraint relaxed step by step" if len(frontier) else ""
    return layered(
        band,
        rule,
        line,
        dots,
        title=alt.TitleParams(
            f"Accuracy and disparity by '{document['protected']}': input rules vs an output constraint",
            subtitle=subtitle,
        ),
        width=width,
        height=width * 0.7,
    )


def sized_for_page(
    chart: alt.TopLevelMixin,
    *,
    layout: str = "rows",
    row_height: int = 24,
    height: int = 340,
) -> alt.TopLevelMixin:
    """The same chart sized for a web page (the dashboard) instead of a fixed-size PDF figure.

    Streamlit fits a chart's fixed pixel size into its column, which squashes discrete axes;
    here sizes are per row instead. ``layout``: ``"rows"`` (one band per group, as wide as the
    container: rate and disparity charts), ``"grid"`` (the chart's own cell size: heatmaps) or
    ``"square"`` (continuous axes, as wide as the container, ``height`` px: ROC, calibration).
    """
    if layout == "rows":
        sized = with_properties(chart, width="container", height=alt.Step(row_height))
    elif layout == "grid":
        sized = chart  # heatmaps size their cells for their labels (intersection_heatmap)
    elif layout == "square":
        sized = with_properties(chart, width="container", height=height)
    else:
        raise ValueError(f"layout must be 'rows', 'grid' or 'square', not {layout!r}")
    # Long titles (e.g. naming the reference group) are not cut off with '…': on the title
    # itself too, because Streamlit's theme replaces the chart's title configuration.
    title = sized.title
    if isinstance(title, str):
        sized = with_properties(sized, title=alt.TitleParams(title, limit=0))
    elif isinstance(title, alt.TitleParams):
        sized = with_properties(sized, title=with_properties(title, limit=0))
    return with_title_config(sized, limit=0, fontSize=13)
