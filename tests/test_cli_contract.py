"""The CLI contract: exit codes 0/1/2, one-line errors, a valid audit JSON document."""

from __future__ import annotations

import json

import pytest

from auditor.cli import main

from .cli_run import run_cli, run_process
from .conftest import ADULT_PREDICTIONS, COMPAS_CLI, COMPAS_PREDICTIONS, POLICY

COMPAS = COMPAS_CLI


def test_json_to_stdout_is_a_valid_audit_document():
    completed = run_cli("audit", *COMPAS, "--json", "-", "--quiet")
    assert completed.returncode == 0, completed.stderr
    document = json.loads(completed.stdout)
    assert document["schema"] == "auditor/audit-v1"
    assert document["dataset"]["rows"] == 6172 and document["privacy"] == {"mode": "exact"}
    assert [b["by"] for b in document["breakdowns"]] == [["race"], ["sex"], ["race", "sex"]]
    race = document["breakdowns"][0]
    assert race["reference"] == {"race": "African-American"}
    group = race["groups"][0]
    for key in (
        "key",
        "n",
        "tp",
        "fp",
        "tn",
        "fn",
        "metrics",
        "intervals",
        "ratio_to_reference",
        "difference_to_reference",
        "flags",
    ):
        assert key in group
    assert set(race["summary"]) >= {
        "demographic_parity_difference",
        "demographic_parity_ratio",
        "equalized_odds_difference",
        "equalized_odds_ratio",
        "equal_opportunity_difference",
    }
    assert document["policy"] is None


def test_failing_policy_exits_1_and_passing_policy_exits_0(tmp_path):
    """Through ``python -m auditor``: the process's own exit codes, not only main's return."""
    failed = run_process("audit", *COMPAS, "--policy", str(POLICY), "--quiet")
    assert failed.returncode == 1, failed.stderr
    lenient = tmp_path / "lenient.toml"
    lenient.write_text(
        "[[checks]]\nmetric = 'selection_rate'\nrule = 'ratio_at_least'\nbound = 0.01\n"
    )
    out = tmp_path / "audit.json"
    completed = run_process("audit", *COMPAS, "--policy", str(lenient), "--json", str(out))
    assert completed.returncode == 0, completed.stderr
    document = json.loads(out.read_text())
    assert document["policy"]["passed"] is True
    assert "policy: PASSED" in completed.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--label", "two_year_recid", "--prediction", "nope", "--protected", "race"],
            "column 'nope'",
        ),
        (["--label", "two_year_recid", "--protected", "race"], "no prediction given"),
        (
            [
                "--label",
                "two_year_recid",
                "--prediction",
                "high_risk",
                "--protected",
                "race",
                "--reference",
                "race",
            ],
            "COLUMN=VALUE",
        ),
        (
            [
                "--label",
                "two_year_recid",
                "--prediction",
                "high_risk",
                "--protected",
                "race",
                "--epsilon",
                "-1",
            ],
            "positive finite number",
        ),
    ],
)
def test_input_errors_exit_2_with_one_line(args, message):
    completed = run_cli("audit", str(COMPAS_PREDICTIONS), *args)
    assert completed.returncode == 2
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], completed.stderr
    assert "Traceback" not in completed.stderr


def test_an_input_error_through_the_process_exits_2_with_one_line_and_no_traceback():
    """The same contract as above through ``python -m auditor``: nothing else (a warning of a
    fresh interpreter, a traceback) reaches the process's stderr."""
    completed = run_process(
        "audit", str(COMPAS_PREDICTIONS), "--label", "two_year_recid", "--protected", "race"
    )
    assert completed.returncode == 2
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and "no prediction given" in lines[0], completed.stderr
    assert completed.stdout == ""


def test_missing_file_and_missing_required_option_exit_2(capsys):
    assert (
        main(["audit", "/nonexistent.csv", "--label", "y", "--prediction", "p", "--protected", "g"])
        == 2
    )
    assert "does not exist" in capsys.readouterr().err
    assert main(["audit", str(COMPAS_PREDICTIONS), "--label", "y"]) == 2
    assert "--protected" in capsys.readouterr().err


def test_string_labels_score_and_reference_from_the_cli(capsys):
    code = main(
        [
            "audit",
            str(ADULT_PREDICTIONS),
            "--label",
            "income",
            "--score",
            "score",
            "--threshold",
            "0.5",
            "--positive-label",
            ">50K",
            "--protected",
            "sex",
            "--reference",
            "sex=Female",
            "--json",
            "-",
            "--quiet",
        ]
    )
    assert code == 0
    document = json.loads(capsys.readouterr().out)
    sex = document["breakdowns"][0]
    assert sex["reference"] == {"sex": "Female"}
    male = next(g for g in sex["groups"] if g["key"] == {"sex": "Male"})
    assert male["ratio_to_reference"]["selection_rate"] > 2
    assert document["scores"]["sex"][0]["roc_auc"] > 0.8


def test_a_repeated_protected_option_adds_attributes(tmp_path, capsys):
    """``--protected race --protected sex`` audits both (it silently kept only the last)."""
    code = main(
        [
            "audit",
            str(COMPAS_PREDICTIONS),
            "--label",
            "two_year_recid",
            "--prediction",
            "high_risk",
            "--protected",
            "race",
            "--protected",
            "sex",
            "--json",
            "-",
            "--quiet",
        ]
    )
    assert code in (0, 1, 3)
    document = json.loads(capsys.readouterr().out)
    assert {tuple(b["by"]) for b in document["breakdowns"]} >= {("race",), ("sex",)}
