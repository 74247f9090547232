"""The input-restriction study: four strategies, one split, every model audited the same way.

Each strategy's decisions on the held-out rows go through :func:`auditor.audit` — the same
count cube, metrics and summaries as an uploaded prediction file — so the study's numbers
mean exactly what an audit's numbers mean.
"""

from __future__ import annotations

import datetime as _dt
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..audit import audit
from ..errors import InputError
from ..result import AuditResult, breakdown_to_dict
from ..version import __version__
from .conclusion import write_conclusion
from .data import IgnoredColumn, StudyData, load_study_data
from .models import MODEL_DESCRIPTION
from .proxies import DEFAULT_PROXY_THRESHOLD, ProxyAnalysis, analyse_proxies
from .strategies import (
    DEFAULT_EG_ROWS,
    DEFAULT_TOLERANCES,
    ConstraintInfo,
    ConstraintMethod,
    FittedStrategy,
    fit_input_strategy,
    fit_output_constrained,
    threshold_frontier,
)

__all__ = ["SCHEMA", "BaselineStudy", "FrontierPoint", "StrategyResult", "run_study"]

SCHEMA = "auditor/baseline-v1"
FOUR_FIFTHS_RATIO = 0.8
"""The four-fifths rule: the lowest selection rate should be at least 0.8 of the highest."""
SUMMARY_KEYS = (
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equalized_odds_difference",
    "equalized_odds_ratio",
    "equal_opportunity_difference",
)
Progress = Callable[[float, str], None]


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if np.isfinite(number) else None


@dataclass(frozen=True, kw_only=True)
class StrategyResult:
    """One strategy: what it was given, and the audit of its test-row decisions."""

    name: str
    label: str
    description: str
    features: tuple[str, ...]
    dropped: tuple[str, ...]
    needs_protected_at_prediction: bool
    protected: str
    audit: AuditResult = field(repr=False)

    @property
    def breakdown(self):
        return self.audit.breakdown(self.protected)

    @property
    def accuracy(self) -> float | None:
        return _number(self.audit.overall.metrics["accuracy"])

    @property
    def summary(self) -> dict[str, float | None]:
        return {key: _number(self.breakdown.summary.get(key)) for key in SUMMARY_KEYS}

    @property
    def selection_rates(self) -> dict[str, float | None]:
        return {
            str(g.key[self.protected]): _number(g.metrics["selection_rate"])
            for g in self.breakdown.groups
        }

    def to_dict(self) -> dict[str, Any]:
        ratio = self.summary["demographic_parity_ratio"]
        return {
            "name": self.name,
            "label": self.label,
            "description": self.description,
            "features": list(self.features),
            "dropped_features": list(self.dropped),
            "needs_protected_at_prediction": self.needs_protected_at_prediction,
            "accuracy": self.accuracy,
            "selection_rate": _number(self.audit.overall.metrics["selection_rate"]),
            "summary": self.summary,
            "meets_four_fifths": None if ratio is None else ratio >= FOUR_FIFTHS_RATIO,
            "selection_rates": self.selection_rates,
            "breakdown": breakdown_to_dict(self.breakdown),
        }


@dataclass(frozen=True, kw_only=True)
class FrontierPoint:
    """The output-constrained model at one constraint strength (allowed selection-rate range)."""

    tol: float
    accuracy: float | None
    summary: Mapping[str, float | None]

    def to_dict(self) -> dict[str, Any]:
        return {"tol": self.tol, "accuracy": self.accuracy, **dict(self.summary)}


@dataclass(frozen=True, kw_only=True)
class BaselineStudy:
    """The whole study. ``to_dict()`` is the stable JSON document (schema ``auditor/baseline-v1``)."""

    source: str
    target: str
    positive_label: str | None
    protected: str
    groups: tuple[str, ...]
    split: Mapping[str, Any]
    ignored: tuple[IgnoredColumn, ...]
    strategies: tuple[StrategyResult, ...]
    proxies: ProxyAnalysis
    constraint: ConstraintInfo
    frontier: tuple[FrontierPoint, ...]
    seconds: float
    created_at: str
    conclusion: str = ""

    def strategy(self, name: str) -> StrategyResult:
        """The strategy called ``name`` (``aware``, ``unaware``, …)."""
        for strategy in self.strategies:
            if strategy.name == name:
                return strategy
        raise KeyError(f"no strategy {name!r}; have {[s.name for s in self.strategies]}")

    def to_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "schema": SCHEMA,
            "tool": {"name": "auditor", "version": __version__},
            "created_at": self.created_at,
            "dataset": {"source": self.source, **dict(self.split)},
            "target": self.target,
            "positive_label": self.positive_label,
            "protected": self.protected,
            "groups": list(self.groups),
            "ignored_columns": [column.to_dict() for column in self.ignored],
            "model": dict(MODEL_DESCRIPTION),
            "four_fifths_threshold": FOUR_FIFTHS_RATIO,
            "strategies": [strategy.to_dict() for strategy in self.strategies],
            "proxies": [
                {"feature": s.feature, "auc": _number(s.auc), "kind": s.kind, "dropped": s.dropped}
                for s in self.proxies.features
            ],
            "proxy_auc_all_features": _number(self.proxies.auc_all_features),
            "proxy_analysis": self.proxies.to_dict(),
            "constraint": self.constraint.to_dict(),
            "frontier": {
                "method": "ThresholdOptimizer (demographic parity) over the "
                f"{self.constraint.base_model} model's scores, by allowed selection-rate range tol",
                "points": [point.to_dict() for point in self.frontier],
            },
            "timing": {"seconds": round(self.seconds, 3)},
        }
        document["conclusion"] = self.conclusion or write_conclusion(document)
        return document


def _audit_decisions(data: StudyData, predicted: np.ndarray) -> AuditResult:
    label = data.target if data.target != data.protected else "__target"
    prediction = f"{label}__predicted"
    frame = pd.DataFrame(
        {
            label: data.y_test,
            prediction: np.asarray(predicted, dtype=int),
            data.protected: data.s_test,
        }
    )
    return audit(
        frame, label=label, prediction=prediction, protected=[data.protected], intersections=False
    )


def _labels(protected: str) -> dict[str, str]:
    return {
        "aware": f"Aware (uses {protected})",
        "unaware": f"Unaware ({protected} dropped)",
        "unaware_without_proxies": "Unaware, proxies dropped",
        "output_constrained": "Output-constrained",
    }


def run_study(
    source: str | os.PathLike | pd.DataFrame,
    *,
    target: str,
    protected: str,
    positive_label: str | None = None,
    exclude: Iterable[str] = (),
    seed: int = 0,
    test_fraction: float = 0.3,
    proxy_threshold: float = DEFAULT_PROXY_THRESHOLD,
    constraint_method: ConstraintMethod = "threshold_optimizer",
    eps: float = 0.01,
    max_constrained_fit_rows: int = DEFAULT_EG_ROWS,
    frontier_tolerances: Sequence[float] = DEFAULT_TOLERANCES,
    progress: Progress | None = None,
    source_name: str | None = None,
) -> BaselineStudy:
    """Train the four strategies on one seeded, stratified split and audit each one's outputs.

    Parameters
    ----------
    source
        Training data: a CSV (optionally gzip), Parquet or JSON-lines path, or a DataFrame.
    target, positive_label
        The outcome to predict and its favourable value (when it is not 0/1, yes/no, …).
    protected
        The protected attribute (one column).
    exclude
        Columns not to use as features (a train/test marker column is skipped by itself).
    proxy_threshold
        Features whose AUC alone for ``protected`` reaches this are dropped as proxies.
    constraint_method
        ``"threshold_optimizer"`` (fast; needs ``protected`` when deciding) or
        ``"exponentiated_gradient"`` (needs it only to train; fits on at most
        ``max_constrained_fit_rows`` rows, ``eps`` is its constraint slack).
    frontier_tolerances
        Allowed selection-rate ranges for the accuracy–disparity frontier (empty: none).
    progress
        Called as ``progress(fraction, message)`` while models train.
    source_name
        How the study's document names its data (default: the path given), e.g. a file name
        where the path belongs to a server.

    Examples
    --------
    >>> from auditor.baselines import run_study
    >>> study = run_study("sample_data/adult.csv.gz", target="income", protected="sex",
    ...                   positive_label=">50K")                          # doctest: +SKIP
    >>> study.strategy("unaware").summary["demographic_parity_ratio"]    # doctest: +SKIP
    0.31...
    """
    started = time.perf_counter()
    report = progress or (lambda fraction, message: None)
    if not 0.5 <= proxy_threshold <= 1:
        raise InputError(f"proxy_threshold must be between 0.5 and 1, not {proxy_threshold}")
    report(0.0, "Reading the training data")
    data = load_study_data(
        source,
        target=target,
        protected=protected,
        positive_label=positive_label,
        exclude=exclude,
        test_fraction=test_fraction,
        seed=seed,
    )
    report(0.08, f"Ranking features as proxies of '{protected}'")
    proxies = analyse_proxies(
        data,
        threshold=proxy_threshold,
        progress=lambda f, m: report(0.08 + 0.27 * f, m),
    )
    labels = _labels(protected)
    everything = data.features
    without_protected = data.features_without_protected
    report(0.35, "Training the aware model")
    fitted: list[FittedStrategy] = [
        fit_input_strategy(
            data,
            name="aware",
            features=everything,
            dropped=(),
            description=f"every feature, '{protected}' included",
        )
    ]
    report(0.45, "Training the unaware model")
    unaware = fit_input_strategy(
        data,
        name="unaware",
        features=without_protected,
        dropped=(protected,),
        description=f"every feature except '{protected}' (fairness through unawareness)",
    )
    fitted.append(unaware)
    report(0.55, "Training the unaware model without proxies")
    fitted.append(
        fit_input_strategy(
            data,
            name="unaware_without_proxies",
            features=[f for f in without_protected if f not in proxies.dropped],
            dropped=(protected, *proxies.dropped),
            description=f"'{protected}' and its {len(proxies.dropped)} strongest "
            f"prox{'y' if len(proxies.dropped) == 1 else 'ies'} dropped "
            f"({', '.join(proxies.dropped)}; AUC alone ≥ {proxies.threshold:g}, "
            "or the strongest if none is)",
        )
    )
    report(0.65, "Training the output-constrained model")
    constrained, constraint = fit_output_constrained(
        data,
        base=unaware,
        method=constraint_method,
        eps=eps,
        max_fit_rows=max_constrained_fit_rows,
        seed=seed,
    )
    fitted.append(constrained)

    report(0.75, "Auditing each model's decisions")
    results = tuple(
        StrategyResult(
            name=strategy.name,
            label=labels[strategy.name],
            description=strategy.description,
            features=strategy.features,
            dropped=strategy.dropped,
            needs_protected_at_prediction=strategy.needs_protected_at_prediction,
            protected=protected,
            audit=_audit_decisions(data, strategy.predicted),
        )
        for strategy in fitted
    )
    frontier = []
    tolerances = tuple(frontier_tolerances)
    if tolerances:
        report(0.85, "Tracing the accuracy–disparity frontier")
        for tol, predicted in threshold_frontier(
            data, base=unaware, tolerances=tolerances, seed=seed
        ):
            result = _audit_decisions(data, predicted)
            breakdown = result.breakdown(protected)
            frontier.append(
                FrontierPoint(
                    tol=tol,
                    accuracy=_number(result.overall.metrics["accuracy"]),
                    summary={key: _number(breakdown.summary.get(key)) for key in SUMMARY_KEYS},
                )
            )
    study = BaselineStudy(
        source=source_name if source_name is not None else data.source,
        target=target,
        positive_label=data.positive_label,
        protected=protected,
        groups=data.groups,
        split=data.split_dict(),
        ignored=data.ignored,
        strategies=results,
        proxies=proxies,
        constraint=constraint,
        frontier=tuple(frontier),
        seconds=time.perf_counter() - started,
        created_at=_dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    )
    from dataclasses import replace

    study = replace(study, conclusion=write_conclusion(study.to_dict()))
    report(1.0, "Done")
    return study
