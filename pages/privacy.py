"""Privacy: release the audit with differential privacy; exact and private side by side."""

import streamlit as st

import auditor
from auditor.narrative import METRIC_NAMES
from dashboard import state as _state
from dashboard.bisg import attribute_label, estimated_attributes, estimated_notice
from dashboard.plaintext import md
from dashboard.privacy import (
    DECLARE_NOTE,
    WORKLOAD_CHOICES,
    WORKLOAD_NOTE,
    budget_table,
    declared_categories,
    exact_vs_private,
    interval_cost,
    ledger_overview,
    planned_guarantee,
    seen_values,
)
from dashboard.tables import default_metric, metric_options

st.title("Publish with differential privacy")
base = _state.require_audit()
st.caption(_state.dataset_caption(base))
base_document = _state.current()[1]
estimated = estimated_attributes(base_document)
if estimated:
    st.warning(
        f"{estimated_notice(base_document)} In a private release the intervals carry the noise "
        "and sampling error only, not the uncertainty of the estimated race."
    )

if not _state.module_available("auditor.privacy", "release_cube") or not _state.module_available(
    "auditor.store", "AuditStore"
):
    st.info(
        "Differential privacy is not available in this installation (auditor.privacy or "
        "auditor.store is missing)."
    )
    st.stop()

from auditor.store import AuditStore  # noqa: E402

_state.require_entrypoint(__file__)

st.markdown(
    "A private release adds calibrated noise (OpenDP, discrete Laplace or Gaussian) **once** to "
    "the table of counts behind every figure; everything shown for the release is computed "
    "from the noisy counts. Privacy unit: one row (one person); neighbouring data sets differ "
    "by adding or removing one row. Each release spends ε from the data set's budget, kept in "
    "a ledger that recognises the rows by their content (whatever the file format or row "
    "order) and never publishes a fingerprint of them."
)

store_path = _state.store_path()
with AuditStore(store_path) as store:  # one read: the rows' name, its budget and releases
    overview = ledger_overview(
        store, base, str(st.session_state.get("dp_dataset_name") or "").strip()
    )
known_name = overview.known_name
dataset_name = st.text_input(
    "Data set name in the ledger (public; the budget belongs to it)",
    value=known_name or "",
    key="dp_dataset_name",
    disabled=known_name is not None,
    help="These rows were released before under this name." if known_name else None,
).strip()
ledger_name = known_name or dataset_name or None
ledger, releases = overview.budget, list(overview.entries)
if ledger_name != overview.name:  # (the typed name is the one read; this is a safeguard)
    with AuditStore(store_path) as store:
        ledger = store.budget(ledger_name) if ledger_name else None
        releases = store.ledger_entries(ledger_name) if ledger_name else []

st.subheader("Public group values")
st.caption(DECLARE_NOTE)
seen = seen_values(base)
chosen, declare = {}, {}
for attribute in base.mapping.protected:
    left_col, right_col = st.columns([1, 3])
    declare[attribute] = left_col.checkbox(
        f"Declare {md(attribute_label(base_document, attribute))}",
        value=True,
        key=f"dp_declare_{attribute}",
    )
    chosen[attribute] = right_col.multiselect(
        f"Public values of {md(attribute_label(base_document, attribute))}",
        seen[attribute],
        default=seen[attribute],
        key=f"dp_values_{attribute}",
        disabled=not declare[attribute],
    )
categories = declared_categories(chosen, declare)
all_declared = categories is not None and set(categories) == set(base.mapping.protected)

left, middle, right = st.columns(3)
epsilon = left.select_slider(
    "ε (privacy loss of this release)",
    options=[0.1, 0.25, 0.5, 1.0, 2.0, 5.0],
    value=1.0,
    key="dp_epsilon",
)
mechanism = middle.radio(
    "Noise on the counts",
    ["laplace", "gaussian"],
    key="dp_mechanism",
    horizontal=True,
    format_func={"laplace": "Laplace", "gaussian": "Gaussian (ε, δ)"}.get,
)
delta = None
if mechanism == "gaussian":
    delta = middle.select_slider(
        "δ",
        options=[1e-9, 1e-7, 1e-6, 1e-5],
        value=1e-6,
        key="dp_delta",
        format_func=lambda d: f"{d:g}",
    )
budget = right.number_input(
    "Total ε budget for this data set",
    min_value=0.1,
    max_value=100.0,
    step=0.5,
    value=float(ledger.total) if ledger is not None and ledger.total is not None else 3.0,
    key="dp_budget",
    disabled=ledger is not None and ledger.total is not None,
    help="Declared once, with the first release; it cannot be raised afterwards.",
)
workload = st.radio(
    "Precision: what the budget measures",
    list(WORKLOAD_CHOICES),
    key="dp_workload",
    horizontal=True,
    format_func=WORKLOAD_CHOICES.get,
    help=WORKLOAD_NOTE,
)
st.caption(
    "This release will spend: "
    + planned_guarantee(
        epsilon=epsilon, mechanism=mechanism, delta=delta, all_declared=all_declared
    )
)

if st.button(
    f"Release with ε = {epsilon:g} (spends ε from the budget)", key="dp_release", type="primary"
):
    try:
        with st.spinner("Adding calibrated noise and recording the spend…"):
            released = _state.release(
                epsilon=epsilon,
                delta=delta,
                mechanism=mechanism,
                privacy_budget=budget,
                categories=categories,
                dataset_name=ledger_name,
                workload=workload,
            )
    except auditor.AuditorError as error:
        st.error(f"No release was made: {md(error, limit=1000)}")
    else:
        st.success(
            f"Released with ε = {epsilon:g} ({released.privacy.get('guarantee')}; precision: "
            f"{WORKLOAD_CHOICES[workload].lower()}). Release id "
            f"{released.privacy.get('release_id')}. The ledger below records the spend."
        )
        ledger_name = released.privacy["ledger"]["dataset"]
        with AuditStore(store_path) as store:  # one read: the budget and releases now
            overview = ledger_overview(store, base, ledger_name)
            ledger, releases = overview.budget, list(overview.entries)
            if overview.name != ledger_name:  # (a safeguard: the rows' name is the one charged)
                ledger = store.budget(ledger_name)
                releases = store.ledger_entries(ledger_name)

st.subheader("Budget ledger for this data set")
if ledger is None:
    st.caption("These rows have not been released yet: the first release opens their ledger.")
    with AuditStore(store_path) as store:
        ledger = store.budget("")
else:
    st.caption(f"Data set '{md(ledger.dataset)}'")
st.table(budget_table(ledger, releases).set_index("when (UTC)"))


def _draw_noise_ahead() -> None:
    """OpenDP's noise for the choices above, drawn in the background while the user decides
    (the next "Release" takes it); started when the page is drawn, so the rerun does not wait."""
    _state.draw_noise_ahead(
        epsilon=epsilon, delta=delta, mechanism=mechanism, categories=categories, workload=workload
    )


private = _state.private_result()
if private is None:
    st.info("No private release in this session yet: choose ε and release.")
    _draw_noise_ahead()
    st.stop()

_, exact_document = _state.current()
private_document = _state.private_document()
st.subheader(f"Exact vs private ({private.privacy.get('guarantee')})")
if private.privacy.get("private") is False:
    st.warning(private.privacy.get("warning", "This release is NOT private."))
one, two = st.columns(2)
attribute = one.selectbox(
    "Protected attribute",
    list(base.mapping.protected),
    key="dp_attribute",
    format_func=lambda name: attribute_label(base_document, name),
)
metric_choices = metric_options(has_label=base.cube.has_label)
if st.session_state.get("dp_metric") not in metric_choices:
    st.session_state["dp_metric"] = default_metric(metric_choices)
metric = two.selectbox(
    "Metric",
    metric_choices,
    key="dp_metric",
    format_func=lambda m: METRIC_NAMES.get(m, m),
)
if attribute in estimated:
    st.warning(estimated_notice(private_document))
st.table(exact_vs_private(exact_document, private_document, attribute, metric).set_index("group"))
st.caption(
    "EXACT figures come from the raw counts and must not be published. PRIVATE figures are what "
    "the release may publish: rates are clamped to 0–100% for display, sizes are noisy (≈), and "
    "an interval too wide to say anything is marked 'not estimable at this ε'. Groups pooled "
    "into '(other)' by partition selection are 'not released'."
)

st.subheader("What each ε costs in precision")
st.caption(
    "Half-width of each group's 95% interval (percentage points), for releases made as the one "
    "chosen above (noise, declared values, precision) at other values of ε. Computed with "
    "seeded, NON-private noise that is never published or recorded — an illustration only."
)
cost_settings = (attribute, metric, mechanism, delta, categories, workload)
if st.button("Compute the cost of ε (takes a few seconds)", key="dp_cost"):
    with st.spinner("Simulating releases…"):
        st.session_state["dp_cost_table"] = (
            cost_settings,
            interval_cost(
                base,
                attribute,
                metric,
                mechanism=mechanism,
                delta=delta,
                categories=categories,
                workload=workload,
            ),
        )
cost = st.session_state.get("dp_cost_table")
if cost is not None and cost[0] == cost_settings:  # a table for other settings is not shown
    st.table(cost[1].set_index("release"))
_draw_noise_ahead()
