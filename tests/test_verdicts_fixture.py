"""Issue #11's hand-computed fixture through the API and the CLI (JSON and exit codes).

See ``tests/fixture_verdicts.py`` for the table and the hand computation.
"""

from __future__ import annotations

import json

import pytest

import auditor
from auditor.policy import Policy, PolicyCheck

from . import fixture_verdicts as fx
from .cli_run import run_cli, run_process


def _audit(**options):
    return auditor.audit(
        fx.frame(),
        label="outcome",
        prediction="decision",
        protected="grp",
        min_group_size=fx.MIN_GROUP_SIZE,
        **options,
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return fx.write(tmp_path_factory.mktemp("fixture"))


def test_impact_ratios_divide_by_the_highest_rate_among_groups_with_enough_data():
    breakdown = _audit().breakdown("grp")
    assert breakdown.impact_ratio_comparison == {"grp": "B"}
    assert breakdown.reference == {"grp": "A"}  # the display reference: the largest group
    for name, expected in fx.IMPACT_RATIOS.items():
        impact = breakdown.group(grp=name).adverse_impact
        assert impact.impact_ratio == pytest.approx(expected), name
    for name, expected in fx.SHORTFALL_FOUR_FIFTHS.items():
        impact = breakdown.group(grp=name).adverse_impact
        assert impact.shortfall_to_four_fifths == expected, name
        assert impact.shortfall_to_parity == fx.SHORTFALL_PARITY[name], name
    a = breakdown.group(grp="A").adverse_impact
    assert a.z == pytest.approx(fx.Z_A_VS_B, rel=1e-12)
    assert a.test is not None and a.test.method == "two_proportion_z"


def test_verdicts_pass_fail_and_not_evaluable(files):
    _, policy = files
    result = _audit(policy=policy)
    outcomes = [check.outcome for check in result.policy.checks]
    assert outcomes == fx.OUTCOMES
    four_fifths, odds, fpr = result.policy.checks
    assert four_fifths.value == pytest.approx(fx.IMPACT_RATIOS["A"])
    assert four_fifths.worst_group == {"grp": "A"}
    assert four_fifths.comparison_group == {"grp": "B"}
    assert four_fifths.failing_groups == ({"grp": "A"}, {"grp": "C"})
    assert four_fifths.skipped_groups == ({"grp": "D"},)
    assert four_fifths.test["p_adjusted"] >= four_fifths.test["p_value"]
    assert odds.value == pytest.approx(fx.EOD_ENOUGH_DATA)
    assert odds.skipped_groups == ({"grp": "D"},)
    assert fpr.passed is None and "undefined for D" in fpr.reason
    assert result.policy.outcome == "fail" and result.exit_code == 1


def test_the_verdict_does_not_depend_on_the_display_reference(files):
    _, policy = files
    for reference in ("A", "B", "C", "D"):
        result = _audit(policy=policy, reference={"grp": reference})
        assert [c.outcome for c in result.policy.checks] == fx.OUTCOMES, reference
        assert result.policy.checks[0].value == pytest.approx(fx.IMPACT_RATIOS["A"])


def test_not_evaluable_without_a_failure_exits_3_and_is_no_pass():
    policy = Policy(
        checks=(
            PolicyCheck(metric="equalized_odds_difference", rule="at_most", bound=0.28),
            PolicyCheck(metric="fpr", rule="ratio_at_least", bound=0.5, include_small_groups=True),
        )
    )
    result = _audit(policy=policy)
    assert result.policy.outcome == "not_evaluable"
    assert result.passed is False and result.exit_code == 3
    document = result.to_dict()["policy"]
    assert document["outcome"] == "not_evaluable" and document["passed"] is False
    assert [c["passed"] for c in document["checks"]] == [True, None]


def test_summary_check_with_small_groups_included_judges_them():
    policy = Policy(
        checks=(
            PolicyCheck(
                metric="equalized_odds_difference",
                rule="at_most",
                bound=0.28,
                include_small_groups=True,
            ),
        )
    )
    (check,) = _audit(policy=policy).policy.checks
    assert check.outcome == "fail" and check.value == pytest.approx(0.3)
    assert check.skipped_groups == ()


def test_compare_to_reference_is_refused():
    with pytest.raises(auditor.PolicyError, match="reference group chosen for display"):
        PolicyCheck(
            metric="selection_rate", rule="ratio_at_least", bound=0.8, compare_to="reference"
        )


def test_the_bundled_four_fifths_rule_uses_the_impact_ratio():
    result = _audit(policy=auditor.FOUR_FIFTHS)
    (check,) = result.policy.checks
    assert check.outcome == "fail" and check.value == pytest.approx(fx.IMPACT_RATIOS["A"])
    bundled = auditor.load_policy("sample_data/policy.toml")
    assert bundled.checks[0].compare_to == "max"


_cli = run_cli


def test_cli_json_and_exit_codes(files, tmp_path):
    csv, policy = files
    base = [
        "audit",
        str(csv),
        "--label",
        "outcome",
        "--prediction",
        "decision",
        "--protected",
        "grp",
        "--min-group-size",
        "30",
    ]
    completed = _cli(*base, "--policy", str(policy), "--json", "-")
    assert completed.returncode == 1, completed.stderr
    document = json.loads(completed.stdout)
    assert [c["outcome"] for c in document["policy"]["checks"]] == fx.OUTCOMES
    assert [c["passed"] for c in document["policy"]["checks"]] == [False, True, None]
    assert document["policy"]["outcome"] == "fail"
    breakdown = document["breakdowns"][0]
    assert breakdown["impact_ratio_comparison"] == {"grp": "B"}
    ratios = {g["key"]["grp"]: g["impact_ratio"] for g in breakdown["groups"]}
    assert ratios == pytest.approx(fx.IMPACT_RATIOS)
    assert "NOT EVALUABLE" in completed.stderr

    only_not_evaluable = tmp_path / "ne.toml"
    only_not_evaluable.write_text(
        "[[checks]]\nmetric = 'fpr'\nrule = 'ratio_at_least'\nbound = 0.5\n"
        "include_small_groups = true\n"
    )
    # exit 3 through a real ``python -m auditor`` process: the code CI sees
    completed = run_process(*base, "--policy", str(only_not_evaluable), "--quiet")
    assert completed.returncode == 3, completed.stderr
    passing = tmp_path / "pass.toml"
    passing.write_text(
        "[[checks]]\nmetric = 'equalized_odds_difference'\nrule = 'at_most'\nbound = 0.28\n"
    )
    assert _cli(*base, "--policy", str(passing), "--quiet").returncode == 0


def test_cli_without_a_label_audits_selection_rates(files, tmp_path):
    labelled_csv, policy = files
    csv, _ = fx.write(tmp_path, with_label=False)
    completed = _cli(
        "audit",
        str(csv),
        "--prediction",
        "decision",
        "--protected",
        "grp",
        "--json",
        "-",
        "--policy",
        str(policy),
    )
    assert completed.returncode == 1, completed.stderr
    document = json.loads(completed.stdout)
    assert document["columns"]["label"] is None
    group = document["breakdowns"][0]["groups"][0]
    assert set(group["metrics"]) == {"selection_rate"}
    assert set(document["breakdowns"][0]["summary"]) == {
        "demographic_parity_difference",
        "demographic_parity_ratio",
    }
    # the four-fifths rule still fails; the label-dependent checks are not evaluable
    assert [c["outcome"] for c in document["policy"]["checks"]] == [
        "fail",
        "not_evaluable",
        "not_evaluable",
    ]
    assert "needs the true outcome" in document["policy"]["checks"][1]["reason"]

    labelled = json.loads(
        _cli(
            "audit",
            str(labelled_csv),
            "--label",
            "outcome",
            "--prediction",
            "decision",
            "--protected",
            "grp",
            "--json",
            "-",
            "--quiet",
        ).stdout
    )
    for without, with_label in zip(
        document["breakdowns"][0]["groups"], labelled["breakdowns"][0]["groups"], strict=True
    ):
        assert without["metrics"]["selection_rate"] == with_label["metrics"]["selection_rate"]
        assert without["intervals"]["selection_rate"] == with_label["intervals"]["selection_rate"]
        assert without["impact_ratio"] == with_label["impact_ratio"]
        assert without["adverse_impact"] == with_label["adverse_impact"]
        assert without["tests"].get("selection_rate") == with_label["tests"].get("selection_rate")


def _pdf_text(document) -> str:
    import io
    import re

    import pypdf

    from auditor.report import audit_pdf_bytes

    reader = pypdf.PdfReader(io.BytesIO(audit_pdf_bytes(document, charts=False)))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_pdf_states_the_three_verdicts_the_groups_left_out_and_the_impact_ratios(files):
    _, policy = files
    text = _pdf_text(_audit(policy=policy).to_dict())
    assert "FAIL" in text and "PASS" in text and "NOT EVALUABLE" in text
    assert "not judged (too small): D" in text
    assert "fpr (or its ratio to the highest group) is undefined for D" in text
    assert "Impact ratios (four-fifths rule)" in text and "here grp = B" in text
    assert "0.67" in text and "1 (highest)" in text
    # each finding names its test and its Holm-adjusted p-value
    assert "two-proportion z test, Holm-adjusted p = 0.021: statistically significant" in text
    assert "selection rate ÷ the highest selection rate" in text  # the methodology


def test_pdf_without_a_label_has_no_label_dependent_columns(tmp_path):
    csv, policy = fx.write(tmp_path, with_label=False)
    result = auditor.audit(csv, prediction="decision", protected="grp", policy=policy)
    text = _pdf_text(result.to_dict())
    assert "Impact ratios (four-fifths rule)" in text
    assert "TPR [95% CI]" not in text and "FPR ratio" not in text
    assert "needs the true outcome" in text
