"""Synthetic lending data: hiding race makes the model's decisions less fair (shown, not assumed)."""

from __future__ import annotations

import importlib.util

import pandas as pd
import pytest

from auditor.baselines import run_study

from .conftest import SAMPLES


def _load_generator():
    spec = importlib.util.spec_from_file_location("make_lending", SAMPLES / "make_lending.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_lending = _load_generator().make_lending


@pytest.fixture(scope="module")
def study_and_progress():
    calls: list[tuple[float, str]] = []
    study = run_study(
        make_lending(10_000, seed=0),
        target="repaid",
        protected="race",
        seed=0,
        progress=lambda fraction, message: calls.append((fraction, message)),
    )
    return study, calls


def summary(study, name: str) -> dict:
    return study.strategy(name).summary


def test_dropping_race_widens_the_selection_rate_gap(study_and_progress):
    study, _ = study_and_progress
    aware, unaware = summary(study, "aware"), summary(study, "unaware")
    assert unaware["demographic_parity_difference"] > aware["demographic_parity_difference"] + 0.05
    assert unaware["demographic_parity_ratio"] < aware["demographic_parity_ratio"] - 0.1
    assert unaware["equalized_odds_difference"] > aware["equalized_odds_difference"]
    rates = study.strategy("unaware").selection_rates
    assert rates["B"] < rates["A"]
    assert "Dropping 'race' made the disparity worse" in study.conclusion


def test_neighbourhood_is_the_strongest_proxy(study_and_progress):
    study, _ = study_and_progress
    top = study.proxies.features[0]
    assert top.feature == "neighbourhood" and top.auc > 0.85
    assert study.proxies.auc_all_features > 0.9
    assert "neighbourhood" in study.proxies.dropped
    assert "neighbourhood" not in study.strategy("unaware_without_proxies").features


def test_output_constraint_closes_the_gap_the_unaware_model_opened(study_and_progress):
    study, _ = study_and_progress
    assert summary(study, "output_constrained")["demographic_parity_ratio"] >= 0.9
    unaware_accuracy = study.strategy("unaware").accuracy
    assert study.strategy("output_constrained").accuracy > unaware_accuracy - 0.02


def test_progress_is_reported_in_order_up_to_done(study_and_progress):
    _, calls = study_and_progress
    fractions = [fraction for fraction, _ in calls]
    assert len(calls) >= 6
    assert fractions == sorted(fractions)
    assert fractions[0] >= 0 and fractions[-1] == 1.0
    assert any("output-constrained" in message for _, message in calls)


def test_generator_is_seeded_and_documented_properties_hold():
    first, again, other = (
        make_lending(4_000, seed=3),
        make_lending(4_000, seed=3),
        make_lending(4_000, seed=4),
    )
    pd.testing.assert_frame_equal(first, again)
    assert not first.equals(other)
    big = make_lending(40_000, seed=0)
    repaid = big.groupby("race")["repaid"].mean()
    assert abs(repaid["A"] - repaid["B"]) < 0.03  # same repayment rate in both groups
    assert 0.25 < (big["race"] == "B").mean() < 0.35
    credit = big.groupby("race")["credit_score"].mean()
    assert credit["A"] - credit["B"] > 80  # B's scores understate the same ability
    home = big[big["race"] == "B"]["neighbourhood"].isin([f"N{i:02d}" for i in range(1, 7)]).mean()
    assert home > 0.8


def test_shipped_csv_is_the_generators_output():
    shipped = pd.read_csv(SAMPLES / "lending.csv")
    pd.testing.assert_frame_equal(shipped, make_lending(), check_dtype=False)
