"""Templates: the tables NYC Local Law 144 and the EEOC/OFCCP practice prescribe."""

import datetime as _dt

import streamlit as st

import auditor
from auditor.report import template_pdf_bytes
from auditor.templates.text import (
    LEGAL_NOTICE,
    ll144_tables_text,
    pooled_frame,
    ugesp_tables_text,
)
from dashboard import state as _state
from dashboard.plaintext import md
from dashboard.templates import (
    TemplateRequest,
    compute_template,
    display_frame,
    frame_csv,
    ll144_column_guess,
    locate_source,
    stratum_candidates,
)

_state.require_entrypoint(__file__)

st.title("Regulatory templates")
base = _state.require_audit()
st.caption(_state.dataset_caption(base))
st.info(LEGAL_NOTICE)
if base.is_private:
    st.warning("The templates publish exact counts; they are computed from the exact audit.")

template = st.radio(
    "Template",
    ["NYC Local Law 144 bias audit", "EEOC / OFCCP adverse-impact battery"],
    key="template_choice",
    horizontal=True,
)
protected = list(base.mapping.protected)
source = locate_source(base, _state.workspace(), sample=_state.dataset().get("sample"))
NONE = "(none)"
if template.startswith("NYC"):
    kinds = ["Selection tool (the prediction column)"]
    if base.mapping.score is not None:
        kinds.append(f"Scoring tool ({base.mapping.score} above the sample's median)")
    kind = st.radio("Type of tool", kinds, key="template_kind", horizontal=True)
    left, right = st.columns(2)
    options = [NONE, *protected]
    guessed_sex, guessed_race = ll144_column_guess(protected)  # by name, not by position
    sex = left.selectbox(
        "Sex column", options, index=options.index(guessed_sex or NONE), key="template_sex"
    )
    race = right.selectbox(
        "Race/ethnicity column",
        options,
        index=options.index(guessed_race or NONE),
        key="template_race",
    )
    exclude = st.checkbox(
        "Exclude categories under 2 % of applicants from the impact-ratio calculation",
        key="template_exclude",
    )
    distributed = st.date_input(
        "Distribution date of the tool", value=None, key="template_distribution_date"
    )
    request = TemplateRequest(
        template="ll144",
        kind="scoring" if kind.startswith("Scoring") else "selection",
        sex=None if sex == NONE else sex,
        race=None if race == NONE else race,
        exclude_under=0.02 if exclude else None,
        tool_distribution_date=distributed if isinstance(distributed, _dt.date) else None,
    )
else:
    strata = st.multiselect(
        "Strata (job group, location, year) — optional",
        stratum_candidates(base, _state.workspace(), source=source),
        key="template_strata",
    )
    request = TemplateRequest(template="ugesp", strata=tuple(strata))

if st.button("Compute the tables", key="template_run", type="primary"):
    try:
        with st.spinner("Computing…"):
            computed = compute_template(
                base,
                request,
                source=source,
                data_source=_state.dataset().get("name"),
                connection=_state.workspace().connection,
            )
    except auditor.AuditorError as error:
        st.error(f"The template could not be computed: {md(error, limit=1000)}")
        st.session_state.pop("template_result", None)
    else:
        document = computed.to_dict()
        st.session_state["template_result"] = (request, document, template_pdf_bytes(document))

stored = st.session_state.get("template_result")
if stored is None or stored[0] != request:
    st.caption("Choose the options, then compute the tables.")
    st.stop()

_, document, pdf = stored
stem = _state.download_stem()
st.download_button(
    "Download this section as PDF",
    pdf,
    file_name=f"{stem}-{request.template}.pdf",
    mime="application/pdf",
    key="template_pdf",
)
if request.template == "ll144":
    ll144 = document["ll144"]
    fields = {
        "Audit date": ll144["audit_date"],
        "Data source": ll144["data_source"],
        "Tool distribution date": ll144["tool_distribution_date"] or "not given",
        "Applicants": f"{ll144['applicants']:,}",
    }
    if ll144["median_score"] is not None:
        fields["Median score"] = f"{ll144['median_score']:g}"
    st.table({"Field": list(fields), "Value": list(fields.values())})
    if ll144["exclusion_justification"]:
        st.markdown(f"**Exclusion.** {md(ll144['exclusion_justification'], limit=2000)}")
    tables = ll144_tables_text(ll144)
else:
    tables = ugesp_tables_text(document["ugesp"])

for index, (title, frame, notes) in enumerate(tables):
    st.subheader(title)
    st.table(display_frame(frame))
    for note in notes:
        st.caption(note)
    st.download_button(
        "CSV of this table",
        frame_csv(frame),
        file_name=f"{stem}-{request.template}-{index + 1}.csv",
        mime="text/csv",
        key=f"template_csv_{index}",
    )

if request.template == "ugesp" and document["ugesp"]["pooled"]:
    st.subheader(f"Pooled over strata ({md(', '.join(document['ugesp']['strata']))})")
    st.caption(document["ugesp"]["breslow_day_caveat"])
    pooled = pooled_frame(document["ugesp"])
    st.table(pooled.set_index(["Breakdown", "Category"]))
    st.download_button(
        "CSV of the pooled table",
        frame_csv(pooled),
        file_name=f"{stem}-ugesp-pooled.csv",
        mime="text/csv",
        key="template_csv_pooled",
    )
