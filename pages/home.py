"""Home: what the tool does, and one click to load a bundled sample."""

import streamlit as st

from auditor.samples import SAMPLES
from dashboard import state as _state
from dashboard.plaintext import md

_state.require_entrypoint(__file__)

st.title("Fairness audit of a model's outputs")
st.markdown(
    "This tool audits a model by its **decisions**, not its inputs: upload a file of predictions "
    "and true outcomes, and it measures how selection rates and error rates differ across "
    "protected groups and their intersections. Every rate carries a 95% interval, small groups "
    "are flagged rather than dropped, and an output specification such as the four-fifths rule "
    "gives a pass/fail verdict. Figures can be published with differential privacy, and a "
    "side-by-side study shows why removing the protected column from a model's inputs does not "
    "make its outputs fair."
)

st.subheader("Start with a bundled sample")
columns = st.columns(len(SAMPLES))
for column, sample in zip(columns, SAMPLES.values(), strict=True):
    with column, st.container(border=True):
        st.markdown(f"**{sample.title}**")
        st.caption(sample.description)
        if st.button(
            f"Load the {sample.name.upper() if sample.name == 'compas' else sample.name.title()} sample",
            key=f"load_{sample.name}",
            type="primary",
        ):
            try:
                _state.load_sample(sample.name)
            except Exception as error:  # noqa: BLE001 - shown, never a traceback
                st.error(f"The sample could not be loaded: {md(error, limit=1000)}")
            else:
                st.switch_page("pages/disparities.py")

st.subheader("Or audit your own predictions")
st.page_link(
    "pages/upload.py",
    label="Upload a prediction file and map its columns",
    icon=":material/upload:",
)

result = _state.base_audit()
if result is not None:
    st.success(
        f"Loaded: {md(_state.dataset()['name'])} ({result.dataset.rows_used:,} rows). "
        "Open **Disparities** in the sidebar."
    )
