"""dashboard.policy_text: the policy editor's TOML."""

from __future__ import annotations

from pathlib import Path

import pytest

import auditor
from dashboard.policy_text import policy_from_text

ROOT = Path(__file__).resolve().parent.parent


def test_policy_text_errors_name_the_problem():
    with pytest.raises(auditor.PolicyError, match="not hold valid TOML"):
        policy_from_text("[[checks]\n")
    policy = policy_from_text(
        '[[checks]]\nmetric = "selection_rate"\nrule = "ratio_at_least"\nbound = 0.8\n'
    )
    assert policy.checks[0].bound == 0.8
