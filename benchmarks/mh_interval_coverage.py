"""Coverage of the UGESP template's 95% Mantel–Haenszel odds-ratio interval (Robins–Breslow–
Greenland), and the size of its continuity-corrected CMH test.

Three strata (job groups) with different base rates, a focal and a comparison group per
stratum of sizes n_focal, n_comparison; the true odds ratio ψ is the same in every stratum
(the model the interval assumes). Repeat: draw the counts, compute
``auditor.templates.stratified_test`` and check whether the interval covers ψ. Draws where the
interval is undefined (a zero Σ a·d/n or Σ b·c/n) count as misses. With ψ = 1 also reports how
often CMH rejects at 5 % (the continuity correction makes it conservative, below 5 %).

Run: ``python benchmarks/mh_interval_coverage.py [--reps 4000] [--seed 1]``
"""

from __future__ import annotations

import argparse

import numpy as np

from auditor.templates import stratified_test

BASE_RATES = (0.1, 0.3, 0.5)  # comparison group's selection rate in each stratum
SIZES = ((10, 20), (30, 60), (100, 200), (1000, 1000))  # (focal, comparison) per stratum
ODDS_RATIOS = (1.0, 0.5)


def _rate(base: float, odds_ratio: float) -> float:
    odds = odds_ratio * base / (1 - base)
    return odds / (1 + odds)


def coverage(n_focal: int, n_comparison: int, psi: float, *, reps: int, rng) -> tuple[float, float]:
    focal_p = [_rate(b, psi) for b in BASE_RATES]
    covered = rejected = 0
    for _ in range(reps):
        a = rng.binomial(n_focal, focal_p)
        c = rng.binomial(n_comparison, BASE_RATES)
        test = stratified_test(
            focal_selected=a,
            focal_total=[n_focal] * 3,
            comparison_selected=c,
            comparison_total=[n_comparison] * 3,
        )
        interval = test.mh_odds_ratio_interval
        covered += interval is not None and interval[0] <= psi <= interval[1]
        rejected += test.cmh_p is not None and test.cmh_p < 0.05
    return covered / reps, rejected / reps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    print(
        "| n focal / comparison per stratum | true ψ | MH interval coverage | CMH rejects at 5 % |"
    )
    print("|---|---|---|---|")
    for n_focal, n_comparison in SIZES:
        for psi in ODDS_RATIOS:
            cover, reject = coverage(n_focal, n_comparison, psi, reps=args.reps, rng=rng)
            print(
                f"| {n_focal} / {n_comparison} | {psi:g} | {cover:.1%} | "
                + (f"{reject:.1%} (size) |" if psi == 1 else f"{reject:.1%} (power) |")
            )


if __name__ == "__main__":
    main()
