"""The accuracy–disparity chart is built from the baseline-v1 document alone."""

from __future__ import annotations

import json

import pytest

from auditor.charts import baseline_tradeoff_chart
from auditor.cli import main

from .conftest import SAMPLES


@pytest.fixture(scope="module")
def document(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("baseline") / "lending.json"
    assert (
        main(
            [
                "baseline",
                str(SAMPLES / "lending.csv"),
                "--target",
                "repaid",
                "--protected",
                "race",
                "--quiet",
                "--json",
                str(out),
            ]
        )
        == 0
    )
    return json.loads(out.read_text(encoding="utf-8"))


def _layers(spec: dict) -> list[dict]:
    return spec["layer"]


def _values(spec: dict, layer: dict) -> list[dict]:
    return spec["datasets"][layer["data"]["name"]]


def test_one_point_per_strategy_at_its_accuracy_and_ratio(document):
    spec = baseline_tradeoff_chart(document).to_dict()
    points = next(layer for layer in _layers(spec) if layer["mark"]["type"] == "point")
    values = {row["name"]: row for row in _values(spec, points)}
    assert set(values) == {s["name"] for s in document["strategies"]}
    for strategy in document["strategies"]:
        row = values[strategy["name"]]
        assert row["accuracy"] == strategy["accuracy"]
        assert row["ratio"] == strategy["summary"]["demographic_parity_ratio"]


def test_frontier_and_four_fifths_line_are_drawn(document):
    spec = baseline_tradeoff_chart(document).to_dict()
    line = next(layer for layer in _layers(spec) if layer["mark"]["type"] == "line")
    assert len(_values(spec, line)) == len(document["frontier"]["points"])
    rule = next(layer for layer in _layers(spec) if layer["mark"]["type"] == "rule")
    assert _values(spec, rule) == [{"x": 0.8}]
    assert "race" in json.dumps(spec["title"])


def test_a_document_without_frontier_still_draws(document):
    trimmed = {**document, "frontier": {"points": []}}
    spec = baseline_tradeoff_chart(trimmed).to_dict()
    line = next(layer for layer in _layers(spec) if layer["mark"]["type"] == "line")
    assert _values(spec, line) == []
