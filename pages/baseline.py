"""Input vs output: does dropping the protected column make a model fair? (the baseline study)."""

import streamlit as st

import auditor
from auditor import charts
from dashboard import state as _state
from dashboard.baseline import baseline_table
from dashboard.plaintext import md
from dashboard.progress import progress_callback

_state.require_entrypoint(__file__)

st.title("Restrict the inputs, or specify the outputs?")
st.info(
    "**A separate study on its own data**, the bundled Adult census sample — not on the file you "
    "audited, and not part of this audit. The audit PDF includes it only if you tick "
    "'Include the input-vs-output study' on the Report page."
)
st.markdown(
    "The same model is trained four ways on the Adult census data — **with** the protected "
    "attribute, **without** it, without it *and its proxies*, and with a constraint on its "
    "**outputs** — and each one's held-out decisions are audited. Dropping a column does not "
    "stop the other columns from encoding it; constraining the outputs is what an audit can check."
)
if not _state.module_available("auditor.baselines", "run_study") or not hasattr(
    charts, "baseline_tradeoff_chart"
):
    st.info(
        "The input-restriction study is not available in this installation "
        "(auditor.baselines is missing)."
    )
    st.stop()

study = _state.baseline_document()
if study is None:
    st.caption(
        "Bundled data: sample_data/adult.csv.gz (UCI Adult), target income > $50K, "
        "protected attribute sex. Training takes about ten seconds."
    )
    if st.button("Run the study on the Adult data", key="run_baseline", type="primary"):
        bar = st.progress(0.0, text="Training…")
        try:
            study = _state.run_baseline(
                progress=progress_callback(lambda f, m: bar.progress(f, text=m))
            )
        except auditor.AuditorError as error:
            bar.empty()
            st.error(f"The study could not run: {md(error, limit=1000)}")
            st.stop()
        st.rerun()
    else:
        st.stop()

st.markdown("\n\n".join(md(line, limit=3000) for line in study.get("conclusion", "").splitlines()))
st.altair_chart(
    charts.sized_for_page(charts.baseline_tradeoff_chart(study), layout="square"),
    theme=None,
    key="baseline_chart",
)
st.table(baseline_table(study).set_index("model"))
proxies = study.get("proxies") or []
if proxies:
    st.caption(
        "How well each remaining feature alone predicts the protected attribute (AUC; "
        "0.5 = not at all): " + ", ".join(f"{md(p['feature'])} {p['auc']:.2f}" for p in proxies[:6])
    )
