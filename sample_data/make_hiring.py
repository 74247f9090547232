"""A synthetic hiring file for the regulatory templates (NYC LL144, EEOC/OFCCP battery).

Run ``python sample_data/make_hiring.py`` to write ``sample_data/hiring.csv`` (2,400 rows,
seed 15); import :func:`make_hiring` to generate any size in memory. Same seed, same rows.
Every person is made up.

Columns:

- ``job_group`` — the stratum: ``Engineering`` (40 %), ``Sales`` (35 %), ``Warehouse`` (25 %).
  Women are a minority of Engineering applicants and a majority in Sales.
- ``sex`` — ``Female`` / ``Male``, and ``Unknown`` for 3 % who did not disclose it.
- ``race_ethnicity`` — the EEO-1 categories, with ``Unknown`` for 4 % who did not disclose
  it. ``Native Hawaiian or Other Pacific Islander`` is about 1 % of applicants and
  ``American Indian or Alaska Native`` about 1.5 %: both under LL144's 2 % exclusion bar.
- ``score`` — the tool's score (0–100): a job-group level, plus a penalty of 4 points for
  women and 5 points for Black or African American and Hispanic or Latino applicants (the
  disparity the audit should find), plus noise.
- ``selected`` — 1 when the score reaches the job group's cut-off (the tool's decision), so
  the job groups select at different rates (Engineering is the most selective).
- ``hired`` — whether the person was eventually hired (1/0), for audits that want a label.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["RACE_ETHNICITY", "make_hiring"]

RACE_ETHNICITY: dict[str, float] = {
    "White": 0.46,
    "Hispanic or Latino": 0.18,
    "Black or African American": 0.15,
    "Asian": 0.125,
    "Two or More Races": 0.035,
    "American Indian or Alaska Native": 0.012,
    "Native Hawaiian or Other Pacific Islander": 0.01,
    "Unknown": 0.028,
}
_JOB_GROUPS = {
    # name: (share of applicants, share of women, score level, cut-off)
    "Engineering": (0.40, 0.30, 60.0, 70.0),
    "Sales": (0.35, 0.60, 62.0, 64.0),
    "Warehouse": (0.25, 0.35, 58.0, 60.0),
}
_PENALTY = {"Black or African American": 5.0, "Hispanic or Latino": 5.0}
_FEMALE_PENALTY = 4.0


def make_hiring(rows: int = 2_400, *, seed: int = 15) -> pd.DataFrame:
    """The synthetic hiring sample (see the module docstring for how it is made)."""
    rng = np.random.default_rng(seed)
    names = list(_JOB_GROUPS)
    job = rng.choice(names, size=rows, p=[_JOB_GROUPS[n][0] for n in names])
    female_share = np.array([_JOB_GROUPS[j][1] for j in job])
    sex = np.where(rng.random(rows) < female_share, "Female", "Male").astype(object)
    sex[rng.random(rows) < 0.03] = "Unknown"
    race = rng.choice(list(RACE_ETHNICITY), size=rows, p=list(RACE_ETHNICITY.values()))
    level = np.array([_JOB_GROUPS[j][2] for j in job])
    cutoff = np.array([_JOB_GROUPS[j][3] for j in job])
    penalty = np.array([_PENALTY.get(r, 0.0) for r in race]) + np.where(
        sex == "Female", _FEMALE_PENALTY, 0.0
    )
    score = np.clip(level - penalty + rng.normal(0, 10, size=rows), 0, 100).round(1)
    selected = (score >= cutoff).astype(int)
    hired = (selected == 1) & (rng.random(rows) < 0.45)
    return pd.DataFrame(
        {
            "job_group": job,
            "sex": sex,
            "race_ethnicity": race,
            "score": score,
            "selected": selected,
            "hired": hired.astype(int),
        }
    )


if __name__ == "__main__":
    out = Path(__file__).with_name("hiring.csv")
    make_hiring().to_csv(out, index=False)
    print(f"wrote {out}")
