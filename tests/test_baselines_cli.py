"""`auditor baseline`: JSON out, conclusion on stderr, one-line errors with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from auditor.cli import main

from .conftest import SAMPLES
from .test_baselines_lending import make_lending

LENDING = SAMPLES / "lending.csv"


@pytest.fixture(scope="module")
def small_lending(tmp_path_factory):
    path = tmp_path_factory.mktemp("lending") / "small.csv.gz"
    make_lending(1_500, seed=9).to_csv(path, index=False)
    return path


def test_writes_the_study_json_to_a_file(small_lending, tmp_path, capsys):
    out = tmp_path / "study.json"
    code = main(
        [
            "baseline",
            str(small_lending),
            "--target",
            "repaid",
            "--protected",
            "race",
            "--json",
            str(out),
            "--seed",
            "3",
        ]
    )
    assert code == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["schema"] == "auditor/baseline-v1"
    assert document["dataset"]["seed"] == 3
    assert document["dataset"]["source"] == str(small_lending)
    assert document["dataset"]["rows"] == 1_500
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == document["conclusion"]


def test_quiet_prints_nothing(small_lending, tmp_path, capsys):
    code = main(
        [
            "baseline",
            str(small_lending),
            "--target",
            "repaid",
            "--protected",
            "race",
            "--quiet",
            "--json",
            str(tmp_path / "s.json"),
        ]
    )
    assert code == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["--target", "repayed", "--protected", "race"],
            "auditor: error: target column 'repayed' is not in ",
        ),
        (
            ["--target", "repaid", "--protected", "ethnicity"],
            "auditor: error: protected column 'ethnicity' is not in ",
        ),
        (
            ["--target", "race", "--protected", "neighbourhood"],
            "auditor: error: target column 'race' has classes 'A' and 'B'",
        ),
    ],
)
def test_bad_columns_exit_2_with_one_line(arguments, message, capsys):
    code = main(["baseline", str(LENDING), *arguments])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert captured.err.startswith(message)
    assert captured.err.count("\n") == 1


@pytest.mark.slow
def test_bad_target_through_the_installed_entry_point():
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "auditor.cli",
            "baseline",
            str(SAMPLES / "adult.csv.gz"),
            "--target",
            "salary",
            "--protected",
            "sex",
            "--positive-label",
            ">50K",
            "--json",
            "-",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 2
    assert completed.stdout == ""
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "target column 'salary' is not in" in lines[0] and "Traceback" not in completed.stderr


@pytest.mark.slow
def test_exclude_and_constraint_options_reach_the_study(small_lending, tmp_path):
    out = tmp_path / "s.json"
    code = main(
        [
            "baseline",
            str(small_lending),
            "--target",
            "repaid",
            "--protected",
            "race",
            "--exclude",
            "income,years_employed",
            "--constraint",
            "exponentiated_gradient",
            "--quiet",
            "--json",
            str(out),
        ]
    )
    assert code == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    assert {"column": "income", "reason": "excluded by the caller"} in document["ignored_columns"]
    assert "income" not in document["strategies"][0]["features"]
    assert document["constraint"]["method"] == "ExponentiatedGradient"


def test_unknown_constraint_is_a_usage_error(capsys):
    code = main(
        [
            "baseline",
            str(LENDING),
            "--target",
            "repaid",
            "--protected",
            "race",
            "--constraint",
            "magic",
        ]
    )
    assert code == 2
    assert "invalid choice: 'magic'" in capsys.readouterr().err
