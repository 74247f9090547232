"""Validation of BISG audits on data with a known truth (``sample_data/make_bisg.py``).

For each planted impact ratio (Black applicants' approval rate ÷ everyone else's), draw
``REPLICATES`` data sets of ``ROWS`` people, audit each with race estimated by BISG (weighted
and threshold estimators) and with the true race, and report, for the Black ÷ White
selection-rate ratio:

- the planted ratio and the mean ratio by true race (sampling only);
- the mean weighted and threshold estimates;
- coverage of the planted ratio by the weighted estimator's 95 % interval (multiple
  imputation) and by the threshold estimator's 95 % interval (Katz, on assigned people);
- coverage by the true-race audit's interval (a check of the harness: should be ≈ 95 %).

Run: ``python benchmarks/bisg_validation.py [REPLICATES] [ROWS]`` (prints a Markdown table).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "sample_data"))

from make_bisg import make_bisg  # noqa: E402

import auditor  # noqa: E402

PLANTED = (1.0, 0.9, 0.8, 0.7, 0.5)


def _ratio(breakdown, group: str):
    found = breakdown.group(race=group)
    return found.ratio_to_reference["selection_rate"], found.ratio_intervals["selection_rate"]


def _covers(interval, value: float) -> bool:
    return interval is not None and interval[0] <= value <= interval[1]


def run(replicates: int, rows: int) -> list[dict]:
    table = []
    for planted in PLANTED:
        found = {k: [] for k in ("true", "weighted", "threshold")}
        covered = dict.fromkeys(found, 0)
        defined = dict.fromkeys(found, 0)
        for replicate in range(replicates):
            people = make_bisg(rows, seed=1000 + replicate, impact_ratio=planted)
            common = dict(
                label="repaid",
                prediction="approved",
                reference={"race": "White"},
                intersections=False,
                min_group_size=0,
            )
            truth = auditor.audit(
                people.rename(columns={"true_race": "race"}), protected="race", **common
            )
            estimated = auditor.audit(
                people.drop(columns="true_race"),
                bisg="surname=last_name,zip=zip",
                bisg_estimator="both",
                **common,
            )
            comparison = estimated.to_dict()["bisg_comparison"]["breakdowns"]
            threshold = next(b for b in comparison if b["by"] == ["race"])
            black = next(g for g in threshold["groups"] if g["key"]["race"] == "Black")
            values = {
                "true": _ratio(truth.breakdown("race"), "Black"),
                "weighted": _ratio(estimated.breakdown("race"), "Black"),
                "threshold": (
                    black["ratio_to_reference"]["selection_rate"],
                    black["ratio_intervals"]["selection_rate"],
                ),
            }
            for key, (value, interval) in values.items():
                if value is not None:
                    found[key].append(value)
                if interval is not None:
                    defined[key] += 1
                    covered[key] += _covers(interval, planted)
        table.append(
            {
                "planted": planted,
                **{f"mean_{k}": float(np.mean(v)) if v else None for k, v in found.items()},
                **{f"coverage_{k}": covered[k] / max(defined[k], 1) for k in found},
                **{f"defined_{k}": defined[k] for k in found},
            }
        )
        print(table[-1], file=sys.stderr, flush=True)
    return table


def main(argv: list[str]) -> None:
    replicates = int(argv[1]) if len(argv) > 1 else 40
    rows = int(argv[2]) if len(argv) > 2 else 20_000
    started = time.perf_counter()
    table = run(replicates, rows)
    print(
        f"{replicates} replicates of {rows:,} people per planted ratio "
        f"({time.perf_counter() - started:.0f} s)\n"
    )
    print(
        "| planted ratio (Black ÷ White) | true race: mean | weighted: mean | threshold: mean "
        "| weighted 95 % interval covers planted | threshold 95 % interval covers "
        "| true-race interval covers |"
    )
    print("|---|---|---|---|---|---|---|")
    for row in table:
        print(
            f"| {row['planted']:.2f} | {row['mean_true']:.3f} | {row['mean_weighted']:.3f} | "
            f"{row['mean_threshold']:.3f} | {row['coverage_weighted']:.0%} | "
            f"{row['coverage_threshold']:.0%} | {row['coverage_true']:.0%} |"
        )


if __name__ == "__main__":
    main(sys.argv)
