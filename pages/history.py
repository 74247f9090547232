"""History: past audits of the data sets loaded in this session, reopenable."""

import json
from pathlib import Path

import streamlit as st

import auditor
from auditor import charts
from auditor.narrative import verdict_sentence
from dashboard import state as _state
from dashboard.export import download_stem
from dashboard.history import history_table, visible_audits
from dashboard.plaintext import md
from dashboard.tables import breakdown_for, group_table

st.title("Audit history")
if not _state.module_available("auditor.store", "AuditStore"):
    st.info("The audit history is not available in this installation (auditor.store is missing).")
    st.stop()

from auditor.store import AuditStore  # noqa: E402

_state.require_entrypoint(__file__)

st.caption(
    "Audits recorded in the store for the data sets you have loaded in this session (matched by "
    "the file's SHA-256): you see the history of data you hold, never other people's audits. "
    "The store lives on the server (its operator sets where, with AUDITOR_STORE)."
)
for error in _state.wait_for_history():  # this session's releases, recorded in the background
    st.warning(f"A private release could not be recorded in the history: {md(error, limit=500)}")
seen = _state.seen_datasets()
with AuditStore(_state.store_path()) as store:
    summaries = visible_audits(store, seen)
if not summaries:
    st.info(
        "No saved audits yet for the data loaded in this session. Save one from the Report "
        "page, or make a private release on the Privacy page (releases are recorded)."
    )
    st.stop()

table = history_table(summaries)
st.table(table.set_index("saved (UTC)"))
labels = [
    f"{row['saved (UTC)']} · {row['source']} · {row['entry']} · {row['mode']} · {row['verdict']}"
    for row in table.to_dict("records")
]
chosen = st.selectbox("Reopen an audit", labels, key="history_pick")
audit_id = table["id"].iloc[labels.index(chosen)]
try:
    with AuditStore(_state.store_path()) as store:
        document = store.load_audit(audit_id)
except auditor.AuditorError as error:
    st.error(f"The audit could not be opened: {md(error, limit=1000)}")
    st.stop()

source_name = Path(str(document["dataset"].get("source") or "data")).name
st.subheader(f"Audit {audit_id[:8]} of {md(source_name)} ({document.get('created_at', '')[:19]})")
st.markdown(md(verdict_sentence(document), limit=2000))
attributes = document["columns"]["protected"]
attribute = st.selectbox("Protected attribute", attributes, key="history_attribute")
breakdown = breakdown_for(document, attribute)
private = document.get("privacy", {}).get("mode") == "dp"
st.table(
    group_table(
        breakdown,
        ["selection_rate", "fpr", "fnr"],
        private=private,
        ratio_metric="selection_rate",
    ).set_index("group")
)
st.altair_chart(
    charts.sized_for_page(charts.rate_chart(breakdown, "selection_rate")), key="history_chart"
)
stem = download_stem(
    f"{Path(source_name).stem}-{audit_id[:8]}",
    private_epsilon=document["privacy"].get("epsilon") if private else None,
)
left, right = st.columns(2)
left.download_button(
    "Download this audit's JSON",
    json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8"),
    file_name=f"{stem}.json",
    mime="application/json",
    key="history_json",
)
if _state.module_available("auditor.report", "audit_pdf_bytes"):
    from auditor.report import audit_pdf_bytes

    right.download_button(
        "Download this audit's PDF",
        lambda: audit_pdf_bytes(document, vocabulary=_state.dataset().get("vocabulary")),
        file_name=f"{stem}.pdf",
        mime="application/pdf",
        key="history_pdf",
    )
