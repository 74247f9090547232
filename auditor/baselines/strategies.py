"""The four strategies of the study, each fitted on the same training rows.

- ``aware``: every feature, the protected attribute included;
- ``unaware``: the protected attribute dropped ("fairness through unawareness");
- ``unaware_without_proxies``: the strongest proxies dropped as well (see :mod:`.proxies`);
- ``output_constrained``: a constraint on the model's *outputs* (demographic parity) with
  fairlearn — by default :class:`~fairlearn.postprocessing.ThresholdOptimizer` over the
  unaware model's scores (group-specific randomised thresholds, so the protected attribute is
  needed when deciding), or :class:`~fairlearn.reductions.ExponentiatedGradient` on the
  unaware features (the attribute is needed only while training; its predictions are
  randomised too).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import fairlearn
import numpy as np
import pandas as pd
from fairlearn.postprocessing import ThresholdOptimizer
from fairlearn.reductions import DemographicParity, ExponentiatedGradient
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning

from ..errors import InputError
from .data import StudyData
from .models import make_classifier

__all__ = [
    "CONSTRAINT_METHODS",
    "DEFAULT_TOLERANCES",
    "STRATEGY_NAMES",
    "ConstraintInfo",
    "FittedStrategy",
    "fit_input_strategy",
    "fit_output_constrained",
    "threshold_frontier",
]

STRATEGY_NAMES = ("aware", "unaware", "unaware_without_proxies", "output_constrained")
ConstraintMethod = Literal["threshold_optimizer", "exponentiated_gradient"]
CONSTRAINT_METHODS: tuple[str, ...] = ("threshold_optimizer", "exponentiated_gradient")
DEFAULT_TOLERANCES = (0.0, 0.02, 0.05, 0.1, 0.15, 0.2)
"""Allowed selection-rate ranges of the ThresholdOptimizer frontier (0 = exact parity)."""

DEFAULT_EG_ROWS = 10_000
"""ExponentiatedGradient refits its model ~10–50 times: it trains on at most this many rows."""


@dataclass(frozen=True, kw_only=True)
class FittedStrategy:
    """A strategy's fitted model and its decisions on the test rows."""

    name: str
    features: tuple[str, ...]
    dropped: tuple[str, ...]
    needs_protected_at_prediction: bool
    description: str
    predicted: np.ndarray = field(repr=False)
    model: Any = field(repr=False, default=None)


@dataclass(frozen=True, kw_only=True)
class ConstraintInfo:
    """How the output-constrained model was built."""

    method: str
    constraint: str
    base_model: str
    needs_protected_at_prediction: bool
    randomized: bool
    fit_rows: int
    subsampled: bool
    parameters: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "library": f"fairlearn {fairlearn.__version__}",
            "constraint": self.constraint,
            "base_model": self.base_model,
            "needs_protected_at_prediction": self.needs_protected_at_prediction,
            "randomized": self.randomized,
            "fit_rows": self.fit_rows,
            "subsampled": self.subsampled,
            "parameters": dict(self.parameters),
        }


def _split_kinds(data: StudyData, features: Sequence[str]) -> tuple[list[str], list[str]]:
    return (
        [f for f in data.numeric if f in features],
        [f for f in data.categorical if f in features],
    )


def _frame(x: pd.DataFrame, features: Sequence[str]) -> pd.DataFrame:
    if features:
        return x[list(features)]
    return pd.DataFrame({"(constant)": np.zeros(len(x))})


def fit_input_strategy(
    data: StudyData,
    *,
    name: str,
    features: Sequence[str],
    dropped: Sequence[str],
    description: str,
) -> FittedStrategy:
    """Fit the study's model on ``features`` and predict the test rows (threshold 0.5)."""
    features = tuple(features)
    numeric, categorical = _split_kinds(data, features)
    model = make_classifier(numeric=numeric, categorical=categorical)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(_frame(data.x_train, features), data.y_train)
    predicted = np.asarray(model.predict(_frame(data.x_test, features)), dtype=int)
    return FittedStrategy(
        name=name,
        features=features,
        dropped=tuple(dropped),
        needs_protected_at_prediction=data.protected in features,
        description=description,
        predicted=predicted,
        model=model,
    )


SCORE_DECIMALS = 3
"""ThresholdOptimizer sees the base model's probability rounded to this many decimals."""


class PrecomputedScore(ClassifierMixin, BaseEstimator):
    """A 'model' whose input is already the base model's score, rounded to ``decimals``.

    ThresholdOptimizer rescoring every row at each fit, and tracing its trade-off curve over
    every distinct score, dominates the study's run time; giving it the score column once,
    rounded to a 0.001 grid (its own default grid has 1000 points), makes each fit cheap.
    """

    def __init__(self, decimals: int = SCORE_DECIMALS):
        self.decimals = decimals

    def fit(self, X, y=None):  # noqa: N803 - scikit-learn's argument name
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = 1
        return self

    def predict_proba(self, X):  # noqa: N803
        score = np.round(np.asarray(X, dtype=float)[:, 0], self.decimals)
        return np.column_stack([1 - score, score])

    def predict(self, X):  # noqa: N803
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)


def _scores(base: FittedStrategy, x: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"score": base.model.predict_proba(x)[:, 1]})


def _threshold_optimizer(base: FittedStrategy, *, tol: float | None) -> ThresholdOptimizer:
    return ThresholdOptimizer(
        estimator=PrecomputedScore().fit(None),
        constraints="demographic_parity",
        objective="accuracy_score",
        predict_method="predict_proba",
        prefit=True,
        tol=tol or None,
    )


def fit_output_constrained(
    data: StudyData,
    *,
    base: FittedStrategy,
    method: ConstraintMethod = "threshold_optimizer",
    eps: float = 0.01,
    max_fit_rows: int = DEFAULT_EG_ROWS,
    seed: int = 0,
) -> tuple[FittedStrategy, ConstraintInfo]:
    """Constrain the outputs of the ``base`` (unaware) strategy to demographic parity."""
    if method not in CONSTRAINT_METHODS:
        raise InputError(
            f"constraint method {method!r} is not known: use one of {list(CONSTRAINT_METHODS)}"
        )
    x_train = _frame(data.x_train, base.features)
    x_test = _frame(data.x_test, base.features)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)
        # fairlearn's reductions set new Series keys with .at, which pandas 3 deprecates
        warnings.filterwarnings("ignore", message="Setting a value on a Series via .at")
        warnings.filterwarnings("ignore", message="Setting an item of incompatible dtype")
        if method == "threshold_optimizer":
            model = _threshold_optimizer(base, tol=None)
            model.fit(_scores(base, x_train), data.y_train, sensitive_features=data.s_train)
            predicted = model.predict(
                _scores(base, x_test), sensitive_features=data.s_test, random_state=seed
            )
            info = ConstraintInfo(
                method="ThresholdOptimizer",
                constraint="demographic_parity",
                base_model=base.name,
                needs_protected_at_prediction=True,
                randomized=True,
                fit_rows=len(x_train),
                subsampled=False,
                parameters={
                    "objective": "accuracy_score",
                    "predict_method": "predict_proba",
                    "prefit": True,
                    "tol": None,
                    "score_decimals": SCORE_DECIMALS,
                },
            )
            description = (
                f"the {base.name} model's scores with a decision threshold per "
                f"'{data.protected}' group chosen for equal selection rates (ThresholdOptimizer)"
            )
        else:
            rows = np.arange(len(x_train))
            subsampled = len(rows) > max_fit_rows
            if subsampled:
                rows = np.random.default_rng(seed).choice(rows, size=max_fit_rows, replace=False)
            numeric, categorical = _split_kinds(data, base.features)
            model = ExponentiatedGradient(
                make_classifier(numeric=numeric, categorical=categorical),
                DemographicParity(),
                eps=eps,
                sample_weight_name="logisticregression__sample_weight",
            )
            model.fit(
                x_train.iloc[rows],
                data.y_train[rows],
                sensitive_features=data.s_train[rows],
            )
            predicted = model.predict(x_test, random_state=seed)
            info = ConstraintInfo(
                method="ExponentiatedGradient",
                constraint="demographic_parity",
                base_model=base.name,
                needs_protected_at_prediction=False,
                randomized=True,
                fit_rows=len(rows),
                subsampled=subsampled,
                parameters={"eps": eps, "max_iter": 50},
            )
            description = (
                f"the {base.name} features, trained with ExponentiatedGradient under a "
                f"demographic-parity constraint (eps={eps:g}); '{data.protected}' is used "
                "only while training"
            )
    strategy = FittedStrategy(
        name="output_constrained",
        features=base.features,
        dropped=base.dropped,
        needs_protected_at_prediction=info.needs_protected_at_prediction,
        description=description,
        predicted=np.asarray(predicted, dtype=int),
        model=model,
    )
    return strategy, info


def threshold_frontier(
    data: StudyData,
    *,
    base: FittedStrategy,
    tolerances: Sequence[float] = DEFAULT_TOLERANCES,
    seed: int = 0,
) -> list[tuple[float, np.ndarray]]:
    """Test-row decisions of ThresholdOptimizer at each allowed selection-rate range ``tol``."""
    train_scores = _scores(base, _frame(data.x_train, base.features))
    test_scores = _scores(base, _frame(data.x_test, base.features))
    points = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for tol in tolerances:
            model = _threshold_optimizer(base, tol=tol)
            model.fit(train_scores, data.y_train, sensitive_features=data.s_train)
            predicted = model.predict(
                test_scores, sensitive_features=data.s_test, random_state=seed
            )
            points.append((float(tol), np.asarray(predicted, dtype=int)))
    return points
