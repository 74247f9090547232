"""A label and a decision written in different words (credit ``good``/``bad``, decision
``approved``/``denied``) are audited by naming each column's positive class."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import auditor
from auditor.cli import main
from auditor.errors import InputError


def _credit() -> pd.DataFrame:
    """Group A: 40 good (30 approved), 60 bad (15 approved); group B: 50 good (20 approved),
    50 bad (10 approved)."""
    rows = []
    for group, cells in (
        (
            "A",
            {
                ("good", "approved"): 30,
                ("good", "denied"): 10,
                ("bad", "approved"): 15,
                ("bad", "denied"): 45,
            },
        ),
        (
            "B",
            {
                ("good", "approved"): 20,
                ("good", "denied"): 30,
                ("bad", "approved"): 10,
                ("bad", "denied"): 40,
            },
        ),
    ):
        for (credit, decision), n in cells.items():
            rows += [{"g": group, "credit": credit, "decision": decision}] * n
    return pd.DataFrame(rows)


def _metrics(result, group: str) -> dict:
    return result.breakdown("g").group(g=group).metrics


def test_each_column_is_coded_by_its_own_positive_class():
    result = auditor.audit(
        _credit(),
        label="credit",
        prediction="decision",
        protected="g",
        positive_label="good",
        positive_prediction="approved",
    )
    a = _metrics(result, "A")
    assert a["selection_rate"] == pytest.approx(45 / 100)
    assert a["base_rate"] == pytest.approx(40 / 100)
    assert a["tpr"] == pytest.approx(30 / 40)  # approved among good credit
    assert a["fpr"] == pytest.approx(15 / 60)  # approved among bad credit
    assert _metrics(result, "B")["tpr"] == pytest.approx(20 / 50)
    columns = result.to_dict()["columns"]
    assert (columns["positive_label"], columns["positive_prediction"]) == ("good", "approved")


def _audit(frame: pd.DataFrame | None = None, **positives: str):
    return auditor.audit(
        _credit() if frame is None else frame,
        label="credit",
        prediction="decision",
        protected="g",
        **positives,
    )


def test_without_it_the_error_names_the_option():
    with pytest.raises(InputError, match="--positive-prediction"):
        _audit(positive_label="good")


def test_a_positive_missing_from_its_own_column_is_refused():
    # 'approved' is a decision, not a credit outcome: coding the label by it would make every
    # label 0 and every TPR undefined — refused, naming the column and the option
    with pytest.raises(
        InputError, match="positive label 'approved' is not a value of label column 'credit'"
    ):
        _audit(positive_label="approved", positive_prediction="approved")
    with pytest.raises(InputError, match="--positive-prediction"):
        _audit(positive_label="good", positive_prediction="good")
    # a 0/1 label is coded by itself, so a named positive it lacks would be silently ignored
    ones = _credit().assign(credit=lambda f: (f["credit"] == "good").astype(int))
    with pytest.raises(InputError, match="positive label 'good' is not a value of the label"):
        _audit(ones, positive_label="good", positive_prediction="approved")


def test_the_cli_and_a_saved_cube_keep_both(tmp_path, capsys):
    data = tmp_path / "credit.csv"
    _credit().to_csv(data, index=False)
    cube = tmp_path / "credit.cube.parquet"
    common = ["--label", "credit", "--prediction", "decision", "--protected", "g"]
    positives = ["--positive-label", "good", "--positive-prediction", "approved"]
    assert main(["cube", str(data), *common, *positives, "--out", str(cube), "--quiet"]) == 0
    for source in (data, cube):
        out = tmp_path / "audit.json"
        extra = [*common, *positives] if source == data else []
        assert main(["audit", str(source), *extra, "--json", str(out), "--quiet"]) == 0
        document = json.loads(out.read_text())
        group_a = next(g for g in document["breakdowns"][0]["groups"] if g["key"] == {"g": "A"})
        assert group_a["metrics"]["tpr"] == pytest.approx(0.75)
        assert document["columns"]["positive_prediction"] == "approved"
