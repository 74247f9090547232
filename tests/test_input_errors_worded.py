"""Bad input from the user is an input error that names the value and the fix, never an
"internal error … this is a bug".

Each case below ended as ``auditor: internal error: …`` before (found by driving the CLI with
bad options, files and output paths). The CLI must exit 2 with one line that names the bad
value; the Python API must raise an :class:`auditor.AuditorError`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import auditor
from auditor.cli import main
from auditor.errors import AuditorError

ROOT = Path(__file__).resolve().parent.parent
SMALL = str(ROOT / "tests" / "corpus" / "files" / "semicolon.csv")
LENDING = str(ROOT / "sample_data" / "lending.csv")
MAPPING = ["--label", "y", "--prediction", "p", "--protected", "g"]


def _cases(tmp: Path) -> list[tuple[list[str], str]]:
    """(argv, text the one-line message must contain)."""
    return [
        # a negative seed reached numpy ("expected non-negative integer")
        (["audit", SMALL, *MAPPING, "--epsilon", "1", "--seed", "-1"], "'-1' must be a whole"),
        # … and scikit-learn's train_test_split (InvalidParameterError)
        (["baseline", LENDING, "--target", "repaid", "--protected", "race", "--seed", "-1"], "-1"),
        (["audit", SMALL, *MAPPING, "--epsilon", "1", "--seed", str(2**40)], str(2**40)),
        # a tiny delta: OpenDP's calibration search ("unable to infer bounds")
        (["audit", SMALL, *MAPPING, "--epsilon", "1", "--delta", "1e-20"], "delta 1e-20"),
        (
            ["audit", SMALL, *MAPPING, "--epsilon", "1", "--mechanism", "gaussian"]
            + ["--delta", "1e-300"],
            "delta 1e-300",
        ),
        # a cube written into a missing folder, or onto a folder (DuckDB's IOException)
        (["cube", SMALL, *MAPPING, "--out", str(tmp / "missing" / "c.parquet")], "does not exist"),
        (["cube", SMALL, *MAPPING, "--out", str(tmp)], "it is a folder"),
        # JSON outputs named the hidden temporary file instead of the user's path
        (["audit", SMALL, *MAPPING, "--json", str(tmp / "missing" / "a.json")], "missing/a.json'"),
        (["audit", SMALL, *MAPPING, "--json", str(tmp)], "it is a folder"),
    ]


CASE_IDS = [
    "audit-seed-negative",
    "baseline-seed-negative",
    "audit-seed-too-large",
    "laplace-delta-tiny",
    "gaussian-delta-tiny",
    "cube-out-missing-folder",
    "cube-out-is-folder",
    "json-out-missing-folder",
    "json-out-is-folder",
]


@pytest.mark.parametrize("index", range(len(CASE_IDS)), ids=CASE_IDS)
def test_bad_input_is_one_clear_line_and_exit_2(index, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("AUDITOR_DEBUG", raising=False)
    argv, expected = _cases(tmp_path)[index]
    code = main([*argv, "--quiet"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "internal error" not in err and "this is a bug" not in err, err
    assert "Traceback" not in err and ".part" not in err, err
    assert err.count("\n") == 1, err
    assert expected in err, err


def test_api_refuses_a_negative_seed_and_a_tiny_delta_as_auditor_errors():
    options = {"label": "y", "prediction": "p", "protected": "g", "epsilon": 1.0}
    with pytest.raises(AuditorError, match="seed must be a whole number"):
        auditor.audit(SMALL, seed=-1, **options)
    with pytest.raises(AuditorError, match="delta 1e-18 is below the smallest supported"):
        auditor.audit(SMALL, delta=1e-18, **options)
    # the smallest supported delta still calibrates, with either mechanism
    for mechanism in ("laplace", "gaussian"):
        auditor.audit(SMALL, delta=1e-15, mechanism=mechanism, seed=1, **options)


def test_a_positive_label_absent_from_the_baseline_target_is_refused_not_ignored(capsys):
    # the target is coded 0/1, so the study used to run with '1' and say nothing about 'zz'
    argv = ["baseline", LENDING, "--target", "repaid", "--protected", "race"]
    assert main([*argv, "--positive-label", "zz", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "positive label 'zz' is not a value of the target column 'repaid'" in err, err
    assert err.count("\n") == 1


def test_reissue_refuses_a_reference_group_that_was_not_released(tmp_path, capsys):
    store = tmp_path / "audits.duckdb"
    out = tmp_path / "release.json"
    compas = str(ROOT / "sample_data" / "compas_predictions.csv")
    release = ["--label", "two_year_recid", "--prediction", "high_risk", "--protected", "race"]
    private = ["--epsilon", "1", "--privacy-budget", "3", "--store", str(store)]
    assert main(["audit", compas, *release, *private, "--json", str(out), "--quiet"]) == 0
    import json

    release_id = json.loads(out.read_text())["privacy"]["release_id"]
    capsys.readouterr()
    for reference, expected in (
        ("race=zz", "reference group race='zz' is not one of the released groups; values of"),
        ("sex=Male", "reference names 'sex', which is not a protected attribute of this release"),
    ):
        argv = ["reissue", release_id, "--store", str(store), "--reference", reference]
        assert main([*argv, "--quiet"]) == 2
        err = capsys.readouterr().err
        assert expected in err and err.count("\n") == 1, err
    # a released group is still accepted
    argv = ["reissue", release_id, "--store", str(store), "--reference", "race=Caucasian"]
    assert main([*argv, "--quiet"]) in (0, 3)
