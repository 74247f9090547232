"""Derive the ready-to-audit prediction files in sample_data/ from the two real data sets.

Run from the repository root: ``python sample_data/make_samples.py``. Deterministic.

- ``compas_predictions.csv``: ProPublica's COMPAS file with ProPublica's analysis filter
  (|days_b_screening_arrest| <= 30, is_recid != -1, c_charge_degree != 'O',
  score_text != 'N/A': 6,172 rows) and their usual prediction ``high_risk = score_text != 'Low'``.
- ``adult_predictions.csv``: UCI Adult's test split scored by a logistic regression trained on
  the train split (one-hot categoricals, standardised numbers, seed 0), thresholded at 0.5.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

HERE = Path(__file__).resolve().parent

COMPAS_COLUMNS = [
    "id",
    "sex",
    "age",
    "age_cat",
    "race",
    "priors_count",
    "c_charge_degree",
    "decile_score",
    "score_text",
    "two_year_recid",
]


def make_compas() -> None:
    con = duckdb.connect()
    source = str(HERE / "compas-scores-two-years.csv")
    frame = con.execute(
        "SELECT * FROM read_csv(?, header = true) "
        "WHERE days_b_screening_arrest BETWEEN -30 AND 30 AND is_recid <> -1 "
        "AND c_charge_degree <> 'O' AND score_text <> 'N/A' ORDER BY id",
        [source],
    ).df()
    out = frame[COMPAS_COLUMNS].copy()
    out["high_risk"] = (out["score_text"] != "Low").astype(int)
    out.to_csv(HERE / "compas_predictions.csv", index=False)
    print(f"compas_predictions.csv: {len(out)} rows")


def make_adult() -> None:
    data = pd.read_csv(HERE / "adult.csv.gz")
    numeric = ["age", "education-num", "capital-gain", "capital-loss", "hours-per-week"]
    categorical = [
        "workclass",
        "marital-status",
        "occupation",
        "relationship",
        "race",
        "sex",
        "native-country",
    ]
    train, test = data[data["split"] == "train"], data[data["split"] == "test"]
    model = make_pipeline(
        ColumnTransformer(
            [
                ("numbers", StandardScaler(), numeric),
                ("categories", OneHotEncoder(handle_unknown="ignore"), categorical),
            ]
        ),
        LogisticRegression(max_iter=2000, random_state=0),
    )
    model.fit(train[numeric + categorical], train["income"] == ">50K")
    score = model.predict_proba(test[numeric + categorical])[:, 1]
    out = test[["age", "race", "sex", "marital-status", "relationship", "income"]].copy()
    out["age_group"] = pd.cut(
        out["age"], [0, 24, 44, 64, 200], labels=["<25", "25-44", "45-64", "65+"]
    ).astype(str)
    out["score"] = np.round(score, 4)
    out["predicted_income"] = np.where(score >= 0.5, ">50K", "<=50K")
    out.to_csv(HERE / "adult_predictions.csv", index=False)
    print(
        f"adult_predictions.csv: {len(out)} rows; accuracy {(out['predicted_income'] == out['income']).mean():.4f}"
    )


if __name__ == "__main__":
    make_compas()
    make_adult()
