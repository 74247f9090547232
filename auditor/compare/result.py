"""The typed result of a model comparison and its JSON form (schema ``auditor/compare-v1``)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "SCHEMA",
    "BreakdownComparison",
    "ComparisonResult",
    "GroupComparison",
    "MetricChange",
    "ModelSide",
]

SCHEMA = "auditor/compare-v1"

Interval = tuple[float, float]
ChangeMethod = Literal[
    "newcombe_paired", "newcombe_independent", "bootstrap_paired", "bootstrap_independent"
]


def _number(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _interval(value: Interval | None) -> list[float] | None:
    if value is None:
        return None
    low, high = _number(value[0]), _number(value[1])
    return None if low is None or high is None else [low, high]


@dataclass(frozen=True, kw_only=True)
class MetricChange:
    """One figure under both models: ``change = candidate − baseline``, with its interval."""

    metric: str
    baseline: float | None
    candidate: float | None
    interval: Interval | None
    method: ChangeMethod | None
    p_value: float | None = None
    """Exact McNemar test of no change (paired rates only)."""

    @property
    def change(self) -> float | None:
        if self.baseline is None or self.candidate is None:
            return None
        return self.candidate - self.baseline

    def to_dict(self) -> dict[str, Any]:
        return {
            "baseline": _number(self.baseline),
            "candidate": _number(self.candidate),
            "change": _number(self.change),
            "interval": _interval(self.interval),
            "method": self.method,
            **({"p_value": _number(self.p_value)} if self.p_value is not None else {}),
        }


@dataclass(frozen=True, kw_only=True)
class GroupComparison:
    """Both models on one group: its size and every compared figure."""

    key: Mapping[str, str]
    n_baseline: float
    n_candidate: float
    changes: Mapping[str, MetricChange]
    flags: tuple[str, ...] = ()
    discordant: Mapping[str, float] | None = None
    """Paired only: people selected by the baseline only, and by the candidate only."""

    @property
    def label(self) -> str:
        return " × ".join(str(v) for v in self.key.values()) or "everyone"

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": {k: str(v) for k, v in self.key.items()},
            "n": {"baseline": _number(self.n_baseline), "candidate": _number(self.n_candidate)},
            "flags": list(self.flags),
            **({"discordant": dict(self.discordant)} if self.discordant is not None else {}),
            "metrics": {name: change.to_dict() for name, change in self.changes.items()},
        }


@dataclass(frozen=True, kw_only=True)
class BreakdownComparison:
    """Both models on one breakdown: per group, and the summaries over groups with enough data."""

    by: tuple[str, ...]
    groups: tuple[GroupComparison, ...]
    summary: Mapping[str, MetricChange]
    left_out: tuple[Mapping[str, str], ...] = ()
    """Groups left out of the summaries and impact ratios (too small, or in one audit only)."""

    def group(self, **key: str) -> GroupComparison:
        for group in self.groups:
            if all(str(group.key.get(k)) == str(v) for k, v in key.items()):
                return group
        raise KeyError(key)

    def to_dict(self) -> dict[str, Any]:
        return {
            "by": list(self.by),
            "groups": [g.to_dict() for g in self.groups],
            "summary": {name: change.to_dict() for name, change in self.summary.items()},
            "summary_groups_left_out": [dict(k) for k in self.left_out],
        }


@dataclass(frozen=True, kw_only=True)
class ModelSide:
    """What one side of the comparison is: a prediction column, a threshold, or an audit."""

    name: str
    description: str
    source: str | None = None
    rows_used: float | None = None
    sha256: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "source": self.source,
            "rows_used": _number(self.rows_used),
            "sha256": self.sha256,
        }


@dataclass(frozen=True, kw_only=True)
class ComparisonResult:
    """A candidate model compared with a baseline (production) model, with intervals."""

    design: Literal["paired", "unpaired"]
    baseline: ModelSide
    candidate: ModelSide
    overall: GroupComparison
    breakdowns: tuple[BreakdownComparison, ...]
    options: Mapping[str, Any]
    columns: Mapping[str, Any] = field(default_factory=dict)
    dataset: Mapping[str, Any] = field(default_factory=dict)
    gate: Any = None
    """The verdicts of a policy (``GateResult``), or ``None`` without a policy."""
    created_at: str = ""
    tool_version: str = ""

    def breakdown(self, *by: str) -> BreakdownComparison:
        for breakdown in self.breakdowns:
            if breakdown.by == tuple(by) or (len(by) == 2 and set(breakdown.by) == set(by)):
                return breakdown
        raise KeyError(f"no breakdown by {list(by)}; have {[list(b.by) for b in self.breakdowns]}")

    @property
    def exit_code(self) -> int:
        """0 every check passed (or no policy), 1 a check failed, 3 none failed, some not evaluable."""
        return 0 if self.gate is None else self.gate.exit_code

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "tool": {"name": "auditor", "version": self.tool_version},
            "created_at": self.created_at,
            "design": self.design,
            "dataset": dict(self.dataset),
            "columns": dict(self.columns),
            "baseline": self.baseline.to_dict(),
            "candidate": self.candidate.to_dict(),
            "options": dict(self.options),
            "overall": self.overall.to_dict(),
            "breakdowns": [b.to_dict() for b in self.breakdowns],
            "policy": self.gate.to_dict() if self.gate is not None else None,
        }


def _change_from_dict(name: str, data: Mapping[str, Any]) -> MetricChange:
    interval = data.get("interval")
    return MetricChange(
        metric=name,
        baseline=data.get("baseline"),
        candidate=data.get("candidate"),
        interval=tuple(interval) if interval else None,
        method=data.get("method"),
        p_value=data.get("p_value"),
    )


def from_dict(document: Mapping[str, Any]) -> ComparisonResult:
    """A comparison back from its JSON (``auditor/compare-v1``), e.g. to re-gate it in CI."""
    if document.get("schema") != SCHEMA:
        raise ValueError(f"not a comparison document (schema {document.get('schema')!r})")

    def group(data: Mapping[str, Any]) -> GroupComparison:
        return GroupComparison(
            key=dict(data["key"]),
            n_baseline=data["n"]["baseline"],
            n_candidate=data["n"]["candidate"],
            changes={k: _change_from_dict(k, v) for k, v in data["metrics"].items()},
            flags=tuple(data.get("flags", ())),
            discordant=data.get("discordant"),
        )

    def side(data: Mapping[str, Any]) -> ModelSide:
        return ModelSide(
            **{k: data.get(k) for k in ("name", "description", "source", "rows_used", "sha256")}
        )

    return ComparisonResult(
        design=document["design"],
        baseline=side(document["baseline"]),
        candidate=side(document["candidate"]),
        overall=group(document["overall"]),
        breakdowns=tuple(
            BreakdownComparison(
                by=tuple(b["by"]),
                groups=tuple(group(g) for g in b["groups"]),
                summary={k: _change_from_dict(k, v) for k, v in b["summary"].items()},
                left_out=tuple(dict(k) for k in b.get("summary_groups_left_out", [])),
            )
            for b in document["breakdowns"]
        ),
        options=dict(document.get("options", {})),
        columns=dict(document.get("columns", {})),
        dataset=dict(document.get("dataset", {})),
        created_at=document.get("created_at", ""),
        tool_version=(document.get("tool") or {}).get("version", ""),
    )
