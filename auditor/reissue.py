"""Re-issue a recorded differentially private release whose output was lost — without a new spend.

The store keeps every release's noisy finest cells and how they were made (mechanism, scale,
public group domain, the audited column names and options). Re-issuing rebuilds the same
audit from those cells: the same noisy counts, so no new information about anyone is
released and nothing is charged to the budget. Only presentation can change (reference
group, policy): that is post-processing of the released counts.

>>> import auditor
>>> result = auditor.reissue("audits.duckdb", "5f0c…")        # doctest: +SKIP
>>> result.privacy["reissued"]                               # doctest: +SKIP
True
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Iterable, Mapping
from typing import Any

from .audit import _estimator_for, _resolve_policy, evaluate_cube, parse_reference
from .errors import InputError
from .ingest import ColumnMapping
from .policy import Policy
from .result import AuditResult, public_dataset_info
from .version import __version__

__all__ = ["reissue"]


def reissue(
    store: Any,
    release_id: str,
    *,
    reference: Mapping[str, str] | Iterable[str] | None = None,
    policy: Policy | str | os.PathLike | None = None,
) -> AuditResult:
    """The audit of release ``release_id`` rebuilt from ``store`` (an AuditStore or its path).

    Raises :class:`~auditor.errors.PrivacyError` when the store has no such release.
    """
    from .privacy import reissue_release

    cube, privacy, request = reissue_release(store, release_id)
    columns = dict(request.get("columns") or {})
    options = dict(request.get("options") or {})
    mapping = ColumnMapping(
        label=columns.get("label"),
        protected=tuple(columns.get("protected") or cube.attributes),
        prediction=columns.get("prediction"),
        score=columns.get("score"),
        threshold=columns.get("threshold"),
        positive_label=columns.get("positive_label"),
        positive_prediction=columns.get("positive_prediction"),
    )
    min_group_size = int(options.get("min_group_size", 30))
    intersections = bool(options.get("intersections", True))
    confidence = float(options.get("confidence", 0.95))
    decision_favourable = bool(options.get("decision_favourable", True))
    wanted = parse_reference(reference)
    levels = privacy["group_domain"]["levels"]
    for attribute, value in wanted.items():
        if attribute not in levels:
            raise InputError(
                f"reference names {attribute!r}, which is not a protected attribute of this "
                f"release; its protected attributes are {sorted(levels)}"
            )
        if value not in levels[attribute]:
            shown = ", ".join(str(level) for level in levels[attribute])
            raise InputError(
                f"reference group {attribute}={value!r} is not one of the released groups; "
                f"values of '{attribute}' are: {shown}"
            )
    kept = dict(wanted)
    estimator = _estimator_for(cube, confidence=confidence)
    overall, breakdowns, verdicts = evaluate_cube(
        cube,
        reference=kept,
        policy=_resolve_policy(policy),
        min_group_size=min_group_size,
        intersections=intersections,
        intervals=estimator,
        decision_favourable=decision_favourable,
        group_order=options.get("group_order"),
    )
    return AuditResult(
        dataset=public_dataset_info(privacy, rows_used=cube.rows_used),
        mapping=mapping,
        cube=cube,
        evaluated_from=cube,
        overall=overall,
        breakdowns=breakdowns,
        policy=verdicts,
        privacy=privacy,
        options={
            "reference": kept,
            "min_group_size": min_group_size,
            "intersections": intersections,
            "confidence": confidence,
            "interval_method": estimator.method,
            "decision_favourable": decision_favourable,
            "group_order": options.get("group_order") or {},
        },
        scores=None,
        created_at=_dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        tool_version=__version__,
    )
