"""The output specification: checks on an audit's figures, read from TOML, and their verdicts.

Example (``sample_data/policy.toml``)::

    name = "Four-fifths rule and equalized odds"

    [[checks]]
    metric = "selection_rate"
    rule = "ratio_at_least"     # every group's ratio to the reference
    bound = 0.8

    [[checks]]
    metric = "equalized_odds_difference"
    rule = "at_most"            # a summary metric of each breakdown
    bound = 0.2
    by = ["race"]               # optional: default is every protected attribute on its own

Group rules (``ratio_at_least``, ``ratio_at_most``, ``difference_at_most``) compare each
group's rate with the reference group (``compare_to = "reference"``, the default) or with
the group that has the highest rate (``compare_to = "max"``). Groups flagged as having
insufficient data are left out of a verdict (and listed) unless ``include_small_groups``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .errors import PolicyError
from .metrics import RATE_METRICS, SUMMARY_DEFINITIONS, BreakdownResult, GroupResult

__all__ = [
    "FOUR_FIFTHS",
    "CheckResult",
    "Policy",
    "PolicyCheck",
    "PolicyResult",
    "evaluate_policy",
    "load_policy",
]

Rule = Literal["ratio_at_least", "ratio_at_most", "difference_at_most", "at_most", "at_least"]
GROUP_RULES = ("ratio_at_least", "ratio_at_most", "difference_at_most")
SUMMARY_RULES = ("at_most", "at_least")
_CHECK_KEYS = {"metric", "rule", "bound", "by", "compare_to", "include_small_groups", "name"}


@dataclass(frozen=True, kw_only=True)
class PolicyCheck:
    """One rule of the output specification."""

    metric: str
    rule: Rule
    bound: float
    by: tuple[str, ...] | None = None
    compare_to: Literal["reference", "max"] = "reference"
    include_small_groups: bool = False
    name: str | None = None

    def __post_init__(self) -> None:
        where = f"check {self.name or self.metric!r}"
        if self.rule in GROUP_RULES:
            if self.metric not in RATE_METRICS:
                raise PolicyError(
                    f"{where}: rule '{self.rule}' needs a per-group rate, and '{self.metric}' is "
                    f"not one; use one of {', '.join(RATE_METRICS)}"
                )
        elif self.rule in SUMMARY_RULES:
            if self.metric not in SUMMARY_DEFINITIONS:
                raise PolicyError(
                    f"{where}: rule '{self.rule}' needs a summary metric, and '{self.metric}' is "
                    f"not one; use one of {', '.join(SUMMARY_DEFINITIONS)}"
                )
        else:
            raise PolicyError(
                f"{where}: unknown rule {self.rule!r}; use one of "
                f"{', '.join(GROUP_RULES + SUMMARY_RULES)}"
            )
        if self.compare_to not in ("reference", "max"):
            raise PolicyError(
                f"{where}: compare_to must be 'reference' or 'max', not {self.compare_to!r}"
            )
        if isinstance(self.bound, bool) or not isinstance(self.bound, (int, float)):
            raise PolicyError(f"{where}: bound must be a number, not {self.bound!r}")

    def describe(self) -> str:
        """The check in words, e.g. ``selection_rate ratio to the reference ≥ 0.8``."""
        if self.rule in SUMMARY_RULES:
            sign = "≤" if self.rule == "at_most" else "≥"
            return f"{self.metric} {sign} {self.bound:g}"
        against = "the reference group" if self.compare_to == "reference" else "the highest group"
        if self.rule == "difference_at_most":
            return f"|{self.metric} − {self.metric} of {against}| ≤ {self.bound:g} for every group"
        sign = "≥" if self.rule == "ratio_at_least" else "≤"
        return f"{self.metric} ÷ {self.metric} of {against} {sign} {self.bound:g} for every group"


@dataclass(frozen=True, kw_only=True)
class Policy:
    """An output specification: a named list of checks."""

    checks: tuple[PolicyCheck, ...]
    name: str = "output specification"
    source: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str | None = None) -> Policy:
        raw_checks = data.get("checks", data.get("check"))
        if not raw_checks or not isinstance(raw_checks, list):
            raise PolicyError(
                f"policy {source or ''} has no [[checks]] tables: add at least one, e.g. "
                '[[checks]] metric = "selection_rate" rule = "ratio_at_least" bound = 0.8'
            )
        checks = []
        for position, raw in enumerate(raw_checks, start=1):
            if not isinstance(raw, Mapping):
                raise PolicyError(f"check {position} of the policy is not a table")
            unknown = set(raw) - _CHECK_KEYS
            if unknown:
                raise PolicyError(
                    f"check {position} of the policy has unknown keys {sorted(unknown)}; "
                    f"allowed keys are {sorted(_CHECK_KEYS)}"
                )
            missing = {"metric", "rule", "bound"} - set(raw)
            if missing:
                raise PolicyError(f"check {position} of the policy lacks {sorted(missing)}")
            by = raw.get("by")
            if isinstance(by, str):
                by = (by,)
            checks.append(
                PolicyCheck(
                    metric=str(raw["metric"]),
                    rule=raw["rule"],
                    bound=raw["bound"],
                    by=tuple(by) if by is not None else None,
                    compare_to=raw.get("compare_to", "reference"),
                    include_small_groups=bool(raw.get("include_small_groups", False)),
                    name=raw.get("name"),
                )
            )
        return cls(
            checks=tuple(checks), name=str(data.get("name", "output specification")), source=source
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "checks": [
                {
                    "metric": c.metric,
                    "rule": c.rule,
                    "bound": c.bound,
                    **({"by": list(c.by)} if c.by is not None else {}),
                    "compare_to": c.compare_to,
                    "include_small_groups": c.include_small_groups,
                }
                for c in self.checks
            ],
        }


FOUR_FIFTHS = Policy(
    name="Four-fifths rule",
    checks=(PolicyCheck(metric="selection_rate", rule="ratio_at_least", bound=0.8),),
)


def load_policy(path: str | os.PathLike) -> Policy:
    """Read a policy TOML file; a malformed one raises :class:`~auditor.errors.PolicyError`."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PolicyError(f"policy file '{path}' does not exist: check the path") from None
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(f"policy file '{path}' is not valid TOML: {error}") from None
    except UnicodeDecodeError:
        raise PolicyError(f"policy file '{path}' is not UTF-8 text") from None
    return Policy.from_dict(data, source=str(path))


@dataclass(frozen=True)
class CheckResult:
    """The verdict of one check on one breakdown."""

    check: PolicyCheck
    by: tuple[str, ...]
    value: float | None
    passed: bool
    status: Literal["pass", "fail", "not_evaluable"]
    worst_group: Mapping[str, str] | None = None
    failing_groups: tuple[Mapping[str, str], ...] = ()
    skipped_groups: tuple[Mapping[str, str], ...] = ()
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.check.metric,
            "by": list(self.by),
            "rule": self.check.rule,
            "bound": self.check.bound,
            "compare_to": self.check.compare_to,
            "value": self.value,
            "passed": self.passed,
            "status": self.status,
            "worst_group": dict(self.worst_group) if self.worst_group else None,
            "failing_groups": [dict(g) for g in self.failing_groups],
            "skipped_groups": [dict(g) for g in self.skipped_groups],
            "description": self.check.describe(),
            **({"reason": self.reason} if self.reason else {}),
        }


@dataclass(frozen=True)
class PolicyResult:
    """All verdicts; ``passed`` only if every check passed."""

    policy: Policy
    checks: tuple[CheckResult, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.policy.name,
            "passed": self.passed,
            "checks": [check.to_dict() for check in self.checks],
        }


def _comparison_value(
    group: GroupResult, target: float | None, metric: str, rule: str
) -> float | None:
    value = group.metrics[metric]
    if value is None or target is None:
        return None
    if rule == "difference_at_most":
        return abs(value - target)
    if target == 0:
        return None
    return value / target


def _evaluate_group_rule(check: PolicyCheck, breakdown: BreakdownResult) -> CheckResult:
    eligible, skipped = [], []
    for group in breakdown.groups:
        small = "insufficient_data" in group.flags or "empty" in group.flags
        if small and not check.include_small_groups:
            skipped.append(group)
        else:
            eligible.append(group)
    defined = [g for g in eligible if g.metrics[check.metric] is not None]
    if check.compare_to == "max":
        target = max((g.metrics[check.metric] for g in defined), default=None)
    else:
        target = breakdown.reference_group.metrics[check.metric]
    scored = [
        (g, _comparison_value(g, target, check.metric, check.rule))
        for g in defined
        if not (check.compare_to == "reference" and g.is_reference)
    ]
    scored = [(g, v) for g, v in scored if v is not None]
    skipped_keys = tuple(g.key for g in skipped)
    if not scored:
        return CheckResult(
            check=check,
            by=breakdown.by,
            value=None,
            passed=False,
            status="not_evaluable",
            skipped_groups=skipped_keys,
            reason=f"no group has a defined {check.metric} to compare",
        )
    if check.rule == "ratio_at_least":
        worst_group, worst = min(scored, key=lambda item: item[1])
        failing = [g for g, v in scored if v < check.bound]
    else:
        worst_group, worst = max(scored, key=lambda item: item[1])
        failing = [g for g, v in scored if v > check.bound]
    passed = not failing
    return CheckResult(
        check=check,
        by=breakdown.by,
        value=worst,
        passed=passed,
        status="pass" if passed else "fail",
        worst_group=worst_group.key,
        failing_groups=tuple(g.key for g in failing),
        skipped_groups=skipped_keys,
    )


def _evaluate_summary_rule(check: PolicyCheck, breakdown: BreakdownResult) -> CheckResult:
    value = breakdown.summary.get(check.metric)
    if value is None:
        return CheckResult(
            check=check,
            by=breakdown.by,
            value=None,
            passed=False,
            status="not_evaluable",
            reason=f"{check.metric} is undefined for {list(breakdown.by)}",
        )
    passed = value <= check.bound if check.rule == "at_most" else value >= check.bound
    return CheckResult(
        check=check,
        by=breakdown.by,
        value=value,
        passed=passed,
        status="pass" if passed else "fail",
    )


def evaluate_policy(policy: Policy, breakdowns: Sequence[BreakdownResult]) -> PolicyResult:
    """Apply every check to its breakdowns (default: each protected attribute on its own)."""
    by_key = {b.by: b for b in breakdowns}
    results = []
    for check in policy.checks:
        if check.by is None:
            targets = [b for b in breakdowns if len(b.by) == 1]
        else:
            target = by_key.get(tuple(check.by))
            if target is None:
                # a pair may be listed in either order
                target = next((b for b in breakdowns if set(b.by) == set(check.by)), None)
            if target is None:
                available = ", ".join(str(list(b.by)) for b in breakdowns)
                raise PolicyError(
                    f"policy check on {check.metric} names breakdown {list(check.by)}, which this "
                    f"audit does not have; breakdowns are: {available}"
                )
            targets = [target]
        for breakdown in targets:
            if check.rule in GROUP_RULES:
                results.append(_evaluate_group_rule(check, breakdown))
            else:
                results.append(_evaluate_summary_rule(check, breakdown))
    return PolicyResult(policy=policy, checks=tuple(results))
