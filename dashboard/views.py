"""Audits derived from a loaded audit's count cube without reading the data again: a moved score
threshold, a differentially private release. No Streamlit here.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Mapping
from typing import Any

from auditor.errors import InputError
from auditor.policy import Policy

__all__ = ["evaluate_with_cube", "private_view", "threshold_view"]


def evaluate_with_cube(result, cube, *, reference=None, policy=None, detailed=None, **changes):
    """``result`` recomputed on another count cube (moved threshold, DP release) — no data read.

    :func:`auditor.reaudit` keeps the cube and may reuse breakdowns, so a new cube goes through
    :func:`auditor.evaluate_cube` instead, with the interval estimator that fits it.
    ``detailed``: the breakdowns computed in full, with intervals and significance tests
    (default all; the others carry what the verdicts read, see
    :func:`auditor.audit.evaluate_cube`).
    """
    from auditor.audit import evaluate_cube, parse_reference
    from auditor.metrics import ExactIntervals
    from auditor.privacy import NoisyIntervals

    options = dict(result.options)
    if reference is not None:
        options["reference"] = parse_reference(reference)
    confidence = options["confidence"]
    estimator = (
        NoisyIntervals(cube.release, confidence=confidence)
        if cube.is_private
        else ExactIntervals(confidence=confidence)
    )
    options["interval_method"] = estimator.method
    if policy is None and result.policy is not None:
        policy = result.policy.policy
    overall, breakdowns, verdicts = evaluate_cube(
        cube,
        reference=options.get("reference"),
        policy=policy,
        min_group_size=options["min_group_size"],
        intersections=options["intersections"],
        intervals=estimator,
        decision_favourable=options.get("decision_favourable", True),
        group_order=options.get("group_order"),
        detailed=detailed,
    )
    return dataclasses.replace(
        result,
        cube=cube,
        overall=overall,
        breakdowns=breakdowns,
        policy=verdicts,
        options=options,
        **changes,
    )


def threshold_view(result, threshold: float, *, reference=None, policy=None, shown=None):
    """The audit with predictions re-derived as 'score ≥ threshold' — from the cube, no rescan.

    ``shown``: the attributes whose own breakdown is computed in full, with intervals and
    significance tests (default all breakdowns); the others carry only what the policy's
    verdicts read. The Scores page shows one attribute's groups: testing every group of every
    breakdown (Fisher's exact test on hundreds of tables) was half of a threshold move, and
    their intervals most of the rest. The verdicts are the same either way (a check computes
    the test and the interval of its worst group itself).
    """
    from auditor.scores import cube_at_threshold

    return evaluate_with_cube(
        result,
        cube_at_threshold(result.cube, threshold),
        reference=reference,
        policy=policy,
        detailed=None if shown is None else {(name,) for name in shown},
        mapping=dataclasses.replace(result.mapping, threshold=float(threshold)),
    )


def private_view(
    result,
    *,
    epsilon: float,
    delta: float | None = None,
    mechanism: str = "laplace",
    store: Any = None,
    privacy_budget: float | None = None,
    seed: int | None = None,
    reference: Mapping[str, str] | None = None,
    policy: Policy | None = None,
    categories: Mapping[str, Any] | None = None,
    dataset_name: str | None = None,
    workload: str = "marginals",
    noise_ahead: Any = None,
):
    """Release the exact audit's cached count cube with (ε, δ)-DP and recompute every figure.

    No data is read: the finest cells of ``result``'s cube are released once through OpenDP
    (:func:`auditor.privacy.release_cube`, which checks and records the spend in ``store``'s
    ledger, keyed by the rows' content and ``dataset_name``). ``categories`` declares the
    public values of some attributes; the others go through partition selection.
    ``workload`` is what the budget measures (:func:`auditor.privacy.release_cube`).
    ``noise_ahead``: the noise drawn for this release while ε was being chosen
    (:func:`auditor.privacy.noise_ahead.draw_ahead`; used only if it fits, at most once). The
    returned audit holds only the released noisy counts and no fingerprint of the data.
    """
    from auditor.privacy import release_cube
    from auditor.result import mapping_document, public_dataset_info

    if result.is_private:
        raise InputError(
            "this audit is already differentially private: release from the exact audit"
        )
    noisy, privacy = release_cube(
        result.cube,
        epsilon=float(epsilon),
        delta=delta,
        mechanism=mechanism,
        categories=categories,
        dataset_name=dataset_name,
        store=store,
        privacy_budget=privacy_budget,
        seed=seed,
        intersections=bool(result.options.get("intersections", True)),
        workload=workload,
        noise_ahead=noise_ahead,
        request={
            "columns": mapping_document(result.mapping),
            "options": {
                k: result.options[k]
                for k in (
                    "min_group_size",
                    "intersections",
                    "confidence",
                    "decision_favourable",
                    "group_order",
                )
                if k in result.options
            },
        },
    )
    levels = (privacy.get("group_domain") or {}).get("levels", {})
    kept = {
        name: value
        for name, value in dict(reference or result.options.get("reference") or {}).items()
        if value in levels.get(name, [value])
    }
    options = dict(result.options)
    options["reference"] = kept
    # The release is a new document of its own time, not the exact audit's.
    released_at = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    return evaluate_with_cube(
        dataclasses.replace(result, options=options, created_at=released_at),
        noisy,
        reference=kept,
        policy=policy,
        privacy=privacy,
        scores=None,
        dataset=public_dataset_info(privacy, rows_used=noisy.rows_used),
    )
