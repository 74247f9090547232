"""A pytest helper for CI gates: ``assert_passes(result_or_path, policy)``.

>>> from auditor.testing import assert_passes
>>> assert_passes("audit.json", "sample_data/policy.toml")            # doctest: +SKIP
>>> assert_passes("comparison.json", "sample_data/compare_gate.toml")  # doctest: +SKIP

The first argument is an :class:`~auditor.AuditResult`, a comparison
(:class:`~auditor.compare.ComparisonResult`), their ``to_dict()`` documents, or the path of a
JSON file written by ``auditor audit --json`` or ``auditor compare --json``. The policy is a
TOML path, a :class:`~auditor.Policy` (audits) or a
:class:`~auditor.compare.gate.ComparisonPolicy`; without one, the verdicts stored in the
document are used. A check that is *not evaluable* fails the assertion too (it is never a
pass) unless ``allow_not_evaluable=True``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import InputError, PolicyError

__all__ = ["assert_passes", "verdicts"]


def _document(result: Any) -> Any:
    if isinstance(result, (str, os.PathLike)):
        path = Path(result)
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"'{path}' does not exist: write it with --json OUT") from None
        except json.JSONDecodeError as error:
            raise InputError(f"'{path}' is not JSON: {error}") from None
    return result


def _audit_verdicts(document: Mapping[str, Any], policy: Any) -> list[dict[str, Any]]:
    if policy is None:
        stored = document.get("policy")
        if not stored:
            raise PolicyError("the audit has no policy verdicts: pass a policy to assert_passes")
        return list(stored["checks"])
    from .metrics import ConfusionCounts, compute_breakdown
    from .policy import Policy, evaluate_policy, load_policy

    resolved = policy if isinstance(policy, Policy) else load_policy(policy)
    minimum = int((document.get("options") or {}).get("min_group_size", 30))
    breakdowns = []
    for breakdown in document["breakdowns"]:
        keys = [dict(g["key"]) for g in breakdown["groups"]]
        counts = [
            ConfusionCounts(tp=g["tp"], fp=g["fp"], tn=g["tn"], fn=g["fn"])
            for g in breakdown["groups"]
        ]
        breakdowns.append(
            compute_breakdown(
                keys,
                counts,
                by=tuple(breakdown["by"]),
                reference=dict(breakdown.get("reference") or {}),
                min_group_size=minimum,
            )
        )
    return [check.to_dict() for check in evaluate_policy(resolved, breakdowns).checks]


def _comparison_verdicts(document: Mapping[str, Any], policy: Any) -> list[dict[str, Any]]:
    if policy is None:
        stored = document.get("policy")
        if not stored:
            raise PolicyError("the comparison has no gate verdicts: pass a policy to assert_passes")
        return list(stored["checks"])
    from .compare.gate import evaluate_gate, resolve_policy
    from .compare.result import from_dict

    return [c.to_dict() for c in evaluate_gate(resolve_policy(policy), from_dict(document)).checks]


def verdicts(result_or_path: Any, policy: Any = None) -> list[dict[str, Any]]:
    """Every check's verdict (dicts with ``outcome``) for an audit or a comparison."""
    result = _document(result_or_path)
    if not isinstance(result, Mapping) and hasattr(result, "to_dict"):
        if policy is not None and hasattr(result, "cube"):
            from .audit import reaudit

            result = reaudit(result, policy=policy)
            policy = None
        elif policy is not None and hasattr(result, "design"):
            from .compare.gate import evaluate_gate, resolve_policy

            return [c.to_dict() for c in evaluate_gate(resolve_policy(policy), result).checks]
        result = result.to_dict()
    schema = result.get("schema") if isinstance(result, Mapping) else None
    if schema == "auditor/audit-v1":
        return _audit_verdicts(result, policy)
    if schema == "auditor/compare-v1":
        return _comparison_verdicts(result, policy)
    raise InputError(
        f"assert_passes needs an audit or a comparison (schema auditor/audit-v1 or "
        f"auditor/compare-v1), not {schema!r}"
    )


def _outcome(check: Mapping[str, Any]) -> str:
    outcome = check.get("outcome") or check.get("status")
    if outcome in ("pass", "fail", "not_evaluable"):
        return outcome
    return "pass" if check.get("passed") else "fail"


def assert_passes(
    result_or_path: Any, policy: Any = None, *, allow_not_evaluable: bool = False
) -> None:
    """Raise ``AssertionError`` naming each failed (or not evaluable) check."""
    checks = verdicts(result_or_path, policy)
    bad = [
        check
        for check in checks
        if _outcome(check) == "fail"
        or (_outcome(check) == "not_evaluable" and not allow_not_evaluable)
    ]
    if bad:
        lines = []
        for check in bad:
            value = check.get("value")
            shown = "n/a" if value is None else f"{value:.4g}"
            where = ", ".join(check.get("by", []))
            why = f" ({check['reason']})" if check.get("reason") else ""
            lines.append(
                f"{_outcome(check).upper()}: {check.get('description', check.get('metric'))} "
                f"[{where}] = {shown}{why}"
            )
        raise AssertionError(
            f"{len(bad)} of {len(checks)} checks did not pass:\n" + "\n".join(lines)
        )
