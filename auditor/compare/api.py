"""``compare`` (one evaluation set, two prediction columns) and ``compare_audits`` (two audits)."""

from __future__ import annotations

import datetime as _dt
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from .. import __version__
from ..cube import DEFAULT_MAX_GROUPS, CountCube, SecondPrediction, build_cube
from ..engine import connect
from ..errors import InputError
from ..ingest import ColumnMapping, open_source
from .compute import BootstrapOptions, compare_paired, compare_unpaired
from .result import BreakdownComparison, ComparisonResult, ModelSide

__all__ = ["compare", "compare_audits", "compare_cube", "load_audit_document"]

_CONFUSION = ("tp", "fp", "tn", "fn")


def _check_options(confidence: float, min_group_size: int, replicates: int) -> None:
    if not 0 < confidence < 1:
        raise InputError(f"confidence must be between 0 and 1, not {confidence}")
    if min_group_size < 0:
        raise InputError(f"min_group_size must be 0 or more, not {min_group_size}")
    if replicates < 200:
        raise InputError(
            f"bootstrap replicates must be at least 200 for a 95% interval, not {replicates}"
        )


def compare(
    source: str | os.PathLike | pd.DataFrame | duckdb.DuckDBPyRelation,
    *,
    label: str,
    protected: str | Iterable[str],
    baseline: str | None = None,
    candidate: str | None = None,
    score: str | None = None,
    baseline_threshold: float | None = None,
    candidate_threshold: float | None = None,
    positive_label: str | None = None,
    policy: Any = None,
    min_group_size: int = 30,
    intersections: bool = True,
    confidence: float = 0.95,
    replicates: int = 2000,
    seed: int = 0,
    max_groups: int = DEFAULT_MAX_GROUPS,
    connection: duckdb.DuckDBPyConnection | None = None,
    source_name: str | None = None,
) -> ComparisonResult:
    """Compare a candidate model with a baseline (production) model on one evaluation set.

    Each model is a prediction column (``baseline``, ``candidate``) or the ``score`` at a
    threshold (``baseline_threshold``, ``candidate_threshold``). The data is scanned once: the
    count cube gets the candidate's decision as one more dimension. Rows missing either
    decision are left out of both, so both models are judged on the same people.
    ``source_name`` is how the outputs name the data (default: its path), e.g. an uploaded
    file's own name rather than the server folder it was saved in.

    Examples
    --------
    >>> from auditor.compare import compare
    >>> result = compare("sample_data/compas_predictions.csv", label="two_year_recid",
    ...                  protected=["race", "sex"], score="decile_score",
    ...                  baseline_threshold=5, candidate_threshold=7)  # doctest: +SKIP
    >>> result.breakdown("race").summary["demographic_parity_difference"].change  # doctest: +SKIP
    """
    protected = (protected,) if isinstance(protected, str) else tuple(protected)
    _check_options(confidence, min_group_size, replicates)
    if (baseline is None) == (baseline_threshold is None):
        raise InputError(
            "name the baseline model once: --baseline COL, or --score COL with --baseline-threshold T"
        )
    if (candidate is None) == (candidate_threshold is None):
        raise InputError(
            "name the candidate model once: --candidate COL, or --score COL with "
            "--candidate-threshold T"
        )
    if baseline is not None and baseline == candidate:
        raise InputError(
            f"baseline and candidate are the same column '{baseline}': name two models' columns"
        )
    mapping = ColumnMapping(
        label=label,
        protected=protected,
        prediction=baseline,
        score=score,
        threshold=baseline_threshold,
        positive_label=positive_label,
    )
    second = SecondPrediction(column=candidate, threshold=candidate_threshold)
    own = connection is None
    con = connection or connect()
    try:
        opened = open_source(source, connection=con)
        opened.start_fingerprint()
        cube = build_cube(opened, mapping, max_groups=max_groups, second=second)
        fingerprint = opened.fingerprint()
    finally:
        if own:
            con.close()
    if source_name is None:
        source_name = str(opened.path) if opened.path is not None else opened.description
    result = compare_cube(
        cube,
        baseline=ModelSide(
            name="baseline",
            description=baseline if baseline is not None else f"{score} >= {baseline_threshold:g}",
            source=source_name,
            rows_used=cube.rows_used,
            sha256=fingerprint.sha256,
        ),
        candidate=ModelSide(
            name="candidate",
            description=second.describe(score),
            source=source_name,
            rows_used=cube.rows_used,
            sha256=fingerprint.sha256,
        ),
        policy=policy,
        min_group_size=min_group_size,
        intersections=intersections,
        confidence=confidence,
        replicates=replicates,
        seed=seed,
    )
    from dataclasses import replace

    return replace(
        result,
        columns={
            "label": label,
            "protected": list(protected),
            "baseline": baseline,
            "candidate": candidate,
            "score": score,
            "baseline_threshold": baseline_threshold,
            "candidate_threshold": candidate_threshold,
            "positive_label": positive_label,
        },
        dataset={
            "source": source_name,
            "sha256": fingerprint.sha256,
            "rows": cube.rows,
            "rows_used": cube.rows_used,
            "rows_excluded": cube.rows_excluded,
            "exclusions": dict(cube.exclusions),
        },
    )


def compare_cube(
    cube: CountCube,
    *,
    baseline: ModelSide,
    candidate: ModelSide,
    policy: Any = None,
    min_group_size: int = 30,
    intersections: bool = True,
    confidence: float = 0.95,
    replicates: int = 2000,
    seed: int = 0,
) -> ComparisonResult:
    """The paired comparison from a cube with a second prediction; nothing is read again."""
    if not cube.is_paired:
        raise InputError("this cube has no second prediction: build it with second=...")
    if cube.is_private:
        raise InputError(
            "a model comparison of a differentially private release is not supported: compare "
            "exact counts, or compare two private audits with compare_audits"
        )
    _check_options(confidence, min_group_size, replicates)
    options = BootstrapOptions(confidence=confidence, replicates=replicates, seed=seed)
    breakdowns = []
    overall = None
    for by in [(), *cube.breakdowns(intersections=intersections)]:
        keys, cells = _paired_cells(cube, by)
        comparison = compare_paired(
            keys, cells, by=by, min_group_size=min_group_size, options=options
        )
        if by == ():
            overall = comparison.groups[0]
        else:
            breakdowns.append(comparison)
    return _finish(
        design="paired",
        baseline=baseline,
        candidate=candidate,
        overall=overall,
        breakdowns=tuple(breakdowns),
        policy=policy,
        options={
            "confidence": confidence,
            "bootstrap_replicates": replicates,
            "seed": seed,
            "min_group_size": min_group_size,
            "intersections": intersections,
        },
        candidate_audit=lambda: _candidate_breakdowns(cube, min_group_size, intersections),
    )


def _candidate_breakdowns(cube: CountCube, min_group_size: int, intersections: bool):
    """The candidate's own audit breakdowns (for absolute checks), from the same cube."""
    from ..audit import evaluate_cube

    _, breakdowns, _ = evaluate_cube(
        cube.for_second_prediction(), min_group_size=min_group_size, intersections=intersections
    )
    return breakdowns


def _paired_cells(cube: CountCube, by: tuple[str, ...]) -> tuple[list[dict], np.ndarray]:
    table = cube.paired_counts(by)
    table = table.assign(cell=4 * table["y"] + 2 * table["yhat"] + table["yhat2"])
    if by:
        wide = table.pivot_table(
            index=list(by), columns="cell", values="n", aggfunc="sum", fill_value=0, observed=True
        )
        if len(by) == 2:
            # every combination of observed values, as the audit lists empty intersections
            wide = wide.reindex(
                pd.MultiIndex.from_product(
                    [sorted(table[name].unique()) for name in by], names=list(by)
                ),
                fill_value=0,
            )
        wide = wide.reindex(columns=range(8), fill_value=0)
        keys = [
            dict(zip(by, (index if isinstance(index, tuple) else (index,)), strict=True))
            for index in wide.index
        ]
        keys = [{k: str(v) for k, v in key.items()} for key in keys]
        return keys, wide.to_numpy(dtype=float)
    cells = np.zeros((1, 8))
    for cell, n in zip(table["cell"], table["n"], strict=True):
        cells[0, int(cell)] += n
    return [{}], cells


def _finish(
    *, design, baseline, candidate, overall, breakdowns, policy, options, candidate_audit=None
):
    result = ComparisonResult(
        design=design,
        baseline=baseline,
        candidate=candidate,
        overall=overall,
        breakdowns=breakdowns,
        options=options,
        created_at=_dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        tool_version=__version__,
    )
    if policy is None:
        return result
    from dataclasses import replace

    from .gate import evaluate_gate, resolve_policy

    resolved = resolve_policy(policy)
    candidate_breakdowns = (
        candidate_audit() if resolved.absolute is not None and candidate_audit else None
    )
    return replace(
        result,
        gate=evaluate_gate(resolved, result, candidate_breakdowns=candidate_breakdowns),
    )


def load_audit_document(audit: Any, *, store: str | os.PathLike | None = None) -> dict:
    """An audit JSON document from a path, an ``AuditResult``, a dict or a stored audit id."""
    if isinstance(audit, Mapping):
        document = dict(audit)
    elif hasattr(audit, "to_dict"):
        document = audit.to_dict()
    elif store is not None and not Path(audit).exists():
        from ..store import AuditStore

        with AuditStore(store) as opened:
            try:
                document = opened.load_audit(str(audit))
            except KeyError:
                raise InputError(
                    f"audit {audit!r} is neither a file nor an audit id in the store '{store}': "
                    "list stored audits in the dashboard's History page"
                ) from None
    else:
        path = Path(audit)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"audit file '{path}' does not exist: check the path") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise InputError(
                f"audit file '{path}' is not an audit JSON document ({error}): write one with "
                "auditor audit FILE ... --json OUT"
            ) from None
    if not isinstance(document, dict) or document.get("schema") != "auditor/audit-v1":
        raise InputError(
            f"{audit!r} is not an audit (schema auditor/audit-v1): write one with "
            "auditor audit FILE ... --json OUT"
        )
    return document


def _side(document: dict, name: str, given: Any) -> ModelSide:
    dataset = document.get("dataset") or {}
    columns = document.get("columns") or {}
    decision = columns.get("prediction") or (
        f"{columns.get('score')} >= {columns.get('threshold')}" if columns.get("score") else "?"
    )
    return ModelSide(
        name=name,
        description=f"{decision} in {dataset.get('source', given)}",
        source=str(dataset.get("source", given)),
        rows_used=dataset.get("rows_used"),
        sha256=dataset.get("sha256"),
    )


def _confusions(groups: list[dict]) -> dict[tuple, np.ndarray]:
    result = {}
    for group in groups:
        key = tuple(sorted((k, str(v)) for k, v in group["key"].items()))
        if any(group.get(cell) is None for cell in _CONFUSION):
            raise InputError(
                "an audit group has no confusion counts (tp, fp, tn, fn): compare audits made "
                "with a label column"
            )
        result[key] = np.array([float(group[cell]) for cell in _CONFUSION])
    return result


def compare_audits(
    baseline: Any,
    candidate: Any,
    *,
    policy: Any = None,
    min_group_size: int | None = None,
    confidence: float = 0.95,
    replicates: int = 2000,
    seed: int = 0,
    store: str | os.PathLike | None = None,
) -> ComparisonResult:
    """Compare two independent audits (e.g. last quarter's and this quarter's).

    Each may be an audit JSON path, an ``AuditResult``, its ``to_dict()``, or (with ``store``)
    a stored audit id. Changes get intervals from each side's own sampling uncertainty:
    Newcombe's interval for independent proportions for rates, an independent bootstrap for
    impact ratios and summaries. Breakdowns and groups are matched by their attributes and
    values; a group in one audit only has undefined figures on the other side.
    """
    before = load_audit_document(baseline, store=store)
    after = load_audit_document(candidate, store=store)
    for name, document in (("baseline", before), ("candidate", after)):
        if (document.get("privacy") or {}).get("mode", "exact") != "exact":
            raise InputError(
                f"the {name} audit is a differentially private release: comparing noisy counts "
                "needs the noise in the intervals, which compare_audits does not model yet; "
                "compare exact audits"
            )
    if min_group_size is None:
        min_group_size = int((before.get("options") or {}).get("min_group_size", 30))
    _check_options(confidence, min_group_size, replicates)
    options = BootstrapOptions(confidence=confidence, replicates=replicates, seed=seed)
    after_by = {frozenset(b["by"]): b for b in after.get("breakdowns", [])}
    breakdowns: list[BreakdownComparison] = []
    unmatched = []
    for breakdown in before.get("breakdowns", []):
        other = after_by.get(frozenset(breakdown["by"]))
        if other is None:
            unmatched.append(breakdown["by"])
            continue
        breakdowns.append(_compare_breakdown(breakdown, other, min_group_size, options))
    if not breakdowns:
        raise InputError(
            "the two audits share no breakdown (protected attribute): audit the same protected "
            f"columns in both; the baseline has {[b['by'] for b in before.get('breakdowns', [])]}"
        )
    overall = compare_unpaired(
        [{}],
        np.array([[float(before["overall"][c]) for c in _CONFUSION]]),
        np.array([[float(after["overall"][c]) for c in _CONFUSION]]),
        by=(),
        min_group_size=min_group_size,
        options=options,
    ).groups[0]
    return _finish(
        design="unpaired",
        baseline=_side(before, "baseline", baseline),
        candidate=_side(after, "candidate", candidate),
        overall=overall,
        breakdowns=tuple(breakdowns),
        policy=policy,
        options={
            "confidence": confidence,
            "bootstrap_replicates": replicates,
            "seed": seed,
            "min_group_size": min_group_size,
            "breakdowns_in_baseline_only": unmatched,
        },
    )


def _compare_breakdown(
    before: dict, after: dict, min_group_size: int, options: BootstrapOptions
) -> BreakdownComparison:
    by = tuple(before["by"])
    left, right = _confusions(before["groups"]), _confusions(after["groups"])
    keys = sorted(set(left) | set(right))
    zero = np.zeros(4)
    return compare_unpaired(
        [
            {name: value for name, value in sorted(key, key=lambda kv: by.index(kv[0]))}
            for key in keys
        ],
        np.array([left.get(key, zero) for key in keys]),
        np.array([right.get(key, zero) for key in keys]),
        by=by,
        min_group_size=min_group_size,
        options=options,
    )
