"""`auditor audit --epsilon …` from the command line: categories files and usage errors."""

from __future__ import annotations

import json

from auditor.cli import main

from .conftest import COMPAS_PREDICTIONS

BASE = [
    "audit",
    str(COMPAS_PREDICTIONS),
    "--label",
    "two_year_recid",
    "--prediction",
    "high_risk",
    "--quiet",
]


def test_categories_file_declares_the_public_domain(tmp_path, capsys):
    categories = tmp_path / "categories.toml"
    categories.write_text('sex = ["Female", "Male", "Nonbinary"]\n', encoding="utf-8")
    code = main(
        [
            *BASE,
            "--protected",
            "sex",
            "--epsilon",
            "2",
            "--categories",
            str(categories),
            "--seed",
            "1",
            "--json",
            "-",
        ]
    )
    assert code == 0
    document = json.loads(capsys.readouterr().out)
    keys = [g["key"]["sex"] for g in document["breakdowns"][0]["groups"]]
    assert sorted(keys) == ["Female", "Male", "Nonbinary"]  # a declared domain has no (other)
    assert document["privacy"]["group_domain"]["source"] == "declared"
    assert document["privacy"]["private"] is False  # --seed


def test_gaussian_without_delta_is_a_usage_error(capsys):
    assert main([*BASE, "--protected", "sex", "--epsilon", "1", "--mechanism", "gaussian"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--delta" in err


def test_budget_without_epsilon_is_a_usage_error(tmp_path, capsys):
    code = main(
        [
            *BASE,
            "--protected",
            "sex",
            "--store",
            str(tmp_path / "s.duckdb"),
            "--privacy-budget",
            "2",
        ]
    )
    assert code == 2
    assert "add --epsilon" in capsys.readouterr().err
