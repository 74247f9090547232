"""The intersection heatmap is readable: labels legible on every cell as drawn, colours by the
ratio to the reference (diverging, log, centred at 1) or by the rate, the worst cell outlined
and named, small and not-estimable cells grey and dashed — in the dashboard and in the PDF.

The checks read the SVG that Vega renders (vl-convert), not our own bookkeeping: the fill of each
drawn cell and the colour of each drawn label.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
import vl_convert
from streamlit.testing.v1 import AppTest

import auditor
from auditor import charts
from auditor.heatmap_cells import (
    DIVERGING,
    SMALL_FILL,
    contrast_ratio,
    fill_colour,
    worst_cell,
    worst_cell_sentence,
)
from auditor.narrative import VOCABULARIES

ROOT = Path(__file__).resolve().parent.parent
COMPAS = ROOT / "sample_data" / "compas_predictions.csv"


@pytest.fixture(scope="module")
def document():
    return auditor.audit(
        str(COMPAS), label="two_year_recid", prediction="high_risk", protected=["race", "sex"]
    ).to_dict()


@pytest.fixture(scope="module")
def pair(document):
    return next(b for b in document["breakdowns"] if b["by"] == ["race", "sex"])


_RECT = re.compile(r'<path [^>]*?d="M([\d.]+),([\d.]+)h([\d.]+)v([\d.]+)h[^"]*"[^>]*?>')
_TEXT = re.compile(
    r'<text [^>]*?transform="translate\(([\d.]+),([\d.]+)\)"[^>]*?fill="([^"]+)"[^>]*>([^<]*)</text>'
)


def _hex(colour: str) -> str:
    match = re.fullmatch(r"rgb\((\d+), ?(\d+), ?(\d+)\)", colour)
    if match:
        return "#" + "".join(f"{int(v):02x}" for v in match.groups())
    return colour.lower()


def _layer(svg: str, index: int) -> str:
    start = svg.find(f"layer_{index}_marks")
    assert start >= 0, f"layer {index} not drawn"
    return svg[start : svg.find("</g>", start)]


def _cells(svg: str, index: int) -> list[tuple[float, float, float, float, str, str]]:
    """(x, y, width, height, fill, stroke-dasharray) of each rect drawn in layer ``index``."""
    out = []
    for match in _RECT.finditer(_layer(svg, index)):
        tag = match.group(0)
        fill = re.search(r'fill="([^"]+)"', tag).group(1)
        dash = re.search(r'stroke-dasharray="([^"]+)"', tag)
        x, y, w, h = (float(v) for v in match.groups())
        out.append((x, y, w, h, _hex(fill), dash.group(1) if dash else ""))
    return out


def _labels(svg: str) -> list[tuple[float, float, str, str]]:
    """(x, y, colour, text) of every label in the two text layers."""
    out = []
    for index in (3, 4):
        for match in _TEXT.finditer(_layer(svg, index)):
            x, y, fill, text = match.groups()
            if text.strip():
                out.append((float(x), float(y), _hex(fill), text))
    return out


def _svg(chart) -> str:
    return vl_convert.vegalite_to_svg(chart.to_dict())


@pytest.mark.parametrize(
    ("metric", "colour_by", "suppress"),
    [("fpr", "ratio", False), ("selection_rate", "rate", False), ("fpr", "ratio", True)],
)
def test_every_label_is_legible_on_the_cell_it_is_drawn_on(pair, metric, colour_by, suppress):
    svg = _svg(
        charts.intersection_heatmap(pair, metric, colour_by=colour_by, suppress_small=suppress)
    )
    cells = _cells(svg, 0) + _cells(svg, 1)
    labels = _labels(svg)
    assert len(cells) == len(pair["groups"])
    assert len(labels) >= len(pair["groups"])
    for x, y, colour, text in labels:
        under = [c for c in cells if c[0] <= x <= c[0] + c[2] and c[1] <= y <= c[1] + c[3]]
        assert len(under) == 1, (text, x, y)
        assert contrast_ratio(under[0][4], colour) >= 4.5, (text, under[0][4], colour)


def test_cells_are_large_enough_to_read(pair):
    svg = _svg(charts.intersection_heatmap(pair, "fpr"))
    for _, _, width, height, _, _ in _cells(svg, 0) + _cells(svg, 1):
        assert width >= 90 and height >= 40
    sizes = re.findall(r'font-size="(\d+)px"', _layer(svg, 3))
    assert sizes and min(int(s) for s in sizes) >= 12


def test_ratio_colours_diverge_around_one_on_a_log_scale(pair):
    spec = charts.intersection_heatmap(pair, "fpr", colour_by="ratio").to_dict()
    scale = spec["layer"][0]["encoding"]["color"]["scale"]
    assert scale["type"] == "log"
    domain = scale["domain"]
    assert domain[len(domain) // 2] == 1.0
    assert math.isclose(domain[0] * domain[-1], 1.0)  # symmetric in log: 1/m … m
    assert fill_colour(1.0, "ratio") == DIVERGING[2]
    assert fill_colour(1.25, "ratio", 1.25) == DIVERGING[-1]
    assert fill_colour(0.8, "ratio", 1.25) == DIVERGING[0]

    # What Vega draws is what the labels' colours were chosen for.
    svg = _svg(charts.intersection_heatmap(pair, "fpr", colour_by="ratio"))
    frame_fill = {}
    for group in pair["groups"]:
        ratio = group["ratio_to_reference"].get("fpr")
        if ratio and "insufficient_data" not in group["flags"]:
            frame_fill[round(ratio, 3)] = group
    drawn = {c[4] for c in _cells(svg, 0)}
    extent = max(abs(math.log(r)) for r in frame_fill)
    for ratio in frame_fill:
        expected = fill_colour(ratio, "ratio", min(max(math.exp(extent), 1.25), 8.0))
        assert any(_close(expected, colour) for colour in drawn), (ratio, expected, drawn)


def _close(first: str, second: str, tolerance: int = 3) -> bool:
    a = [int(first[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(second[i : i + 2], 16) for i in (1, 3, 5)]
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


def test_rate_colouring_uses_the_rate_not_the_ratio(pair):
    spec = charts.intersection_heatmap(pair, "selection_rate", colour_by="rate").to_dict()
    scale = spec["layer"][0]["encoding"]["color"]["scale"]
    assert scale.get("type") != "log" and scale["domain"][0] == 0 and scale["domain"][-1] == 1
    rows = next(iter(spec["datasets"].values()))
    for row in rows:
        if not row["grey"]:
            assert row["colour_value"] == pytest.approx(row["value"])


def test_the_worst_cell_is_outlined_and_named(pair):
    # Independently: the cell with enough data whose FPR ratio is furthest from 1.
    eligible = [
        g
        for g in pair["groups"]
        if not g.get("is_reference")
        and "insufficient_data" not in g["flags"]
        and g["ratio_to_reference"].get("fpr")
    ]
    expected = max(eligible, key=lambda g: abs(math.log(g["ratio_to_reference"]["fpr"])))
    assert worst_cell(pair["groups"], "fpr")["key"] == expected["key"]
    svg = _svg(charts.intersection_heatmap(pair, "fpr"))
    outlined = _cells(svg, 2)
    assert len(outlined) == 1
    x, y, w, h, _, _ = outlined[0]
    inside = [t for t in _labels(svg) if x <= t[0] <= x + w and y <= t[1] <= y + h]
    rate = f"{100 * expected['metrics']['fpr']:.0f}%"
    assert rate in [t[3] for t in inside]
    assert 'stroke-width="4"' in _layer(svg, 2)
    sentence = worst_cell_sentence(pair, "fpr", vocabulary=VOCABULARIES["compas"])
    name = " × ".join(expected["key"].values())
    assert sentence.startswith(f"Largest gap from the reference cell (outlined): {name}.")
    assert "95% interval" in sentence


def test_small_and_not_estimable_cells_are_grey_and_dashed_outside_the_scale(pair):
    small = [g for g in pair["groups"] if "insufficient_data" in g["flags"]]
    assert small
    svg = _svg(charts.intersection_heatmap(pair, "fpr"))
    grey = _cells(svg, 1)
    assert len(grey) == len(small)
    assert all(c[4] == SMALL_FILL and c[5] for c in grey)
    assert all(c[4] != SMALL_FILL and not c[5] for c in _cells(svg, 0))

    private = {
        "by": ["a", "b"],
        "groups": [
            {
                "key": {"a": "x", "b": "1"},
                "n": 400,
                "metrics": {"fpr": 0.3},
                "flags": [],
                "not_estimable": ["fpr"],
                "ratio_to_reference": {"fpr": 3.0},
            },
            {
                "key": {"a": "x", "b": "2"},
                "n": 900,
                "metrics": {"fpr": 0.1},
                "flags": [],
                "is_reference": True,
                "ratio_to_reference": {"fpr": 1.0},
            },
        ],
    }
    svg = _svg(charts.intersection_heatmap(private, "fpr"))
    assert len(_cells(svg, 1)) == 1 and _cells(svg, 1)[0][4] == SMALL_FILL
    assert worst_cell(private["groups"], "fpr") is None  # not estimable: never "the worst"


def test_intersections_page_offers_both_colourings_and_names_the_worst_cell(monkeypatch, tmp_path):
    monkeypatch.setenv("AUDITOR_STORE", str(tmp_path / "audits.duckdb"))
    monkeypatch.delenv("AUDITOR_SAMPLE", raising=False)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.button(key="load_compas").click().run()
    at.switch_page("pages/intersections.py").run()
    assert not at.exception, [e.value for e in at.exception]
    at.selectbox(key="heat_metric").set_value("fpr").run()

    def scale():
        spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
        return spec["layer"][0]["encoding"]["color"]["scale"]

    assert at.radio(key="heat_colour_by").value == "ratio"
    assert scale()["type"] == "log"
    text = "\n".join(m.value for m in at.markdown)
    assert "Largest gap from the reference cell (outlined): Hispanic × Female." in text
    at.radio(key="heat_colour_by").set_value("rate").run()
    assert not at.exception
    assert "type" not in scale() and scale()["domain"] == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_the_pdf_heatmap_caption_names_the_worst_cell(document):
    from reportlab.platypus import KeepTogether, Paragraph

    from auditor.report.breakdowns import intersection_sections
    from auditor.report.context import new_context

    ctx = new_context(document, vocabulary="compas", charts=True)
    texts = []
    for flowable in intersection_sections(ctx):
        parts = flowable._content if isinstance(flowable, KeepTogether) else [flowable]
        texts += [p.getPlainText() for p in parts if isinstance(p, Paragraph)]
    captions = [t for t in texts if "coloured by the ratio to the reference cell" in t]
    assert len(captions) == 2  # selection rate and FPR
    assert all(
        "Largest gap from the reference cell (outlined): Hispanic × Female." in c for c in captions
    )


def test_the_heatmap_names_the_metric_in_the_audits_words(pair):
    from auditor.vocabulary import metric_label

    words = VOCABULARIES["compas"]
    label = metric_label("selection_rate", words)
    assert label != "selection rate"
    spec = charts.intersection_heatmap(
        pair, "selection_rate", colour_by="rate", vocabulary=words
    ).to_dict()
    assert spec["title"]["text"].startswith(label[:1].upper() + label[1:])
    assert spec["layer"][0]["encoding"]["color"]["legend"]["title"] == label


def test_the_worst_cell_sentence_gives_the_interval_of_the_factor_it_states():
    def sentence(reference_rate, rate, interval):
        """The sentence for a pair breakdown of the reference cell and one other cell."""
        cells = [(reference_rate, None, None, True), (rate, rate / reference_rate, interval, False)]
        groups = [
            {
                "key": {"a": str(index), "b": "1"},
                "n": 500,
                "metrics": {"fpr": value},
                "ratio_to_reference": {"fpr": ratio},
                "ratio_intervals": {"fpr": ratio_interval},
                "flags": [],
                "is_reference": is_reference,
            }
            for index, (value, ratio, ratio_interval, is_reference) in enumerate(cells)
        ]
        return worst_cell_sentence({"by": ["a", "b"], "groups": groups}, "fpr")

    below = sentence(0.40, 0.10, [0.125, 0.5])  # the reference is the subject: 0.40 ÷ 0.10
    assert "4.0× as often" in below
    assert "interval for this factor (2.00–8.00) excludes 1" in below
    above = sentence(0.10, 0.40, [0.9, 8.0])
    assert "4.0× as often" in above
    assert "(0.90–8.00) includes 1: this gap could be chance" in above
    assert "(2.00 or more) excludes 1" in sentence(0.40, 0.10, [0.0, 0.5])
