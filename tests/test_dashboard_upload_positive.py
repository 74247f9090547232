"""Upload page: the favourable outcome is asked in words, defaulted only where the values say it."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"


@pytest.fixture(autouse=True)
def _private_store(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDITOR_STORE", str(tmp_path / "audits.duckdb"))
    monkeypatch.delenv("AUDITOR_SAMPLE", raising=False)


def _csv(good: str, bad: str) -> bytes:
    rows = ["credit_risk,predicted,sex"]
    # 40 women: 30 approved by the model; 40 men: 20 approved. 'bad' is the rarer label.
    for i in range(40):
        rows.append(f"{good if i < 28 else bad},{good if i < 30 else bad},female")
        rows.append(f"{good if i < 25 else bad},{good if i < 20 else bad},male")
    return ("\n".join(rows) + "\n").encode()


def _upload(data: bytes) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.switch_page("pages/upload.py").run()
    at.file_uploader(key="upload_file").set_value(("credit.csv", data, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    at.multiselect(key="map_protected").set_value(["sex"]).run()
    return at


def test_good_and_bad_default_to_good_and_selection_rates_are_approval_rates():
    at = _upload(_csv("good", "bad"))
    assert at.selectbox(key="map_positive").value == "good"
    at.button(key="run_audit").click().run()
    assert any("Audited 80 rows" in s.value for s in at.success)
    result = at.session_state["audit"]
    female = result.breakdown("sex").group(sex="female")
    assert female.metrics["selection_rate"] == pytest.approx(30 / 40)


def test_values_that_do_not_say_it_must_be_chosen_before_the_audit_runs():
    at = _upload(_csv("A", "B"))
    assert at.selectbox(key="map_positive").value == "(choose the value)"
    assert at.warning, "the page asks which value is favourable"
    at.button(key="run_audit").click().run()
    assert any("favourable decision" in e.value for e in at.error)
    assert not any("Audited" in s.value for s in at.success)
    at.selectbox(key="map_positive").set_value("A").run()
    at.button(key="run_audit").click().run()
    assert any("Audited 80 rows" in s.value for s in at.success)


def test_a_decision_in_other_words_than_the_outcome_gets_its_own_positive():
    # credit good/bad, decision approved/denied: the page asks which decision goes with "good"
    rows = ["credit,decision,sex"]
    for i in range(40):
        rows.append(f"{'good' if i < 20 else 'bad'},{'approved' if i < 30 else 'denied'},female")
        rows.append(f"{'good' if i < 20 else 'bad'},{'approved' if i < 15 else 'denied'},male")
    at = _upload(("\n".join(rows) + "\n").encode())
    at.selectbox(key="map_label").set_value("credit").run()
    at.selectbox(key="map_prediction").set_value("decision").run()
    assert at.selectbox(key="map_positive").value == "good"
    assert at.selectbox(key="map_positive_prediction").value == "approved"
    at.button(key="run_audit").click().run()
    assert not at.error, [e.value for e in at.error]
    female = at.session_state["audit"].breakdown("sex").group(sex="female")
    assert female.metrics["selection_rate"] == pytest.approx(30 / 40)
    assert female.metrics["tpr"] == pytest.approx(20 / 20)  # every good-credit woman approved
    assert female.metrics["fpr"] == pytest.approx(10 / 20)
