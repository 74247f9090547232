"""Disparities: per protected attribute — groups, rates with intervals, ratios, verdicts."""

import streamlit as st

from auditor import charts
from auditor.narrative import largest_disparities, verdict_sentence
from auditor.vocabulary import impact_ratio_words, metric_label
from dashboard import state as _state
from dashboard.bisg import attribute_label, estimated_notice
from dashboard.plaintext import md
from dashboard.sentences import SENTENCE_LIMIT, comparison_sentences
from dashboard.tables import (
    breakdown_for,
    checks_table,
    default_metric,
    group_table,
    groups_not_judged,
    headline_metrics,
    impact_comparison_text,
    metric_options,
    reference_options,
    summary_table,
    verdict_grid,
    verdict_style,
)

_state.require_entrypoint(__file__)

st.title("Disparities between groups")
base = _state.require_audit()
st.caption(_state.dataset_caption(base))

attributes = list(base.mapping.protected)
top = st.columns([1, 1, 1])
labels = {name: attribute_label(_state.current()[1], name) for name in attributes}
attribute = top[0].selectbox(
    "Protected attribute", attributes, key="disp_attribute", format_func=labels.get
)
metric_choices = metric_options(has_label=base.cube.has_label)
if st.session_state.get("disp_metric") not in metric_choices:
    st.session_state["disp_metric"] = default_metric(metric_choices)
vocabulary = _state.vocabulary()
metric = top[1].selectbox(
    "Metric",
    metric_choices,
    key="disp_metric",
    format_func=lambda m: metric_label(m, vocabulary),
)
view, document = _state.current()
options = reference_options(breakdown_for(document, attribute))
current_reference = breakdown_for(document, attribute)["reference"][attribute]
if st.session_state.get(f"reference_{attribute}") not in options:
    st.session_state[f"reference_{attribute}"] = current_reference
reference = top[2].selectbox(
    "Reference group",
    options,
    key=f"reference_{attribute}",
    help="Ratios and differences compare each group with this one. Default: the largest group.",
)
if reference != current_reference:
    _state.set_reference(attribute, reference)
    view, document = _state.current()

breakdown = breakdown_for(document, attribute)
if breakdown.get("estimated") and (notice := estimated_notice(document)):
    st.warning(notice)

# One glance: every check of the output specification × every breakdown it judges.
if document.get("policy"):
    st.markdown(md(verdict_sentence(document), limit=2000))
    grid = verdict_grid(document["policy"])
    st.dataframe(grid.style.map(verdict_style), key="verdict_grid")
    not_judged = groups_not_judged(document["policy"])
    st.caption(
        "Not judged (fewer people than the minimum group size): "
        + ("; ".join(md(entry) for entry in not_judged) if not_judged else "none")
        + ". Details and values under 'Verdicts against the output specification' below."
    )

# Plain-language findings for the chosen metric.
sentences = comparison_sentences(breakdown, metric, vocabulary=vocabulary)
if sentences:
    st.markdown("\n".join(f"- {md(s, limit=SENTENCE_LIMIT)}" for s in sentences))
else:
    st.caption(
        f"No comparison on the {md(metric_label(metric, vocabulary))} is defined for these groups."
    )

private = view.is_private
st.subheader(f"Groups by {md(attribute_label(document, attribute))}")
table = group_table(
    breakdown,
    headline_metrics(metric, has_label=base.cube.has_label),
    private=private,
    ratio_metric=metric,
    vocabulary=vocabulary,
)
st.table(table.set_index("group"))
st.caption(
    "Intervals are 95% Wilson intervals. 'n/a' means the rate is undefined (no one in its "
    "denominator), never zero. Groups below the minimum size "
    f"({view.options.get('min_group_size', 30)}) are flagged 'insufficient data' and left out of verdicts. "
    f"Impact ratio: {md(impact_ratio_words(breakdown, vocabulary)).lower()} among the groups "
    f"with enough data ({md(impact_comparison_text(breakdown), limit=1000)}) — the four-fifths rule's ratio; it does not "
    "depend on the reference group. 'Short of 4/5': more selections the group would need to "
    "reach four-fifths of that rate."
)

left, right = st.columns(2)
with left:
    st.altair_chart(
        _state.page_chart(
            "disp_rate_chart", charts.rate_chart, breakdown, metric, vocabulary=vocabulary
        ),
        key="disp_rate_chart",
    )
with right:
    st.altair_chart(
        _state.page_chart(
            "disp_ratio_chart", charts.disparity_chart, breakdown, metric, vocabulary=vocabulary
        ),
        key="disp_ratio_chart",
    )

st.subheader("Summary")
summary = summary_table(breakdown)
st.table(summary.set_index("summary"))
st.caption(
    "'All groups' spans every group whose rate is defined (as fairlearn computes it), "
    "including groups flagged 'insufficient data', so a tiny group can dominate it; "
    "'groups with enough data' leaves those out."
)

st.subheader("Verdicts against the output specification")
st.markdown(md(verdict_sentence(document), limit=2000))
checks = checks_table(document.get("policy"), by=[attribute])
if len(checks):
    st.table(checks.set_index("verdict"))

with st.expander("Edit the output specification (TOML)"):
    uploaded = st.file_uploader("Upload a policy TOML", type=["toml"], key="policy_upload")
    if uploaded is not None and st.session_state.get("policy_uploaded") != uploaded.file_id:
        st.session_state["policy_uploaded"] = uploaded.file_id
        st.session_state["policy_editor"] = uploaded.getvalue().decode("utf-8", errors="replace")
    st.session_state.setdefault("policy_editor", _state.policy_text())
    st.text_area("Policy", key="policy_editor", height=260)
    st.button(
        "Apply policy",
        key="apply_policy",
        on_click=_state.apply_edited_policy,
        args=("policy_editor",),
    )
    if (error := _state.policy_error()) is not None:
        st.error(f"The policy was not applied: {md(error, limit=1000)}")

findings = largest_disparities(document, vocabulary=vocabulary, top=5)
if findings:
    st.subheader("Largest disparities across all attributes")
    st.caption(
        "Strongest evidence first (Holm-corrected tests), then the largest ratio. A small "
        "group appears only when its difference is significant, with its caveat."
    )
    st.markdown("\n".join(f"- {md(f.sentence, limit=1000)} *({md(f.evidence)})*" for f in findings))
