"""How the COMPAS African-American / Caucasian FPR ratio's interval widens as ε falls.

The exact audit (Katz interval) is the baseline; each ε row is the median over several
independent private releases (fresh OpenDP noise each time) of the released ratio and its
noise-aware 95% interval. Race categories are declared (no budget spent on partition
selection), so the whole ε goes to the counts.

Run: ``/tmp/venv/bin/python benchmarks/dp_interval_width.py [--releases 25]``
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import auditor
from auditor.audit import evaluate_cube
from auditor.privacy import NoisyIntervals, release_cube

DATA = Path(__file__).resolve().parent.parent / "sample_data" / "compas_predictions.csv"
RACES = ["African-American", "Caucasian", "Hispanic", "Other", "Asian", "Native American"]
EPSILONS = (10.0, 1.0, 0.1, 0.01)


def fpr_ratio(breakdown) -> tuple[float | None, tuple[float, float] | None, bool]:
    group = breakdown.group(race="African-American")
    return (
        group.ratio_to_reference["fpr"],
        group.ratio_intervals["fpr"],
        "not_estimable" in group.flags,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=25)
    args = parser.parse_args()
    exact = auditor.audit(
        DATA,
        label="two_year_recid",
        prediction="high_risk",
        protected=["race"],
        reference={"race": "Caucasian"},
        intersections=False,
    )
    ratio, interval, _ = fpr_ratio(exact.breakdown("race"))
    print("FPR ratio African-American / Caucasian, COMPAS (95% intervals)")
    print(
        f"{'ε':>6} {'ratio':>7} {'interval':>17} {'width':>7} {'not estimable':>14} {'s/release':>9}"
    )
    print(
        f"{'exact':>6} {ratio:>7.3f} [{interval[0]:.3f}, {interval[1]:.3f}] "
        f"{interval[1] - interval[0]:>7.3f} {'-':>14} {'':>9}"
    )
    for epsilon in EPSILONS:
        ratios, lows, highs, flagged = [], [], [], 0
        start = time.perf_counter()
        for _ in range(args.releases):
            noisy, _privacy = release_cube(exact.cube, epsilon=epsilon, categories={"race": RACES})
            _, (breakdown,), _ = evaluate_cube(
                noisy,
                reference={"race": "Caucasian"},
                intersections=False,
                intervals=NoisyIntervals(noisy.release, confidence=0.95),
            )
            r, ci, not_estimable = fpr_ratio(breakdown)
            flagged += not_estimable
            if r is not None and ci is not None:
                ratios.append(r)
                lows.append(ci[0])
                highs.append(ci[1])
        seconds = (time.perf_counter() - start) / args.releases
        low, high = statistics.median(lows), statistics.median(highs)
        print(
            f"{epsilon:>6g} {statistics.median(ratios):>7.3f} [{low:.3f}, {high:.3f}] "
            f"{high - low:>7.3f} {f'{flagged}/{args.releases}':>14} {seconds:>9.3f}"
        )


if __name__ == "__main__":
    main()
