"""The typed result of an audit, and its stable JSON form (``auditor/audit-v1``)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .cube import CountCube
from .findings import ranked_disparities
from .ingest import ColumnMapping
from .metrics import BreakdownResult, GroupResult
from .policy import PolicyResult
from .scores import ScoreGroup
from .vocabulary import Vocabulary

__all__ = ["SCHEMA", "AuditResult", "DatasetInfo", "group_to_dict"]

SCHEMA = "auditor/audit-v1"


@dataclass(frozen=True, kw_only=True)
class DatasetInfo:
    """What was audited: where it came from, its fingerprint, and how many rows were used."""

    source: str
    format: str | None
    sha256: str | None
    size_bytes: int | None
    fingerprint_method: str | None
    rows: int | None  # None in DP mode (an exact count)
    rows_used: int
    rows_excluded: int | None  # None in DP mode
    exclusions: Mapping[str, int]
    encoding: str | None = None
    engine: str = "duckdb"
    """Which engine counted the cube: ``duckdb`` or ``spark``."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "format": self.format,
            "sha256": self.sha256,
            "size_bytes": self.size_bytes,
            "fingerprint_method": self.fingerprint_method,
            "rows": self.rows,
            "rows_used": self.rows_used,
            "rows_excluded": self.rows_excluded,
            "exclusions": dict(self.exclusions),
            **({"encoding": self.encoding} if self.encoding else {}),
            "engine": self.engine,
        }


def public_dataset_info(privacy: Mapping[str, Any], *, rows_used: int) -> DatasetInfo:
    """The ``dataset`` section of a DP output: only public facts and the noisy row total.

    No path, file size, hash, format or detected encoding: each is a function of the rows or
    of where they are kept. The source is the curator's data-set name (when one was given).
    """
    ledger = privacy.get("ledger") or {}
    return DatasetInfo(
        source=str(ledger.get("dataset") or "unnamed data set"),
        format=None,
        sha256=None,
        size_bytes=None,
        fingerprint_method=None,
        rows=None,
        rows_used=rows_used,
        rows_excluded=None,
        exclusions={},
    )


def mapping_document(mapping: ColumnMapping) -> dict[str, Any]:
    """The ``columns`` section of the audit JSON."""
    return {
        "label": mapping.label,
        "prediction": mapping.prediction,
        "score": mapping.score,
        "threshold": mapping.threshold,
        "protected": list(mapping.protected),
        "positive_label": mapping.positive_label,
        **(
            {"positive_prediction": mapping.positive_prediction}
            if mapping.positive_prediction is not None
            else {}
        ),
        **({"bins": {k: list(v) for k, v in mapping.bins.items()}} if mapping.bins else {}),
    }


def _number(value: Any) -> Any:
    """JSON-safe number: ints stay ints, NaN/inf become null."""
    if type(value) is float:  # the common case, first: ~100 000 calls per 765-group audit
        return value if math.isfinite(value) else None
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    number = float(value)
    if not math.isfinite(number):
        return None
    if number.is_integer() and abs(number) < 2**53 and not isinstance(value, float):
        return int(number)
    return number


def _count(value: Any) -> Any:
    number = _number(value)
    if isinstance(number, float) and number.is_integer():
        return int(number)
    return number


def _interval(value: tuple[float, float] | None) -> list[float] | None:
    if value is None:
        return None
    low, high = value
    if type(low) is float and type(high) is float:  # the common case, first (as _number)
        return [low, high] if math.isfinite(low) and math.isfinite(high) else None
    low, high = _number(low), _number(high)
    return None if low is None or high is None else [low, high]


def group_to_dict(
    group: GroupResult, *, like: tuple[GroupResult, Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    """One group of a breakdown in the audit JSON.

    ``like``: the same group in an earlier result of the same audit and its record (another
    reference: only the comparisons with the reference change). Where the counts, rates,
    intervals, flags and impact figures are equal, their JSON is taken from that record
    instead of being written again; the two documents then share those dicts."""
    same = like is not None and _same_figures(group, like[0])
    earlier = like[1] if same else None
    c = group.counts
    record: dict[str, Any] = {"key": {k: str(v) for k, v in group.key.items()}}
    if earlier is not None:
        for name in ("n", "tp", "fp", "tn", "fn", "metrics", "intervals"):
            record[name] = earlier[name]
    else:
        record.update(
            n=_count(c.n),
            tp=_count(c.tp),
            fp=_count(c.fp),
            tn=_count(c.tn),
            fn=_count(c.fn),
            metrics={k: _number(v) for k, v in group.metrics.items()},
            intervals={k: _interval(v) for k, v in group.intervals.items()},
        )
    record.update(
        ratio_to_reference={k: _number(v) for k, v in group.ratio_to_reference.items()},
        difference_to_reference={k: _number(v) for k, v in group.difference_to_reference.items()},
        ratio_intervals={k: _interval(v) for k, v in group.ratio_intervals.items()},
        difference_intervals={k: _interval(v) for k, v in group.difference_intervals.items()},
        tests={
            k: {
                "method": t.method,
                "p_value": _number(t.p_value),
                "p_adjusted": _number(t.p_adjusted),
                "significant": t.significant,
            }
            for k, t in group.tests.items()
        },
        flags=list(group.flags),
        is_reference=group.is_reference,
    )
    if earlier is not None and group.adverse_impact is not None:
        record["impact_ratio"] = earlier["impact_ratio"]
        record["adverse_impact"] = earlier["adverse_impact"]
    else:
        record.update(_adverse_impact(group))
    record.update(_not_estimable(group))
    return record


def _same_figures(group: GroupResult, earlier: GroupResult) -> bool:
    """Whether the reference-free figures of two results of one group are equal (values that
    are NaN compare unequal, so such a group is written again: never wrongly shared)."""
    return (
        group.key == earlier.key
        and _same(group.counts, earlier.counts)
        and _same(group.flags, earlier.flags)
        and _same(group.metrics, earlier.metrics)
        and _same(group.intervals, earlier.intervals)
        and _same(group.adverse_impact, earlier.adverse_impact)
    )


def _same(value: Any, earlier: Any) -> bool:
    """Equal: at once when it is the same object (a reference change shares the reference-free
    figures with the result it replaces), else compared value by value."""
    return value is earlier or value == earlier


def _adverse_impact(group: GroupResult) -> dict[str, Any]:
    """The four-fifths figures: ``impact_ratio`` (to the highest selection rate among the
    groups with enough data) and its tests and shortfalls under ``adverse_impact``."""
    impact = group.adverse_impact
    if impact is None:
        return {}
    test = impact.test
    return {
        "impact_ratio": _number(impact.impact_ratio),
        "adverse_impact": {
            "impact_ratio": _number(impact.impact_ratio),
            "interval": _interval(impact.interval),
            "is_comparison": impact.is_comparison,
            "z": _number(impact.z),
            "z_p_value": _number(impact.z_p_value),
            "fisher_p_value": _number(impact.fisher_p_value),
            "test": (
                {
                    "method": test.method,
                    "p_value": _number(test.p_value),
                    "p_adjusted": _number(test.p_adjusted),
                    "significant": test.significant,
                }
                if test is not None
                else None
            ),
            "shortfall_to_four_fifths": impact.shortfall_to_four_fifths,
            "shortfall_to_parity": impact.shortfall_to_parity,
        },
    }


def _not_estimable(group: GroupResult) -> dict[str, Any]:
    """DP mode: which rate metrics are "not estimable at this ε" (their intervals say nothing)."""
    if "not_estimable" not in group.flags:
        return {}
    from .privacy.intervals import group_not_estimable

    return {"not_estimable": group_not_estimable(group)}


def breakdown_to_dict(
    breakdown: BreakdownResult,
    *,
    estimated: Mapping[str, Mapping[str, Any]] | None = None,
    like: tuple[BreakdownResult, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """One breakdown in the audit JSON. ``estimated`` maps estimated attributes (e.g. race by
    BISG) to how they were estimated: breakdowns over them say so, and each group carries its
    ``effective_n`` (Σ of membership probabilities). ``like``: the same breakdown in an earlier
    result and its record (see :func:`group_to_dict`)."""
    over = [name for name in breakdown.by if name in (estimated or {})]
    document = _breakdown_document(breakdown, like=like)
    if over:
        document["estimated"] = dict(estimated[over[0]])
        for group, record in zip(breakdown.groups, document["groups"], strict=True):
            record["effective_n"] = _number(float(group.counts.n))
    return document


def _breakdown_document(
    breakdown: BreakdownResult, *, like: tuple[BreakdownResult, Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    groups = [group_to_dict(g) for g in breakdown.groups] if like is None else None
    if like is not None:
        earlier, record = like
        if earlier.by == breakdown.by and len(earlier.groups) == len(breakdown.groups):
            groups = [
                group_to_dict(g, like=(e, r))
                for g, e, r in zip(breakdown.groups, earlier.groups, record["groups"], strict=True)
            ]
        else:
            groups = [group_to_dict(g) for g in breakdown.groups]
    return {
        "by": list(breakdown.by),
        "reference": {k: str(v) for k, v in breakdown.reference.items()},
        "reference_rule": breakdown.reference_rule,
        "groups": groups,
        "summary": {k: _number(v) for k, v in breakdown.summary.items()},
        "summary_sufficient_data": (
            {k: _number(v) for k, v in breakdown.summary_sufficient_data.items()}
            if breakdown.summary_sufficient_data is not None
            else None
        ),
        **(
            {"impact_ratio_rate": "favourable_complement"}
            if not breakdown.decision_favourable
            else {}
        ),
        "impact_ratio_comparison": (
            {k: str(v) for k, v in breakdown.impact_ratio_comparison.items()}
            if breakdown.impact_ratio_comparison is not None
            else None
        ),
    }


@dataclass(frozen=True, kw_only=True)
class AuditResult:
    """A complete audit. ``to_dict()`` is the stable JSON document (schema ``auditor/audit-v1``).

    The count cube is kept, so presentation changes (reference group, policy, minimum group
    size) can be recomputed with :func:`auditor.reaudit` without touching the data again.
    """

    dataset: DatasetInfo
    mapping: ColumnMapping
    cube: CountCube
    overall: GroupResult
    breakdowns: tuple[BreakdownResult, ...]
    policy: PolicyResult | None
    privacy: Mapping[str, Any]
    options: Mapping[str, Any]
    scores: Mapping[str, list[ScoreGroup]] | None = None
    stratified_cube: CountCube | None = field(default=None, repr=False, compare=False)
    """The cube with the strata as extra dimensions (``audit(strata=…)``), for the templates."""
    templates: Mapping[str, Any] = field(default_factory=dict)
    """Regulatory template results by name ("ll144", "ugesp"); each has ``to_dict()``."""
    created_at: str
    tool_version: str
    extra: dict[str, Any] = field(default_factory=dict)
    estimated: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Estimated protected attributes (e.g. ``race`` by BISG) → how they were estimated."""
    evaluated_from: CountCube | None = field(default=None, repr=False, compare=False)
    """The cube the breakdowns were computed from; if ``cube`` is swapped (e.g. with
    ``dataclasses.replace``), :func:`auditor.reaudit` notices and recomputes everything."""
    vocabulary: Vocabulary = field(default_factory=Vocabulary)
    """The data set's words (decision, outcome, people): the JSON's ``vocabulary``."""

    @property
    def passed(self) -> bool:
        """True when no policy was given or every check passed (not evaluable is not a pass)."""
        return self.policy is None or self.policy.passed

    @property
    def outcome(self) -> str | None:
        """The policy's outcome: ``pass``, ``fail``, ``not_evaluable``; ``None`` without a policy."""
        return None if self.policy is None else self.policy.outcome

    @property
    def exit_code(self) -> int:
        """The CLI's exit code: 0 every check passed (or no policy), 1 a check failed,
        3 no check failed but at least one is not evaluable (never reads as a pass)."""
        return {None: 0, "pass": 0, "fail": 1, "not_evaluable": 3}[self.outcome]

    @property
    def is_private(self) -> bool:
        return self.cube.is_private

    def breakdown(self, *by: str) -> BreakdownResult:
        """The breakdown over these attributes (in either order for a pair)."""
        for breakdown in self.breakdowns:
            if breakdown.by == tuple(by) or (len(by) == 2 and set(breakdown.by) == set(by)):
                return breakdown
        raise KeyError(f"no breakdown by {list(by)}; have {[list(b.by) for b in self.breakdowns]}")

    def to_dict(
        self, *, reuse: tuple[AuditResult, Mapping[str, Any]] | None = None
    ) -> dict[str, Any]:
        """The audit JSON.

        ``reuse``: an earlier result of the same audit and its document (e.g. the dashboard's
        previous view): a breakdown that is the same object in both keeps its JSON instead of
        being serialised again (``reaudit`` keeps the breakdowns a change does not touch). The
        two documents then share those breakdowns' dicts: treat documents as read-only.
        """
        earlier: dict[int, Any] = {}
        by_attributes: dict[tuple[str, ...], tuple[BreakdownResult, Any]] = {}
        if reuse is not None and reuse[0].estimated == self.estimated:
            for breakdown, record in zip(reuse[0].breakdowns, reuse[1]["breakdowns"], strict=True):
                earlier[id(breakdown)] = record
                by_attributes[breakdown.by] = (breakdown, record)
        document: dict[str, Any] = {
            "schema": SCHEMA,
            "tool": {"name": "auditor", "version": self.tool_version},
            "created_at": self.created_at,
            "dataset": self.dataset.to_dict(),
            "columns": mapping_document(self.mapping),
            "options": dict(self.options),
            "privacy": dict(self.privacy),
            "overall": group_to_dict(self.overall),
            "breakdowns": [
                earlier.get(id(b))
                or breakdown_to_dict(b, estimated=self.estimated, like=by_attributes.get(b.by))
                for b in self.breakdowns
            ],
            "policy": self.policy.to_dict() if self.policy is not None else None,
            "vocabulary": self.vocabulary.to_dict(),
        }
        document["findings"] = [
            finding.to_dict() for finding in ranked_disparities(document, limit=10)
        ]
        if self.scores is not None:
            document["scores"] = {
                attribute: [group.to_dict() for group in groups]
                for attribute, groups in self.scores.items()
            }
        for name, template in self.templates.items():
            document[name] = template.to_dict()
        document.update(self.extra)
        return document
