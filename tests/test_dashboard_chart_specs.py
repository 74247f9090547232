"""The dashboard's charts are sent without Altair's per-rerun schema check, so their
specifications are checked here: every chart the pages keep is valid Vega-Lite, and is the
same specification with or without the check."""

from __future__ import annotations

from pathlib import Path

import altair as alt
import jsonschema
import pandas as pd
import pytest
from streamlit import type_util
from streamlit.testing.v1 import AppTest

from dashboard.state import CHARTS
from dashboard.unchecked_charts import built_unchecked, unchecked

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _private_store(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDITOR_STORE", str(tmp_path / "audits.duckdb"))
    monkeypatch.delenv("AUDITOR_SAMPLE", raising=False)


def _checked_dict(chart) -> dict:
    """The specification with Altair's schema check (the class Altair built it as)."""
    for cls in type(chart).__mro__[1:]:
        if "to_dict" in vars(cls):
            return cls.to_dict(chart, validate=True)
    raise AssertionError("no to_dict")


def test_every_chart_the_pages_draw_is_valid_and_unchanged():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.button(key="load_compas").click().run()
    seen = {}
    for page in ("disparities", "intersections", "scores"):
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, [e.value for e in at.exception]
        seen.update({slot: kept[1] for slot, kept in at.session_state[CHARTS].items()})
    assert {"disp_rate_chart", "disp_ratio_chart", "score_fpr_chart"} <= set(seen)
    for slot, chart in seen.items():
        assert type_util.is_altair_chart(chart), slot
        assert chart.to_dict() == _checked_dict(chart), slot


def test_an_unchecked_chart_skips_only_the_check():
    frame = pd.DataFrame({"group": ["a", "b"], "rate": [0.2, 0.4]})
    chart = alt.layer(
        alt.Chart(frame).mark_bar().encode(x=alt.X("rate:Q"), y=alt.Y("group:N")),
        alt.Chart(frame).mark_tick().encode(x=alt.X("rate:Q"), y=alt.Y("group:N")),
    ).configure_title(limit=0)
    expected = chart.to_dict()
    kept = unchecked(chart)
    assert kept is chart and type(chart).__name__ == "LayerChart"
    assert type_util.is_altair_chart(chart)
    assert chart.to_dict() == expected
    # an invalid property (set past Altair's own checks) is caught only with the check
    chart._kwds["height"] = "tall"
    assert chart.to_dict()["height"] == "tall"
    with pytest.raises(jsonschema.ValidationError):
        chart.to_dict(validate=True)


def test_a_chart_built_unchecked_skips_the_checks_at_instantiation_only_while_built():
    frame = pd.DataFrame({"group": ["a", "b"], "rate": [0.2, 0.4]})

    def build(font_size):
        return alt.Chart(frame).mark_bar(fontSize=font_size).encode(x="rate:Q", y="group:N")

    assert built_unchecked(build, 12).to_dict() == build(12).to_dict()
    # an invalid value is only caught by the check at instantiation (left out here) ...
    assert built_unchecked(build, "big").to_dict()["mark"]["fontSize"] == "big"
    # ... which is back on afterwards, as it was
    with pytest.raises(jsonschema.ValidationError):
        build("big")
