"""Proxy measures: single-feature histogram AUC, multi-group averaging, the drop rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from auditor.baselines.data import load_study_data
from auditor.baselines.proxies import (
    ProxyScore,
    analyse_proxies,
    protected_auc,
    select_proxies,
    single_feature_auc,
)

RNG = np.random.default_rng(7)


def _auc(train, test, s_train, s_test, *, numeric, classes=("a", "b")):
    return single_feature_auc(
        pd.Series(train),
        pd.Series(test),
        s_train=np.asarray(s_train),
        s_test=np.asarray(s_test),
        classes=list(classes),
        numeric=numeric,
    )


def test_a_copy_of_the_attribute_is_a_perfect_proxy():
    s = RNG.choice(["a", "b"], size=2_000)
    assert _auc(s[:1000], s[1000:], s[:1000], s[1000:], numeric=False) == pytest.approx(1.0)


def test_an_independent_feature_is_no_proxy():
    s = RNG.choice(["a", "b"], size=4_000)
    x = RNG.normal(size=4_000)
    assert _auc(x[:2000], x[2000:], s[:2000], s[2000:], numeric=True) == pytest.approx(
        0.5, abs=0.05
    )


def test_a_non_monotone_numeric_relation_is_found():
    # group b sits at both ends of x: a threshold on x alone would score about 0.5
    x = RNG.normal(size=6_000)
    s = np.where(np.abs(x) > 1.0, "b", "a")
    assert roc_auc_score(s[3000:] == "b", x[3000:]) == pytest.approx(0.5, abs=0.05)
    assert _auc(x[:3000], x[3000:], s[:3000], s[3000:], numeric=True) > 0.95


def test_unseen_categories_fall_back_to_the_overall_shares():
    s_train = np.array(["a"] * 50 + ["b"] * 50)
    train = np.array(["x"] * 50 + ["y"] * 50)
    test = np.array(["x", "y", "z", "z"])
    auc = _auc(train, test, s_train, ["a", "b", "a", "b"], numeric=False)
    # b-rows (y, z) over a-rows (x, z): three pairs ranked right, the unseen z pair ties
    assert auc == pytest.approx(3.5 / 4)


def test_multi_group_auc_is_the_one_vs_rest_macro_average():
    truth = RNG.choice(["p", "q", "r"], size=600)
    proba = RNG.dirichlet([1, 1, 1], size=600)
    proba[truth == "q", 1] += 0.5
    proba /= proba.sum(axis=1, keepdims=True)
    expected = roc_auc_score(truth, proba, multi_class="ovr", average="macro")
    assert protected_auc(truth, proba, ["p", "q", "r"]) == pytest.approx(expected)


def test_binary_auc_uses_the_second_group_as_positive():
    truth = np.array(["a", "a", "b", "b"])
    proba = np.array([[0.9, 0.1], [0.6, 0.4], [0.7, 0.3], [0.2, 0.8]])
    assert protected_auc(truth, proba, ["a", "b"]) == pytest.approx(0.75)


def test_rule_drops_features_at_or_above_the_threshold():
    scores = [
        ProxyScore(feature="f1", auc=0.9, kind="numeric"),
        ProxyScore(feature="f2", auc=0.65, kind="numeric"),
        ProxyScore(feature="f3", auc=0.6, kind="numeric"),
    ]
    assert select_proxies(scores, threshold=0.65) == ("f1", "f2")
    assert select_proxies(scores, threshold=0.95) == ("f1",)  # none reaches it: the strongest


def test_analysis_ranks_a_planted_proxy_first_and_measures_what_is_left():
    n = 3_000
    s = RNG.choice(["a", "b"], size=n)
    frame = pd.DataFrame(
        {
            "group": s,
            "zip": np.where(RNG.random(n) < 0.9, np.where(s == "b", "z1", "z2"), "z3"),
            "noise": RNG.normal(size=n),
            "y": RNG.integers(0, 2, size=n),
        }
    )
    data = load_study_data(frame, target="y", protected="group", seed=1)
    analysis = analyse_proxies(data, threshold=0.7)
    assert [p.feature for p in analysis.features] == ["zip", "noise"]
    assert analysis.dropped == ("zip",)
    assert analysis.auc_all_features > 0.9
    assert analysis.auc_without_proxies == pytest.approx(0.5, abs=0.06)
    assert analysis.features[0].dropped and not analysis.features[1].dropped
