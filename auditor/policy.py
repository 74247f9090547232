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
group's rate with the **highest** rate among the judged groups (``compare_to = "max"``, the
only choice): for ``selection_rate`` that ratio is the EEOC / NYC LL144 *impact ratio*, and
``ratio_at_least 0.8`` is the four-fifths rule. No verdict depends on the reference group a
user picks for display (``compare_to = "reference"`` is refused for that reason).

Groups flagged as having insufficient data (or empty) are left out of every verdict — group
rules *and* summary rules, whose summary is then computed over the groups with enough data —
and listed next to it, unless the check sets ``include_small_groups = true``.

Every check may say ``evidence = "interval"`` (default ``"point"``): it then fails only when
the whole interval of its value is beyond the bound, passes only when the whole interval is
within, and is otherwise not evaluable ("inconclusive") — or a pass with
``inconclusive = "pass"``. See :mod:`auditor.evidence` for the intervals.
``rule = "no_worse_than_baseline"`` (with a ``tolerance``) compares two models and belongs to
``auditor compare`` (:mod:`auditor.compare.gate`); an audit of one model refuses it.

A verdict is ``pass``, ``fail`` or ``not_evaluable`` (the value is undefined, no group has
enough data, or the metric needs a label the audit has not got). A not-evaluable check is
never counted as a pass: the policy's outcome is ``fail`` if any check failed, else
``not_evaluable`` if any check could not be evaluated, else ``pass``.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from .adverse_impact import holm_adjust, proportion_test
from .errors import PolicyError
from .evidence import Evidence, group_interval, judge_interval, summary_interval
from .metrics import (
    RATE_METRICS,
    SUMMARY_DEFINITIONS,
    BreakdownResult,
    GroupResult,
    rate_parts,
)
from .rate_definitions import SUMMARY_NAMES

__all__ = [
    "FOUR_FIFTHS",
    "CheckResult",
    "Outcome",
    "Policy",
    "PolicyCheck",
    "PolicyResult",
    "evaluate_policy",
    "load_policy",
    "read_policy_toml",
]

Outcome = Literal["pass", "fail", "not_evaluable"]


def combined_outcome(outcomes: Iterable[str], *, undecided: bool = False) -> Outcome:
    """Several verdicts as one: ``fail`` if any failed, else ``not_evaluable`` if any could not
    be evaluated (or ``undecided``: something that should have been judged was not), else
    ``pass``. Shared by the audit's policy and the release gate of ``auditor compare``."""
    seen = set(outcomes)
    if "fail" in seen:
        return "fail"
    if "not_evaluable" in seen or undecided:
        return "not_evaluable"
    return "pass"


def check_tables(data: Mapping[str, Any], *, source: str | None, example: str) -> list[Any]:
    """The ``[[checks]]`` tables of a policy's TOML data (``example`` shows one in the error)."""
    raw_checks = data.get("checks", data.get("check"))
    if not raw_checks or not isinstance(raw_checks, list):
        raise PolicyError(
            f"policy {source or ''} has no [[checks]] tables: add at least one, e.g. {example}"
        )
    for position, raw in enumerate(raw_checks, start=1):
        if not isinstance(raw, Mapping):
            raise PolicyError(f"check {position} of the policy is not a table")
    return raw_checks


Rule = Literal["ratio_at_least", "ratio_at_most", "difference_at_most", "at_most", "at_least"]
GROUP_RULES = ("ratio_at_least", "ratio_at_most", "difference_at_most")
SUMMARY_RULES = ("at_most", "at_least")
_CHECK_KEYS = {
    "metric",
    "rule",
    "bound",
    "by",
    "compare_to",
    "include_small_groups",
    "name",
    "evidence",
    "inconclusive",
}
COMPARISON_RULES = ("no_worse_than_baseline",)
"""Rules that compare a candidate with a baseline model: judged by ``auditor compare``."""


@dataclass(frozen=True, kw_only=True)
class PolicyCheck:
    """One rule of the output specification."""

    metric: str
    rule: Rule
    bound: float
    by: tuple[str, ...] | None = None
    compare_to: Literal["max"] = "max"
    include_small_groups: bool = False
    name: str | None = None
    evidence: Evidence = "point"
    inconclusive: Literal["not_evaluable", "pass"] = "not_evaluable"

    def __post_init__(self) -> None:
        where = f"check {self.name or self.metric!r}"
        if self.evidence not in ("point", "interval"):
            raise PolicyError(
                f"{where}: evidence must be 'point' or 'interval', not {self.evidence!r}"
            )
        if self.inconclusive not in ("not_evaluable", "pass"):
            raise PolicyError(
                f"{where}: inconclusive must be 'not_evaluable' or 'pass', not {self.inconclusive!r}"
            )
        if self.rule in COMPARISON_RULES:
            raise PolicyError(
                f"{where}: rule '{self.rule}' compares a candidate with a baseline model; run "
                "it with auditor compare FILE --baseline COL --candidate COL --policy FILE "
                "(auditor audit judges one model)"
            )
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
        if self.compare_to == "reference":
            raise PolicyError(
                f"{where}: compare_to = 'reference' would make the verdict depend on the "
                "reference group chosen for display; remove it (group rules compare with the "
                "highest rate among the judged groups, as the four-fifths rule does)"
            )
        if self.compare_to != "max":
            raise PolicyError(f"{where}: compare_to must be 'max', not {self.compare_to!r}")
        if isinstance(self.bound, bool) or not isinstance(self.bound, (int, float)):
            raise PolicyError(f"{where}: bound must be a number, not {self.bound!r}")
        if not math.isfinite(self.bound):
            raise PolicyError(
                f"{where}: bound must be a finite number, not {self.bound!r}; "
                "write e.g. bound = 0.8"
            )
        if self.bound < 0:
            raise PolicyError(
                f"{where}: bound {self.bound:g} is negative, and rates, ratios and differences "
                "are never below 0 (a check against it could never fail, or never pass); "
                "use a bound of 0 or more"
            )

    def describe(self) -> str:
        """The check in words, e.g. ``selection_rate ratio to the reference ≥ 0.8``."""
        suffix = " (judged on the interval)" if self.evidence == "interval" else ""
        return self._describe_point() + suffix

    def _describe_point(self) -> str:
        if self.rule in SUMMARY_RULES:
            sign = "≤" if self.rule == "at_most" else "≥"
            return f"{SUMMARY_NAMES.get(self.metric, self.metric)} {sign} {self.bound:g}"
        if self.metric == "selection_rate" and self.rule == "ratio_at_least":
            return f"impact ratio (selection rate ÷ highest selection rate) ≥ {self.bound:g}"
        against = "the highest group"
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
        raw_checks = check_tables(
            data,
            source=source,
            example='[[checks]] metric = "selection_rate" rule = "ratio_at_least" bound = 0.8',
        )
        checks = []
        for position, raw in enumerate(raw_checks, start=1):
            if raw.get("rule") in COMPARISON_RULES:
                raise PolicyError(
                    f"check {position} of the policy: rule '{raw.get('rule')}' compares a "
                    "candidate with a baseline model; run it with auditor compare FILE "
                    "--baseline COL --candidate COL --policy FILE (auditor audit judges one model)"
                )
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
                    compare_to=raw.get("compare_to", "max"),
                    include_small_groups=bool(raw.get("include_small_groups", False)),
                    name=raw.get("name"),
                    evidence=raw.get("evidence", "point"),
                    inconclusive=raw.get("inconclusive", "not_evaluable"),
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
                    **({"evidence": c.evidence} if c.evidence != "point" else {}),
                    **({"inconclusive": c.inconclusive} if c.evidence != "point" else {}),
                }
                for c in self.checks
            ],
        }


FOUR_FIFTHS = Policy(
    name="Four-fifths rule (impact ratio to the highest selection rate ≥ 0.8)",
    checks=(PolicyCheck(metric="selection_rate", rule="ratio_at_least", bound=0.8),),
)


def load_policy(path: str | os.PathLike) -> Policy:
    """Read a policy TOML file; a malformed one raises :class:`~auditor.errors.PolicyError`."""
    return Policy.from_dict(read_policy_toml(path), source=str(Path(path)))


def read_policy_toml(path: str | os.PathLike) -> dict[str, Any]:
    """The TOML table of a policy file (audit policy or release gate), or a clear PolicyError."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PolicyError(f"policy file '{path}' does not exist: check the path") from None
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(f"policy file '{path}' is not valid TOML: {error}") from None
    except UnicodeDecodeError:
        raise PolicyError(f"policy file '{path}' is not UTF-8 text") from None
    return data


@dataclass(frozen=True)
class CheckResult:
    """The verdict of one check on one breakdown: pass, fail or not evaluable.

    ``passed`` is ``True``/``False``, or ``None`` when the check is not evaluable.
    ``skipped_groups`` are the groups the verdict left out (too little data; in a DP release
    also a rate not estimable at this ε); ``test`` is
    the significance test of the worst group against the comparison group (Holm-corrected
    over the groups the check compares), ``None`` for summary checks or in DP mode.
    """

    check: PolicyCheck
    by: tuple[str, ...]
    value: float | None
    outcome: Outcome
    worst_group: Mapping[str, str] | None = None
    comparison_group: Mapping[str, str] | None = None
    failing_groups: tuple[Mapping[str, str], ...] = ()
    skipped_groups: tuple[Mapping[str, str], ...] = ()
    test: Mapping[str, Any] | None = None
    reason: str = ""
    interval: tuple[float, float] | None = None
    """With ``evidence = "interval"``: the interval the verdict was judged on (worst group)."""
    inconclusive_groups: tuple[Mapping[str, str], ...] = ()
    on_favourable_complement: bool = False
    """The four-fifths rule on an unfavourable decision ("flagged high risk"): judged on the
    share *not* given that decision, the favourable rate the rule compares."""

    @property
    def passed(self) -> bool | None:
        return None if self.outcome == "not_evaluable" else self.outcome == "pass"

    @property
    def description(self) -> str:
        """The check in words (on an unfavourable decision: on its favourable complement)."""
        if not self.on_favourable_complement:
            return self.check.describe()
        suffix = " (judged on the interval)" if self.check.evidence == "interval" else ""
        return FAVOURABLE_COMPLEMENT_DESCRIPTION.format(bound=self.check.bound) + suffix

    @property
    def status(self) -> Outcome:
        """The outcome (the name earlier versions used)."""
        return self.outcome

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.check.metric,
            "by": list(self.by),
            "rule": self.check.rule,
            "bound": self.check.bound,
            "compare_to": self.check.compare_to,
            "include_small_groups": self.check.include_small_groups,
            "value": self.value,
            "outcome": self.outcome,
            "passed": self.passed,
            "status": self.outcome,
            "worst_group": dict(self.worst_group) if self.worst_group else None,
            "comparison_group": dict(self.comparison_group) if self.comparison_group else None,
            "failing_groups": [dict(g) for g in self.failing_groups],
            "skipped_groups": [dict(g) for g in self.skipped_groups],
            "test": dict(self.test) if self.test else None,
            "description": self.description,
            "evidence": self.check.evidence,
            **({"judged_on": "favourable_complement"} if self.on_favourable_complement else {}),
            **(
                {
                    "interval": list(self.interval) if self.interval is not None else None,
                    "inconclusive_groups": [dict(g) for g in self.inconclusive_groups],
                }
                if self.check.evidence == "interval"
                else {}
            ),
            **({"reason": self.reason} if self.reason else {}),
        }


@dataclass(frozen=True)
class PolicyResult:
    """All verdicts. ``outcome``: ``fail`` if any check failed, else ``not_evaluable`` if any
    check could not be evaluated, else ``pass``; ``passed`` only when the outcome is ``pass``."""

    policy: Policy
    checks: tuple[CheckResult, ...] = field(default_factory=tuple)

    @property
    def outcome(self) -> Outcome:
        return combined_outcome(check.outcome for check in self.checks)

    @property
    def passed(self) -> bool:
        return self.outcome == "pass"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.policy.name,
            "outcome": self.outcome,
            "passed": self.passed,
            "counts": {
                outcome: sum(check.outcome == outcome for check in self.checks)
                for outcome in ("pass", "fail", "not_evaluable")
            },
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


def _is_small(group: GroupResult) -> bool:
    return "insufficient_data" in group.flags or "empty" in group.flags


def _swamped_by_noise(group: GroupResult, metric: str) -> bool:
    """A DP release's rate too noisy to read ("not estimable at this ε"): a verdict on it, or
    on a ratio to it, would be a verdict on the noise, so such a group is left out as a
    group with too little data is."""
    if "not_estimable" not in group.flags:  # (exact audits never import the privacy code)
        return False
    from .privacy.intervals import group_not_estimable

    return metric in group_not_estimable(group)


def _not_evaluable(
    check: PolicyCheck, breakdown: BreakdownResult, reason: str, skipped=()
) -> CheckResult:
    return CheckResult(
        check=check,
        by=breakdown.by,
        value=None,
        outcome="not_evaluable",
        skipped_groups=tuple(g.key for g in skipped),
        reason=reason,
    )


_NO_PRIVATE_EVIDENCE = (
    "evidence = 'interval' cannot be judged on a differentially private release: its "
    "intervals would have to include the noise; use evidence = 'point' or an exact audit"
)
_NO_LABEL = "{metric} needs the true outcome (a label column), and this audit has none"


def _worst_group_test(
    check: PolicyCheck,
    scored: list[tuple[GroupResult, float]],
    comparison: GroupResult,
    worst: GroupResult,
    *,
    alpha: float = 0.05,
) -> dict[str, Any] | None:
    """The worst group's rate against the comparison group's, Holm-corrected over the groups
    the check compares (what makes a failing ratio evidence rather than noise)."""
    raw = []
    for group, _ in scored:
        if group is comparison:
            continue
        x1, n1 = rate_parts(group.counts, check.metric)
        x2, n2 = rate_parts(comparison.counts, check.metric)
        test = proportion_test(selected=x1, total=n1, comparison_selected=x2, comparison_total=n2)
        if test is not None:
            raw.append((group, test))
    adjusted = holm_adjust([test.p_value for _, test in raw])
    for (group, test), p_adjusted in zip(raw, adjusted, strict=True):
        if group is worst:
            return {
                "method": test.method,
                "p_value": test.p_value,
                "p_adjusted": p_adjusted,
                "correction": "holm",
                "significant": p_adjusted < alpha,
            }
    return None


FAVOURABLE_COMPLEMENT_DESCRIPTION = (
    "impact ratio of the favourable complement (share not given the unfavourable decision "
    "÷ highest such share) ≥ {bound:g}"
)
"""The four-fifths check's description when the decision is unfavourable (see
:func:`on_favourable_complement`)."""


def on_favourable_complement(check: PolicyCheck, breakdown: BreakdownResult) -> bool:
    """Whether ``check`` is the four-fifths rule on an unfavourable decision.

    The rule (29 CFR 1607.4(D)) compares rates of the *favourable* outcome: a group
    selected, hired or approved less often than four-fifths of the best group. When the
    positive decision is unfavourable ("flagged high risk", "denied"), a shortfall in it is
    no harm, so the rule is judged on the favourable complement (1 − selection rate: "not
    flagged"), where a shortfall is one. Only ``selection_rate`` with ``ratio_at_least``
    turns; the other rules (error rates, ``ratio_at_most``, differences) keep their metric.
    """
    return (
        not breakdown.decision_favourable
        and check.metric == "selection_rate"
        and check.rule == "ratio_at_least"
    )


def _complement_breakdown(breakdown: BreakdownResult) -> BreakdownResult:
    """The breakdown with every group's decision read the other way round (selection rate
    1 − rate, counts swapped), so the rule, its tests and intervals see the favourable rate."""
    groups = []
    for group in breakdown.groups:
        rate_value = group.metrics.get("selection_rate")
        groups.append(
            replace(
                group,
                counts=group.counts.predictions_swapped(),
                metrics={
                    **group.metrics,
                    "selection_rate": None if rate_value is None else 1.0 - rate_value,
                },
            )
        )
    return replace(breakdown, groups=tuple(groups))


def _evaluate_group_rule(
    check: PolicyCheck, breakdown: BreakdownResult, *, tests: bool = True
) -> CheckResult:
    if on_favourable_complement(check, breakdown):
        result = _evaluate_group_rule_on(check, _complement_breakdown(breakdown), tests=tests)
        return replace(result, on_favourable_complement=True)
    return _evaluate_group_rule_on(check, breakdown, tests=tests)


def _evaluate_group_rule_on(
    check: PolicyCheck, breakdown: BreakdownResult, *, tests: bool = True
) -> CheckResult:
    eligible, skipped = [], []
    for group in breakdown.groups:
        # a rate the DP noise swamps is never judged, whatever the check says of small groups
        small = _is_small(group) and not check.include_small_groups
        if small or _swamped_by_noise(group, check.metric):
            skipped.append(group)
        else:
            eligible.append(group)
    if not breakdown.has_label and check.metric not in breakdown.groups[0].metrics:
        return _not_evaluable(check, breakdown, _NO_LABEL.format(metric=check.metric), skipped)
    if not eligible:
        return _not_evaluable(
            check,
            breakdown,
            f"no group of {list(breakdown.by)} has enough data to judge",
            skipped,
        )
    defined = [g for g in eligible if g.metrics.get(check.metric) is not None]
    comparison = max(defined, key=lambda g: g.metrics[check.metric], default=None)
    target = comparison.metrics[check.metric] if comparison is not None else None
    scored = [(g, _comparison_value(g, target, check.metric, check.rule)) for g in defined]
    scored = [(g, v) for g, v in scored if v is not None]
    judged = {id(g) for g, _ in scored}
    undefined = [g for g in eligible if id(g) not in judged]
    if not scored:
        return _not_evaluable(
            check,
            breakdown,
            f"{check.metric} (or its ratio to the highest group) is undefined for every "
            "judged group",
            skipped,
        )
    if check.rule == "ratio_at_least":
        worst_group, worst = min(scored, key=lambda item: item[1])
        failing = [g for g, v in scored if v < check.bound]
    else:
        worst_group, worst = max(scored, key=lambda item: item[1])
        failing = [g for g, v in scored if v > check.bound]
    if check.evidence == "interval" and not tests:
        return _not_evaluable(check, breakdown, _NO_PRIVATE_EVIDENCE, skipped)
    if check.evidence == "interval":
        return _group_rule_on_evidence(
            check, breakdown, scored, comparison, undefined, skipped, tests=tests
        )
    if undefined and not failing:
        # a rule over every group cannot hold when a group's value is unknown
        return _not_evaluable(
            check,
            breakdown,
            f"{check.metric} (or its ratio to the highest group) is undefined for "
            + ", ".join(g.label for g in undefined),
            skipped,
        )
    return CheckResult(
        check=check,
        by=breakdown.by,
        value=worst,
        outcome="fail" if failing else "pass",
        worst_group=worst_group.key,
        comparison_group=comparison.key if comparison is not None else None,
        failing_groups=tuple(g.key for g in failing),
        skipped_groups=tuple(g.key for g in skipped),
        test=(
            _worst_group_test(check, scored, comparison, worst_group)
            if tests and comparison is not None and worst_group is not comparison
            else None
        ),
    )


def _group_rule_on_evidence(
    check: PolicyCheck,
    breakdown: BreakdownResult,
    scored: list[tuple[GroupResult, float]],
    comparison: GroupResult,
    undefined: list[GroupResult],
    skipped: list[GroupResult],
    *,
    tests: bool,
    confidence: float = 0.95,
) -> CheckResult:
    """A group rule judged on each group's interval (the comparison group itself is exact)."""
    judged = []
    for group, value in scored:
        if group is comparison:
            continue
        interval = group_interval(
            group, comparison, check.metric, check.rule, confidence=confidence
        )
        outcome, reason = judge_interval(
            interval, rule=check.rule, bound=check.bound, inconclusive=check.inconclusive
        )
        judged.append((group, value, interval, outcome, reason))
    failing = [item for item in judged if item[3] == "fail"]
    unsure = [item for item in judged if item[3] == "not_evaluable"]
    deciding = failing or unsure or judged
    pick = min if check.rule == "ratio_at_least" else max
    worst = pick(deciding, key=lambda item: item[1]) if deciding else None
    outcome = combined_outcome((item[3] for item in judged), undecided=bool(undefined))
    reasons = sorted({item[4] for item in judged if item[4]})
    if undefined and not failing:
        reasons.append(
            f"{check.metric} (or its ratio to the highest group) is undefined for "
            + ", ".join(g.label for g in undefined)
        )
    return CheckResult(
        check=check,
        by=breakdown.by,
        value=worst[1] if worst else None,
        outcome=outcome,
        worst_group=worst[0].key if worst else None,
        comparison_group=comparison.key,
        failing_groups=tuple(item[0].key for item in failing),
        skipped_groups=tuple(g.key for g in skipped),
        test=(_worst_group_test(check, scored, comparison, worst[0]) if tests and worst else None),
        reason="; ".join(reasons),
        interval=worst[2] if worst else None,
        inconclusive_groups=tuple(item[0].key for item in unsure),
    )


def _evaluate_summary_rule(
    check: PolicyCheck, breakdown: BreakdownResult, *, exact: bool = True
) -> CheckResult:
    skipped = () if check.include_small_groups else [g for g in breakdown.groups if _is_small(g)]
    summary = breakdown.summary
    if skipped and breakdown.summary_sufficient_data is not None:
        summary = breakdown.summary_sufficient_data
    if check.metric not in summary:
        return _not_evaluable(check, breakdown, _NO_LABEL.format(metric=check.metric), skipped)
    if len(skipped) == len(breakdown.groups):
        return _not_evaluable(
            check,
            breakdown,
            f"no group of {list(breakdown.by)} has enough data to judge",
            skipped,
        )
    value = summary.get(check.metric)
    if value is None:
        return _not_evaluable(
            check,
            breakdown,
            f"{check.metric} is undefined for {list(breakdown.by)}"
            + (" over the groups with enough data" if skipped else ""),
            skipped,
        )
    if check.evidence == "interval" and not exact:
        return _not_evaluable(check, breakdown, _NO_PRIVATE_EVIDENCE, skipped)
    if check.evidence == "interval":
        eligible = [check.include_small_groups or not _is_small(g) for g in breakdown.groups]
        interval = summary_interval(breakdown.groups, check.metric, eligible=eligible)
        outcome, reason = judge_interval(
            interval, rule=check.rule, bound=check.bound, inconclusive=check.inconclusive
        )
        return CheckResult(
            check=check,
            by=breakdown.by,
            value=value,
            outcome=outcome,
            skipped_groups=tuple(g.key for g in skipped),
            reason=reason,
            interval=interval,
        )
    passed = value <= check.bound if check.rule == "at_most" else value >= check.bound
    return CheckResult(
        check=check,
        by=breakdown.by,
        value=value,
        outcome="pass" if passed else "fail",
        skipped_groups=tuple(g.key for g in skipped),
    )


def evaluate_policy(
    policy: Policy, breakdowns: Sequence[BreakdownResult], *, significance: bool = True
) -> PolicyResult:
    """Apply every check to its breakdowns (default: each protected attribute on its own).

    ``significance=False`` (DP mode: tests on noisy counts would be wrong) leaves the worst
    group's significance test out of the verdicts.
    """
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
                results.append(_evaluate_group_rule(check, breakdown, tests=significance))
            else:
                results.append(_evaluate_summary_rule(check, breakdown, exact=significance))
    return PolicyResult(policy=policy, checks=tuple(results))
