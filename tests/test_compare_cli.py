"""``auditor compare``: JSON compare-v1, exit codes 0 / 1 / 2 / 3, one-line errors."""

from __future__ import annotations

import json

import pytest

from auditor.cli import main

from .conftest import COMPAS_PREDICTIONS

PAIRED = [
    "compare",
    str(COMPAS_PREDICTIONS),
    "--label",
    "two_year_recid",
    "--protected",
    "race,sex",
    "--score",
    "decile_score",
    "--baseline-threshold",
    "5",
    "--candidate-threshold",
    "7",
    "--replicates",
    "400",
    "--no-intersections",
    "--quiet",
]


def _gate(tmp_path, body):
    path = tmp_path / "gate.toml"
    path.write_text(body, encoding="utf-8")
    return str(path)


def test_paired_json_and_exit_0_without_a_policy(tmp_path, capsys):
    out = tmp_path / "c.json"
    assert main([*PAIRED, "--json", str(out)]) == 0
    document = json.loads(out.read_text())
    assert document["schema"] == "auditor/compare-v1" and document["design"] == "paired"
    race = next(b for b in document["breakdowns"] if b["by"] == ["race"])
    figure = race["summary"]["demographic_parity_difference"]
    assert set(figure) >= {"baseline", "candidate", "change", "interval", "method"}
    assert document["policy"] is None


def test_exit_1_when_a_check_fails_with_evidence(tmp_path):
    # sex: the demographic parity difference rises +0.031, interval about [+0.007, +0.057]
    gate = _gate(
        tmp_path,
        '[[checks]]\nmetric = "demographic_parity_difference"\nrule = "no_worse_than_baseline"\n'
        'by = ["sex"]\nevidence = "interval"\n',
    )
    out = tmp_path / "c.json"
    assert main([*PAIRED, "--policy", gate, "--json", str(out)]) == 1
    check = json.loads(out.read_text())["policy"]["checks"][0]
    assert check["outcome"] == "fail" and check["passed"] is False


def test_exit_3_when_nothing_failed_but_a_check_is_inconclusive(tmp_path):
    # sex with a 0.03 tolerance: the interval [+0.007, +0.057] straddles 0.03
    gate = _gate(
        tmp_path,
        '[[checks]]\nmetric = "demographic_parity_difference"\nrule = "no_worse_than_baseline"\n'
        'by = ["sex"]\ntolerance = 0.03\nevidence = "interval"\n',
    )
    out = tmp_path / "c.json"
    assert main([*PAIRED, "--policy", gate, "--json", str(out)]) == 3
    document = json.loads(out.read_text())
    assert document["policy"]["outcome"] == "not_evaluable"
    assert document["policy"]["checks"][0]["passed"] is None


def test_exit_0_when_every_check_passes(tmp_path):
    gate = _gate(
        tmp_path,
        '[[checks]]\nmetric = "demographic_parity_difference"\nrule = "no_worse_than_baseline"\n'
        'by = ["race"]\nevidence = "interval"\n',
    )
    assert main([*PAIRED, "--policy", gate]) == 0


@pytest.mark.parametrize(
    "argv,message",
    [
        (PAIRED[:2] + ["--protected", "race"], "needs --label"),
        ([*PAIRED[:-4], "--candidate", "high_risk", "--quiet"], "name the candidate model once"),
        (["compare", "a.json", "b.json", "--label", "y"], "apply to one data file"),
        (["compare", "missing.json", "other.json"], "does not exist"),
    ],
)
def test_usage_errors_exit_2_with_one_line(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_unpaired_two_audit_files(tmp_path):
    files = []
    for threshold in ("5", "7"):
        path = tmp_path / f"audit{threshold}.json"
        assert (
            main(
                [
                    "audit",
                    str(COMPAS_PREDICTIONS),
                    "--label",
                    "two_year_recid",
                    "--score",
                    "decile_score",
                    "--threshold",
                    threshold,
                    "--protected",
                    "race",
                    "--quiet",
                    "--json",
                    str(path),
                ]
            )
            == 0
        )
        files.append(str(path))
    out = tmp_path / "c.json"
    assert main(["compare", *files, "--replicates", "400", "--quiet", "--json", str(out)]) == 0
    document = json.loads(out.read_text())
    assert document["design"] == "unpaired"
    group = next(g for g in document["breakdowns"][0]["groups"] if g["key"]["race"] == "Caucasian")
    assert group["metrics"]["selection_rate"]["method"] == "newcombe_independent"
