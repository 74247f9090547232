"""The BISG sample file is what its seeded generator makes, and auditing it shows the
weighted estimator's known direction of bias against the true race it keeps."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

import auditor

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
sys.path.insert(0, str(SAMPLE))

from make_bisg import make_bisg  # noqa: E402


def test_sample_file_is_reproduced_by_its_generator():
    shipped = pd.read_csv(SAMPLE / "bisg_applicants.csv", dtype={"zip": str}, keep_default_na=False)
    made = make_bisg().fillna("").astype({"zip": str})
    pd.testing.assert_frame_equal(shipped, made, check_dtype=False)
    assert (SAMPLE / "bisg_applicants.csv").stat().st_size < 1_000_000


def test_weighted_estimate_lies_between_the_truth_and_parity_on_the_sample():
    path = SAMPLE / "bisg_applicants.csv"
    common = dict(label="repaid", prediction="approved", reference={"race": "White"})
    truth = auditor.audit(
        pd.read_csv(path).rename(columns={"true_race": "race"}), protected="race", **common
    )
    estimated = auditor.audit(
        pd.read_csv(path, dtype={"zip": str}).drop(columns="true_race"),
        bisg="surname=last_name,zip=zip,first_name=first_name",
        **common,
    )
    true_ratio = truth.breakdown("race").group(race="Black").ratio_to_reference["selection_rate"]
    black = estimated.breakdown("race").group(race="Black")
    estimate = black.ratio_to_reference["selection_rate"]
    assert true_ratio < 0.8  # the planted disparity (0.7) shows by true race
    assert true_ratio < estimate < 1.0  # weighted: toward parity (understates), as documented
    assert estimated.estimated["race"]["method"] == "BIFSG"
    assert (
        black.ratio_intervals["selection_rate"][0]
        < estimate
        < black.ratio_intervals["selection_rate"][1]
    )
