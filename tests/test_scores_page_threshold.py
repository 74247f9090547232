"""Scores page: the threshold starts at the model's own (derived from the prediction column when
it is 'score ≥ t', else stated as an assumption), can be typed or slid, the verdicts follow it,
calibration has its y = x line and bin counts, and each group keeps one distinct colour."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import auditor
from auditor import charts
from dashboard.scores import model_threshold, score_groups

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
COMPAS = ROOT / "sample_data" / "compas_predictions.csv"
ADULT = ROOT / "sample_data" / "adult_predictions.csv"
POLICY = ROOT / "sample_data" / "policy.toml"


@pytest.fixture(autouse=True)
def _private_store(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDITOR_STORE", str(tmp_path / "audits.duckdb"))
    monkeypatch.delenv("AUDITOR_SAMPLE", raising=False)


def _compas(**options):
    from auditor.samples import SAMPLES

    return auditor.audit(
        str(COMPAS),
        label="two_year_recid",
        score="decile_score",
        protected=["race", "sex"],
        # as the dashboard loads the sample: being flagged high risk is the unfavourable decision
        decision_favourable=SAMPLES["compas"].decision_favourable,
        **({"prediction": "high_risk"} | options),
    )


def test_the_model_threshold_is_derived_when_the_prediction_is_a_cut_of_the_score():
    frame = pd.read_csv(COMPAS)
    assert ((frame["decile_score"] >= 5).astype(int) == frame["high_risk"]).all()  # independent
    start = model_threshold(_compas())
    assert (start.value, start.origin, start.agreement) == (5.0, "derived", 1.0)
    assert "model's own threshold, 5" in start.statement("decile_score")


def test_a_threshold_given_at_mapping_is_the_start():
    start = model_threshold(_compas(prediction=None, threshold=7))
    assert (start.value, start.origin) == (7.0, "mapping")


def test_without_a_cut_that_reproduces_the_predictions_it_starts_at_half_and_says_so():
    rng = np.random.default_rng(4)
    frame = pd.DataFrame(
        {
            "score": rng.uniform(0, 1, 3000).round(3),
            "y": rng.integers(0, 2, 3000),
            "p": rng.integers(0, 2, 3000),
            "g": rng.choice(["a", "b"], 3000),
        }
    )
    start = model_threshold(
        auditor.audit(frame, label="y", prediction="p", score="score", protected=["g"])
    )
    # The best single cut, by brute force over every observed score.
    best = max(
        ((frame["score"] >= t).astype(int) == frame["p"]).mean() for t in frame["score"].unique()
    )
    assert start.origin == "default" and start.value == 0.5
    assert start.agreement == pytest.approx(best)
    statement = start.statement("score")
    assert "could not be derived" in statement and "starts at 0.5" in statement
    assert "an assumption, not the model's" in statement


def _loaded_scores() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.button(key="load_compas").click().run()
    at.switch_page("pages/scores.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _grid(at: AppTest) -> pd.DataFrame:
    assert len(at.dataframe) == 1  # the verdict grid is the page's only data frame
    return at.dataframe[0].value


def _fpr(at: AppTest, group: str) -> str:
    return at.table[0].value.loc[group]["false positive rate (95% interval)"]


def test_the_threshold_can_be_typed_or_slid_and_both_stay_in_step():
    at = _loaded_scores()
    assert at.slider(key="threshold").value == 5.0
    assert at.number_input(key="threshold_typed").value == 5.0
    assert "model's own threshold, 5" in " ".join(c.value for c in at.caption)
    at.number_input(key="threshold_typed").set_value(7.0).run()
    assert at.slider(key="threshold").value == 7.0
    assert _fpr(at, "African-American").startswith("22.8%")
    at.slider(key="threshold").set_value(6.0).run()
    assert at.number_input(key="threshold_typed").value == 6.0


def test_the_verdicts_are_recomputed_at_the_moved_threshold():
    at = _loaded_scores()
    policy = auditor.load_policy(POLICY)  # the dashboard's default output specification
    for threshold in (5.0, 9.0):
        at.slider(key="threshold").set_value(threshold).run()
        assert not at.exception
        shown = _grid(at)
        # Independently: a fresh audit that decides by 'decile_score ≥ threshold'.
        fresh = _compas(prediction=None, threshold=threshold, policy=policy).to_dict()
        expected = {
            (c["description"], " × ".join(c["by"])): c["outcome"].replace("_", " ").upper()
            for c in fresh["policy"]["checks"]
        }
        for (check, column), outcome in expected.items():
            assert shown.loc[check, column] == outcome, (threshold, check, column)
    assert f"Verdicts at threshold {9.0:g}" in [h.value for h in at.subheader]


def test_calibration_draws_y_equals_x_for_probabilities_and_the_bin_counts():
    adult = auditor.audit(
        str(ADULT),
        label="income",
        prediction="predicted_income",
        score="score",
        protected=["race"],
        positive_label=">50K",
    ).to_dict()
    groups = adult["scores"]["race"]
    spec = charts.calibration_chart(groups).to_dict()
    data = spec["datasets"]
    diagonals = [
        rows for rows in data.values() if rows == [{"x": 0.0, "y": 0.0}, {"x": 1.0, "y": 1.0}]
    ]
    assert diagonals, "no y = x line"
    assert any(layer["encoding"].get("size", {}).get("field") == "n" for layer in spec["layer"])

    decile = _compas().to_dict()["scores"]["race"]
    decile_spec = charts.calibration_chart(decile).to_dict()
    assert not [r for r in decile_spec["datasets"].values() if r == diagonals[0]]
    assert "no y = x line" in json.dumps(decile_spec["title"])

    counts = charts.calibration_counts_chart(groups).to_dict()
    rows = next(iter(counts["datasets"].values()))
    for group in groups:
        name = " × ".join(group["key"].values())
        assert sum(r["n"] for r in rows if r["group"] == name) == sum(
            b["n"] for b in group["calibration"]
        )


def test_each_group_keeps_one_distinct_colour_across_the_score_charts():
    at = _loaded_scores()
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    scales = []
    for spec in specs:
        for layer in spec.get("layer", [spec]):
            colour = layer.get("encoding", {}).get("color", {})
            if colour.get("field") == "group":
                scales.append((tuple(colour["scale"]["domain"]), tuple(colour["scale"]["range"])))
    assert len(scales) >= 3  # ROC lines, calibration, bin counts
    assert len(set(scales)) == 1, set(scales)
    domain, colours = scales[0]
    assert list(domain) == score_groups(_compas().to_dict(), "race")
    assert len(set(colours)) == len(domain)

    for first, second in itertools.combinations(charts.GROUP_PALETTE, 2):
        assert _delta_e(first, second) > 20, (first, second)


def _lab(colour: str) -> np.ndarray:
    """CIELAB (D65) of an sRGB ``#rrggbb`` colour."""
    rgb = np.array([int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = (
        np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
        @ linear
        / np.array([0.95047, 1.0, 1.08883])
    )
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _delta_e(first: str, second: str) -> float:
    """CIE76 colour difference: above about 20, two colours read as different at a glance."""
    return float(np.linalg.norm(_lab(first) - _lab(second)))
