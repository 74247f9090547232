"""Scores: move the threshold (from the count cube, no rescan), ROC and calibration by group."""

import streamlit as st

from auditor import charts
from auditor.narrative import verdict_sentence
from dashboard import state as _state
from dashboard.bisg import attribute_label, estimated_attributes, estimated_notice
from dashboard.plaintext import md
from dashboard.scores import (
    auc_table,
    calibration_figure,
    model_threshold,
    roc_figure,
    score_groups,
    threshold_range,
)
from dashboard.tables import group_table, groups_not_judged, verdict_grid, verdict_style

_state.require_entrypoint(__file__)

st.title("Scores: threshold, ROC and calibration")
base = _state.require_audit()
st.caption(_state.dataset_caption(base))
estimated = estimated_attributes(_state.current()[1])
if estimated:
    st.warning(
        f"{estimated_notice(_state.current()[1])} This audit estimates "
        f"{', '.join(md(a) for a in estimated)}: score analyses (moving the threshold, ROC, "
        "calibration) are not computed for it, since they would treat the probabilities as "
        "observed. A score with a threshold still works as the decision (Disparities page)."
    )
if not base.cube.has_score:
    if not estimated:
        st.info(
            "This audit has no score column. Map a score column on the Upload page to move the "
            "threshold and see ROC and calibration by group."
        )
    st.stop()
if base.is_private:
    st.info("Score analyses are shown for exact audits only.")
    st.stop()

low, high, step, current = threshold_range(base)
start = model_threshold(base)
left, typed, right = st.columns([3, 1, 2])
attribute = right.selectbox(
    "Protected attribute",
    list(base.mapping.protected),
    key="score_attribute",
    format_func=lambda name: attribute_label(_state.current()[1], name),
)
st.session_state.setdefault("threshold", current)
st.session_state.setdefault("threshold_typed", st.session_state["threshold"])


def _typed_to_slider() -> None:
    st.session_state["threshold"] = st.session_state["threshold_typed"]


def _slider_to_typed() -> None:
    st.session_state["threshold_typed"] = st.session_state["threshold"]


threshold = left.slider(
    f"Threshold: {base.mapping.score} ≥ threshold is predicted positive",
    min_value=low,
    max_value=high,
    step=step,
    key="threshold",
    format="%g",
    on_change=_slider_to_typed,
)
typed.number_input(
    "or type it",
    min_value=low,
    max_value=high,
    step=step,
    key="threshold_typed",
    format="%g",
    on_change=_typed_to_slider,
)
st.caption(md(start.statement(base.mapping.score), limit=1000))

view, document = _state.threshold_document(threshold, attribute)
breakdown = next(b for b in document["breakdowns"] if b["by"] == [attribute])
if document.get("policy"):
    st.subheader(f"Verdicts at threshold {threshold:g}")
    st.markdown(md(verdict_sentence(document), limit=2000))
    st.dataframe(
        verdict_grid(document["policy"]).style.map(verdict_style), key="score_verdict_grid"
    )
    not_judged = groups_not_judged(document["policy"])
    st.caption(
        f"Every check of the output specification, recomputed with {md(base.mapping.score)} ≥ "
        f"{threshold:g} as the decision. Not judged (too few people): "
        + ("; ".join(md(entry) for entry in not_judged) if not_judged else "none")
        + "."
    )
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
        _state.page_chart("score_fpr_chart", charts.rate_chart, breakdown, "fpr"),
        key="score_fpr_chart",
    )
with two:
    st.altair_chart(
        _state.page_chart("score_fnr_chart", charts.rate_chart, breakdown, "fnr"),
        key="score_fnr_chart",
    )

st.subheader("ROC and calibration by group")
full = _state.current()[1]
groups = tuple(score_groups(full, attribute))
one, two = st.columns([3, 2])
with one:
    st.altair_chart(
        _state.page_chart(
            "roc_chart", roc_figure, base, attribute, document, groups, layout="square"
        ),
        key="roc_chart",
    )
with two:
    st.table(auc_table(full, attribute).set_index("group"))
calibration = full["scores"][attribute]
st.altair_chart(
    _state.page_chart(
        "calibration_chart", calibration_figure, calibration, groups, layout="square", height=440
    ),
    key="calibration_chart",
)
st.altair_chart(
    _state.page_chart(
        "calibration_counts_chart",
        calibration_figure,
        calibration,
        groups,
        counts=True,
        layout="square",
        height=240,
    ),
    key="calibration_counts_chart",
)
st.caption(
    "Groups flagged 'insufficient data' on the Disparities page have jagged lines: "
    "too few people per score bin to read. "
    "A well-calibrated score has the same observed rate at the same score in every "
    "group; lines that part mean the score means different things for different groups."
)
