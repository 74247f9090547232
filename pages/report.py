"""Report: download the audit as PDF and JSON; keep it in the history."""

import json

import streamlit as st

import auditor
from auditor.engagement import ENGAGEMENT_FIELDS, Engagement, with_engagement
from dashboard import state as _state
from dashboard.bisg import estimated_notice
from dashboard.export import groups_csv
from dashboard.plaintext import md

_state.require_entrypoint(__file__)

ENGAGEMENT = "engagement"  # survives page switches, unlike widget state

st.title("Report")
base = _state.require_audit()
st.caption(_state.dataset_caption(base))

view, document = _state.current()
choices = ["Exact audit"]
private = _state.private_result()
if private is not None:
    choices.append(f"Private release (ε = {private.privacy.get('epsilon'):g})")
which = st.radio("Which audit", choices, key="report_which", horizontal=True)
if which != choices[0]:
    document = _state.private_document()
    st.info("The private release holds only noisy counts: it is the version to publish.")
else:
    st.caption("The exact audit holds exact counts: share it only with those allowed to see them.")

with st.expander("Report details: who audits whom (printed on the cover, kept in the JSON)"):
    st.caption(
        "Entered once for this session. With any detail filled in, the PDF cover lists them "
        "and ends with a signature block."
    )
    saved = st.session_state.setdefault(ENGAGEMENT, {})
    entered = {}
    columns = st.columns(2)
    for index, (field, label) in enumerate(ENGAGEMENT_FIELDS.items()):
        entered[field] = columns[index % 2].text_input(
            label,
            value=saved.get(field, ""),
            key=f"engagement_{field}",
            placeholder="YYYY-MM-DD" if field == "report_date" else "",
        )
    try:
        engagement = Engagement.from_mapping(entered)
    except auditor.AuditorError as error:
        st.error(f"Report details not used: {error}")
        engagement = Engagement.from_mapping(
            {k: v for k, v in saved.items() if k in ENGAGEMENT_FIELDS}
        )
    else:
        st.session_state[ENGAGEMENT] = engagement.to_dict()
document = with_engagement(document, engagement)
if notice := estimated_notice(document):
    st.warning(
        f"{notice} The PDF says so under every table over race and in its method section; the "
        "JSON marks those breakdowns with `estimated`."
    )

stem = _state.download_stem(
    private_epsilon=None if which == choices[0] else private.privacy.get("epsilon")
)
json_bytes = json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False).encode("utf-8")
left, right = st.columns(2)
with left:
    st.subheader("JSON")
    st.markdown(
        "The complete audit document (`auditor/audit-v1`), the same as `auditor audit … --json`."
    )
    st.download_button(
        "Download the audit JSON",
        json_bytes,
        file_name=f"{stem}.json",
        mime="application/json",
        key="download_json",
        icon=":material/download:",
    )
with right:
    st.subheader("PDF")
    if _state.module_available("auditor.report", "audit_pdf_bytes"):
        from auditor.report import audit_pdf_bytes

        st.markdown(
            "A report a regulator can file: summary, verdicts, per-group tables with "
            "intervals, charts and methodology."
        )
        vocabulary = _state.dataset().get("vocabulary", "generic")
        study = _state.baseline_document()
        include = study is not None and st.checkbox(
            "Include the input-vs-output study",
            value=False,
            key="report_include_study",
            help="A separate study on the bundled Adult sample, not on the audited data: "
            "added as a chapter of its own only when ticked.",
        )
        st.download_button(
            "Download the audit PDF",
            lambda: audit_pdf_bytes(
                document, vocabulary=vocabulary, baseline=study if include else None
            ),
            file_name=f"{stem}.pdf",
            mime="application/pdf",
            key="download_pdf",
            icon=":material/picture_as_pdf:",
        )
    else:
        st.info("The PDF report is not available in this installation (auditor.report is missing).")

st.subheader("Group tables (CSV)")
st.markdown(
    "Every group of every breakdown with its counts, rates and intervals, for a "
    "spreadsheet. Cells that a spreadsheet would run as a formula (group names starting "
    "with `=`, `+`, `-` or `@`) are written as text."
)
st.download_button(
    "Download the group tables as CSV",
    groups_csv(document).encode("utf-8"),
    file_name=f"{stem}-groups.csv",
    mime="text/csv",
    key="download_groups_csv",
    icon=":material/table:",
)

st.subheader("History")
if _state.module_available("auditor.store", "AuditStore"):
    if st.button("Save this audit to the history", key="save_history"):
        try:
            audit_id = _state.record(document)
        except auditor.AuditorError as error:
            st.error(f"The audit was not saved: {md(error, limit=1000)}")
        else:
            st.success(f"Saved as {audit_id}. Reopen it from the History page.")
else:
    st.info("The audit history is not available in this installation (auditor.store is missing).")
