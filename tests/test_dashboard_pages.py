"""AppTest smoke tests: every dashboard page runs with a loaded sample and shows known values."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
COMPAS = ROOT / "sample_data" / "compas_predictions.csv"
PAGES = [
    "home",
    "upload",
    "disparities",
    "intersections",
    "scores",
    "privacy",
    "baseline",
    "compare",
    "report",
    "history",
]


@pytest.fixture(autouse=True)
def _private_store(tmp_path, monkeypatch):
    """Each test gets its own audit store (history and privacy ledger)."""
    monkeypatch.setenv("AUDITOR_STORE", str(tmp_path / "audits.duckdb"))
    monkeypatch.delenv("AUDITOR_SAMPLE", raising=False)


def _loaded(sample: str = "compas") -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.button(key=f"load_{sample}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _open(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _tables(at: AppTest) -> list:
    return [table.value for table in at.table]


def _row(table, group: str) -> dict:
    return table.loc[group].to_dict()


def _text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += (
        [e.value for e in at.info] + [e.value for e in at.success] + [e.value for e in at.error]
    )
    # The values are Markdown source, where names from the data are backslash-escaped
    # (dashboard.plaintext.md): compare the text as it is displayed.
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", "\n".join(str(p) for p in parts))


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_without_data(page):
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    _open(at, page)
    assert not at.error


def _cell(table, group: str, metric: str):
    """The value of ``metric`` (its statistical name, e.g. "false positive rate") in a group's
    row; headers name it in the data set's words first ("flagged high-risk among those who did
    not re-offend (false positive rate) (95% interval)")."""
    row = _row(table, group)
    (header,) = [h for h in row if f"{metric})" in h or h.startswith(f"{metric} (95%")]
    return row[header]


def test_loading_the_compas_sample_opens_disparities_with_propublica_fpr():
    at = _loaded()
    fpr = _cell(_tables(at)[0], "African-American", "false positive rate")
    assert fpr.startswith("42.3% (")
    # the decision's own rate comes first: "flagged high-risk", then the error rates
    assert at.selectbox(key="disp_metric").value == "selection_rate"
    at.selectbox(key="disp_metric").set_value("fpr").run()
    assert "1.9× as often as Caucasian defendants who did not re-offend (42.3% vs 22.0%)" in _text(
        at
    )


def test_switching_the_reference_recomputes_the_ratios():
    at = _open(_loaded(), "disparities")
    at.selectbox(key="disp_metric").set_value("fpr").run()  # the ratio column follows the metric
    table = _tables(at)[0]
    assert _row(table, "African-American")["÷ reference"] == "1.92×"
    assert _row(table, "Caucasian")["÷ reference"] == "reference"
    at.selectbox(key="reference_race").set_value("African-American").run()
    table = _tables(at)[0]
    assert _row(table, "African-American")["÷ reference"] == "reference"
    assert _row(table, "Caucasian")["÷ reference"] == "0.52×"


def test_undefined_rates_show_as_na_not_zero():
    at = _open(_loaded(), "intersections")
    at.selectbox(key="heat_metric").set_value("fpr").run()
    table = _tables(at)[-1]
    row = _row(table, "Native American × Female")
    assert row["false positive rate (95% interval)"] == "n/a"
    assert row["÷ reference"] == "n/a"
    assert "insufficient data" in row["notes"]


def test_an_invalid_policy_is_refused_with_a_message():
    at = _open(_loaded(), "disparities")
    at.text_area(key="policy_editor").set_value('name = "x"\n[[checks]]\nmetric = "nope"').run()
    at.button(key="apply_policy").click().run()
    assert any("The policy was not applied" in e.value for e in at.error)
    assert not at.exception


def test_a_stricter_policy_changes_the_verdicts_from_the_cached_counts():
    at = _open(_loaded(), "disparities")
    lenient = 'name = "Lenient"\n[[checks]]\nmetric = "selection_rate"\nrule = "ratio_at_least"\nbound = 0.1\n'
    at.text_area(key="policy_editor").set_value(lenient).run()
    at.button(key="apply_policy").click().run()
    assert "The model PASSES Lenient" in _text(at)


def test_moving_the_threshold_changes_the_rates():
    at = _open(_loaded(), "scores")
    assert at.slider(key="threshold").value == 5.0
    assert _cell(_tables(at)[0], "African-American", "false positive rate").startswith("42.3%")
    at.slider(key="threshold").set_value(7.0).run()
    assert _row(_tables(at)[0], "African-American")[
        "false positive rate (95% interval)"
    ].startswith("22.8%")


def test_intersections_and_scores_pages_draw_their_charts():
    at = _open(_loaded(), "intersections")
    assert at.selectbox(key="pair").options[0] == "race × sex"
    assert len(at.get("vega_lite_chart")) >= 1
    _open(at, "scores")
    assert len(at.get("vega_lite_chart")) == 5  # rates ×2, ROC, calibration, bin counts
    auc = _tables(at)[1]
    assert float(_row(auc, "African-American")["ROC AUC"]) == pytest.approx(0.704, abs=0.001)


def test_upload_suggests_the_mapping_and_audits_the_file():
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    _open(at, "upload")
    at.file_uploader(key="upload_file").set_value(
        ("compas_predictions.csv", COMPAS.read_bytes(), "text/csv")
    ).run()
    assert not at.exception
    assert at.selectbox(key="map_label").value == "two_year_recid"
    assert at.selectbox(key="map_prediction").value == "high_risk"
    assert set(at.multiselect(key="map_protected").value) == {"race", "sex", "age_cat"}
    at.button(key="run_audit").click().run()
    assert any("Audited 6,172 rows" in s.value for s in at.success)
    _open(at, "disparities")
    at.selectbox(key="disp_attribute").set_value("race").run()
    fpr = _cell(_tables(at)[0], "African-American", "false positive rate")
    assert fpr.startswith("42.3%")


def test_a_bad_upload_shows_an_error_not_a_traceback():
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    _open(at, "upload")
    at.file_uploader(key="upload_file").set_value(
        ("broken.csv", b"\x00\x01\x02binary\x00junk" * 50, "text/csv")
    ).run()
    assert not at.exception
    assert any("cannot be audited" in e.value for e in at.error)


def test_a_mapping_without_protected_attributes_is_refused_clearly():
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    _open(at, "upload")
    at.file_uploader(key="upload_file").set_value(
        ("compas_predictions.csv", COMPAS.read_bytes(), "text/csv")
    ).run()
    at.multiselect(key="map_protected").set_value([]).run()
    at.button(key="run_audit").click().run()
    assert not at.exception
    assert any("no protected attribute" in e.value for e in at.error)


def test_privacy_release_spends_budget_and_shows_exact_and_private_side_by_side():
    at = _open(_loaded(), "privacy")
    ledger = _tables(at)[0]
    assert ledger.loc["TOTAL"]["ε spent"] == "0"
    at.button(key="dp_release").click().run()
    assert not at.exception
    ledger = _tables(at)[0]
    assert ledger.loc["TOTAL"]["ε spent"] == "1"
    at.selectbox(key="dp_metric").set_value("fpr").run()
    comparison = _tables(at)[1]
    assert _row(comparison, "African-American")["EXACT false positive rate"] == "42.3%"
    assert _row(comparison, "African-American")["PRIVATE n (noisy)"].startswith("≈")
    # The release is recorded: the history (of data this session holds) lists it.
    _open(at, "history")
    history = _tables(at)[0]
    assert "differentially private" in set(history["mode"])


def test_report_offers_json_and_pdf_downloads_and_saves_to_history():
    at = _open(_loaded(), "report")
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Download the audit JSON" in labels
    assert "Download the audit PDF" in labels
    assert "Download the group tables as CSV" in labels
    at.button(key="save_history").click().run()
    assert any("Saved as" in s.value for s in at.success)
    _open(at, "history")
    assert at.selectbox(key="history_pick").options
    assert "The model FAILS" in _text(at)


def test_samples_use_their_own_vocabulary():
    at = _open(_loaded("adult"), "disparities")
    assert "earned $50K or less" in _text(at) or "were predicted to earn over $50K" in _text(at)


def test_two_sessions_never_see_each_others_uploads():
    alice = AppTest.from_file(str(APP), default_timeout=60).run()
    _open(alice, "upload")
    alice.file_uploader(key="upload_file").set_value(
        ("compas_predictions.csv", COMPAS.read_bytes(), "text/csv")
    ).run()
    alice.button(key="run_audit").click().run()
    bob = AppTest.from_file(str(APP), default_timeout=60).run()
    _open(bob, "disparities")
    assert any("No data is loaded yet" in i.value for i in bob.info)
    _open(bob, "upload")
    assert "inspection" not in bob.session_state
    assert "workspace" not in bob.session_state  # made on a session's first upload
    bob.file_uploader(key="upload_file").set_value(
        ("bob.csv", b"y,p,group\n1,1,a\n0,0,b\n", "text/csv")
    ).run()
    alice_space, bob_space = alice.session_state["workspace"], bob.session_state["workspace"]
    assert alice_space.directory != bob_space.directory
    assert alice_space.connection is not bob_space.connection
    assert [p.name for p in (alice_space.directory / "uploads").iterdir()] == [
        "compas_predictions.csv"
    ]
    assert [p.name for p in (bob_space.directory / "uploads").iterdir()] == ["bob.csv"]
    assert alice.session_state["inspection"].columns != bob.session_state["inspection"].columns


def test_auditor_sample_environment_variable_preloads_the_sample(monkeypatch):
    monkeypatch.setenv("AUDITOR_SAMPLE", "adult")
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert any("Adult income predictions" in s.value for s in at.success)
    _open(at, "disparities")
    assert at.selectbox(key="disp_attribute").options == ["sex", "race", "age_group"]


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl", ".csv.gz", ".tsv"])
def test_upload_accepts_every_supported_format(suffix, tmp_path):
    import gzip

    import pandas as pd

    frame = pd.read_csv(COMPAS)
    path = tmp_path / f"compas{suffix}"
    if suffix == ".parquet":
        frame.to_parquet(path)
    elif suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True)
    elif suffix == ".csv.gz":
        path.write_bytes(gzip.compress(COMPAS.read_bytes()))
    else:
        frame.to_csv(path, sep="\t", index=False)
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    _open(at, "upload")
    at.file_uploader(key="upload_file").set_value(
        (path.name, path.read_bytes(), "application/octet-stream")
    ).run()
    assert not at.error, [e.value for e in at.error]
    at.multiselect(key="map_protected").set_value(["race"]).run()
    at.button(key="run_audit").click().run()
    assert any("Audited 6,172 rows" in s.value for s in at.success), [e.value for e in at.error]
    _open(at, "disparities")
    assert _cell(_tables(at)[0], "African-American", "false positive rate").startswith("42.3%")


def test_the_intersection_reference_follows_the_attribute_references():
    at = _open(_loaded(), "intersections")
    table = _tables(at)[-1]
    assert _row(table, "Caucasian × Male")["÷ reference"] == "reference"
    _open(at, "disparities")
    at.selectbox(key="reference_race").set_value("Hispanic").run()
    _open(at, "intersections")
    assert _row(_tables(at)[-1], "Hispanic × Male")["÷ reference"] == "reference"


def test_a_release_beyond_the_budget_is_refused_with_a_message():
    at = _open(_loaded(), "privacy")
    at.number_input(key="dp_budget").set_value(1.5).run()
    at.button(key="dp_release").click().run()
    assert any("Released with ε = 1" in s.value for s in at.success)
    at.button(key="dp_release").click().run()
    assert not at.exception
    assert any(e.value.startswith("No release was made:") for e in at.error)
    assert _tables(at)[0].loc["TOTAL"]["ε spent"] == "1"


def test_upload_with_a_score_and_a_threshold_instead_of_a_prediction():
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    _open(at, "upload")
    at.file_uploader(key="upload_file").set_value(
        ("compas_predictions.csv", COMPAS.read_bytes(), "text/csv")
    ).run()
    at.radio(key="map_mode").set_value("Score and threshold").run()
    at.selectbox(key="map_score").set_value("decile_score")
    at.number_input(key="map_threshold").set_value(5.0)
    at.multiselect(key="map_protected").set_value(["race"]).run()
    at.button(key="run_audit").click().run()
    assert any("Audited 6,172 rows" in s.value for s in at.success), [e.value for e in at.error]
    assert at.session_state["audit"].mapping.prediction is None
    _open(at, "disparities")
    # high_risk is defined as decile_score >= 5, so the rates agree.
    assert _cell(_tables(at)[0], "African-American", "false positive rate").startswith("42.3%")


@pytest.mark.slow
def test_input_vs_output_page_runs_the_adult_study():
    at = AppTest.from_file(str(APP), default_timeout=180).run()
    _open(at, "baseline")
    at.button(key="run_baseline").click().run()
    assert not at.exception and not at.error
    table = _tables(at)[0]
    assert list(table.index) == [
        "Aware (uses sex)",
        "Unaware (sex dropped)",
        "Unaware, proxies dropped",
        "Output-constrained",
    ]
    assert table.loc["Unaware (sex dropped)", "four-fifths rule"] == "fails"
    assert table.loc["Output-constrained", "four-fifths rule"] == "meets"
    assert len(at.get("vega_lite_chart")) == 1


@pytest.mark.parametrize(
    ("page", "key"),
    [("intersections", "heat_metric"), ("privacy", "dp_metric"), ("disparities", "disp_metric")],
)
def test_pages_open_on_the_decision_rate_not_the_false_positive_rate(page, key):
    """The default metric follows the decision (issue 14): the selection rate first."""
    at = _open(_loaded(), page)
    if page == "privacy":
        at.button(key="dp_release").click().run()  # the metric choice comes with a release
    assert not at.exception
    assert at.selectbox(key=key).value == "selection_rate"
