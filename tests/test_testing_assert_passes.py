"""``auditor.testing.assert_passes``: the CI helper judges audits and comparisons, from objects
or from the JSON files the CLI writes, and a not-evaluable check is not a pass."""

from __future__ import annotations

import json

import pytest

import auditor
from auditor.compare import compare
from auditor.testing import assert_passes, verdicts

from .conftest import COMPAS_PREDICTIONS, POLICY

LENIENT = "[[checks]]\nmetric = 'selection_rate'\nrule = 'ratio_at_least'\nbound = 0.1\n"


@pytest.fixture(scope="module")
def compas():
    return auditor.audit(
        COMPAS_PREDICTIONS, label="two_year_recid", prediction="high_risk", protected=["race"]
    )


@pytest.fixture(scope="module")
def comparison():
    return compare(
        COMPAS_PREDICTIONS,
        label="two_year_recid",
        protected=["race", "sex"],
        score="decile_score",
        baseline_threshold=5,
        candidate_threshold=7,
        replicates=400,
        intersections=False,
    )


def test_an_audit_failing_the_four_fifths_rule_fails_the_assertion(compas, tmp_path):
    with pytest.raises(AssertionError, match="FAIL: impact ratio"):
        assert_passes(compas, POLICY)
    path = tmp_path / "audit.json"
    path.write_text(json.dumps(compas.to_dict()))
    with pytest.raises(AssertionError, match="FAIL: impact ratio"):
        assert_passes(path, POLICY)
    # the JSON path and the object give the same verdicts
    assert [c["passed"] for c in verdicts(path, POLICY)] == [
        c["passed"] for c in verdicts(compas, POLICY)
    ]
    lenient = tmp_path / "lenient.toml"
    lenient.write_text(LENIENT)
    assert_passes(path, lenient)
    assert_passes(compas, lenient)


def _gate(tmp_path, tolerance):
    path = tmp_path / f"gate{tolerance}.toml"
    path.write_text(
        "[[checks]]\nmetric = 'demographic_parity_difference'\n"
        f"rule = 'no_worse_than_baseline'\nby = ['sex']\nevidence = 'interval'\n"
        f"tolerance = {tolerance}\n"
    )
    return path


def test_comparison_gates_from_the_object_and_from_json(comparison, tmp_path):
    path = tmp_path / "comparison.json"
    path.write_text(json.dumps(comparison.to_dict()))
    # sex: +0.031 with interval about [+0.007, +0.057]
    for source in (comparison, path):
        with pytest.raises(AssertionError, match="FAIL"):
            assert_passes(source, _gate(tmp_path, 0.0))
        with pytest.raises(AssertionError, match="NOT_EVALUABLE"):
            assert_passes(source, _gate(tmp_path, 0.03))
        assert_passes(source, _gate(tmp_path, 0.03), allow_not_evaluable=True)
        assert_passes(source, _gate(tmp_path, 0.1))


def test_a_document_without_verdicts_needs_a_policy(comparison):
    with pytest.raises(auditor.PolicyError, match="pass a policy"):
        assert_passes(comparison.to_dict())
