"""The documented CI workflow calls `auditor compare` with options the CLI really accepts, and
the gate file it starts from is the bundled one."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from auditor.cli import build_parser
from auditor.compare.gate import load_comparison_policy

ROOT = Path(__file__).resolve().parent.parent


def _compare_command(text: str) -> list[str]:
    match = re.search(r"auditor compare (.+?)\n\s*code=", text, re.S)
    assert match, "no `auditor compare` step"
    return ["compare", *shlex.split(match.group(1).replace("\\\n", " "))]


def test_workflow_and_doc_use_valid_compare_options():
    for path in (
        ROOT / "docs" / "examples" / "fairness-gate.yml",
        ROOT / "docs" / "github-actions.md",
    ):
        args = build_parser().parse_args(_compare_command(path.read_text(encoding="utf-8")))
        assert args.baseline == "pred_prod" and args.candidate == "pred_new"
        assert args.json_out == "comparison.json" and args.policy == "fairness/gate.toml"


def test_the_bundled_gate_loads():
    policy = load_comparison_policy(ROOT / "sample_data" / "compare_gate.toml")
    assert {check.metric for check in policy.checks} >= {"demographic_parity_difference", "fnr"}
