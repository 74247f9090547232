"""Proxy analysis: how well do the other features predict the protected attribute?

Two measures, both ROC AUC on the held-out split:

- **all features**: a logistic regression (the study's model family) predicting the protected
  attribute from every feature except itself;
- **each feature alone**: a histogram classifier on that one feature — the protected-group
  shares per category (categorical) or per train-quantile bin (numeric, 20 bins), learnt on
  the training rows with add-one smoothing towards the overall shares. It is the best model
  of a single feature up to binning, so no relation is missed because it is not monotone.

For a binary attribute this is the usual AUC (0.5 = no information, 1 = a perfect proxy).
For more than two groups it is the **one-vs-rest macro average**: each group against all
others, averaged with equal weight over the groups present in the test rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from .data import StudyData
from .models import make_classifier

__all__ = [
    "AUC_AVERAGING",
    "DEFAULT_PROXY_THRESHOLD",
    "NUMERIC_BINS",
    "ProxyAnalysis",
    "ProxyScore",
    "analyse_proxies",
    "protected_auc",
    "select_proxies",
    "single_feature_auc",
]

NUMERIC_BINS = 20
DEFAULT_PROXY_THRESHOLD = 0.65
"""A feature whose AUC alone for the protected attribute reaches this is treated as a proxy."""
AUC_AVERAGING = "one-vs-rest, macro-averaged over groups"


@dataclass(frozen=True, kw_only=True)
class ProxyScore:
    """One feature's power to predict the protected attribute on its own."""

    feature: str
    auc: float
    kind: str  # "numeric" or "categorical"
    dropped: bool = False

    def to_dict(self) -> dict[str, object]:
        return {
            "feature": self.feature,
            "auc": _finite(self.auc),
            "kind": self.kind,
            "dropped": self.dropped,
        }


@dataclass(frozen=True, kw_only=True)
class ProxyAnalysis:
    """Ranked single-feature AUCs, the all-features AUC, and the proxies the study drops."""

    features: tuple[ProxyScore, ...]  # strongest first
    auc_all_features: float
    auc_without_proxies: float | None
    threshold: float
    dropped: tuple[str, ...]
    averaging: str

    @property
    def rule(self) -> str:
        return (
            f"drop every feature whose AUC alone for predicting the protected attribute is at "
            f"least {self.threshold:g}; if none reaches it, drop the single strongest feature"
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "method": {
                "all_features": "logistic regression on every other feature, AUC on the test rows",
                "single_feature": f"histogram classifier on the feature alone ({NUMERIC_BINS} "
                "quantile bins for numbers, one bin per category), AUC on the test rows",
                "averaging": self.averaging,
            },
            "auc_all_features": _finite(self.auc_all_features),
            "auc_without_proxies": _finite(self.auc_without_proxies),
            "threshold": self.threshold,
            "rule": self.rule,
            "dropped": list(self.dropped),
        }


def _finite(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def protected_auc(truth: np.ndarray, proba: np.ndarray, classes: Sequence[str]) -> float:
    """AUC of class probabilities ``proba`` (columns in ``classes`` order) for ``truth``.

    Binary: the AUC of the second class's probability. More groups: one-vs-rest macro average
    over the groups present (with both members and non-members) in ``truth``.

    Examples
    --------
    >>> import numpy as np
    >>> protected_auc(np.array(["a", "b", "b"]), np.array([[0.9, 0.1], [0.2, 0.8], [0.4, 0.6]]),
    ...               ["a", "b"])
    1.0
    """
    truth = np.asarray(truth).astype(str)
    classes = [str(c) for c in classes]
    if len(classes) == 2:
        return float(roc_auc_score(truth == classes[1], proba[:, 1]))
    scores = []
    for index, name in enumerate(classes):
        member = truth == name
        if 0 < member.sum() < len(member):
            scores.append(roc_auc_score(member, proba[:, index]))
    return float(np.mean(scores)) if scores else float("nan")


def _bins(train: pd.Series, test: pd.Series, numeric: bool) -> tuple[np.ndarray, np.ndarray]:
    if numeric:
        finite = train.dropna().to_numpy(dtype=float)
        edges = np.unique(np.quantile(finite, np.linspace(0, 1, NUMERIC_BINS + 1)[1:-1]))

        def code(values: pd.Series) -> np.ndarray:
            array = values.to_numpy(dtype=float)
            binned = np.digitize(array, edges).astype(np.int64)
            binned[np.isnan(array)] = -1
            return binned

        return code(train), code(test)
    categories = {value: i for i, value in enumerate(pd.unique(train.astype(str)))}
    as_codes = lambda values: values.astype(str).map(categories).fillna(-2).to_numpy(np.int64)  # noqa: E731
    return as_codes(train), as_codes(test)


def single_feature_auc(
    train: pd.Series,
    test: pd.Series,
    *,
    s_train: np.ndarray,
    s_test: np.ndarray,
    classes: Sequence[str],
    numeric: bool,
) -> float:
    """AUC of a histogram classifier on one feature (see the module docstring)."""
    train_bins, test_bins = _bins(train, test, numeric)
    classes = [str(c) for c in classes]
    onehot = (np.asarray(s_train).astype(str)[:, None] == np.asarray(classes)[None, :]).astype(
        float
    )
    prior = onehot.mean(axis=0)
    table = pd.DataFrame(onehot).groupby(train_bins).sum()
    shares = (table.to_numpy() + prior) / (table.sum(axis=1).to_numpy()[:, None] + 1.0)
    lookup = {int(b): shares[i] for i, b in enumerate(table.index)}
    proba = np.array([lookup.get(int(b), prior) for b in test_bins])
    return protected_auc(s_test, proba, classes)


def _model_auc(data: StudyData, features: Sequence[str], classes: Sequence[str]) -> float:
    features = list(features)
    model = make_classifier(
        numeric=[f for f in data.numeric if f in features],
        categorical=[f for f in data.categorical if f in features],
    )
    if not features:
        return 0.5
    model.fit(data.x_train[features], data.s_train)
    fitted = [str(c) for c in model.classes_]
    proba = model.predict_proba(data.x_test[features])
    order = [fitted.index(c) if c in fitted else None for c in classes]
    columns = [proba[:, i] if i is not None else np.zeros(len(proba)) for i in order]
    return protected_auc(data.s_test, np.column_stack(columns), classes)


def select_proxies(scores: Sequence[ProxyScore], *, threshold: float) -> tuple[str, ...]:
    """The features at or above ``threshold``; the single strongest if none reaches it."""
    chosen = tuple(s.feature for s in scores if s.auc >= threshold)
    if not chosen and scores:
        chosen = (max(scores, key=lambda s: s.auc).feature,)
    return chosen


def analyse_proxies(
    data: StudyData, *, threshold: float = DEFAULT_PROXY_THRESHOLD, progress=None
) -> ProxyAnalysis:
    """Rank the features as proxies of the protected attribute and choose the ones to drop."""
    report = progress or (lambda fraction, message: None)
    classes = sorted(set(data.s_train.astype(str)) | set(data.s_test.astype(str)))
    candidates = data.features_without_protected
    scores = []
    for feature in candidates:
        scores.append(
            ProxyScore(
                feature=feature,
                auc=single_feature_auc(
                    data.x_train[feature],
                    data.x_test[feature],
                    s_train=data.s_train,
                    s_test=data.s_test,
                    classes=classes,
                    numeric=feature in data.numeric,
                ),
                kind="numeric" if feature in data.numeric else "categorical",
            )
        )
    scores.sort(key=lambda s: (-s.auc, s.feature))
    report(0.3, f"Predicting '{data.protected}' from all other features")
    auc_all = _model_auc(data, candidates, classes)
    dropped = select_proxies(scores, threshold=threshold)
    remaining = [f for f in candidates if f not in dropped]
    report(0.7, f"Predicting '{data.protected}' without the {len(dropped)} strongest proxies")
    auc_rest = _model_auc(data, remaining, classes) if remaining else None
    ranked = tuple(
        ProxyScore(feature=s.feature, auc=s.auc, kind=s.kind, dropped=s.feature in dropped)
        for s in scores
    )
    return ProxyAnalysis(
        features=ranked,
        auc_all_features=auc_all,
        auc_without_proxies=auc_rest,
        threshold=threshold,
        dropped=dropped,
        averaging="binary" if len(classes) == 2 else AUC_AVERAGING,
    )
