"""Release-gate verdicts: point vs interval evidence, inconclusive = not evaluable, refusals."""

from __future__ import annotations

import pytest

from auditor.compare.gate import ComparisonCheck, ComparisonPolicy, _evaluate_check, _judge
from auditor.compare.result import BreakdownComparison, GroupComparison, MetricChange
from auditor.errors import PolicyError


def _change(before, after, interval, metric="demographic_parity_difference"):
    return MetricChange(
        metric=metric,
        baseline=before,
        candidate=after,
        interval=interval,
        method="bootstrap_paired",
    )


def _check(**options):
    return ComparisonCheck(metric="demographic_parity_difference", **options)


@pytest.mark.parametrize(
    "interval,evidence,expected",
    [
        ((0.01, 0.05), "point", "fail"),  # +0.03 > 0.02
        ((0.025, 0.05), "interval", "fail"),  # the whole interval beyond 0.02
        ((0.01, 0.05), "interval", "not_evaluable"),  # straddles 0.02: inconclusive
        ((-0.01, 0.019), "interval", "pass"),  # wholly within the tolerance
    ],
)
def test_point_and_interval_evidence(interval, evidence, expected):
    outcome, value, _, reason = _judge(
        _check(tolerance=0.02, evidence=evidence), _change(0.10, 0.13, interval)
    )
    assert outcome == expected and value == pytest.approx(0.03)
    if expected == "not_evaluable":
        # the interval written as the worsening column writes it
        assert "inconclusive: the worsening's interval [+0.010, +0.050] straddles" in reason


def test_lenient_reading_passes_an_inconclusive_interval():
    check = _check(tolerance=0.02, evidence="interval", inconclusive="pass")
    assert _judge(check, _change(0.10, 0.13, (0.01, 0.05)))[0] == "pass"


def test_lower_is_worse_for_ratios():
    check = ComparisonCheck(metric="demographic_parity_ratio", tolerance=0.05)
    # a ratio falling from 0.90 to 0.80 is a worsening of +0.10
    outcome, value, interval, _ = _judge(
        check, _change(0.90, 0.80, (-0.15, -0.06), metric="demographic_parity_ratio")
    )
    assert outcome == "fail" and value == pytest.approx(0.10)
    assert interval == pytest.approx((0.06, 0.15))


def test_undefined_figures_are_not_evaluable_never_a_pass():
    assert _judge(_check(), _change(None, 0.1, None))[0] == "not_evaluable"
    assert _judge(_check(evidence="interval"), _change(0.1, 0.1, None))[0] == "not_evaluable"


def _group(key, change, *, small=False):
    return GroupComparison(
        key=key,
        n_baseline=10 if small else 500,
        n_candidate=10 if small else 500,
        changes={"fnr": change},
        flags=("insufficient_data",) if small else (),
    )


def test_group_checks_skip_small_groups_and_name_the_worst():
    breakdown = BreakdownComparison(
        by=("race",),
        groups=(
            _group({"race": "A"}, _change(0.30, 0.32, (0.0, 0.04), "fnr")),
            _group({"race": "B"}, _change(0.30, 0.40, (0.05, 0.15), "fnr")),
            _group({"race": "C"}, _change(0.30, 0.90, (0.2, 0.9), "fnr"), small=True),
        ),
        summary={},
    )
    result = _evaluate_check(ComparisonCheck(metric="fnr", tolerance=0.05), breakdown)
    assert result.outcome == "fail"
    assert result.failing_groups == ({"race": "B"},)
    assert result.worst_group == {"race": "B"} and result.value == pytest.approx(0.10)
    assert result.skipped_groups == ({"race": "C"},)
    with_small = _evaluate_check(
        ComparisonCheck(metric="fnr", tolerance=0.05, include_small_groups=True), breakdown
    )
    assert with_small.worst_group == {"race": "C"}


def test_a_group_check_with_an_inconclusive_group_and_no_failure_is_not_evaluable():
    breakdown = BreakdownComparison(
        by=("race",),
        groups=(
            _group({"race": "A"}, _change(0.30, 0.30, (-0.01, 0.01), "fnr")),
            _group({"race": "B"}, _change(0.30, 0.33, (-0.02, 0.08), "fnr")),
        ),
        summary={},
    )
    check = ComparisonCheck(metric="fnr", tolerance=0.05, evidence="interval")
    result = _evaluate_check(check, breakdown)
    assert result.outcome == "not_evaluable" and result.passed is None
    assert result.not_evaluable_groups == ({"race": "B"},)


@pytest.mark.parametrize(
    "raw,message",
    [
        ({"metric": "selection_rate"}, "no better or worse direction"),
        ({"metric": "fnr", "tolerance": -0.1}, "tolerance must be 0 or more"),
        ({"metric": "fnr", "evidence": "vibes"}, "evidence must be 'point' or 'interval'"),
        ({"metric": "fnr", "bound": 0.1}, "unknown keys"),
    ],
)
def test_malformed_checks_are_refused_with_the_fix(raw, message):
    with pytest.raises(PolicyError, match=message):
        ComparisonPolicy.from_dict({"checks": [{"rule": "no_worse_than_baseline", **raw}]})


def test_the_worst_group_named_is_a_failing_one_when_evidence_decides():
    breakdown = BreakdownComparison(
        by=("race",),
        groups=(
            _group({"race": "big"}, _change(0.30, 0.40, (0.08, 0.12), "fnr")),
            _group({"race": "few"}, _change(0.30, 0.60, (-0.1, 0.7), "fnr")),
        ),
        summary={},
    )
    check = ComparisonCheck(metric="fnr", tolerance=0.05, evidence="interval")
    result = _evaluate_check(check, breakdown)
    assert result.outcome == "fail" and result.worst_group == {"race": "big"}
    assert result.value == pytest.approx(0.10) and result.not_evaluable_groups == ({"race": "few"},)
