"""Dashboard interactions recompute only what changed, and give exactly the full recomputation.

``reaudit`` reuses every breakdown whose reference request is unchanged (a policy change
reuses them all). Each case below is compared with evaluating the whole cube afresh.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

import auditor
from auditor.audit import _estimator_for, evaluate_cube

COMPAS = Path(__file__).resolve().parent.parent / "sample_data" / "compas_predictions.csv"
POLICY = COMPAS.parent / "policy.toml"
STRICT = """
name = "strict"
[[checks]]
metric = "selection_rate"
rule = "ratio_at_least"
bound = 0.95
[[checks]]
metric = "equalized_odds_difference"
rule = "at_most"
bound = 0.02
"""


@pytest.fixture(scope="module")
def result():
    return auditor.audit(
        COMPAS,
        label="two_year_recid",
        prediction="high_risk",
        protected=["race", "sex", "age_cat"],
        policy=POLICY,
        reference={"sex": "Male"},
    )


def _full(result, *, reference=None, policy=None):
    options = dict(result.options)
    if reference is not None:
        options["reference"] = dict(reference)
    if policy is None and result.policy is not None:
        policy = result.policy.policy
    overall, breakdowns, verdicts = evaluate_cube(
        result.cube,
        reference=options["reference"],
        policy=policy,
        min_group_size=options["min_group_size"],
        intersections=options["intersections"],
        intervals=_estimator_for(result.cube, confidence=options["confidence"]),
    )
    return replace(result, overall=overall, breakdowns=breakdowns, policy=verdicts, options=options)


def _document(result) -> str:
    document = result.to_dict()
    document.pop("created_at", None)
    return json.dumps(document, sort_keys=True, default=str)


@pytest.mark.parametrize(
    "reference",
    [
        {"race": "African-American"},
        {"race": "Caucasian", "sex": "Female"},
        {"sex": "Male", "age_cat": "25 - 45"},
        {},
    ],
)
def test_a_reference_change_equals_the_full_recomputation(result, reference):
    changed = auditor.reaudit(result, reference=reference)
    assert _document(changed) == _document(_full(result, reference=reference))
    again = auditor.reaudit(changed, reference={"race": "Hispanic"})
    assert _document(again) == _document(_full(changed, reference={"race": "Hispanic"}))


def test_a_policy_change_reuses_every_breakdown_and_reevaluates_the_verdicts(tmp_path, result):
    path = tmp_path / "strict.toml"
    path.write_text(STRICT)
    changed = auditor.reaudit(result, policy=path)
    strict = auditor.load_policy(path)
    assert _document(changed) == _document(_full(result, policy=strict))
    assert all(new is old for new, old in zip(changed.breakdowns, result.breakdowns, strict=True))
    assert changed.policy.passed is False


def test_only_breakdowns_whose_reference_request_changed_are_new_objects(result):
    changed = auditor.reaudit(result, reference={"sex": "Male", "race": "Caucasian"})
    renewed = {
        b.by for b, old in zip(changed.breakdowns, result.breakdowns, strict=True) if b is not old
    }
    # ("race", "sex") now has a value for both its attributes; ("race", "age_cat") does not.
    assert renewed == {("race",), ("race", "sex")}


def test_a_bad_reference_is_still_refused(result):
    with pytest.raises(auditor.InputError, match="Martian"):
        auditor.reaudit(result, reference={"race": "Martian"})
    with pytest.raises(auditor.InputError, match="colour"):
        auditor.reaudit(result, reference={"colour": "blue"})


def test_a_reference_change_shares_the_reference_free_figures(result):
    """Only the comparisons with the reference are computed again: a group's rates, their
    intervals, flags and impact figures are the very objects of the earlier result."""
    changed = auditor.reaudit(result, reference={"race": "Hispanic", "sex": "Male"})
    before, after = result.breakdowns[0], changed.breakdowns[0]
    assert after.by == ("race",) and after is not before
    assert after.reference == {"race": "Hispanic"} and before.reference != after.reference
    for old, new in zip(before.groups, after.groups, strict=True):
        assert new.metrics is old.metrics and new.intervals is old.intervals
        assert new.adverse_impact is old.adverse_impact and new.flags is old.flags
        assert new.is_reference == (new.key == {"race": "Hispanic"})
    assert after.summary is before.summary


def test_a_breakdown_of_other_counts_is_not_taken_as_like(result):
    from auditor.metrics import compute_breakdown

    breakdown = result.breakdowns[0]
    keys = [group.key for group in breakdown.groups]
    counts = [group.counts for group in breakdown.groups]
    more = [replace(counts[0], tp=counts[0].tp + 7), *counts[1:]]
    fresh = compute_breakdown(keys, more, by=("race",), reference={"race": "Hispanic"})
    reused = compute_breakdown(
        keys, more, by=("race",), reference={"race": "Hispanic"}, like=breakdown
    )
    assert reused == fresh
    assert reused.groups[0].metrics != breakdown.groups[0].metrics


def test_a_reference_change_of_an_estimated_attribute_equals_the_full_recomputation():
    """BISG: intervals from the proxy estimator (asked group by group), no tests. (Compared on
    the same cube: a new BISG audit's soft counts may differ in their last bits.)"""
    first = auditor.audit(
        COMPAS.parent / "bisg_applicants.csv",
        prediction="approved",
        label="repaid",
        protected=[],
        bisg="surname=last_name,zip=zip",
        min_group_size=10,
    )
    race = first.breakdown("race")
    other = next(g.key["race"] for g in race.groups if not g.is_reference and g.n > 50)
    changed = auditor.reaudit(first, reference={"race": other})
    assert changed.breakdown("race").reference == {"race": other}
    assert _document(changed) == _document(_full(first, reference={"race": other}))
