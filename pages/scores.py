"""Scores: move the threshold (from the count cube, no rescan), ROC and calibration by group."""

import streamlit as st

from auditor import charts
from dashboard import state as _state
from dashboard.plaintext import md
from dashboard.scores import auc_table, operating_points, roc_frame, threshold_range
from dashboard.tables import group_table
from dashboard.views import threshold_view

_state.require_entrypoint(__file__)

st.title("Scores: threshold, ROC and calibration")
base = _state.require_audit()
st.caption(_state.dataset_caption(base))
if not base.cube.has_score:
    st.info(
        "This audit has no score column. Map a score column on the Upload page to move the "
        "threshold and see ROC and calibration by group."
    )
    st.stop()
if base.is_private:
    st.info("Score analyses are shown for exact audits only.")
    st.stop()

low, high, step, current = threshold_range(base)
left, right = st.columns([2, 1])
attribute = right.selectbox(
    "Protected attribute", list(base.mapping.protected), key="score_attribute"
)
st.session_state.setdefault("threshold", current)
threshold = left.slider(
    f"Threshold: {base.mapping.score} ≥ threshold is predicted positive",
    min_value=low,
    max_value=high,
    step=step,
    key="threshold",
    format="%g",
)

view = threshold_view(base, threshold, reference=_state.references(), policy=_state.policy())
document = view.to_dict()
breakdown = next(b for b in document["breakdowns"] if b["by"] == [attribute])
st.subheader(f"Rates at threshold {threshold:g}")
st.caption(
    f"Here the decision is re-derived as {md(base.mapping.score)} ≥ {threshold:g} from the score "
    "counts (scores compared at three significant digits), so at the model's own cut these "
    "rates can differ slightly from the prediction column's rates on the Disparities page."
)
st.table(
    group_table(breakdown, ["selection_rate", "fpr", "fnr"], ratio_metric="fpr").set_index("group")
)
one, two = st.columns(2)
with one:
    st.altair_chart(
        charts.sized_for_page(charts.rate_chart(breakdown, "fpr")), key="score_fpr_chart"
    )
with two:
    st.altair_chart(
        charts.sized_for_page(charts.rate_chart(breakdown, "fnr")), key="score_fnr_chart"
    )

st.subheader("ROC and calibration by group")
full = _state.current()[1]
one, two = st.columns(2)
with one:
    roc = charts.roc_chart(roc_frame(base, attribute), points=operating_points(document, attribute))
    st.altair_chart(charts.sized_for_page(roc, layout="square"), key="roc_chart")
    st.table(auc_table(full, attribute).set_index("group"))
with two:
    st.altair_chart(
        charts.sized_for_page(charts.calibration_chart(full["scores"][attribute]), layout="square"),
        key="calibration_chart",
    )
    st.caption(
        "Groups flagged 'insufficient data' on the Disparities page have jagged lines: "
        "too few people per score bin to read. "
        "A well-calibrated score has the same observed rate at the same score in every "
        "group; lines that part mean the score means different things for different groups."
    )
