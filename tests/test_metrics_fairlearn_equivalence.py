"""Our per-group rates and summary metrics equal fairlearn's on the real data sets (to 1e-12)."""

from __future__ import annotations

import numpy as np
import pytest
from fairlearn.metrics import (
    MetricFrame,
    demographic_parity_difference,
    demographic_parity_ratio,
    equalized_odds_difference,
    equalized_odds_ratio,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
    true_negative_rate,
    true_positive_rate,
)
from sklearn.metrics import accuracy_score, precision_score

TOLERANCE = 1e-12

FAIRLEARN_METRICS = {
    "selection_rate": selection_rate,
    "tpr": true_positive_rate,
    "fpr": false_positive_rate,
    "fnr": false_negative_rate,
    "tnr": true_negative_rate,
    "ppv": lambda y, p: precision_score(y, p, zero_division=np.nan),
    "accuracy": accuracy_score,
}


def _binary(frame, *, label, prediction, positive):
    y = (frame[label].astype(str) == positive).astype(int).to_numpy()
    p = (frame[prediction].astype(str) == positive).astype(int).to_numpy()
    return y, p


CASES = {
    "compas": dict(
        label="two_year_recid",
        prediction="high_risk",
        positive="1",
        attributes=["race", "sex", "age_cat"],
    ),
    "adult": dict(
        label="income",
        prediction="predicted_income",
        positive=">50K",
        attributes=["sex", "race", "age_group"],
    ),
}


@pytest.fixture(params=sorted(CASES))
def case(request, compas_frame, adult_frame, compas_audit, adult_audit):
    name = request.param
    frame = compas_frame if name == "compas" else adult_frame
    result = compas_audit if name == "compas" else adult_audit
    return CASES[name], frame, result


def test_per_group_rates_equal_metricframe(case):
    spec, frame, result = case
    y, p = _binary(
        frame, label=spec["label"], prediction=spec["prediction"], positive=spec["positive"]
    )
    compared = 0
    for attribute in spec["attributes"]:
        frame_metrics = MetricFrame(
            metrics=FAIRLEARN_METRICS,
            y_true=y,
            y_pred=p,
            sensitive_features=frame[attribute].astype(str),
        ).by_group
        breakdown = result.breakdown(attribute)
        assert {g.key[attribute] for g in breakdown.groups} == set(frame_metrics.index)
        for group in breakdown.groups:
            expected = frame_metrics.loc[group.key[attribute]]
            for ours in FAIRLEARN_METRICS:
                value = group.metrics[ours]
                if value is None:
                    # undefined here; sklearn would have reported 0 or nan for it
                    continue
                assert value == pytest.approx(expected[ours], abs=TOLERANCE), (
                    attribute,
                    group.key,
                    ours,
                )
                compared += 1
    assert compared > 50


def test_intersection_rates_equal_metricframe(case):
    spec, frame, result = case
    first, second = spec["attributes"][:2]
    y, p = _binary(
        frame, label=spec["label"], prediction=spec["prediction"], positive=spec["positive"]
    )
    by_group = MetricFrame(
        metrics={"selection_rate": selection_rate, "fpr": false_positive_rate},
        y_true=y,
        y_pred=p,
        sensitive_features=frame[[first, second]].astype(str),
    ).by_group
    breakdown = result.breakdown(first, second)
    checked = 0
    for group in breakdown.groups:
        index = (group.key[first], group.key[second])
        if group.n == 0:
            assert index not in by_group.index
            continue
        for metric in ("selection_rate", "fpr"):
            if group.metrics[metric] is not None:
                assert group.metrics[metric] == pytest.approx(
                    by_group.loc[index, metric], abs=TOLERANCE
                )
                checked += 1
    assert checked >= 8


def test_summaries_equal_fairlearn(case):
    spec, frame, result = case
    y, p = _binary(
        frame, label=spec["label"], prediction=spec["prediction"], positive=spec["positive"]
    )
    for attribute in spec["attributes"]:
        breakdown = result.breakdown(attribute)
        # DESIGN: identical to fairlearn on the groups whose values are defined
        defined = {
            g.key[attribute]
            for g in breakdown.groups
            if g.metrics["tpr"] is not None and g.metrics["fpr"] is not None
        }
        keep = frame[attribute].astype(str).isin(defined).to_numpy()
        sensitive = frame[attribute].astype(str)[keep]
        expected = {
            "demographic_parity_difference": demographic_parity_difference(
                y[keep], p[keep], sensitive_features=sensitive
            ),
            "demographic_parity_ratio": demographic_parity_ratio(
                y[keep], p[keep], sensitive_features=sensitive
            ),
            "equalized_odds_difference": equalized_odds_difference(
                y[keep], p[keep], sensitive_features=sensitive
            ),
            "equalized_odds_ratio": equalized_odds_ratio(
                y[keep], p[keep], sensitive_features=sensitive
            ),
        }
        for name, value in expected.items():
            assert breakdown.summary[name] == pytest.approx(value, abs=TOLERANCE), (attribute, name)
        tpr = MetricFrame(
            metrics=true_positive_rate, y_true=y[keep], y_pred=p[keep], sensitive_features=sensitive
        )
        assert breakdown.summary["equal_opportunity_difference"] == pytest.approx(
            tpr.difference(method="between_groups"), abs=TOLERANCE
        )


def test_overall_rates_equal_sklearn(case):
    spec, frame, result = case
    y, p = _binary(
        frame, label=spec["label"], prediction=spec["prediction"], positive=spec["positive"]
    )
    assert result.overall.metrics["accuracy"] == pytest.approx(accuracy_score(y, p), abs=TOLERANCE)
    assert result.overall.metrics["selection_rate"] == pytest.approx(p.mean(), abs=TOLERANCE)
    assert result.overall.n == len(frame)
