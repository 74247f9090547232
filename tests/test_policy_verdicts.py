"""Output specifications: parsing, verdicts, and errors that name the fix."""

from __future__ import annotations

import pandas as pd
import pytest

import auditor
from auditor.policy import Policy, PolicyCheck, evaluate_policy, load_policy

from .conftest import POLICY

# A: selection 3/4; B: selection 1/4 -> ratio 1/3 ; C small (n=2) with selection 0
FRAME = pd.DataFrame(
    {
        "g": ["A"] * 4 + ["B"] * 4 + ["C"] * 2,
        "y": [1, 1, 0, 0, 1, 0, 0, 0, 1, 0],
        "p": [1, 1, 1, 0, 1, 0, 0, 0, 0, 0],
    }
)


def _breakdowns(**options):
    return auditor.audit(
        FRAME, label="y", prediction="p", protected="g", min_group_size=3, **options
    ).breakdowns


def test_four_fifths_fails_with_worst_group_named():
    result = evaluate_policy(auditor.FOUR_FIFTHS, _breakdowns())
    (check,) = result.checks
    assert not result.passed and check.status == "fail"
    assert check.value == pytest.approx((1 / 4) / (3 / 4))
    assert check.worst_group == {"g": "B"}
    # C has insufficient data: left out of the verdict, and listed
    assert check.skipped_groups == ({"g": "C"},)


def test_small_groups_can_be_included():
    policy = Policy(
        checks=(
            PolicyCheck(
                metric="selection_rate", rule="ratio_at_least", bound=0.3, include_small_groups=True
            ),
        )
    )
    (check,) = evaluate_policy(policy, _breakdowns()).checks
    assert check.value == 0.0 and check.worst_group == {"g": "C"}


def test_ratio_passes_when_bound_is_low_enough():
    policy = Policy(
        checks=(PolicyCheck(metric="selection_rate", rule="ratio_at_least", bound=0.3),)
    )
    assert evaluate_policy(policy, _breakdowns()).passed


def test_compare_to_max_and_difference_rule():
    policy = Policy(
        checks=(
            PolicyCheck(
                metric="selection_rate", rule="difference_at_most", bound=0.4, compare_to="max"
            ),
        )
    )
    (check,) = evaluate_policy(policy, _breakdowns(reference={"g": "B"})).checks
    # against the max (A: 3/4) B differs by 1/2 > 0.4
    assert check.value == pytest.approx(0.5) and not check.passed


def test_summary_rule():
    policy = Policy(
        checks=(PolicyCheck(metric="demographic_parity_difference", rule="at_most", bound=0.8),)
    )
    (check,) = evaluate_policy(policy, _breakdowns()).checks
    # C (n = 2) has too little data: the summary is over A and B (3/4 − 1/4), and C is listed
    assert check.value == pytest.approx(0.5) and check.passed
    assert check.skipped_groups == ({"g": "C"},)


def test_sample_policy_file_loads():
    policy = load_policy(POLICY)
    assert [c.metric for c in policy.checks] == ["selection_rate", "equalized_odds_difference"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name = 'x'", "no \\[\\[checks\\]\\]"),
        ("[[checks]]\nmetric = 'selection_rate'\nrule = 'ratio_at_least'", "lacks \\['bound'\\]"),
        ("[[checks]]\nmetric = 'nope'\nrule = 'ratio_at_least'\nbound = 0.8", "'nope' is not one"),
        ("[[checks]]\nmetric = 'fpr'\nrule = 'roughly'\nbound = 0.8", "unknown rule 'roughly'"),
        ("[[checks]]\nmetric = 'fpr'\nrule = 'at_most'\nbound = 0.8", "needs a summary metric"),
        (
            "[[checks]]\nmetric = 'fpr'\nrule = 'ratio_at_most'\nbound = 'high'",
            "bound must be a number",
        ),
        (
            "[[checks]]\nmetric = 'fpr'\nrule = 'ratio_at_most'\nbound = 1\ncolour = 2",
            "unknown keys",
        ),
        ("[[checks", "not valid TOML"),
    ],
)
def test_malformed_policies_name_the_problem(tmp_path, text, message):
    path = tmp_path / "policy.toml"
    path.write_text(text)
    with pytest.raises(auditor.PolicyError, match=message):
        load_policy(path)


def test_check_on_unknown_breakdown_is_an_error():
    policy = Policy(
        checks=(PolicyCheck(metric="fpr", rule="ratio_at_most", bound=1.25, by=("zzz",)),)
    )
    with pytest.raises(auditor.PolicyError, match="breakdown \\['zzz'\\]"):
        evaluate_policy(policy, _breakdowns())


def test_reaudit_changes_reference_and_policy_without_the_data(compas_audit, tmp_path):
    moved = auditor.reaudit(
        compas_audit, reference={"race": "Caucasian"}, policy=auditor.FOUR_FIFTHS
    )
    race = moved.breakdown("race")
    assert race.reference == {"race": "Caucasian"}
    black = race.group(race="African-American")
    assert black.ratio_to_reference["fpr"] == pytest.approx(0.4233 / 0.2201, rel=1e-3)
    assert [c.check.metric for c in moved.policy.checks] == ["selection_rate"] * 3
    assert moved.cube is compas_audit.cube


def test_reaudit_recomputes_when_the_cube_was_swapped(compas_audit):
    from dataclasses import replace

    from auditor.scores import cube_at_threshold

    lenient = cube_at_threshold(compas_audit.cube, 8)
    swapped = auditor.reaudit(replace(compas_audit, cube=lenient), reference={"race": "Caucasian"})
    expected = auditor.evaluate_cube(lenient, reference={"race": "Caucasian"})[1]
    got = swapped.breakdown("race").group(race="African-American").metrics["fpr"]
    assert got == expected[0].group(race="African-American").metrics["fpr"]
    assert got < compas_audit.breakdown("race").group(race="African-American").metrics["fpr"]
    # `sex` keeps its reference, so only a swapped-cube check recomputes it
    male = swapped.breakdown("sex").group(sex="Male").metrics["fpr"]
    assert male == expected[1].group(sex="Male").metrics["fpr"]
    assert male < compas_audit.breakdown("sex").group(sex="Male").metrics["fpr"]
    # and the incremental path is still taken (and still right) when nothing was swapped
    again = auditor.reaudit(swapped, reference={"race": "African-American"})
    assert again.breakdown("race").reference == {"race": "African-American"}
    assert again.breakdown("sex").groups == swapped.breakdown("sex").groups
