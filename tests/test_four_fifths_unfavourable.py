"""The four-fifths rule compares rates of the *favourable* outcome: on an unfavourable decision
("flagged high risk") it is judged on the complement (not flagged), never on the flag rate."""

from __future__ import annotations

import pandas as pd
import pytest

import auditor
from auditor.adverse_impact import impact_ratios
from auditor.policy import Policy, PolicyCheck
from auditor.samples import get_sample

FOUR_FIFTHS = Policy(
    name="four-fifths",
    checks=(PolicyCheck(metric="selection_rate", rule="ratio_at_least", bound=0.8),),
)


def _flags() -> pd.DataFrame:
    """Group A flagged 60 of 100, group B flagged 20 of 100 (not flagged: 40 % vs 80 %)."""
    rows = []
    for group, flagged in (("A", 60), ("B", 20)):
        rows += [{"g": group, "flag": 1, "y": 1}] * flagged
        rows += [{"g": group, "flag": 0, "y": 0}] * (100 - flagged)
    return pd.DataFrame(rows)


def _check(result):
    return result.to_dict()["policy"]["checks"][0]


def test_a_favourable_decision_is_judged_on_its_selection_rate():
    result = auditor.audit(
        _flags(), label="y", prediction="flag", protected="g", policy=FOUR_FIFTHS
    )
    check = _check(result)
    # B is "selected" 20 % vs A 60 %: impact ratio 1/3, a fail — right for an approval
    assert check["value"] == pytest.approx(20 / 60)
    assert check["outcome"] == "fail"
    assert "judged_on" not in check


def test_an_unfavourable_decision_is_judged_on_the_favourable_complement():
    result = auditor.audit(
        _flags(),
        label="y",
        prediction="flag",
        protected="g",
        policy=FOUR_FIFTHS,
        decision_favourable=False,
    )
    check = _check(result)
    # not flagged: A 40 %, B 80 % → A's ratio 0.5 — A is the harmed group, not B
    assert check["value"] == pytest.approx(0.4 / 0.8)
    assert check["worst_group"] == {"g": "A"}
    assert check["comparison_group"] == {"g": "B"}
    assert check["outcome"] == "fail"
    assert check["judged_on"] == "favourable_complement"
    assert "favourable complement" in check["description"]
    # the table's impact ratios say the same as the verdict (independent arithmetic)
    expected = impact_ratios(selected=[40, 80], total=[100, 100]).ratios
    breakdown = result.to_dict()["breakdowns"][0]
    assert breakdown["impact_ratio_rate"] == "favourable_complement"
    assert [g["impact_ratio"] for g in breakdown["groups"]] == pytest.approx(list(expected))
    # the selection rate itself is still the flag rate
    assert [g["metrics"]["selection_rate"] for g in breakdown["groups"]] == [0.6, 0.2]


def test_the_direction_survives_reaudit_and_a_private_release():
    from dashboard.views import private_view

    result = auditor.audit(
        _flags(),
        label="y",
        prediction="flag",
        protected="g",
        policy=FOUR_FIFTHS,
        decision_favourable=False,
    )
    again = auditor.reaudit(result, reference={"g": "B"})
    assert _check(again)["judged_on"] == "favourable_complement"
    released = private_view(result, epsilon=50.0, seed=1, categories={"g": ["A", "B"]})
    assert _check(released)["judged_on"] == "favourable_complement"
    assert _check(released)["worst_group"] == {"g": "A"}


def test_error_rate_checks_keep_their_metric():
    policy = Policy(
        name="fpr",
        checks=(PolicyCheck(metric="fpr", rule="ratio_at_most", bound=1.25),),
    )
    frame = _flags()
    result = auditor.audit(
        frame, label="y", prediction="flag", protected="g", policy=policy, decision_favourable=False
    )
    assert "judged_on" not in _check(result)


def test_the_compas_sample_judges_not_flagged_and_african_american_defendants_fail():
    result = get_sample("compas").audit(policy=FOUR_FIFTHS)
    race = next(c for c in result.to_dict()["policy"]["checks"] if c["by"] == ["race"])
    assert race["judged_on"] == "favourable_complement"
    breakdown = result.breakdown("race")
    not_flagged = {
        g.key["race"]: 1 - g.metrics["selection_rate"]
        for g in breakdown.groups
        if "insufficient_data" not in g.flags
    }
    best = max(not_flagged.values())
    assert race["value"] == pytest.approx(min(not_flagged.values()) / best)
    assert race["worst_group"] == {"race": "African-American"}


def test_the_verdict_sentence_names_the_complement():
    from auditor.narrative import verdict_sentence

    document = get_sample("compas").audit(policy=FOUR_FIFTHS).to_dict()
    sentence = verdict_sentence(document)
    assert "impact ratio of the share not flagged high-risk by race (0.533; bound 0.8)" in sentence


def _cli_check(tmp_path, *extra: str) -> dict:
    import json

    from auditor.cli import main

    flags = tmp_path / "flags.csv"
    _flags().to_csv(flags, index=False)
    policy = tmp_path / "four_fifths.toml"
    policy.write_text(
        'name = "four-fifths"\n[[checks]]\nmetric = "selection_rate"\n'
        'rule = "ratio_at_least"\nbound = 0.8\n'
    )
    out = tmp_path / "audit.json"
    code = main(
        ["audit", str(flags), "--label", "y", "--prediction", "flag", "--protected", "g"]
        + ["--policy", str(policy), "--json", str(out), "--quiet", *extra]
    )
    assert code == 1
    return json.loads(out.read_text())["policy"]["checks"][0]


def test_the_compas_words_make_the_decision_unfavourable_unless_stated(tmp_path):
    # "--vocabulary compas" calls the decision "flagged high-risk": judging a shortfall of
    # flags with the four-fifths rule would fail the group flagged *less* (B), a wrong verdict
    check = _cli_check(tmp_path, "--vocabulary", "compas")
    assert check["judged_on"] == "favourable_complement"
    assert check["worst_group"] == {"g": "A"}
    stated = _cli_check(tmp_path, "--vocabulary", "compas", "--decision-direction", "favourable")
    assert "judged_on" not in stated
    assert stated["worst_group"] == {"g": "B"}
    assert "judged_on" not in _cli_check(tmp_path)
