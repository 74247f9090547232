"""`evidence = "interval"` for the audit's own checks: fail only on evidence, pass only on
evidence, otherwise not evaluable (exit code 3); refused for comparison rules and DP releases."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import auditor
from auditor.cli import main
from auditor.evidence import judge_interval
from auditor.policy import Policy


def _frame(groups):
    """groups: name -> (selected, total); everyone's label is 1 (labels do not matter here)."""
    rows = []
    for name, (selected, total) in groups.items():
        rows += [{"g": name, "y": 1, "p": 1}] * selected + [{"g": name, "y": 1, "p": 0}] * (
            total - selected
        )
    return pd.DataFrame(rows)


def _four_fifths(evidence, **extra):
    return Policy.from_dict(
        {
            "checks": [
                {
                    "metric": "selection_rate",
                    "rule": "ratio_at_least",
                    "bound": 0.8,
                    "evidence": evidence,
                    **extra,
                }
            ]
        }
    )


@pytest.mark.parametrize(
    "interval,rule,expected",
    [
        ((0.6, 0.75), "ratio_at_least", "fail"),
        ((0.7, 0.9), "ratio_at_least", "not_evaluable"),
        ((0.82, 1.1), "ratio_at_least", "pass"),
        ((0.25, 0.3), "at_most", "fail"),
        ((0.1, 0.25), "at_most", "not_evaluable"),
        ((0.1, 0.19), "at_most", "pass"),
        (None, "at_most", "not_evaluable"),
    ],
)
def test_judging_an_interval(interval, rule, expected):
    bound = 0.8 if rule == "ratio_at_least" else 0.2
    assert judge_interval(interval, rule=rule, bound=bound)[0] == expected


def test_an_impact_ratio_of_0_7_fails_on_points_but_is_inconclusive_with_40_people():
    frame = _frame({"A": (20, 40), "B": (14, 40)})  # 0.35 / 0.50 = 0.70
    point = auditor.audit(
        frame, label="y", prediction="p", protected="g", policy=_four_fifths("point")
    )
    assert point.policy.checks[0].outcome == "fail"
    evidence = auditor.reaudit(point, policy=_four_fifths("interval"))
    check = evidence.policy.checks[0]
    # Katz: exp(ln 0.7 ± 1.96·√(1/14 − 1/40 + 1/20 − 1/40)) = (0.42, 1.17), straddles 0.8
    se = math.sqrt(1 / 14 - 1 / 40 + 1 / 20 - 1 / 40)
    assert check.interval == pytest.approx(
        (0.7 * math.exp(-1.959964 * se), 0.7 * math.exp(1.959964 * se)), rel=1e-5
    )
    assert check.outcome == "not_evaluable" and "inconclusive" in check.reason
    assert check.inconclusive_groups == ({"g": "B"},)
    assert evidence.exit_code == 3
    lenient = auditor.reaudit(point, policy=_four_fifths("interval", inconclusive="pass"))
    assert lenient.policy.checks[0].outcome == "pass"


def test_the_same_ratio_with_8000_people_fails_on_evidence():
    frame = _frame({"A": (2000, 4000), "B": (1400, 4000)})
    result = auditor.audit(
        frame, label="y", prediction="p", protected="g", policy=_four_fifths("interval")
    )
    check = result.policy.checks[0]
    assert check.outcome == "fail" and check.interval[1] < 0.8
    assert result.exit_code == 1


def test_a_ratio_near_one_passes_on_evidence_only_when_the_interval_is_inside():
    frame = _frame({"A": (2000, 4000), "B": (1900, 4000)})  # 0.95, interval ≈ (0.91, 0.99)
    result = auditor.audit(
        frame, label="y", prediction="p", protected="g", policy=_four_fifths("interval")
    )
    assert result.policy.checks[0].outcome == "pass"


def test_summary_checks_on_evidence_use_a_bootstrap_over_groups_with_enough_data(tmp_path):
    frame = _frame({"A": (60, 100), "B": (45, 100), "tiny": (0, 5)})
    policy = tmp_path / "p.toml"
    policy.write_text(
        '[[checks]]\nmetric = "demographic_parity_difference"\nrule = "at_most"\n'
        'bound = 0.1\nevidence = "interval"\n'
    )
    csv = tmp_path / "f.csv"
    frame.to_csv(csv, index=False)
    out = tmp_path / "a.json"
    argv = ["audit", str(csv), "--label", "y", "--prediction", "p", "--protected", "g"]
    assert main([*argv, "--policy", str(policy), "--json", str(out), "--quiet"]) == 3
    import json

    check = json.loads(out.read_text())["policy"]["checks"][0]
    # 0.60 − 0.45 = 0.15 over A and B (tiny left out); the interval straddles 0.1
    assert check["value"] == pytest.approx(0.15)
    assert check["interval"][0] < 0.1 < check["interval"][1]
    assert check["outcome"] == "not_evaluable" and check["passed"] is None
    assert check["skipped_groups"] == [{"g": "tiny"}]


def test_comparison_rules_are_refused_by_an_audit_with_the_fix():
    with pytest.raises(auditor.PolicyError, match="auditor compare"):
        Policy.from_dict({"checks": [{"metric": "fnr", "rule": "no_worse_than_baseline"}]})


def test_evidence_on_a_private_release_is_not_evaluable():
    frame = _frame({"A": (2000, 4000), "B": (1400, 4000)})
    result = auditor.audit(
        frame,
        label="y",
        prediction="p",
        protected="g",
        policy=_four_fifths("interval"),
        epsilon=1.0,
        seed=1,
        categories={"g": ["A", "B"]},
    )
    check = result.policy.checks[0]
    assert check.outcome == "not_evaluable" and "differentially private" in check.reason
