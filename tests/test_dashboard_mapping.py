"""dashboard.mapping: column-role suggestions for an upload."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from auditor.samples import SAMPLES, get_sample
from dashboard.mapping import (
    AUTOMATIC_POSITIVE,
    CHOOSE_POSITIVE,
    favourable_value,
    positive_choices,
    suggest_mapping,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_mapping_suggestions_match_the_sample_definitions(name):
    sample = get_sample(name)
    preview = pd.read_csv(sample.path, dtype=str, nrows=500)
    suggestion = suggest_mapping(preview)
    assert suggestion.label == sample.label
    assert suggestion.prediction == sample.prediction
    assert suggestion.score == sample.score
    assert set(sample.protected) <= set(suggestion.protected)
    # Adult's '<=50K'/'>50K' do not say which is favourable: the user is asked, not guessed for.
    expected = None if name == "adult" else sample.positive_label
    assert suggestion.positive_label == expected


@pytest.mark.parametrize(
    ("values", "favourable"),
    [
        (["good", "bad", "good", "good"], "good"),  # the rarer value is 'bad': not chosen
        (["Approved", "Denied"], "Approved"),
        (["hired", "not hired"], "hired"),
        (["REJECTED", "ACCEPTED"], "ACCEPTED"),
        (["A", "B"], None),
        (["<=50K", ">50K"], None),
        (["low", "high"], None),
        (["good", "bad", "unknown"], None),
    ],
)
def test_the_favourable_value_is_taken_only_where_the_words_say_it(values, favourable):
    assert favourable_value(values) == favourable


def test_text_labels_are_not_suggested_by_frequency():
    # German-credit style: 'bad' is the least frequent value; it used to be suggested as
    # positive, silently turning approval rates into denial rates.
    preview = pd.DataFrame(
        {
            "credit_risk": ["good"] * 70 + ["bad"] * 30,
            "predicted": ["good"] * 60 + ["bad"] * 40,
            "sex": ["female", "male"] * 50,
        }
    )
    suggestion = suggest_mapping(preview)
    assert suggestion.positive_label == "good"
    options, default = positive_choices(suggestion.label_values)
    assert default == "good" and CHOOSE_POSITIVE in options


def test_unclear_text_labels_have_no_default_and_binary_ones_are_automatic():
    options, default = positive_choices(["A", "B"])
    assert default == CHOOSE_POSITIVE and options[1:] == ["A", "B"]
    options, default = positive_choices(["0", "1"])
    assert default == AUTOMATIC_POSITIVE
