"""The audit pipeline: source → count cube → (privacy) → metrics → policy → :class:`AuditResult`."""

from __future__ import annotations

import datetime as _dt
import itertools
import os
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any, Literal

import duckdb
import pandas as pd

from .counting import Counted, count_source, source_paths
from .cube import DEFAULT_MAX_GROUPS, MISSING_GROUP, CountCube, build_cube, marginal_cube
from .cubefile import MAPPING_FIELDS, is_cube_file, merge_counted, read_cube, sorted_inputs
from .engine import connect
from .errors import InputError
from .fisher_batch import FisherCache
from .ingest import ColumnMapping, Fingerprint, open_source
from .metrics import (
    BreakdownResult,
    ConfusionCounts,
    ExactIntervals,
    IntervalEstimator,
    compute_breakdown,
)
from .ordering import group_rank
from .policy import Policy, evaluate_policy, load_policy
from .result import AuditResult, DatasetInfo, mapping_document, public_dataset_info
from .scores import score_analysis
from .version import __version__
from .vocabulary import Vocabulary

__all__ = ["audit", "evaluate_cube", "parse_reference", "reaudit"]

Progress = Callable[[float, str], None]


def parse_reference(values: Iterable[str] | Mapping[str, str] | None) -> dict[str, str]:
    """``["race=Caucasian", "sex=Male"]`` (or a mapping) → ``{"race": "Caucasian", ...}``."""
    if values is None:
        return {}
    if isinstance(values, Mapping):
        return {str(k): str(v) for k, v in values.items()}
    result = {}
    for item in values:
        if "=" not in item:
            raise InputError(
                f"reference {item!r} is not of the form COLUMN=VALUE, e.g. --reference race=Caucasian"
            )
        name, value = item.split("=", 1)
        result[name.strip()] = value.strip()
    return result


def _resolve_policy(policy: Policy | str | os.PathLike | None) -> Policy | None:
    if policy is None or isinstance(policy, Policy):
        return policy
    return load_policy(policy)


def _groups_of(
    table: pd.DataFrame, by: tuple[str, ...]
) -> tuple[list[dict], list[ConfusionCounts]]:
    """Each row's key (``by`` values as text) and counts, column by column (``tolist`` gives
    the same Python scalars as iterating the rows, ~10× faster for 765 groups)."""
    if by:
        texts = [[str(value) for value in table[name].tolist()] for name in by]
        keys = [dict(zip(by, values, strict=True)) for values in zip(*texts, strict=True)]
    else:
        keys = [{} for _ in range(len(table))]
    cells = [table[cell].tolist() for cell in _CELLS]
    if "tp_var" in table.columns:
        variances = zip(
            *([float(v) for v in table[f"{cell}_var"].tolist()] for cell in _CELLS), strict=True
        )
    else:
        variances = itertools.repeat(None, len(table))
    counts = [
        ConfusionCounts(tp=tp, fp=fp, tn=tn, fn=fn, proxy_variance=variance)
        for tp, fp, tn, fn, variance in zip(*cells, variances, strict=True)
    ]
    return keys, counts


_CELLS = ("tp", "fp", "tn", "fn")


def evaluate_cube(
    cube: CountCube,
    *,
    reference: Mapping[str, str] | None = None,
    policy: Policy | None = None,
    min_group_size: int = 30,
    intersections: bool = True,
    intervals: IntervalEstimator | None = None,
    decision_favourable: bool = True,
    group_order: Mapping[str, Sequence[str]] | None = None,
    detailed: Collection[tuple[str, ...]] | None = None,
) -> tuple[Any, tuple, Any]:
    """Metrics and verdicts from a cube: ``(overall, breakdowns, policy_result)``.

    ``detailed`` names the breakdowns computed in full (default: all); the others carry what
    a policy's verdicts read — counts, rates, flags, summaries, impact ratios, ratios to the
    reference — and no significance tests and no intervals (a view that shows one breakdown and
    judges the policy on all). The verdicts do not depend on it: a check computes the test and
    the interval of its worst group itself.

    ``decision_favourable=False`` (the positive decision harms: "flagged high risk") puts
    impact ratios and the four-fifths rule on the favourable complement. Groups are listed
    in ``group_order`` (per attribute), else in their natural order when they are ordered
    buckets (``<25``, ``25-39``, ``60+``; see :mod:`auditor.ordering`).
    """
    estimator = intervals or ExactIntervals()
    reference = _checked_reference(cube, reference)
    prepare_all = getattr(estimator, "prepare_breakdowns", None)
    if prepare_all is not None:  # DP: every breakdown's intervals in one vectorised pass
        prepare_all(
            {by: cube.counts(by) for by in [(), *cube.breakdowns(intersections=intersections)]}
        )
    overall_keys, overall_counts = _groups_of(cube.counts(()), ())
    overall = compute_breakdown(
        overall_keys,
        overall_counts,
        by=(),
        min_group_size=min_group_size,
        intervals=_for_breakdown(estimator, ()),
        significance=False,
        has_label=cube.has_label,
    ).groups[0]
    breakdowns = tuple(
        _evaluate_breakdown(
            cube,
            by,
            reference=reference,
            min_group_size=min_group_size,
            estimator=estimator,
            decision_favourable=decision_favourable,
            group_order=group_order,
            detailed=detailed is None or by in detailed,
        )
        for by in cube.breakdowns(intersections=intersections)
    )
    if cube.is_private:
        from .privacy import mark_not_estimable

        overall = mark_not_estimable(overall)
    verdicts = (
        evaluate_policy(policy, breakdowns, significance=not cube.is_private)
        if policy is not None
        else None
    )
    return overall, breakdowns, verdicts


def _checked_reference(cube: CountCube, reference: Mapping[str, str] | None) -> dict[str, str]:
    reference = dict(reference or {})
    unknown = [name for name in reference if name not in cube.attributes]
    if unknown:
        raise InputError(
            f"reference names {unknown}, which is not a protected attribute of this audit; "
            f"protected attributes are {list(cube.attributes)}"
        )
    return reference


def _reference_request(reference: Mapping[str, str], by: tuple[str, ...]) -> dict[str, str]:
    """What a breakdown takes from the requested references: a value for each of its
    attributes, or nothing (then its largest group is the reference) — as in
    :func:`auditor.metrics.choose_reference`."""
    if by and all(name in reference for name in by):
        return {name: str(reference[name]) for name in by}
    return {}


def _evaluate_breakdown(
    cube: CountCube,
    by: tuple[str, ...],
    *,
    reference: Mapping[str, str],
    min_group_size: int,
    estimator: IntervalEstimator,
    decision_favourable: bool = True,
    group_order: Mapping[str, Sequence[str]] | None = None,
    detailed: bool = True,
    like: BreakdownResult | None = None,
):
    """One breakdown of ``cube`` (without tests and intervals unless ``detailed``); ``like``:
    the same breakdown evaluated before with the same options and another reference (its
    reference-free figures are reused)."""
    keys, counts = cube.kept(
        ("groups", by, _order_key(group_order)), lambda: _ordered_groups(cube, by, group_order)
    )
    breakdown = compute_breakdown(
        keys,
        counts,
        by=by,
        reference=reference,
        min_group_size=min_group_size,
        intervals=_for_breakdown(estimator, by),
        significance=detailed and not cube.is_private and not (set(by) & cube.estimated),
        has_label=cube.has_label,
        decision_favourable=decision_favourable,
        fisher=cube.kept("fisher", FisherCache),
        like=None if cube.is_private else like,  # a private breakdown is marked afterwards
        with_intervals=detailed,
    )
    if cube.is_private:
        from .privacy import mark_not_estimable

        breakdown = mark_not_estimable(breakdown)
    return breakdown


def _ordered_groups(
    cube: CountCube, by: tuple[str, ...], group_order: Mapping[str, Sequence[str]] | None
) -> tuple[list[dict], list[ConfusionCounts]]:
    """The keys and counts of ``by``'s groups in display order (kept with the cube: every view
    derived from it, another reference or policy, reads the same groups)."""
    keys, counts = _groups_of(cube.counts(by), by)
    order = group_rank(keys, orders=group_order, last=(MISSING_GROUP,))
    return [keys[i] for i in order], [counts[i] for i in order]


def _order_key(group_order: Mapping[str, Sequence[str]] | None) -> tuple:
    return tuple(sorted((name, tuple(values)) for name, values in (group_order or {}).items()))


def _for_breakdown(estimator: IntervalEstimator, by: tuple[str, ...]) -> IntervalEstimator:
    """The estimator for one breakdown (DP intervals depend on how many cells a group sums)."""
    specialise = getattr(estimator, "for_breakdown", None)
    return specialise(by) if specialise is not None else estimator


def reaudit(
    result: AuditResult,
    *,
    reference: Mapping[str, str] | Iterable[str] | None = None,
    policy: Policy | str | os.PathLike | None = None,
    min_group_size: int | None = None,
) -> AuditResult:
    """The same audit with another reference, policy or minimum group size — from the cached cube.

    No data is read: this is what dashboard interactions call.
    """

    options = dict(result.options)
    if reference is not None:
        options["reference"] = parse_reference(reference)
    if min_group_size is not None:
        options["min_group_size"] = int(min_group_size)
    resolved_policy = (
        _resolve_policy(policy)
        if policy is not None
        else (result.policy.policy if result.policy is not None else None)
    )
    same_cube = result.evaluated_from is result.cube
    if same_cube and options["min_group_size"] == result.options["min_group_size"]:
        # Only breakdowns whose reference request changed are recomputed; a policy change
        # recomputes none. (A breakdown's result depends on the cube, the minimum group size,
        # the confidence and its reference request — nothing else.)
        previous = result.options.get("reference") or {}
        wanted = _checked_reference(result.cube, options.get("reference"))
        estimator = _estimator_for(result.cube, confidence=options["confidence"])
        breakdowns = tuple(
            breakdown
            if _reference_request(previous, breakdown.by)
            == _reference_request(wanted, breakdown.by)
            else _evaluate_breakdown(
                result.cube,
                breakdown.by,
                reference=wanted,
                min_group_size=options["min_group_size"],
                estimator=estimator,
                decision_favourable=options.get("decision_favourable", True),
                group_order=options.get("group_order"),
                like=breakdown,
            )
            for breakdown in result.breakdowns
        )
        verdicts = (
            evaluate_policy(resolved_policy, breakdowns, significance=not result.cube.is_private)
            if resolved_policy is not None
            else None
        )
        return replace(result, breakdowns=breakdowns, policy=verdicts, options=options)
    overall, breakdowns, verdicts = evaluate_cube(
        result.cube,
        reference=options.get("reference"),
        policy=resolved_policy,
        min_group_size=options["min_group_size"],
        intersections=options["intersections"],
        intervals=_estimator_for(result.cube, confidence=options["confidence"]),
        decision_favourable=options.get("decision_favourable", True),
        group_order=options.get("group_order"),
    )
    return replace(
        result,
        overall=overall,
        breakdowns=breakdowns,
        policy=verdicts,
        options=options,
        evaluated_from=result.cube,
    )


def _checked_strata(
    strata: Iterable[str], *, protected: tuple[str, ...], epsilon: float | None
) -> tuple[str, ...]:
    strata = (strata,) if isinstance(strata, str) else tuple(strata)
    if strata and epsilon is not None:
        raise InputError(
            "strata are for the exact regulatory templates: leave out --strata or --epsilon"
        )
    both = sorted(set(strata) & set(protected))
    if both or len(set(strata)) != len(strata):
        raise InputError(
            f"strata {list(strata)} repeat a column or name a protected attribute ({both}): "
            "give each column one role"
        )
    return strata


def _estimator_for(cube: CountCube, *, confidence: float) -> IntervalEstimator:
    if cube.is_private:
        from .privacy import NoisyIntervals

        return NoisyIntervals(cube.release, confidence=confidence)
    if cube.estimated:
        from .bisg import ProxyIntervals

        return ProxyIntervals(confidence=confidence)
    return ExactIntervals(confidence=confidence)


def _counted(source: Any, mapping: ColumnMapping, **options: Any) -> Counted:
    """The cube of ``source``: saved cube files are read and summed, anything else counted."""
    paths = source_paths(source)
    cubes = paths is not None and all(map(is_cube_file, paths))
    if paths is not None and len(paths) > 1 and not cubes and options["engine"] != "spark":
        raise InputError(
            "several files are audited together only as saved cubes ('auditor cube') "
            "or with --engine spark; pass one file, or count each with 'auditor cube'"
        )
    if not cubes:
        return count_source(source, mapping, **options)
    merged = merge_counted([read_cube(path) for path in paths])
    return _matching_cube(merged, mapping)


def _matching_cube(counted: Counted, mapping: ColumnMapping) -> Counted:
    """Saved cubes answer only the mapping they were counted with (protected: any subset)."""
    saved = counted.mapping
    for name in (field for field in MAPPING_FIELDS if field != "protected"):
        if getattr(mapping, name) != getattr(saved, name):
            raise InputError(
                f"the cube was counted with {name} {getattr(saved, name)!r}, not "
                f"{getattr(mapping, name)!r}: pass the same, or count the data again"
            )
    missing = [name for name in mapping.protected if name not in saved.protected]
    if missing:
        raise InputError(
            f"the cube has no protected attribute {missing[0]!r}; its attributes are "
            f"{list(saved.protected)}"
        )
    if tuple(mapping.protected) == tuple(saved.protected):
        return counted
    return replace(
        counted,
        cube=marginal_cube(counted.cube, mapping.protected),
        mapping=mapping,
        parts=tuple((marginal_cube(cube, mapping.protected), path) for cube, path in counted.parts),
    )


def _inputs_extra(counted: Counted, *, private: bool) -> dict[str, Any]:
    """A merged audit lists its inputs; in DP mode without fingerprints, paths or counts."""
    if not counted.inputs:
        return {}
    if private:
        return {"inputs": [{"engine": item.engine} for item in counted.inputs]}
    return {"inputs": [item.to_dict() for item in sorted_inputs(counted.inputs)]}


def audit(
    source: str | os.PathLike | pd.DataFrame | duckdb.DuckDBPyRelation,
    *,
    label: str | None = None,
    protected: str | Iterable[str] = (),
    prediction: str | None = None,
    score: str | None = None,
    threshold: float | None = None,
    positive_label: str | None = None,
    positive_prediction: str | None = None,
    reference: Mapping[str, str] | Iterable[str] | None = None,
    policy: Policy | str | os.PathLike | None = None,
    min_group_size: int = 30,
    intersections: bool = True,
    confidence: float = 0.95,
    epsilon: float | None = None,
    delta: float | None = None,
    mechanism: Literal["laplace", "gaussian"] | None = None,
    dp_workload: Literal["marginals", "attributes", "finest"] = "marginals",
    categories: Mapping[str, Iterable[str]] | None = None,
    store: str | os.PathLike | None = None,
    privacy_budget: float | None = None,
    dataset_name: str | Sequence[str] | None = None,
    seed: int | None = None,
    max_groups: int = DEFAULT_MAX_GROUPS,
    connection: duckdb.DuckDBPyConnection | None = None,
    progress: Progress | None = None,
    strata: Iterable[str] = (),
    source_name: str | None = None,
    bisg: Any = None,
    bisg_estimator: str = "weighted",
    engine: Literal["duckdb", "spark"] = "duckdb",
    spark: Any = None,
    spark_master: str | None = None,
    spark_conf: Mapping[str, str] | Iterable[str] | None = None,
    spark_fingerprint: Literal["content", "listing"] = "content",
    vocabulary: Vocabulary | None = None,
    decision_favourable: bool = True,
    group_order: Mapping[str, Iterable[str]] | None = None,
    bins: Mapping[str, Any] | None = None,
) -> AuditResult:
    """Audit a model's outputs across protected groups.

    Parameters
    ----------
    source
        A CSV (any delimiter, UTF-8 or Latin-1, optionally gzip), Parquet or JSON-lines file,
        a pandas DataFrame, or a DuckDB relation.
    label, prediction
        Columns with the true outcome and the model's decision. Instead of ``prediction``,
        give ``score`` and ``threshold`` (score ≥ threshold is positive). ``label`` is
        optional: without ground truth the audit has selection rates, impact ratios, their
        intervals and tests, and selection-rate verdicts; label-dependent metrics (TPR, FPR,
        …) are absent and policy checks on them are not evaluable.
    protected
        One or more protected attributes; every pair is also audited (intersections).
    positive_label
        The favourable (or flagged) outcome when labels are not 0/1, true/false or yes/no.
    positive_prediction
        The prediction's positive class when its values are other words than the label's
        (label ``"good"``/``"bad"``, decision ``"approved"``/``"denied"``: pass
        ``positive_label="good", positive_prediction="approved"``); default: ``positive_label``.
    decision_favourable
        Whether the positive decision favours the person (approved, hired: default) or not
        (flagged high risk, denied). When not, impact ratios and the four-fifths rule are
        computed on the favourable complement ("not flagged"): the rule compares rates of
        the favourable outcome, and a shortfall in an unfavourable one is meaningless.
    group_order
        The order of each attribute's groups in every table, chart and report, e.g.
        ``{"age_band": ["<25", "25-39", "40-59", "60+"]}``; default: the natural order of
        ordered buckets (detected), else as counted.
    bins
        Numeric protected attributes to group into bands in the DuckDB query: the inner
        edges (``{"age": [25, 40, 60]}`` → ``<25``, ``25-39``, ``40-59``, ``60+``) or
        ``"quartiles"``/``"quintiles"``/``"tertiles"`` (edges from the data's quantiles),
        instead of one group per distinct value (see :mod:`auditor.binning`).
    vocabulary
        The data set's words (:func:`auditor.vocabulary.vocabulary_from_names`: the decision,
        the outcome, the people), carried into the JSON (``vocabulary``), the PDF and the
        dashboard.
    reference
        Reference group per attribute, e.g. ``{"race": "Caucasian"}``; default the largest.
    policy
        A :class:`~auditor.policy.Policy` or the path of a policy TOML file.
    epsilon, delta, mechanism
        Release the counts with differential privacy (see :mod:`auditor.privacy`).
    dp_workload
        DP only: ``"marginals"`` (default) measures the finest table, each attribute and each
        pair with a documented split of the budget and fits one consistent table to all of
        them by weighted least squares (narrower intervals when single-attribute groups sum
        many cells); ``"attributes"`` measures the same tables with a split that favours the
        single attributes (each at least t× less noisy, no pair more than t× noisier, t as
        large as possible); ``"finest"`` releases the finest table alone (see
        :mod:`auditor.privacy.workload`).
    strata
        Columns (job group, location, year) counted as extra dimensions of the cube for the
        stratified templates (:mod:`auditor.templates`); they are not protected attributes,
        so the audit's breakdowns are sums over them. Not available with ``epsilon``.
    source_name
        How outputs name the data in exact mode (``dataset.source``), e.g. the name of the file
        a user uploaded; default: the file's path (or the DataFrame's description). A server
        that saves uploads in a private folder passes the upload's name, so no report shows
        the server's paths.
    categories, store, privacy_budget, dataset_name
        DP only: the public values of protected attributes, the ledger, the data set's total
        ε and the curator's name for the data set the budget belongs to. A private audit of
        several saved cubes is charged ε to the data set of every cube (one name per cube,
        in order, if named; see :func:`~auditor.privacy.release_cube`).
    bisg, bisg_estimator
        Estimate race from surname and ZIP code (and first name): a
        :class:`~auditor.bisg.BisgSpec` or text ``"surname=COL,zip=COL[,first_name=COL]"``.
        Adds the protected attribute ``race`` (estimated); ``bisg_estimator`` is
        ``"weighted"`` (default), ``"threshold"`` or ``"both"`` (see :mod:`auditor.bisg`).
    engine
        Who counts the cube: ``"duckdb"`` (embedded, default) or ``"spark"`` — for a Spark
        DataFrame (chosen automatically), ``"table:NAME"``, or paths, globs and partitioned
        folders Spark can read. Everything after the cube is the same code for both. A list
        of cube files saved by ``auditor cube`` is summed instead (:mod:`auditor.cubefile`).
    spark, spark_master, spark_conf
        The SparkSession to use; else the active one, or a new one on ``spark_master`` with
        ``spark_conf`` (``{"spark.executor.memory": "4g"}`` or ``["key=value", …]``).
    spark_fingerprint
        ``"content"`` hashes every input file in the cluster; ``"listing"`` only their paths,
        sizes and modification times (see :func:`auditor.spark.open_spark_source`).

    Examples
    --------
    >>> import auditor
    >>> result = auditor.audit("sample_data/compas_predictions.csv", label="two_year_recid",
    ...                        prediction="high_risk", protected=["race", "sex"])  # doctest: +SKIP
    >>> result.breakdown("race").group(race="African-American").metrics["fpr"]  # doctest: +SKIP
    0.4233...
    """
    report = progress or (lambda fraction, message: None)
    protected = (protected,) if isinstance(protected, str) else tuple(protected)
    bisg_spec = _bisg_spec(bisg, bisg_estimator)
    if bisg_spec is not None:
        from .bisg import ATTRIBUTE

        protected = (*protected, ATTRIBUTE)
    mapping = ColumnMapping(
        label=label,
        protected=protected,
        prediction=prediction,
        score=score,
        threshold=threshold,
        positive_label=positive_label,
        positive_prediction=positive_prediction,
        bins=_bin_edges(source, bins, connection=connection, private=epsilon is not None),
    )
    if not 0 < confidence < 1:
        raise InputError(f"confidence must be between 0 and 1, not {confidence}")
    if min_group_size < 0:
        raise InputError(f"min_group_size must be 0 or more, not {min_group_size}")
    resolved_policy = _resolve_policy(policy)
    requested_reference = parse_reference(reference)
    order = {str(k): [str(v) for v in values] for k, values in (group_order or {}).items()}
    strata = _checked_strata(strata, protected=protected, epsilon=epsilon)
    bisg_cubes = None
    if bisg_spec is None:
        counted = _counted(
            source,
            replace(mapping, protected=(*protected, *strata)) if strata else mapping,
            engine=engine,
            max_groups=max_groups,
            connection=connection,
            spark=spark,
            spark_master=spark_master,
            spark_conf=spark_conf,
            spark_fingerprint=spark_fingerprint,
            # A DP output carries no hash of the data: none is computed.
            fingerprint=epsilon is None,
            progress=lambda f, m: report(0.05 + 0.75 * f, m),
        )
        cube, fingerprint = counted.cube, counted.fingerprint
    else:
        if engine != "duckdb":
            raise InputError("--bisg counts with DuckDB: leave out --engine spark")
        own_connection = connection is None
        con = connection or connect()
        try:
            opened = open_source(source, connection=con)
            if epsilon is None:  # a DP output carries no hash of the file: none is computed
                opened.start_fingerprint()
            bisg_cubes = None
            if bisg_spec is None:
                cube = build_cube(
                    opened,
                    replace(mapping, protected=(*protected, *strata)) if strata else mapping,
                    max_groups=max_groups,
                    progress=lambda f, m: report(0.05 + 0.75 * f, m),
                )
            else:
                from .bisg import build_bisg_cubes

                if strata:
                    raise InputError(
                        "--strata and --bisg cannot be combined yet: run the stratified templates "
                        "on recorded race, or audit estimated race without strata"
                    )
                report(0.1, "Estimating race from surname and ZIP code (one pass over the data)")
                bisg_cubes = build_bisg_cubes(
                    opened, mapping, bisg_spec, connection=con, max_groups=max_groups
                )
                cube = _primary_bisg_cube(bisg_cubes, epsilon=epsilon)
            fingerprint: Fingerprint | None = None
            if epsilon is None:
                report(0.85, "Fingerprinting the data")
                fingerprint = opened.fingerprint()
        finally:
            if own_connection:
                con.close()
        counted = Counted(
            cube=cube,
            mapping=mapping,
            fingerprint=fingerprint,
            source=str(opened.path) if opened.path is not None else opened.description,
            format=opened.format,
            engine="duckdb",
            encoding=opened.encoding,
        )

    stratified_cube = None
    if strata:
        stratified_cube, cube = cube, marginal_cube(cube, protected)
    privacy: dict[str, Any] = {"mode": "exact"}
    if epsilon is not None:
        from .privacy import release_cube

        if bisg_spec is not None:
            categories = _with_race_categories(categories, mapping)

        report(0.88, "Adding calibrated noise")
        cube, privacy = release_cube(
            cube,
            epsilon=epsilon,
            delta=delta,
            mechanism=mechanism,
            workload=dp_workload,
            intersections=intersections,
            categories=categories,
            dataset_name=dataset_name,
            store=store,
            privacy_budget=privacy_budget,
            seed=seed,
            inputs=counted.parts if len(counted.parts) > 1 else None,
            request={
                "columns": mapping_document(mapping),
                "options": {
                    "min_group_size": min_group_size,
                    "intersections": intersections,
                    "confidence": confidence,
                    "decision_favourable": bool(decision_favourable),
                    "group_order": order,
                },
            },
        )
    elif mechanism is not None or delta is not None:
        raise InputError(
            "--delta and --mechanism need --epsilon E: give the privacy budget to spend"
        )
    elif privacy_budget is not None or categories is not None or dataset_name is not None:
        raise InputError(
            "--privacy-budget, --categories and --dataset-name apply to private audits: "
            "add --epsilon E, "
            "or leave them out for an exact audit"
        )

    report(0.92, "Computing metrics")
    overall, breakdowns, verdicts = evaluate_cube(
        cube,
        reference=requested_reference,
        policy=resolved_policy,
        min_group_size=min_group_size,
        intersections=intersections,
        intervals=_estimator_for(cube, confidence=confidence),
        decision_favourable=bool(decision_favourable),
        group_order=order,
    )
    scores = None
    if cube.has_score and cube.has_label:
        scores = {"(all)": score_analysis(cube, ())}
        for attribute in cube.attributes:
            scores[attribute] = score_analysis(cube, (attribute,))
    if cube.is_private:
        # In DP mode every field is noisy, declared by the user, or absent: no path, no
        # hash, no size, no detected encoding, no exact count (rows_used is the noisy total).
        dataset = public_dataset_info(privacy, rows_used=cube.rows_used)
    else:
        dataset = DatasetInfo(
            source=source_name if source_name is not None else counted.source,
            format=counted.format,
            sha256=fingerprint.sha256,
            size_bytes=fingerprint.size_bytes,
            fingerprint_method=fingerprint.method,
            rows=cube.rows,
            rows_used=cube.rows_used,
            rows_excluded=cube.rows_excluded,
            exclusions=dict(cube.exclusions),
            encoding=counted.encoding,
            engine=counted.engine,
        )
    estimated, extra = {}, {}
    if bisg_cubes is not None:
        estimated, extra = _bisg_outputs(
            bisg_cubes,
            cube,
            reference=requested_reference,
            policy=resolved_policy,
            min_group_size=min_group_size,
            intersections=intersections,
            confidence=confidence,
            decision_favourable=bool(decision_favourable),
            group_order=order,
        )
    report(1.0, "Done")
    return AuditResult(
        dataset=dataset,
        mapping=mapping,
        cube=cube,
        evaluated_from=cube,
        overall=overall,
        breakdowns=breakdowns,
        policy=verdicts,
        privacy=privacy,
        options={
            "reference": requested_reference,
            "min_group_size": min_group_size,
            "intersections": intersections,
            "confidence": confidence,
            "interval_method": _estimator_for(cube, confidence=confidence).method,
            "decision_favourable": bool(decision_favourable),
            "group_order": order,
        },
        vocabulary=vocabulary if vocabulary is not None else Vocabulary(),
        scores=scores,
        stratified_cube=stratified_cube,
        created_at=_dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        tool_version=__version__,
        estimated=estimated,
        extra={**extra, **_inputs_extra(counted, private=cube.is_private)},
    )


def _bin_edges(
    source: Any, bins: Mapping[str, Any] | None, *, connection, private: bool
) -> dict[str, tuple[float, ...]]:
    """Edges for each binned attribute; quantile bands are computed from the data in DuckDB
    (one aggregate query) — not under DP, where data-dependent edges would leak."""
    from .binning import parse_bins, quantile_edges

    parsed = parse_bins(bins)
    named = [column for column, spec in parsed.items() if isinstance(spec, str)]
    if not named:
        return parsed  # type: ignore[return-value]
    if private:
        raise InputError(
            f"quantile bands for {named[0]!r} depend on the data, which a private audit may not "
            "reveal: give the edges yourself (e.g. --bin age=25,40,60)"
        )
    own_connection = connection is None
    con = connection or connect()
    try:
        opened = open_source(source, connection=con)
        return {
            column: quantile_edges(opened, column, spec) if isinstance(spec, str) else spec
            for column, spec in parsed.items()
        }
    finally:
        if own_connection:
            con.close()


def _bisg_spec(bisg: Any, estimator: str):
    if bisg is None:
        if estimator != "weighted":
            raise InputError("--bisg-estimator needs --bisg surname=COL,zip=COL")
        return None
    from .bisg import BisgSpec, parse_bisg

    if isinstance(bisg, BisgSpec):
        return replace(bisg, estimator=estimator) if estimator != "weighted" else bisg
    return parse_bisg(str(bisg), estimator=estimator)


def _primary_bisg_cube(cubes, *, epsilon: float | None) -> CountCube:
    """The cube the audit's breakdowns come from: weighted unless only threshold was asked."""
    if cubes.spec.estimator == "both" and epsilon is not None:
        raise InputError(
            "--bisg-estimator both releases two cubes, which a single DP release cannot do: "
            "choose weighted or threshold with --epsilon"
        )
    chosen = cubes.threshold if cubes.spec.estimator == "threshold" else cubes.weighted
    from .bisg import ATTRIBUTE

    return replace(chosen, estimated=frozenset({ATTRIBUTE}))


def _with_race_categories(categories, mapping: ColumnMapping):
    """Under DP the race categories are public (the Census categories): declare them; the
    other attributes must be declared too (partition selection would spend a second budget
    on fractional counts)."""
    from .bisg import ATTRIBUTE, RACE_LABELS

    declared = {k: list(v) for k, v in (categories or {}).items()}
    others = [name for name in mapping.protected if name != ATTRIBUTE and name not in declared]
    if others:
        raise InputError(
            f"a private audit with --bisg needs the values of {others} declared with "
            "--categories FILE.toml (race's categories are the Census ones, declared for you)"
        )
    declared[ATTRIBUTE] = list(RACE_LABELS.values())
    return declared


def _bisg_outputs(cubes, cube: CountCube, **options) -> tuple[dict, dict]:
    """(estimated, extra): the ``estimated`` object of breakdowns over race, and the threshold
    breakdowns next to the weighted ones when both were asked for."""
    from .bisg import ATTRIBUTE, describe_estimate
    from .result import breakdown_to_dict

    spec = cubes.spec
    primary = "threshold" if spec.estimator == "threshold" else "weighted"
    estimate = describe_estimate(spec, cubes.fallbacks, estimator=primary, private=cube.is_private)
    extra: dict[str, Any] = {}
    if spec.estimator == "both":
        threshold = replace(cubes.threshold, estimated=frozenset({ATTRIBUTE}))
        confidence = options.pop("confidence")
        _, breakdowns, verdicts = evaluate_cube(
            threshold, intervals=_estimator_for(threshold, confidence=confidence), **options
        )
        other = describe_estimate(spec, cubes.fallbacks, estimator="threshold")
        extra["bisg_comparison"] = {
            "note": "the same audit with race assigned by threshold; the policy verdict above "
            "is decided on the weighted estimate",
            "estimated": other,
            "breakdowns": [
                breakdown_to_dict(b, estimated={ATTRIBUTE: other})
                for b in breakdowns
                if ATTRIBUTE in b.by
            ],
        }
    return {ATTRIBUTE: estimate}, extra
