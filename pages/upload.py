"""Upload & map: a prediction file, its preview, the column roles, and the audit run."""

import streamlit as st

import auditor
from dashboard import state as _state
from dashboard.audit_slots import BUSY_MESSAGE, audit_slots
from dashboard.bins import BIN_CHOICES, EDGES, bins_request, numeric_columns, preview_values
from dashboard.bisg import suggest_bisg_columns
from dashboard.mapping import (
    AUTOMATIC_POSITIVE,
    CHOOSE_POSITIVE,
    NO_LABEL,
    decision_has_own_values,
    decision_values_column,
    positive_choices,
    suggest_mapping,
)
from dashboard.plaintext import md
from dashboard.progress import progress_callback
from dashboard.words import DIRECTIONS, FAVOURABLE, UNFAVOURABLE, suggest_words, words_vocabulary
from dashboard.workspace import UPLOAD_TYPES

_state.require_entrypoint(__file__)

NO_SCORE = "(none)"
# The mapping's widget values, kept across page switches (Streamlit forgets a widget's value
# when its page is not shown). A comment, not a docstring: Streamlit would print a bare string.
SAVED_MAPPING = "saved_mapping"

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
    st.session_state.pop(SAVED_MAPPING, None)
    st.session_state.pop("words_for", None)
    for key in [k for k in st.session_state if str(k).startswith("map_")]:
        del st.session_state[key]
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


if upload is None and "inspection" not in st.session_state:
    st.stop()

if upload is not None and st.session_state.get("inspected_file") != upload.file_id:
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
file_name = inspection.name or (upload.name if upload is not None else "the file")
# Back from another page: the file and its mapping are still here (not the widget's copy).
for key, value in st.session_state.get(SAVED_MAPPING, {}).items():
    if key not in st.session_state:
        st.session_state[key] = value
if upload is None:
    kept, forget = st.columns([4, 1])
    kept.info(
        f"**{md(file_name)}** is loaded ({inspection.rows or 0:,} rows). Change the mapping "
        "below and run the audit again, or upload another file above."
    )
    if forget.button("Remove this file", key="upload_forget"):
        for key in ["inspection", "inspected_file", SAVED_MAPPING, "words_for"]:
            st.session_state.pop(key, None)
        st.rerun()
columns = list(inspection.columns)
st.caption(
    f"**{md(file_name)}** · {inspection.rows or 0:,} rows · {inspection.format} · "
    f"{len(columns)} columns · first rows, in file order:"
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
        "prediction column uses the same values, or you name its own. 1, true and yes are "
        "taken automatically; for other values, choose: a wrong choice turns approval rates into denial rates.",
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
    positive_prediction = None
    if mode == "Prediction column":
        prediction = st.selectbox("Prediction column", columns, key="map_prediction")
        decision_values = sorted(
            inspection.preview[prediction].dropna().astype(str).str.strip().unique()
        )
        if label is not None and decision_has_own_values(label_values, decision_values):
            decision_options, decision_default = positive_choices(decision_values)
            if st.session_state.get("map_positive_prediction") not in decision_options:
                st.session_state["map_positive_prediction"] = decision_default
            positive_prediction = st.selectbox(
                f"The decision's values differ from the outcome's: which one goes with "
                f"“{md(positive)}”?"
                if positive not in (AUTOMATIC_POSITIVE, CHOOSE_POSITIVE)
                else "The decision's values differ from the outcome's: which one is positive?",
                decision_options,
                key="map_positive_prediction",
                help="E.g. credit good/bad and decision approved/denied: 'approved' goes with "
                "'good'. True positive rates are then the share approved among good credit.",
            )
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

st.subheader("The decision and the outcome in your words")
st.caption(
    "Every sentence, table header, chart and the PDF use these words, e.g. “women who had good "
    "credit were denied 2.4× as often as men who had good credit”."
)
named_positive = None if positive in (AUTOMATIC_POSITIVE, CHOOSE_POSITIVE) else positive
decision_column = prediction if mode == "Prediction column" else score
words_for = (label, decision_column, named_positive)
if st.session_state.get("words_for") != words_for:
    guess = suggest_words(
        label=label,
        prediction=None if decision_column == NO_SCORE else decision_column,
        positive=named_positive,
        values_column=values_column,
        other=next((v for v in label_values if v != named_positive), None)
        if named_positive is not None and len(label_values) == 2
        else None,
    )
    st.session_state["words_for"] = words_for
    st.session_state["map_decision_name"] = guess.decision
    st.session_state["map_not_decision"] = guess.not_decision
    st.session_state["map_outcome_name"] = guess.outcome
    st.session_state["map_not_outcome"] = guess.not_outcome
    st.session_state["map_direction"] = FAVOURABLE if guess.favourable else UNFAVOURABLE
    st.session_state.setdefault("map_people", "people")
w1, w2, w3 = st.columns(3)
decision_name = w1.text_input(
    "The positive decision in words",
    key="map_decision_name",
    help="What the positive value means for the person: approved, hired, flagged high risk.",
)
not_decision = w2.text_input(
    "The other decision", key="map_not_decision", help="e.g. denied, not hired, rated low risk"
)
direction = w3.radio(
    "For the person, the positive decision is…",
    DIRECTIONS,
    key="map_direction",
    help="The four-fifths rule compares rates of the favourable decision: for an unfavourable "
    "one (flagged high risk) it is computed on the share not flagged.",
)
outcome_name = not_outcome = ""
if label is not None:
    outcome_name = w1.text_input(
        "The positive true outcome in words",
        key="map_outcome_name",
        help="e.g. repaid, good credit, re-offended",
    )
    not_outcome = w2.text_input(
        "The other outcome", key="map_not_outcome", help="e.g. defaulted, bad credit"
    )
people = w3.text_input("Who the rows are", key="map_people", help="e.g. applicants, defendants")

bin_choices: dict[str, tuple[str, str]] = {}
for column in numeric_columns(inspection.preview, protected):
    b1, b2 = st.columns(2)
    choice = b1.selectbox(
        f"{md(column)} is a number with many values: count it as",
        BIN_CHOICES,
        key=f"map_bin_{column}",
        help="One group per value gives dozens of tiny groups, each too small to judge. The "
        "bands are computed in the database query.",
    )
    edges = b2.text_input(
        "Edges (25, 40, 60 → <25, 25-39, 40-59, 60+)",
        key=f"map_edges_{column}",
        disabled=choice != EDGES,
    )
    bin_choices[column] = (choice, edges)

group_order: dict[str, list[str]] = {}
unbinned = [c for c in protected if c not in bin_choices]
if unbinned and st.checkbox(
    "Set the order of the groups in tables, charts and the PDF myself",
    key="map_set_order",
    help="Ordered buckets (<25, 25-39, 40-59, 60+) are put in order automatically.",
):
    with st.container(border=True):
        st.caption("Pick the groups in the order you want; the others follow.")
        for column in unbinned:
            picked = st.multiselect(
                f"Order of {md(column)}",
                preview_values(inspection.preview, column),
                key=f"map_order_{column}",
            )
            if picked:
                group_order[column] = picked

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

st.session_state[SAVED_MAPPING] = {
    key: st.session_state[key] for key in list(st.session_state) if str(key).startswith("map_")
}
run = st.button("Run the audit", key="run_audit", type="primary")
if run and CHOOSE_POSITIVE in (positive, positive_prediction):
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
                vocabulary=words_vocabulary(
                    decision=decision_name,
                    not_decision=not_decision,
                    outcome=outcome_name,
                    not_outcome=not_outcome,
                    people=people,
                ),
                decision_favourable=direction == FAVOURABLE,
                bins=bins_request(bin_choices),
                group_order=group_order or None,
                label=label,
                prediction=prediction,
                score=None if score == NO_SCORE else score,
                threshold=threshold,
                protected=protected,
                positive_label=None if positive == AUTOMATIC_POSITIVE else positive,
                positive_prediction=(
                    None
                    if positive_prediction in (None, AUTOMATIC_POSITIVE)
                    else positive_prediction
                ),
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
        _state.set_audit(result, name=file_name)
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
