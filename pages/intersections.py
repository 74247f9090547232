"""Intersections: a chosen metric over pairs of protected attributes."""

import streamlit as st

from auditor import charts
from auditor.heatmap_cells import worst_cell_sentence
from auditor.narrative import METRIC_NAMES, largest_disparities, small_groups
from dashboard import state as _state
from dashboard.bisg import attribute_label, estimated_notice
from dashboard.plaintext import md
from dashboard.tables import default_metric, group_table, metric_options

_state.require_entrypoint(__file__)

st.title("Intersections of protected attributes")
base = _state.require_audit()
st.caption(_state.dataset_caption(base))
view, document = _state.current()

pairs = [b for b in document["breakdowns"] if len(b["by"]) == 2]
if not pairs:
    st.info(
        "Intersections need at least two protected attributes: map a second one on the Upload page."
    )
    st.stop()

left, right = st.columns(2)
pair_names = [" × ".join(attribute_label(document, name) for name in b["by"]) for b in pairs]
chosen = left.selectbox("Attribute pair", pair_names, key="pair")
metric_choices = metric_options(has_label=base.cube.has_label)
if st.session_state.get("heat_metric") not in metric_choices:
    st.session_state["heat_metric"] = default_metric(metric_choices)
metric = right.selectbox(
    "Metric",
    metric_choices,
    key="heat_metric",
    format_func=lambda m: METRIC_NAMES.get(m, m),
)
breakdown = pairs[pair_names.index(chosen)]
if breakdown.get("estimated") and (notice := estimated_notice(document)):
    st.warning(notice)

colour_by = st.radio(
    "Colour the cells by",
    ["ratio", "rate"],
    format_func={
        "ratio": "ratio to the reference cell (1 = no difference)",
        "rate": METRIC_NAMES.get(metric, metric),
    }.get,
    key="heat_colour_by",
    horizontal=True,
)
worst = worst_cell_sentence(breakdown, metric, vocabulary=_state.vocabulary())
if worst:
    st.markdown(f"**{md(worst, limit=1000)}**")
st.altair_chart(
    _state.page_chart(
        "heatmap",
        charts.intersection_heatmap,
        breakdown,
        metric,
        colour_by=colour_by,
        vocabulary=_state.vocabulary(),
        layout="grid",
    ),
    width="content",
    theme=None,  # the chart's own font sizes: the theme shrinks a heatmap's labels
    key="heatmap",
)
st.caption(
    "Grey cells with a dashed border, marked *, have fewer rows than the minimum group size "
    f"({view.options.get('min_group_size', 30)}): their rates are too uncertain to compare. "
    "'n/a' cells have no one in the rate's denominator."
)

small = [name for name in small_groups(document) if name.startswith(" × ".join(breakdown["by"]))]
if small:
    st.warning(
        f"{len(small)} intersection(s) with insufficient data: "
        + "; ".join(name.split(": ", 1)[1] for name in small[:12])
        + (" …" if len(small) > 12 else "")
    )

findings = [
    f
    for f in largest_disparities(
        document,
        vocabulary=_state.vocabulary(),
        top=50,
        metrics=(metric,),
        include_intersections=True,
    )
    if list(f.by) == list(breakdown["by"])
][:3]
if findings:
    st.markdown("\n".join(f"- {md(f.sentence, limit=1000)} *({md(f.evidence)})*" for f in findings))

st.subheader(f"Groups by {md(chosen)}")
st.caption(
    "Ratios compare each cell with the reference cell "
    f"({md(' × '.join(breakdown['reference'].values()))}, {breakdown.get('reference_rule', 'largest group')})."
)
st.table(group_table(breakdown, [metric], private=view.is_private).set_index("group"))
