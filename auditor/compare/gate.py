"""Release gates: is the candidate no worse than the baseline, with evidence?

A comparison policy is TOML with ``[[checks]]`` tables, e.g.::

    name = "Release gate"

    [[checks]]
    metric = "demographic_parity_difference"   # a summary of each breakdown
    rule = "no_worse_than_baseline"
    tolerance = 0.02          # allowed worsening (default 0)
    evidence = "interval"     # "point" (default) or "interval"

    [[checks]]
    metric = "fnr"            # a per-group rate, or "impact_ratio"
    rule = "no_worse_than_baseline"
    tolerance = 0.05
    by = ["race"]

"Worse" is higher for differences and error rates (FPR, FNR, FDR, FOR), lower for ratios,
impact ratios and TPR, TNR, PPV, NPV, accuracy; the selection rate has no direction and is
refused (gate its impact ratio or demographic parity instead).

With ``evidence = "point"`` a check fails when the worsening exceeds the tolerance. With
``evidence = "interval"`` it fails only when the whole interval of the worsening exceeds the
tolerance, passes only when the whole interval is within it, and is **not evaluable**
(inconclusive) otherwise — unless ``inconclusive = "pass"`` asks for the lenient reading
("fail only on evidence of harm"). Group checks use the groups with enough data unless
``include_small_groups = true``; the groups left out are listed.

Other rules (``ratio_at_least``, ``at_most``, …) are the audit's absolute checks
(:mod:`auditor.policy`), applied to the candidate of a paired comparison.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..breakdown_arrays import IMPACT_RATIO
from ..errors import PolicyError
from ..metrics import SUMMARY_DEFINITIONS
from ..policy import Outcome, check_tables, combined_outcome, read_policy_toml
from .result import ComparisonResult, MetricChange

__all__ = [
    "EXIT_FAILED",
    "EXIT_NOT_EVALUABLE",
    "EXIT_PASSED",
    "ComparisonCheck",
    "ComparisonPolicy",
    "GateCheckResult",
    "GateResult",
    "evaluate_gate",
    "load_comparison_policy",
    "resolve_policy",
]

EXIT_PASSED, EXIT_FAILED, EXIT_NOT_EVALUABLE = 0, 1, 3
Evidence = Literal["point", "interval"]

LOWER_IS_WORSE = frozenset(
    {"tpr", "tnr", "ppv", "npv", "accuracy", IMPACT_RATIO}
    | {name for name in SUMMARY_DEFINITIONS if name.endswith("_ratio")}
)
HIGHER_IS_WORSE = frozenset(
    {"fpr", "fnr", "fdr", "for"}
    | {name for name in SUMMARY_DEFINITIONS if name.endswith("_difference")}
)
GATED_METRICS = tuple(sorted(LOWER_IS_WORSE | HIGHER_IS_WORSE))
_KEYS = {
    "metric",
    "rule",
    "tolerance",
    "evidence",
    "inconclusive",
    "by",
    "include_small_groups",
    "name",
}


@dataclass(frozen=True, kw_only=True)
class ComparisonCheck:
    """``metric`` of the candidate must be no worse than the baseline's, up to ``tolerance``."""

    metric: str
    tolerance: float = 0.0
    evidence: Evidence = "point"
    inconclusive: Literal["not_evaluable", "pass"] = "not_evaluable"
    by: tuple[str, ...] | None = None
    include_small_groups: bool = False
    name: str | None = None
    rule: Literal["no_worse_than_baseline"] = "no_worse_than_baseline"

    def __post_init__(self) -> None:
        where = f"check {self.name or self.metric!r}"
        if self.metric not in GATED_METRICS:
            hint = (
                " (a selection rate has no better or worse direction: gate impact_ratio or "
                "demographic_parity_difference instead)"
                if self.metric in ("selection_rate", "base_rate")
                else ""
            )
            raise PolicyError(
                f"{where}: no_worse_than_baseline cannot judge '{self.metric}'{hint}; use one of "
                f"{', '.join(GATED_METRICS)}"
            )
        if isinstance(self.tolerance, bool) or not isinstance(self.tolerance, (int, float)):
            raise PolicyError(f"{where}: tolerance must be a number, not {self.tolerance!r}")
        if self.tolerance < 0:
            raise PolicyError(f"{where}: tolerance must be 0 or more, not {self.tolerance}")
        if self.evidence not in ("point", "interval"):
            raise PolicyError(
                f"{where}: evidence must be 'point' or 'interval', not {self.evidence!r}"
            )
        if self.inconclusive not in ("not_evaluable", "pass"):
            raise PolicyError(
                f"{where}: inconclusive must be 'not_evaluable' or 'pass', not {self.inconclusive!r}"
            )

    @property
    def is_summary(self) -> bool:
        return self.metric in SUMMARY_DEFINITIONS

    @property
    def lower_is_worse(self) -> bool:
        return self.metric in LOWER_IS_WORSE

    def describe(self) -> str:
        direction = "fall" if self.lower_is_worse else "rise"
        scope = "" if self.is_summary else " in any group"
        evidence = " (judged on the interval)" if self.evidence == "interval" else ""
        return (
            f"{self.metric} may not {direction} by more than {self.tolerance:g} from the "
            f"baseline{scope}{evidence}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "rule": self.rule,
            "tolerance": self.tolerance,
            "evidence": self.evidence,
            "inconclusive": self.inconclusive,
            **({"by": list(self.by)} if self.by is not None else {}),
            "include_small_groups": self.include_small_groups,
        }


@dataclass(frozen=True, kw_only=True)
class ComparisonPolicy:
    """A release gate: comparison checks, and absolute checks on the candidate."""

    checks: tuple[ComparisonCheck, ...]
    absolute: Any = None
    """An :class:`auditor.policy.Policy` of the audit's absolute rules, or ``None``."""
    name: str = "release gate"
    source: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str | None = None) -> ComparisonPolicy:
        raw_checks = check_tables(
            data,
            source=source,
            example='[[checks]] metric = "demographic_parity_difference" '
            'rule = "no_worse_than_baseline" tolerance = 0.02',
        )
        checks, absolute = [], []
        for position, raw in enumerate(raw_checks, start=1):
            if raw.get("rule") != "no_worse_than_baseline":
                absolute.append(raw)
                continue
            unknown = set(raw) - _KEYS
            if unknown:
                raise PolicyError(
                    f"check {position} of the policy has unknown keys {sorted(unknown)}; "
                    f"allowed keys for no_worse_than_baseline are {sorted(_KEYS)}"
                )
            if "metric" not in raw:
                raise PolicyError(f"check {position} of the policy lacks 'metric'")
            by = raw.get("by")
            if isinstance(by, str):
                by = (by,)
            checks.append(
                ComparisonCheck(
                    metric=str(raw["metric"]),
                    tolerance=raw.get("tolerance", 0.0),
                    evidence=raw.get("evidence", "point"),
                    inconclusive=raw.get("inconclusive", "not_evaluable"),
                    by=tuple(by) if by is not None else None,
                    include_small_groups=bool(raw.get("include_small_groups", False)),
                    name=raw.get("name"),
                )
            )
        absolute_policy = None
        if absolute:
            from ..policy import Policy

            absolute_policy = Policy.from_dict({"checks": absolute}, source=source)
        return cls(
            checks=tuple(checks),
            absolute=absolute_policy,
            name=str(data.get("name", "release gate")),
            source=source,
        )


def load_comparison_policy(path: str | os.PathLike) -> ComparisonPolicy:
    """Read a release-gate TOML file; a malformed one raises :class:`PolicyError`."""
    return ComparisonPolicy.from_dict(read_policy_toml(path), source=str(Path(path)))


def resolve_policy(policy: Any) -> ComparisonPolicy:
    if isinstance(policy, ComparisonPolicy):
        return policy
    if isinstance(policy, Mapping):
        return ComparisonPolicy.from_dict(policy)
    if isinstance(policy, (str, os.PathLike)):
        return load_comparison_policy(policy)
    from ..policy import Policy

    if isinstance(policy, Policy):
        return ComparisonPolicy(checks=(), absolute=policy, name=policy.name, source=policy.source)
    raise PolicyError(
        f"a release gate is a TOML path, a dict or a ComparisonPolicy, not {type(policy).__name__}"
    )


@dataclass(frozen=True, kw_only=True)
class GateCheckResult:
    """The verdict of one check on one breakdown (or one absolute check on the candidate)."""

    description: str
    metric: str
    rule: str
    by: tuple[str, ...]
    outcome: Outcome
    value: float | None = None
    """The worst worsening (candidate − baseline, signed so that positive is worse)."""
    interval: tuple[float, float] | None = None
    worst_group: Mapping[str, str] | None = None
    failing_groups: tuple[Mapping[str, str], ...] = ()
    not_evaluable_groups: tuple[Mapping[str, str], ...] = ()
    skipped_groups: tuple[Mapping[str, str], ...] = ()
    reason: str = ""
    check: Mapping[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool | None:
        return None if self.outcome == "not_evaluable" else self.outcome == "pass"

    def to_dict(self) -> dict[str, Any]:
        return {
            **dict(self.check),
            "metric": self.metric,
            "rule": self.rule,
            "by": list(self.by),
            "outcome": self.outcome,
            "passed": self.passed,
            "value": self.value,
            "interval": list(self.interval) if self.interval is not None else None,
            "worst_group": dict(self.worst_group) if self.worst_group else None,
            "failing_groups": [dict(g) for g in self.failing_groups],
            "not_evaluable_groups": [dict(g) for g in self.not_evaluable_groups],
            "skipped_groups": [dict(g) for g in self.skipped_groups],
            "description": self.description,
            **({"reason": self.reason} if self.reason else {}),
        }


@dataclass(frozen=True, kw_only=True)
class GateResult:
    """Every verdict. Overall: fail if any check failed, else not evaluable if any is, else pass."""

    policy: ComparisonPolicy
    checks: tuple[GateCheckResult, ...]

    @property
    def outcome(self) -> Outcome:
        return combined_outcome(check.outcome for check in self.checks)

    @property
    def passed(self) -> bool | None:
        return None if self.outcome == "not_evaluable" else self.outcome == "pass"

    @property
    def exit_code(self) -> int:
        return {"pass": EXIT_PASSED, "fail": EXIT_FAILED, "not_evaluable": EXIT_NOT_EVALUABLE}[
            self.outcome
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.policy.name,
            "outcome": self.outcome,
            "passed": self.passed,
            "checks": [check.to_dict() for check in self.checks],
        }


def _worsening(check: ComparisonCheck, change: MetricChange):
    """(point, interval) of the worsening: the change signed so that positive is worse."""
    if change.change is None:
        return None, None
    sign = -1.0 if check.lower_is_worse else 1.0
    point = sign * change.change
    interval = None
    if change.interval is not None:
        low, high = sorted((sign * change.interval[0], sign * change.interval[1]))
        interval = (low, high)
    return point, interval


def _judge(check: ComparisonCheck, change: MetricChange) -> tuple[Outcome, float | None, Any, str]:
    point, interval = _worsening(check, change)
    if point is None:
        return "not_evaluable", None, None, f"{check.metric} is undefined for one of the models"
    if check.evidence == "point":
        return ("fail" if point > check.tolerance else "pass"), point, interval, ""
    if interval is None:
        return "not_evaluable", point, None, f"{check.metric} has no interval for its change"
    if interval[0] > check.tolerance:
        return "fail", point, interval, ""
    if interval[1] <= check.tolerance:
        return "pass", point, interval, ""
    if check.inconclusive == "pass":
        return "pass", point, interval, "inconclusive, read as a pass (inconclusive = 'pass')"
    return (
        "not_evaluable",
        point,
        interval,
        # written as the worsening column writes it: +0.031 [+0.007, +0.057]
        f"inconclusive: the worsening's interval [{interval[0]:+.3f}, {interval[1]:+.3f}] "
        f"straddles the tolerance {check.tolerance:g}; more data would decide",
    )


def _targets(check: ComparisonCheck, result: ComparisonResult):
    if check.by is None:
        return [b for b in result.breakdowns if len(b.by) == 1]
    for breakdown in result.breakdowns:
        if set(breakdown.by) == set(check.by):
            return [breakdown]
    available = ", ".join(str(list(b.by)) for b in result.breakdowns)
    raise PolicyError(
        f"check on {check.metric} names breakdown {list(check.by)}, which this comparison does "
        f"not have; breakdowns are: {available}"
    )


def _evaluate_check(check: ComparisonCheck, breakdown) -> GateCheckResult:
    common = dict(
        description=check.describe(),
        metric=check.metric,
        rule=check.rule,
        by=breakdown.by,
        check=check.to_dict(),
    )
    if check.is_summary:
        outcome, point, interval, reason = _judge(check, breakdown.summary[check.metric])
        return GateCheckResult(
            outcome=outcome,
            value=point,
            interval=interval,
            reason=reason,
            skipped_groups=tuple(breakdown.left_out),
            **common,
        )
    judged, skipped = [], []
    for group in breakdown.groups:
        if "insufficient_data" in group.flags and not check.include_small_groups:
            skipped.append(group.key)
            continue
        judged.append((group, *_judge(check, group.changes[check.metric])))
    failing = [g.key for g, outcome, *_ in judged if outcome == "fail"]
    unknown = [g.key for g, outcome, *_ in judged if outcome == "not_evaluable"]
    # the worst group is named among those that decide the outcome: failing ones first
    deciding = (
        [item for item in judged if item[1] == "fail"]
        or [item for item in judged if item[1] == "not_evaluable"]
        or judged
    )
    defined = [(g, point, interval) for g, _, point, interval, _ in deciding if point is not None]
    worst = max(defined, key=lambda item: item[1], default=None)
    outcome = combined_outcome((item[1] for item in judged), undecided=not judged)
    reasons = [f"{group.label}: {reason}" for group, *_, reason in judged if reason]
    if not judged:
        reasons = [f"no group has enough data to judge {check.metric}"]
    return GateCheckResult(
        outcome=outcome,
        value=worst[1] if worst else None,
        interval=worst[2] if worst else None,
        worst_group=worst[0].key if worst else None,
        failing_groups=tuple(failing),
        not_evaluable_groups=tuple(unknown),
        skipped_groups=tuple(skipped),
        reason="; ".join(reasons),
        **common,
    )


def evaluate_gate(
    policy: ComparisonPolicy, result: ComparisonResult, *, candidate_breakdowns=None
) -> GateResult:
    """Every check of ``policy`` on ``result``; absolute checks need the candidate's breakdowns."""
    checks = [
        _evaluate_check(check, breakdown)
        for check in policy.checks
        for breakdown in _targets(check, result)
    ]
    if policy.absolute is not None:
        if candidate_breakdowns is None:
            raise PolicyError(
                "absolute checks (rules other than no_worse_than_baseline) are applied to the "
                "candidate of a paired comparison; for two audits, gate each with auditor audit "
                "--policy, and keep no_worse_than_baseline checks here"
            )
        from ..policy import evaluate_policy

        for verdict in evaluate_policy(policy.absolute, candidate_breakdowns).checks:
            document = verdict.to_dict()
            status = document.get("outcome") or document.get("status")
            if status not in ("pass", "fail", "not_evaluable"):
                status = "pass" if verdict.passed else "fail"
            checks.append(
                GateCheckResult(
                    description=f"candidate: {document.get('description', '')}",
                    metric=document["metric"],
                    rule=document["rule"],
                    by=tuple(document["by"]),
                    outcome=status,
                    value=document.get("value"),
                    interval=tuple(document["interval"]) if document.get("interval") else None,
                    worst_group=document.get("worst_group"),
                    failing_groups=tuple(document.get("failing_groups", ())),
                    skipped_groups=tuple(document.get("skipped_groups", ())),
                    reason=document.get("reason", ""),
                    check={
                        "bound": document.get("bound"),
                        "evidence": document.get("evidence", "point"),
                        "applies_to": "candidate",
                    },
                )
            )
    return GateResult(policy=policy, checks=tuple(checks))
