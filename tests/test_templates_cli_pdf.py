"""The templates through the CLI (flags, JSON keys, exit codes) and in the PDF."""

from __future__ import annotations

import io
import json

import pandas as pd
import pypdf
import pytest

from auditor.cli import main
from auditor.report import audit_pdf_bytes, template_pdf_bytes

from .conftest import SAMPLES

HIRING = str(SAMPLES / "hiring.csv")
LABEL: list[str] = []  # decisions-only audits: the templates need no outcome label


def _json(capsys, *args) -> tuple[int, dict]:
    code = main(["audit", HIRING, *args, "--json", "-", "--quiet"])
    out = capsys.readouterr().out
    return code, json.loads(out) if out else {}


def test_ll144_scoring_tool_from_the_cli(capsys):
    code, document = _json(
        capsys,
        *LABEL,
        "--score",
        "score",
        "--protected",
        "sex,race_ethnicity",
        "--template",
        "ll144",
        "--ll144-exclude-under",
        "0.02",
        "--tool-distribution-date",
        "2025-03-01",
    )
    assert code == 0
    ll144 = document["ll144"]
    frame = pd.read_csv(HIRING)
    assert ll144["kind"] == "scoring"
    assert ll144["median_score"] == pytest.approx(frame["score"].median())
    assert ll144["tool_distribution_date"] == "2025-03-01"
    assert ll144["excluded_under"] == 0.02
    race = ll144["tables"][1]
    assert race["by"] == ["race_ethnicity"]
    assert race["unknown"] == int((frame["race_ethnicity"] == "Unknown").sum())
    nhopi = next(r for r in race["rows"] if r["category"].startswith("Native Hawaiian"))
    assert nhopi["excluded"] and nhopi["impact_ratio"] is None and nhopi["selected"] is None
    assert race["excluded_would_be_maximum"] == ["Native Hawaiian or Other Pacific Islander"]
    names = {r["category"] for r in ll144["tables"][2]["rows"]}
    assert "Hispanic or Latino Female" in names
    assert "ugesp" not in document


def test_ugesp_with_strata_from_the_cli(capsys):
    code, document = _json(
        capsys,
        *LABEL,
        "--prediction",
        "selected",
        "--protected",
        "sex,race_ethnicity",
        "--template",
        "ugesp",
        "--strata",
        "job_group",
    )
    assert code == 0
    ugesp = document["ugesp"]
    assert ugesp["strata"] == ["job_group"]
    female = next(p for p in ugesp["pooled"] if p["category"] == "Female")
    assert female["comparison"] == "Male" and female["mh_odds_ratio"] < 1
    # the audit itself is unchanged by the strata: no breakdown by job_group
    assert all("job_group" not in b["by"] for b in document["breakdowns"])


@pytest.mark.parametrize(
    "args, message",
    [
        (["--prediction", "selected", "--protected", "sex", "--strata", "job_group"], "--template"),
        (
            [
                "--prediction",
                "selected",
                "--protected",
                "sex",
                "--template",
                "ll144",
                "--tool-distribution-date",
                "March",
            ],
            "YYYY-MM-DD",
        ),
        (["--protected", "sex", "--template", "ll144"], "--score COL"),
        (
            [
                "--prediction",
                "selected",
                "--protected",
                "sex",
                "--template",
                "ll144",
                "--strata",
                "job_group",
            ],
            "belongs to --template ugesp",
        ),
        (
            [
                "--prediction",
                "selected",
                "--protected",
                "sex",
                "--template",
                "ugesp",
                "--strata",
                "job_group",
                "--epsilon",
                "1",
            ],
            "exact counts",
        ),
    ],
)
def test_template_usage_errors_exit_2_with_one_line(capsys, args, message):
    code = main(["audit", HIRING, *LABEL, *args, "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_pdf_chapter_has_tables_summary_fields_formulas_and_the_notice(capsys):
    _, ll144 = _json(
        capsys,
        *LABEL,
        "--prediction",
        "selected",
        "--protected",
        "sex,race_ethnicity",
        "--template",
        "ll144",
        "--ll144-exclude-under",
        "0.02",
        "--tool-distribution-date",
        "2025-03-01",
    )
    text = _text(audit_pdf_bytes(ll144, charts=False))
    assert "Regulatory templates" in text
    assert "does not give legal advice" in text.replace("\n", " ")
    assert "Tool distribution date" in text and "2025-03-01" in text
    assert "Hispanic or Latino Female" in text
    assert "excluded (< 2%)" in text
    assert "Regulatory template formulas" in text
    _, ugesp = _json(
        capsys,
        *LABEL,
        "--prediction",
        "selected",
        "--protected",
        "sex",
        "--template",
        "ugesp",
        "--strata",
        "job_group",
    )
    alone = _text(template_pdf_bytes(ugesp))
    assert "Pooled: sex" in alone and "Breslow" in alone and "stratum Engineering" in alone
    assert "Metric definitions" not in alone  # the section on its own, not the whole report


def test_the_same_file_with_a_label_gives_identical_template_tables(capsys):
    args = ["--prediction", "selected", "--protected", "sex,race_ethnicity", "--template", "ll144"]
    _, without = _json(capsys, *args)
    _, with_label = _json(capsys, "--label", "hired", *args)
    for document in (without, with_label):
        document["ll144"].pop("audit_date")
    assert without["ll144"] == with_label["ll144"]


def test_pdf_without_templates_has_no_template_chapter(capsys):
    _, plain = _json(capsys, *LABEL, "--prediction", "selected", "--protected", "sex")
    assert "Regulatory templates" not in _text(audit_pdf_bytes(plain, charts=False))
