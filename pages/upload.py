"""Upload & map: a prediction file, its preview, the column roles, and the audit run."""

import streamlit as st

import auditor
from dashboard import state as _state
from dashboard.audit_slots import BUSY_MESSAGE, audit_slots
from dashboard.bisg import suggest_bisg_columns
from dashboard.mapping import (
    AUTOMATIC_POSITIVE,
    CHOOSE_POSITIVE,
    NO_LABEL,
    decision_values_column,
    positive_choices,
    suggest_mapping,
)
from dashboard.plaintext import md
from dashboard.progress import progress_callback
from dashboard.workspace import UPLOAD_TYPES

_state.require_entrypoint(__file__)

NO_SCORE = "(none)"

st.title("Upload a prediction file and map its columns")
limit_mb = int(st.get_option("server.maxUploadSize"))
st.markdown(
    "One row per person, with the true outcome, the model's decision (or a score and a "
    "threshold) and one or more protected attributes. CSV (any delimiter, UTF-8 or Latin-1), "
    f"Parquet or JSON lines, optionally gzip-compressed, up to **{limit_mb:,} MB**. "
    "Your file stays in this browser session's private workspace and is deleted when the "
    "session ends."
)

upload = st.file_uploader(
    f"Prediction file (up to {limit_mb:,} MB)", type=list(UPLOAD_TYPES), key="upload_file"
)


def _inspect(file) -> None:
    """Save the upload in this session's workspace and suggest column roles."""
    space = _state.workspace()
    path = space.save_upload(file.name, file)
    inspection = space.inspect(path)
    suggestion = suggest_mapping(inspection.preview)
    st.session_state["inspection"] = inspection
    st.session_state["inspected_file"] = file.file_id
    columns = list(inspection.columns)
    st.session_state["map_label"] = suggestion.label or columns[0]
    st.session_state["map_mode"] = (
        "Prediction column" if suggestion.prediction else "Score and threshold"
    )
    st.session_state["map_prediction"] = suggestion.prediction or columns[min(1, len(columns) - 1)]
    st.session_state["map_score"] = suggestion.score or NO_SCORE
    st.session_state["map_threshold"] = float(suggestion.threshold or 0.5)
    st.session_state["map_protected"] = list(suggestion.protected)
    st.session_state["map_positive"] = positive_choices(suggestion.label_values)[1]


if upload is None:
    st.session_state.pop("inspection", None)
    st.session_state.pop("inspected_file", None)
    st.stop()

if st.session_state.get("inspected_file") != upload.file_id:
    try:
        _inspect(upload)
    except auditor.AuditorError as error:
        st.session_state.pop("inspection", None)
        st.error(f"This file cannot be audited: {md(error, limit=1000)}")
        st.stop()
    except Exception as error:  # noqa: BLE001 - a message, never a traceback on the page
        st.session_state.pop("inspection", None)
        st.error(
            f"This file cannot be audited: it could not be read ({type(error).__name__}: "
            f"{md(error, limit=1000)}). Check that it is a CSV, Parquet or JSON-lines table."
        )
        st.stop()

inspection = st.session_state["inspection"]
columns = list(inspection.columns)
st.caption(
    f"{md(inspection.description)} · {inspection.format} · {len(columns)} columns · first rows:"
)
st.dataframe(inspection.preview.head(10), hide_index=True, key="upload_preview")

st.subheader("Column roles")
st.caption("Suggested from the column names and values — check each one.")
left, right = st.columns(2)
with left:
    label_choice = st.selectbox(
        "True outcome (label)",
        [NO_LABEL, *columns],
        key="map_label",
        help="Hiring, tenant-screening and complaint files often have no ground truth: choose "
        f"'{NO_LABEL}' to audit selection rates, impact ratios and their tests only.",
    )
    label = None if label_choice == NO_LABEL else label_choice
    values_column = decision_values_column(
        label,
        prediction=(
            st.session_state.get("map_prediction")
            if st.session_state.get("map_mode") == "Prediction column"
            else None
        ),
        columns=columns,
    )
    label_values = (
        sorted(inspection.preview[values_column].dropna().astype(str).str.strip().unique())
        if values_column is not None
        else ["0", "1"]
    )
    positive_options, positive_default = positive_choices(label_values)
    if st.session_state.get("map_positive") not in positive_options:
        st.session_state["map_positive"] = positive_default
    positive = st.selectbox(
        "Which value is the favourable decision (approved, hired) or the flag you audit "
        "(high risk)?",
        positive_options,
        key="map_positive",
        help="Selection rates are the share of people the model gives this value. The "
        "prediction column must use the same values. 1, true and yes are taken automatically; "
        "for other values, choose: a wrong choice turns approval rates into denial rates.",
    )
    if positive == CHOOSE_POSITIVE:
        st.warning(
            "Its values do not say which one is favourable: choose it, or the rates could "
            "describe the opposite decision."
        )
    protected = st.multiselect(
        "Protected attributes",
        columns,
        key="map_protected",
        help="Every attribute is audited on its own and in pairs.",
    )
with right:
    mode = st.radio(
        "The model's decision is…",
        ["Prediction column", "Score and threshold"],
        key="map_mode",
        horizontal=True,
    )
    if mode == "Prediction column":
        prediction = st.selectbox("Prediction column", columns, key="map_prediction")
    else:
        prediction = None
    score = st.selectbox(
        "Score column (optional with a prediction: adds ROC and calibration)",
        [NO_SCORE, *columns],
        key="map_score",
    )
    threshold = None
    if mode == "Score and threshold":
        threshold = st.number_input(
            "Threshold (score ≥ threshold is positive)", key="map_threshold", format="%g"
        )

bisg = None
found = suggest_bisg_columns(columns)
if found is not None:
    estimate = st.checkbox(
        "Estimate race from surname and ZIP code",
        key="map_bisg",
        help="BISG (BIFSG with a first name) with the 2010 Census tables: adds the protected "
        "attribute 'race', marked estimated. The names and ZIP codes are used only for the "
        "estimate and never shown.",
    )
    if estimate:
        others = [c for c in columns if c not in protected]
        b1, b2, b3, b4 = st.columns(4)
        surname = b1.selectbox(
            "Surname column", others, index=others.index(found.surname), key="map_bisg_surname"
        )
        zipcode = b2.selectbox(
            "ZIP code column", others, index=others.index(found.zip), key="map_bisg_zip"
        )
        first_options = [NO_SCORE, *others]
        first = b3.selectbox(
            "First-name column (optional: BIFSG)",
            first_options,
            index=first_options.index(found.first_name) if found.first_name in others else 0,
            key="map_bisg_first",
        )
        estimator = b4.radio(
            "Estimator",
            ["weighted", "threshold", "both"],
            key="map_bisg_estimator",
            help="weighted soft counts tend to understate disparities; threshold assignment "
            "(≥ 0.8) tends to overstate them.",
        )
        bisg = {
            "bisg": f"surname={surname},zip={zipcode}"
            + (f",first_name={first}" if first != NO_SCORE else ""),
            "bisg_estimator": estimator,
        }

run = st.button("Run the audit", key="run_audit", type="primary")
if run and positive == CHOOSE_POSITIVE:
    st.error(
        "The audit needs to know which outcome is the favourable decision (or the flag): "
        "choose it above."
    )
elif run:
    bar = st.progress(0.0, text="Reading the file with DuckDB…")
    try:
        with audit_slots().slot(on_wait=lambda: bar.progress(0.0, text=BUSY_MESSAGE)):
            result = _state.workspace().audit(
                inspection.path,
                label=label,
                prediction=prediction,
                score=None if score == NO_SCORE else score,
                threshold=threshold,
                protected=protected,
                positive_label=None if positive == AUTOMATIC_POSITIVE else positive,
                policy=_state.policy(),
                progress=progress_callback(lambda f, m: bar.progress(f, text=m)),
                **(bisg or {}),
            )
    except auditor.AuditorError as error:
        bar.empty()
        st.error(f"The audit could not run: {md(error, limit=1000)}")
    except Exception as error:  # noqa: BLE001 - a message, never a traceback on the page
        bar.empty()
        st.error(
            f"The audit could not run: an unexpected {type(error).__name__} ({md(error, limit=1000)}). "
            "Please report it with the file's column names."
        )
    else:
        _state.set_audit(result, name=upload.name)
        bar.progress(1.0, text="Done")
        st.success(
            f"Audited {result.dataset.rows_used:,} rows"
            + (
                f" ({result.dataset.rows_excluded:,} excluded: missing or unreadable values)"
                if result.dataset.rows_excluded
                else ""
            )
            + "."
        )
        st.page_link(
            "pages/disparities.py", label="See the disparities", icon=":material/bar_chart:"
        )
