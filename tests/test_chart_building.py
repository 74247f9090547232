"""Charts layered once and copied without ``__init__`` have the specification Altair's own
methods give, and building and drawing a dashboard chart merges its layers once."""

from __future__ import annotations

import altair as alt
import pandas as pd
import pytest

import auditor
from auditor import charts
from auditor.chart_building import layered, with_properties, with_title_config
from dashboard.unchecked_charts import built_unchecked

FRAME = pd.DataFrame({"group": ["a", "b"], "rate": [0.2, 0.4], "low": [0.1, 0.3]})


def _layers():
    base = alt.Chart(FRAME).encode(y=alt.Y("group:N"))
    picked = alt.selection_point(fields=["group"])
    bars = base.mark_bar().encode(x=alt.X("rate:Q")).add_params(picked)
    ticks = base.mark_tick().encode(x=alt.X("low:Q"))
    rule = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule().encode(x="x:Q")
    return bars, ticks, rule


def test_layered_is_alt_layer_with_properties():
    title = alt.TitleParams("Rates", subtitle="by group")
    expected = alt.layer(*_layers()).properties(title=title, width=300, height=alt.Step(20))
    built = layered(*_layers(), title=title, width=300, height=alt.Step(20))
    assert built.to_dict() == expected.to_dict()
    shared = alt.Chart().mark_bar().encode(x="rate:Q", y="group:N")
    expected = alt.layer(shared, shared.mark_tick(), data=FRAME).properties(width=200)
    built = layered(shared, shared.mark_tick(), data=FRAME, width=200)
    assert built.to_dict() == expected.to_dict()


def test_with_properties_is_properties_and_leaves_the_chart_alone():
    chart = alt.layer(*_layers())
    before = chart.to_dict()
    copied = with_properties(chart, width="container", height=alt.Step(24))
    assert copied.to_dict() == chart.properties(width="container", height=alt.Step(24)).to_dict()
    assert chart.to_dict() == before
    assert type(copied) is type(chart)


@pytest.mark.parametrize("configured", [False, True])
def test_with_title_config_is_configure_title(configured):
    chart = alt.layer(*_layers())
    if configured:  # a config already there keeps its other parts, and is not changed
        chart = chart.configure_axis(labelFontSize=9)
    before = chart.to_dict()
    expected = chart.configure_title(limit=0, fontSize=13).to_dict()
    assert with_title_config(chart, limit=0, fontSize=13).to_dict() == expected
    assert chart.to_dict() == before


def test_a_dashboard_chart_is_merged_once_from_its_build_to_its_drawing(monkeypatch):
    result = auditor.audit(
        pd.DataFrame(
            {
                "sex": ["f", "m"] * 40,
                "label": [1, 0, 0, 1] * 20,
                "prediction": [1, 1, 0, 0, 1] * 16,
            }
        ),
        label="label",
        prediction="prediction",
        protected=["sex"],
    )
    breakdown = result.to_dict()["breakdowns"][0]
    merges = []
    original = alt.LayerChart.__init__

    def counted(self, *args, **kwargs):
        merges.append(1)
        original(self, *args, **kwargs)

    for build in (charts.rate_chart, charts.disparity_chart):
        chart = build(breakdown, "selection_rate")
        expected = (
            chart.properties(
                width="container",
                height=alt.Step(24),
                # on the title too: Streamlit's theme replaces the title configuration
                title=alt.TitleParams(chart.title, limit=0),
            )
            .configure_title(limit=0, fontSize=13)
            .to_dict(validate=False)
        )
        monkeypatch.setattr(alt.LayerChart, "__init__", counted)
        merges.clear()
        chart = built_unchecked(
            lambda build=build: charts.sized_for_page(build(breakdown, "selection_rate"))
        )
        assert chart.to_dict() == expected
        assert len(merges) == 1, build.__name__
        monkeypatch.setattr(alt.LayerChart, "__init__", original)


def test_a_page_chart_title_is_never_cut_off_whatever_its_form():
    plain = alt.Chart(FRAME).mark_bar().encode(x="rate:Q", y="group:N")
    for title in ("A long title naming the reference group", alt.TitleParams("T", subtitle="s")):
        sized = charts.sized_for_page(plain.properties(title=title)).to_dict()
        assert sized["title"]["limit"] == 0 and sized["config"]["title"]["limit"] == 0
    assert "title" not in charts.sized_for_page(plain).to_dict()  # none given: none added
