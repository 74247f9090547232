"""The Privacy page lets the user declare public group values (issue #16): prefilled from the
values seen, with a note that declaring is a promise; partition selection only for the
attributes not declared; declared attributes never show "(other)"; honest wording of δ."""

from __future__ import annotations

import pytest

from .test_dashboard_pages import _loaded, _open, _tables, _text


@pytest.fixture(autouse=True)
def _private_store(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDITOR_STORE", str(tmp_path / "audits.duckdb"))
    monkeypatch.delenv("AUDITOR_SAMPLE", raising=False)


def test_declared_values_are_prefilled_released_as_declared_and_never_pooled():
    at = _open(_loaded(), "privacy")
    assert "promise that they are public" in _text(at)
    race = at.multiselect(key="dp_values_race")
    assert "African-American" in race.value and "Native American" in race.value  # seen values
    assert "ε = 1, δ = 0 (pure ε-DP)" in _text(at)  # everything declared: no δ
    at.multiselect(key="dp_values_sex").set_value(["Male", "Female"]).run()
    at.button(key="dp_release").click().run()
    assert not at.exception, [e.value for e in at.exception]
    private = at.session_state["private_result"][1]
    domain = private.privacy["group_domain"]
    assert domain["source"] == "declared" and "(other)" not in domain["levels"]["sex"]
    assert "Native American" in domain["levels"]["race"]  # small but declared: still shown
    at.selectbox(key="dp_attribute").set_value("sex").run()
    comparison = _tables(at)[1]
    assert set(comparison.index) == {"Male", "Female"}  # two declared values, no "(other)"


def test_an_undeclared_attribute_goes_through_partition_selection_and_says_delta():
    at = _open(_loaded(), "privacy")
    at.checkbox(key="dp_declare_race").uncheck().run()
    assert "ε = 1, δ = 1e-6 from choosing the groups" in _text(at)
    at.button(key="dp_release").click().run()
    assert not at.exception, [e.value for e in at.exception]
    private = at.session_state["private_result"][1]
    assert private.privacy["group_domain"]["source"] == "declared_and_selected"
    assert private.privacy["partition_selection"]["attributes"] == ["race"]
    assert private.privacy["guarantee"] == "ε = 1, δ = 1e-6 from choosing the groups"
    assert any("from choosing the groups" in s.value for s in at.success)
    assert private.to_dict()["dataset"]["sha256"] is None


def test_the_user_chooses_what_the_budget_measures_and_the_release_says_so():
    at = _open(_loaded(), "privacy")
    workload = at.radio(key="dp_workload")
    assert workload.value == "marginals"  # the default, as in the CLI
    assert "Single attributes most precisely" in workload.options
    workload.set_value("attributes").run()
    at.button(key="dp_release").click().run()
    assert not at.exception, [e.value for e in at.exception]
    private = at.session_state["private_result"][1]
    assert private.privacy["workload"] == "attributes"
    assert any("single attributes most precisely" in s.value for s in at.success)
    assert private.to_dict()["privacy"]["workload"] == "attributes"


def test_the_private_document_is_written_once_per_release(monkeypatch):
    import json

    import auditor
    from dashboard.state import PRIVATE_DOCUMENT

    at = _open(_loaded(), "privacy")
    written = []
    real = auditor.AuditResult.to_dict

    def counted(result, *args, **kwargs):  # the real method, counted for private results
        if result.is_private:
            written.append(result)
        return real(result, *args, **kwargs)

    monkeypatch.setattr(auditor.AuditResult, "to_dict", counted)
    at.button(key="dp_release").click().run()
    private = at.session_state["private_result"][1]
    # one JSON per release: the ledger's history record and the pages share it
    assert written == [private]
    kept = at.session_state[PRIVATE_DOCUMENT][1]
    assert json.dumps(kept, sort_keys=True) == json.dumps(private.to_dict(), sort_keys=True)
    at.selectbox(key="dp_attribute").set_value("sex").run()  # a rerun of the page
    _open(at, "report")
    at.radio(key="report_which").set_value(at.radio(key="report_which").options[1]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state[PRIVATE_DOCUMENT][1] is kept
    # a new release writes its own
    _open(at, "privacy")
    at.button(key="dp_release").click().run()
    assert at.session_state[PRIVATE_DOCUMENT][1] is not kept


def _cost_table(at):
    at.button(key="dp_cost").click().run()
    assert not at.exception, [e.value for e in at.exception]
    (table,) = [t for t in _tables(at) if t.index.name == "release"]
    return table


def test_the_cost_of_epsilon_is_shown_for_the_release_chosen_declared_values_included():
    at = _open(_loaded(), "privacy")
    at.button(key="dp_release").click().run()  # the cost table is shown after a release
    at.selectbox(key="dp_attribute").set_value("race").run()
    declared = _cost_table(at)
    assert "Native American" in declared.columns  # a small group of a declared value
    assert "pooled" not in declared.to_string()  # a declared value is never pooled
    assert all(v == "not estimable" or v.startswith("±") for v in declared.loc["ε = 0.1"])
    # "not estimable" is said of the metric shown: Asian's selection rate is shown at ε = 5
    # while other rates of the group (TPR, PPV, …) are not estimable
    assert declared.loc["ε = 5", "Asian"].startswith("±")
    # the table belongs to its settings: undeclaring race hides it until it is computed again
    at.checkbox(key="dp_declare_race").uncheck().run()
    assert all(t.index.name != "release" for t in _tables(at))
    selected = _cost_table(at)
    assert selected.loc["ε = 0.1", "Native American"] == "pooled"  # partition selection
