"""Ratio charts label their log axis on narrow domains too, bands are not called the four-fifths
rule, and a private heatmap says 'not estimable' where its table does (it said 'n/a')."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

import auditor
from auditor import charts


def _narrow_breakdown() -> dict:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"g": rng.choice(["a", "b", "c"], 4000), "y": rng.integers(0, 2, 4000)})
    frame["p"] = rng.integers(0, 2, 4000)
    result = auditor.audit(frame, label="y", prediction="p", protected=["g"])
    return result.to_dict()["breakdowns"][0]


def _axis_values(chart) -> list[float]:
    spec = json.loads(chart.to_json())
    for layer in spec["layer"]:
        axis = layer.get("encoding", {}).get("x", {}).get("axis") or {}
        if "values" in axis:
            return axis["values"]
    return []


def test_a_narrow_ratio_axis_labels_ticks_on_both_sides_of_one():
    values = _axis_values(charts.disparity_chart(_narrow_breakdown(), "selection_rate"))
    assert {0.8, 1.0, 1.25} <= set(values)
    assert [v for v in values if v > 1] and [v for v in values if v < 1]
    assert len(values) >= 5  # 0.8 0.9 1 1.1 1.25


def test_ratio_ticks_stay_inside_the_domain_and_coarsen_on_wide_axes():
    assert charts.ratio_ticks(0.7, 1.4) == [0.7, 0.8, 0.9, 1.0, 1.1, 1.25]
    wide = charts.ratio_ticks(0.05, 3.0)
    assert wide == [0.05, 0.1, 0.2, 0.25, 0.5, 0.8, 1.0, 1.25, 2.0]


def test_pdf_ratio_caption_does_not_call_the_band_the_four_fifths_rule():
    import inspect

    from auditor.report import breakdowns

    source = inspect.getsource(breakdowns)
    assert "band is 0.8–1.25 (four-fifths rule)" not in source
    assert "not a verdict" in source


def test_private_heatmap_cells_say_not_estimable_like_the_tables():
    breakdown = {
        "by": ["race", "sex"],
        "groups": [
            {
                "key": {"race": "A", "sex": "F"},
                "n": 40,
                "metrics": {"fpr": 0.3},
                "flags": [],
                "not_estimable": ["fpr"],
            },
            {"key": {"race": "A", "sex": "M"}, "n": 900, "metrics": {"fpr": 0.2}, "flags": []},
            {"key": {"race": "B", "sex": "F"}, "n": 50, "metrics": {"fpr": None}, "flags": []},
        ],
    }
    spec = json.loads(charts.intersection_heatmap(breakdown, "fpr").to_json())
    rows = next(iter(spec["datasets"].values()))
    texts = {(r["attribute_0"], r["attribute_1"]): r["text"] for r in rows}
    assert texts[("A", "F")] == "not estimable"
    assert texts[("A", "M")] == "20%"
    assert texts[("B", "F")] == "n/a"
