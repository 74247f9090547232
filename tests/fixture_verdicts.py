"""The hand-computed fixture of issue #11: verdicts a regulator can file.

Four groups of ``grp`` (counts tp/fp/tn/fn), minimum group size 30:

====  ===  ========  ==============  =========  =========
grp    n   selected  selection rate  TPR        FPR
====  ===  ========  ==============  =========  =========
A     100  50        0.50            30/40      20/60
B      40  30        0.75 (highest)  18/20      12/20
C      60  33        0.55            21/30      12/30
D       5   5        1.00 (tiny)     5/5        undefined
====  ===  ========  ==============  =========  =========

- The largest group (A) is not the most selected (B). Impact ratios divide by B's 0.75:
  A 0.5/0.75 = 0.6667, C 0.55/0.75 = 0.7333 → the four-fifths rule FAILS (worst A). Against
  the largest group (the display reference) every ratio is ≥ 1 — the old, wrong PASS.
- D (n = 5, everyone selected) has too little data: it is not the comparison group, and the
  verdicts leave it out and list it.
- Equalized-odds difference over A, B, C: max(0.9 − 0.7, 0.6 − 1/3) = 0.2667 ≤ 0.28 → PASS;
  with D (TPR 1.0) it would be 0.30, a FAIL decided by 5 people.
- FPR ratio ≥ 0.5 including the small groups: A 0.556, C 0.667 pass, D's FPR is undefined
  (no actual negatives) → NOT EVALUABLE.
- Shortfalls to four-fifths (0.8 × 0.75 = 0.6): A 60 − 50 = 10, C 36 − 33 = 3; to parity
  A 25, C 12. Pooled z of A vs B: p̂ = 80/140, se = √(p̂(1−p̂)(1/100 + 1/40)), z = −2.7003.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

CELLS = {  # grp: (tp, fp, tn, fn)
    "A": (30, 20, 40, 10),
    "B": (18, 12, 8, 2),
    "C": (21, 12, 18, 9),
    "D": (5, 0, 0, 0),
}
MIN_GROUP_SIZE = 30

POLICY_TEXT = """
name = "Issue 11 fixture"

[[checks]]
metric = "selection_rate"
rule = "ratio_at_least"
bound = 0.8

[[checks]]
metric = "equalized_odds_difference"
rule = "at_most"
bound = 0.28

[[checks]]
metric = "fpr"
rule = "ratio_at_least"
bound = 0.5
include_small_groups = true
"""

IMPACT_RATIOS = {"A": 0.5 / 0.75, "B": 1.0, "C": 0.55 / 0.75, "D": 1.0 / 0.75}
SHORTFALL_FOUR_FIFTHS = {"A": 10, "B": 0, "C": 3}
SHORTFALL_PARITY = {"A": 25, "B": 0, "C": 12}
_POOLED = 80 / 140
Z_A_VS_B = (0.5 - 0.75) / math.sqrt(_POOLED * (1 - _POOLED) * (1 / 100 + 1 / 40))
EOD_ENOUGH_DATA = max(0.9 - 0.7, 0.6 - 20 / 60)
OUTCOMES = ["fail", "pass", "not_evaluable"]


def frame(*, with_label: bool = True) -> pd.DataFrame:
    rows = []
    for group, (tp, fp, tn, fn) in CELLS.items():
        for y, p, count in ((1, 1, tp), (0, 1, fp), (0, 0, tn), (1, 0, fn)):
            rows += [{"grp": group, "outcome": y, "decision": p}] * count
    data = pd.DataFrame(rows)
    return data if with_label else data.drop(columns="outcome")


def write(directory: Path, *, with_label: bool = True) -> tuple[Path, Path]:
    """The fixture as a CSV file and its policy TOML, in ``directory``."""
    csv = directory / ("fixture.csv" if with_label else "fixture_no_label.csv")
    frame(with_label=with_label).to_csv(csv, index=False)
    policy = directory / "fixture_policy.toml"
    policy.write_text(POLICY_TEXT, encoding="utf-8")
    return csv, policy
