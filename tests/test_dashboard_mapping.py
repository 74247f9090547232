"""dashboard.mapping: column-role suggestions for an upload."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from auditor.samples import SAMPLES, get_sample
from dashboard.mapping import suggest_mapping

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
    assert suggestion.positive_label == sample.positive_label
