"""A synthetic lender's prediction file in the shape of the German credit data, for the
regulator's path through the dashboard (upload, words, verdict, PDF) and its browser test.

Run ``python sample_data/make_german_credit.py`` to write
``sample_data/german_credit_predictions.csv`` (1,000 rows, seed 14). Same seed, same rows; no
real person.

Columns: ``sex`` (``female``/``male``), ``age`` (whole years, 19–75: a numeric protected
attribute to bin), ``foreign_worker`` (``yes``/``no``), ``credit`` — the true outcome,
``good`` or ``bad`` as in the German credit data — and ``predicted`` — the model's decision in
the same words (``good`` = approved). The model approves women who have good credit less
often than men who have good credit (about 0.70 vs 0.88) and applicants under 25 less often
than older ones, so the four-fifths check and the error-rate comparisons have something to
find.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["make_german_credit"]

ROWS = 1000
SEED = 14


def make_german_credit(rows: int = ROWS, *, seed: int = SEED) -> pd.DataFrame:
    """The sample as a DataFrame (same seed, same rows)."""
    rng = np.random.default_rng(seed)
    sex = np.where(rng.random(rows) < 0.35, "female", "male")
    age = np.clip(np.round(rng.gamma(6.0, 6.0, rows) + 12), 19, 75).astype(int)
    foreign = np.where(rng.random(rows) < 0.08, "yes", "no")
    good = rng.random(rows) < 0.70
    approve_good = np.where(sex == "female", 0.70, 0.88) - np.where(age < 25, 0.15, 0.0)
    approve_bad = np.where(sex == "female", 0.25, 0.35)
    approved = rng.random(rows) < np.where(good, approve_good, approve_bad)
    return pd.DataFrame(
        {
            "sex": sex,
            "age": age,
            "foreign_worker": foreign,
            "credit": np.where(good, "good", "bad"),
            "predicted": np.where(approved, "good", "bad"),
        }
    )


if __name__ == "__main__":
    target = Path(__file__).resolve().parent / "german_credit_predictions.csv"
    make_german_credit().to_csv(target, index=False)
    print(f"wrote {target}")
