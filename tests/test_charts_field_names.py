"""Column names and group values are data in chart specs: internal field names, no shorthand.

Before: a ':' in a column name broke the Intersections heatmap (Altair parsed it as a type), and
Vega-Lite reads '.' and '[' in a field name as nested access.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import vl_convert

import auditor
from auditor import charts

NAMES = ["race:ethnicity", "sex.at[birth]", "a\\b"]


@pytest.fixture(scope="module")
def document():
    rng = np.random.default_rng(3)
    rows = 400
    frame = pd.DataFrame(
        {
            "y": rng.integers(0, 2, rows),
            "p": rng.integers(0, 2, rows),
            NAMES[0]: rng.choice(["A:1", "B.2", "C[3]"], rows),
            NAMES[1]: rng.choice(["F", "M"], rows),
        }
    )
    return auditor.audit(frame, label="y", prediction="p", protected=NAMES[:2]).to_dict()


def _fields(node) -> set[str]:
    """Every ``field`` named anywhere in a Vega-Lite spec."""
    if isinstance(node, dict):
        own = {node["field"]} if isinstance(node.get("field"), str) else set()
        return own.union(*(_fields(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_fields(value) for value in node))
    return set()


def _pair(document):
    return next(b for b in document["breakdowns"] if len(b["by"]) == 2)


def test_the_heatmap_of_columns_with_colons_and_dots_draws_every_cell(document):
    chart = charts.intersection_heatmap(_pair(document), "selection_rate")
    spec = chart.to_dict()
    svg = vl_convert.vegalite_to_svg(spec)
    for value in ("A:1", "B.2", "C[3]", "F", "M"):
        assert f">{value}<" in svg, value  # axis labels: the values, not undefined
    encoded = spec["layer"][0]["encoding"]
    assert encoded["x"]["field"] == "attribute_1" and encoded["x"]["title"] == NAMES[1]
    assert encoded["y"]["field"] == "attribute_0" and encoded["y"]["title"] == NAMES[0]


def test_rate_and_disparity_charts_use_no_data_name_as_a_field(document):
    breakdown = next(b for b in document["breakdowns"] if b["by"] == [NAMES[0]])
    for chart in (
        charts.rate_chart(breakdown, "selection_rate"),
        charts.disparity_chart(breakdown, "selection_rate"),
    ):
        spec = chart.to_dict()
        fields = _fields(spec)
        assert not fields & set(NAMES), fields
        assert vl_convert.vegalite_to_svg(spec).startswith("<svg")


def test_group_frame_keys_attributes_by_position(document):
    frame = charts.group_frame(_pair(document), "selection_rate")
    assert {"attribute_0", "attribute_1"} <= set(frame.columns)
    assert not set(NAMES) & set(frame.columns)
