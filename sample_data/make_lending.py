"""Synthetic lending data where hiding race makes a model's decisions *less* fair.

Run ``python sample_data/make_lending.py`` to write ``sample_data/lending.csv`` (10,000 rows,
seed 0); import :func:`make_lending` to generate any size in memory. Same seed, same rows.

How the data is made (every applicant independently):

- ``race`` is ``A`` (70%) or ``B`` (30%).
- ``neighbourhood`` (``N01``–``N20``) is a strong proxy for race: 80% of B applicants live in
  N01–N06 and 85% of A applicants in N07–N20 (the rest anywhere, uniformly).
- A hidden repayment ability ``z ~ Normal(0, 1)`` has the **same distribution in both
  groups**, and ``repaid = 1`` when ``z + Normal(0, 0.6) > -0.35`` — so both groups repay at
  the same rate (about 0.62).
- ``income`` (thousands), ``debt_to_income`` and ``years_employed`` relate to ``z`` in the
  same way for everyone, and weakly.
- ``credit_score``, the strongest predictor, relates to ``z`` **differently by group**: it is
  650 + 60·z + noise for A but ``CREDIT_SCORE_GAP`` = 110 points lower for B at the same
  ability (think of thin credit files: fewer scored accounts, lower scores, same repayment).

What follows (and what ``tests/test_baselines_lending.py`` shows by running the study):
a model that sees ``race`` learns that a B applicant's score understates their ability and
corrects for it, so both groups are approved at about the same rate (demographic-parity
ratio ≈ 0.99). Without ``race`` it cannot tell why a score is low: it partly recovers race
through ``neighbourhood`` and mis-scores the rest, approving B applicants less often — the
disparity gets *worse* (ratio ≈ 0.80, selection-rate gap ≈ 13 points), and so does the
equalized-odds gap. Dropping the proxies too (``neighbourhood`` and, because B's scores are
lower, ``credit_score`` itself) removes the gap only by discarding the best predictor:
accuracy falls by about 8 points. A demographic-parity constraint on the outputs keeps the
gap closed at the unaware model's accuracy.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["CREDIT_SCORE_GAP", "GROUP_B_SHARE", "make_lending"]

GROUP_B_SHARE = 0.3
CREDIT_SCORE_GAP = 110.0
"""Points by which group B's credit score understates the same repayment ability."""
NEIGHBOURHOODS = tuple(f"N{i:02d}" for i in range(1, 21))
B_NEIGHBOURHOODS = NEIGHBOURHOODS[:6]
A_NEIGHBOURHOODS = NEIGHBOURHOODS[6:]


def _neighbourhood(is_b: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    n = len(is_b)
    anywhere = rng.choice(NEIGHBOURHOODS, size=n)
    own_b = rng.choice(B_NEIGHBOURHOODS, size=n)
    own_a = rng.choice(A_NEIGHBOURHOODS, size=n)
    stays = rng.random(n)
    return np.where(
        is_b,
        np.where(stays < 0.80, own_b, anywhere),
        np.where(stays < 0.85, own_a, anywhere),
    )


def make_lending(n: int = 10_000, *, seed: int = 0) -> pd.DataFrame:
    """``n`` synthetic loan applicants (see the module docstring); deterministic for a seed.

    Examples
    --------
    >>> frame = make_lending(1_000, seed=1)
    >>> list(frame.columns)
    ['race', 'neighbourhood', 'credit_score', 'income', 'debt_to_income', 'years_employed', 'repaid']
    >>> sorted(frame["race"].unique())
    ['A', 'B']
    """
    if n < 1:
        raise ValueError(f"n must be a positive number of applicants, not {n}")
    rng = np.random.default_rng(seed)
    is_b = rng.random(n) < GROUP_B_SHARE
    ability = rng.normal(0.0, 1.0, n)
    repaid = (ability + rng.normal(0.0, 0.6, n) > -0.35).astype(int)
    credit = 650 + 60 * ability - CREDIT_SCORE_GAP * is_b + rng.normal(0.0, 30.0, n)
    income = np.maximum(8.0, 48 + 8 * ability + rng.normal(0.0, 14.0, n))
    debt = np.clip(0.36 - 0.05 * ability + rng.normal(0.0, 0.08, n), 0.0, 1.5)
    years = np.maximum(0, np.round(6 + 1.5 * ability + rng.normal(0.0, 3.0, n))).astype(int)
    return pd.DataFrame(
        {
            "race": np.where(is_b, "B", "A"),
            "neighbourhood": _neighbourhood(is_b, rng),
            "credit_score": np.clip(np.round(credit), 300, 850).astype(int),
            "income": np.round(income, 1),
            "debt_to_income": np.round(debt, 3),
            "years_employed": years,
            "repaid": repaid,
        }
    )


if __name__ == "__main__":
    out = Path(__file__).resolve().parent / "lending.csv"
    frame = make_lending()
    frame.to_csv(out, index=False)
    rates = frame.groupby("race")["repaid"].mean().round(3).to_dict()
    print(f"{out.name}: {len(frame)} rows; repayment rate by race {rates}")
