"""Coverage of the audit's 95% ratio interval (Katz, continuity-corrected on zero cells).

For each group size n and rate p of the grid, repeat: draw a group's and a comparison
group's counts x1 ~ Bin(n, p1), x2 ~ Bin(n, p2) (zero cells included — they are frequent
when n·p ≤ 2), compute ``auditor.metrics.katz_ratio_interval`` and check whether it covers
the true ratio p1/p2. Two settings: equal rates (true ratio 1) and the first group at half
the rate (true ratio 0.5). A draw with no interval counts as not covering. Good intervals
cover 93–97 %. Also prints how often a zero cell occurred, and the coverage of the plain
Katz interval (no correction) for comparison, counting its missing intervals as misses.

Run: ``python benchmarks/katz_zero_cell_coverage.py [--reps 20000] [--seed 1]``
(the table in docs/statistics.md is this script's output with the defaults).
"""

from __future__ import annotations

import argparse
import math

import numpy as np

from auditor.metrics import _z_value, katz_ratio_interval

GRID_N = (10, 30, 100, 1000)
GRID_P = (0.02, 0.1, 0.5)
SETTINGS = (("ratio 1", 1.0), ("ratio 0.5", 0.5))


def _plain_katz(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float] | None:
    """The uncorrected Katz interval (what the audit gave before), for comparison."""
    if min(x1, x2) <= 0:
        return None
    z = _z_value(0.95)
    log_ratio = math.log((x1 / n1) / (x2 / n2))
    se = math.sqrt(max(1 / x1 - 1 / n1 + 1 / x2 - 1 / n2, 0.0))
    return (math.exp(log_ratio - z * se), math.exp(log_ratio + z * se))


def coverage(n: int, p1: float, p2: float, *, reps: int, rng: np.random.Generator) -> dict:
    truth = p1 / p2
    x1 = rng.binomial(n, p1, size=reps)
    x2 = rng.binomial(n, p2, size=reps)
    covered = plain_covered = zero = 0
    for a, b in zip(x1.tolist(), x2.tolist(), strict=True):
        zero += a == 0 or b == 0
        interval = katz_ratio_interval(a, n, b, n)
        covered += interval is not None and interval[0] <= truth <= interval[1]
        plain = _plain_katz(a, n, b, n)
        plain_covered += plain is not None and plain[0] <= truth <= plain[1]
    return {
        "coverage": covered / reps,
        "plain": plain_covered / reps,
        "zero_share": zero / reps,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    print(f"nominal 95%, {args.reps} draws per cell, seed {args.seed}")
    print("| setting | n | p (comparison) | p (group) | zero cell | coverage | plain Katz |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, ratio in SETTINGS:
        for n in GRID_N:
            for p in GRID_P:
                p1 = p * ratio
                result = coverage(n, p1, p, reps=args.reps, rng=rng)
                flag = "" if 0.93 <= result["coverage"] <= 0.97 else " ⚠"
                print(
                    f"| {name} | {n} | {p:g} | {p1:g} | {100 * result['zero_share']:.1f}% "
                    f"| {100 * result['coverage']:.1f}%{flag} | {100 * result['plain']:.1f}% |"
                )


if __name__ == "__main__":
    main()
