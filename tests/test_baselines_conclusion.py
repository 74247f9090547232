"""The conclusion is written from the numbers: change the numbers and the sentences change."""

from __future__ import annotations

import copy

from auditor.baselines.conclusion import describe_change, write_conclusion


def strategy(name, ratio, accuracy, rates, *, needs=False):
    return {
        "name": name,
        "accuracy": accuracy,
        "selection_rates": rates,
        "needs_protected_at_prediction": needs,
        "summary": {"demographic_parity_ratio": ratio},
    }


DOCUMENT = {
    "protected": "colour",
    "target": "hired",
    "positive_label": "yes",
    "four_fifths_threshold": 0.8,
    "dataset": {"test_rows": 1234},
    "strategies": [
        strategy("aware", 0.40, 0.90, {"red": 0.2, "blue": 0.5}, needs=True),
        strategy("unaware", 0.42, 0.89, {"red": 0.21, "blue": 0.5}),
        strategy("unaware_without_proxies", 0.55, 0.85, {"red": 0.22, "blue": 0.4}),
        strategy("output_constrained", 0.95, 0.87, {"red": 0.3, "blue": 0.31}, needs=True),
    ],
    "proxies": [{"feature": "postcode", "auc": 0.91}, {"feature": "age", "auc": 0.55}],
    "proxy_auc_all_features": 0.93,
    "proxy_analysis": {"dropped": ["postcode"], "auc_without_proxies": 0.6},
    "constraint": {"method": "ThresholdOptimizer", "needs_protected_at_prediction": True},
}


def test_sentences_carry_the_measured_numbers_and_names():
    text = write_conclusion(DOCUMENT)
    assert "1234 held-out rows by 'colour'" in text
    assert "ratio is 0.40 (red selected at 20.0%, blue at 50.0%)" in text
    assert "Dropping 'colour' left the disparity about the same: ratio 0.42" in text
    assert "AUC 0.93; 'postcode' alone reaches 0.91" in text
    assert "strongest proxy of 'colour' too ('postcode') gives ratio 0.55" in text
    assert "meets the four-fifths rule, at an accuracy cost of 2.0 points" in text
    assert "it needs 'colour' when deciding" in text
    assert "restricting the model's inputs did not bring" in text
    assert "Adult" not in text and "sex" not in text


def test_worse_disparity_and_failed_constraint_are_said():
    document = copy.deepcopy(DOCUMENT)
    document["strategies"][1]["summary"]["demographic_parity_ratio"] = 0.2
    document["strategies"][3]["summary"]["demographic_parity_ratio"] = 0.7
    text = write_conclusion(document)
    assert "Dropping 'colour' made the disparity worse: ratio 0.20" in text
    assert "does not meet the four-fifths rule" in text
    assert "no strategy met the four-fifths rule" in text
    assert "Why hiding 'colour' can hurt" in text


def test_a_constraint_that_widens_error_gaps_is_flagged():
    document = copy.deepcopy(DOCUMENT)
    assert "Equal selection rates are not equal error rates" not in write_conclusion(document)
    document["strategies"][1]["summary"]["equalized_odds_difference"] = 0.08
    document["strategies"][3]["summary"]["equalized_odds_difference"] = 0.34
    text = write_conclusion(document)
    assert "equalized-odds difference is 0.34 (unaware model: 0.08)" in text


def test_an_input_rule_that_happens_to_pass_is_not_called_a_guarantee():
    document = copy.deepcopy(DOCUMENT)
    document["strategies"][2]["summary"]["demographic_parity_ratio"] = 0.85
    text = write_conclusion(document)
    assert "happened to meet the four-fifths rule, but nothing guaranteed it" in text


def test_describe_change():
    assert describe_change(0.5, 0.52) == "left the disparity about the same"
    assert describe_change(0.5, 0.7) == "reduced the disparity"
    assert describe_change(0.5, 0.3) == "made the disparity worse"
    assert describe_change(None, 0.3) == "could not be compared"
