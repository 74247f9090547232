"""The one model family every strategy uses: scaled numbers + one-hot categories → logistic regression.

Numeric features are median-imputed and standardised (an unscaled logistic regression
converges slowly, which matters inside fairlearn's reductions), categorical features are
one-hot encoded with rare values pooled, so an identifier-like column cannot blow up the
design matrix.
"""

from __future__ import annotations

from collections.abc import Sequence

from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

__all__ = ["MAX_CATEGORIES", "MODEL_DESCRIPTION", "make_classifier"]

MAX_CATEGORIES = 64
"""At most this many one-hot columns per categorical feature (rarer values are pooled)."""

MODEL_DESCRIPTION = {
    "estimator": "sklearn LogisticRegression (newton-cholesky solver, C=1.0)",
    "numeric": "median imputation, standardised",
    "categorical": f"one-hot, values rarer than 0.1% or beyond the {MAX_CATEGORIES} most "
    "frequent pooled as 'infrequent'",
}


def make_classifier(
    *, numeric: Sequence[str], categorical: Sequence[str], max_iter: int = 1000
) -> Pipeline:
    """An unfitted pipeline over exactly these columns (a constant predictor when there are none).

    Examples
    --------
    >>> model = make_classifier(numeric=["age"], categorical=["job"])
    >>> [name for name, _ in model.steps]
    ['columntransformer', 'logisticregression']
    """
    numeric, categorical = list(numeric), list(categorical)
    if not numeric and not categorical:
        return make_pipeline(DummyClassifier(strategy="prior"))
    transformers = []
    if numeric:
        transformers.append(
            ("numeric", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric)
        )
    if categorical:
        transformers.append(
            (
                "categorical",
                OneHotEncoder(
                    handle_unknown="infrequent_if_exist",
                    min_frequency=0.001,
                    max_categories=MAX_CATEGORIES,
                ),
                categorical,
            )
        )
    return make_pipeline(
        ColumnTransformer(transformers, remainder="drop"),
        LogisticRegression(solver="newton-cholesky", max_iter=max_iter),
    )
