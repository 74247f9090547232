"""Compare: a candidate model against the baseline (production) — two prediction columns of the
loaded file, or two saved audits — with the change and its interval, and release-gate verdicts."""

import json

import streamlit as st

from auditor.errors import AuditorError
from auditor.report.comparison import comparison_pdf_bytes
from dashboard import comparison as _compare
from dashboard import state as _state
from dashboard.compare_charts import change_chart
from dashboard.plaintext import md

_state.require_entrypoint(__file__)

st.title("Compare a candidate model with production")
st.caption(
    "Is the new model worse for any group than the one it replaces? Each change is candidate − "
    "baseline with a 95% interval; a gate judged on the interval fails only on evidence."
)

mode = st.radio(
    "What to compare",
    ["Two decisions in the loaded file (paired)", "Two saved audits (unpaired)"],
    key="cmp_mode",
    horizontal=True,
)
paired = mode.startswith("Two decisions")

st.session_state.setdefault("cmp_gate", _compare.default_gate_text())
with st.expander("Release gate (TOML)", expanded=False):
    gate_text = st.text_area("Release gate", key="cmp_gate", height=260)

run = False
if paired:
    base = _state.require_audit()
    st.caption(_state.dataset_caption(base))
    try:
        path = _compare.data_path(
            base,
            sample=_state.dataset().get("sample"),
            upload_names=_state.workspace().upload_names,
        )
        columns = list(_state.workspace().inspect(path, rows=5).columns)
    except AuditorError as error:
        st.error(str(error))
        st.stop()
    used = {base.mapping.label, *base.mapping.protected}
    decision_columns = [c for c in columns if c not in used]
    has_score = base.mapping.score is not None
    kinds = (["score ≥ threshold"] if has_score else []) + ["prediction column"]
    left, right = st.columns(2)
    choices = {}
    for side, column, default_threshold in (("baseline", left, 5.0), ("candidate", right, 7.0)):
        with column:
            st.markdown(
                f"**{side.capitalize()}**" + (" (production)" if side == "baseline" else "")
            )
            kind = st.radio("Decision", kinds, key=f"cmp_{side}_kind", horizontal=True)
            if kind == "score ≥ threshold":
                value = st.number_input(
                    f"{base.mapping.score} ≥",
                    value=default_threshold,
                    key=f"cmp_{side}_threshold",
                )
                choices[side] = ("threshold", value)
            else:
                preferred = base.mapping.prediction
                index = decision_columns.index(preferred) if preferred in decision_columns else 0
                value = st.selectbox(
                    "Column", decision_columns, index=index, key=f"cmp_{side}_column"
                )
                choices[side] = ("column", value)
    run = st.button("Compare", key="cmp_run_paired", type="primary")
else:
    left, right = st.columns(2)
    baseline_file = left.file_uploader("Baseline audit (JSON)", type=["json"], key="cmp_before")
    candidate_file = right.file_uploader("Candidate audit (JSON)", type=["json"], key="cmp_after")
    run = st.button(
        "Compare",
        key="cmp_run_unpaired",
        type="primary",
        disabled=baseline_file is None or candidate_file is None,
    )

if run:
    try:
        gate = _compare.gate_from_text(gate_text)
        with st.spinner("Comparing (one pass over the data, then a bootstrap)…"):
            if paired:
                comparison = _compare.run_paired(
                    base,
                    path=path,
                    baseline=choices["baseline"],
                    candidate=choices["candidate"],
                    gate=gate,
                    connection=_state.workspace().connection,
                )
            else:
                comparison = _compare.run_unpaired(
                    baseline_file.getvalue(), candidate_file.getvalue(), gate=gate
                )
        st.session_state["cmp_result"] = comparison.to_dict()
        st.session_state["cmp_pdf"] = comparison_pdf_bytes(st.session_state["cmp_result"])
    except AuditorError as error:
        st.error(str(error))

document = st.session_state.get("cmp_result")
if document is None:
    st.info("Choose the two models and press Compare.")
    st.stop()

st.markdown(
    f"**Baseline:** {md(document['baseline']['description'])} · "
    f"**Candidate:** {md(document['candidate']['description'])} · design: {md(document['design'])}"
)
verdicts = _compare.verdict_table(document)
if verdicts is not None:
    outcome = document["policy"]["outcome"]
    message = f"Release gate: {_compare.OUTCOME_TEXT[outcome]}"
    {"pass": st.success, "fail": st.error}.get(outcome, st.warning)(message)
    st.table(verdicts.set_index("check"))
    st.caption(
        "Worsening is the change signed so that positive is worse. NOT EVALUABLE (exit code 3 "
        "in the CLI) means the interval straddles the tolerance: more data would decide. It is "
        "never counted as a pass."
    )

attributes = [b["by"][0] for b in document["breakdowns"] if len(b["by"]) == 1]
top = st.columns(2)
attribute = top[0].selectbox("Protected attribute", attributes, key="cmp_attribute")
metrics = ["selection_rate", "fpr", "fnr", "tpr", "ppv", "accuracy", "impact_ratio"]
metric = top[1].selectbox("Metric", metrics, key="cmp_metric", format_func=_compare.metric_label)

st.subheader(f"Summaries by {md(attribute)}")
st.table(_compare.summary_change_table(document, attribute))
st.subheader(f"{_compare.metric_label(metric).capitalize()} by {md(attribute)}")
st.table(_compare.group_change_table(document, attribute, metric))
st.altair_chart(
    change_chart(
        _compare.breakdown_of(document, attribute), metric, title=_compare.metric_label(metric)
    ),
    use_container_width=True,
)
left, right = st.columns(2)
left.download_button(
    "Download comparison JSON",
    json.dumps(document, indent=2, ensure_ascii=False),
    file_name="comparison.json",
    mime="application/json",
    key="cmp_download_json",
)
right.download_button(
    "Download comparison PDF",
    st.session_state.get("cmp_pdf") or comparison_pdf_bytes(document),
    file_name="comparison.pdf",
    mime="application/pdf",
    key="cmp_download_pdf",
)
