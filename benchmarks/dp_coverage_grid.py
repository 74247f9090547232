"""Coverage of the DP audit's 95% rate intervals on the documented grid (issue #16).

Grid: ε ∈ {0.1, 0.5, 1, 4} (discrete Laplace, declared groups), group sizes 30–5,000, true
rates including 0 and 1. Each cell of the grid repeats: draw a group's confusion counts from a
population with the given selection rate and true-positive rate (sampling error), add OpenDP
noise to each of the four cells, compute the intervals, and check whether the interval covers
the population value. Coverage is counted over the releases whose interval is shown — a
release whose metric is "not estimable at this ε" shows no interval — and the share shown is
printed next to it. Target: 93–97% for a nominal 95%, never below 90%.

Prints a Markdown table (the one in docs/privacy.md). Run:
``python benchmarks/dp_coverage_grid.py [--reps 400]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from auditor.metrics import ConfusionCounts
from auditor.privacy.domain import GroupDomain
from auditor.privacy.intervals import NoisyIntervals, not_estimable_metrics
from auditor.privacy.mechanisms import noise_spec, opendp_noise
from auditor.privacy.record import Release

EPSILONS = (0.1, 0.5, 1.0, 4.0)
SIZES = (30, 100, 300, 1000, 5000)
RATES = (0.0, 0.05, 0.3, 0.7, 1.0)
METRICS = ("selection_rate", "tpr")


def _probabilities(rate: float) -> np.ndarray:
    """(tp, fp, tn, fn) with selection rate = TPR = FPR = ``rate`` and base rate ½."""
    return np.array([rate / 2, rate / 2, (1 - rate) / 2, (1 - rate) / 2])


def simulate(*, epsilon: float, n: int, rate: float, reps: int, seed: int) -> dict[str, tuple]:
    spec = noise_spec("laplace", epsilon=epsilon, delta=None)
    release = Release(
        spec=spec,
        domain=GroupDomain(levels={}, source="declared"),
        epsilon=epsilon,
        delta=0.0,
        private=True,
    )
    rng = np.random.default_rng(seed)
    true = rng.multinomial(n, _probabilities(rate), size=reps)
    released = true + opendp_noise(spec, np.zeros(reps * 4, dtype=np.int64)).reshape(reps, 4)
    shown = dict.fromkeys(METRICS, 0)
    covered = dict.fromkeys(METRICS, 0)
    groups = [ConfusionCounts(*map(float, row)) for row in released]
    estimator = NoisyIntervals(release, confidence=0.95)
    estimator.prepare(groups)  # all releases at once, as the groups of one breakdown
    for counts in groups:
        intervals = estimator.rate_intervals(counts)
        metrics = {m: 0.0 for m in intervals}  # only the interval decides estimability
        hidden = set(not_estimable_metrics(metrics, intervals))
        for metric in METRICS:
            if metric in hidden:
                continue
            low, high = intervals[metric]
            shown[metric] += 1
            covered[metric] += low <= rate <= high
    return {m: (covered[m] / shown[m] if shown[m] else None, shown[m] / reps) for m in METRICS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=400)
    parser.add_argument(
        "--sizes", default=",".join(map(str, SIZES)), help="group sizes (comma-separated)"
    )
    parser.add_argument("--epsilons", default=",".join(f"{e:g}" for e in EPSILONS), help="ε values")
    args = parser.parse_args()
    sizes = [int(v) for v in args.sizes.split(",")]
    epsilons = [float(v) for v in args.epsilons.split(",")]
    start = time.perf_counter()
    print(
        f"Coverage of 95% intervals over {args.reps} simulated releases per cell "
        "(discrete Laplace, declared groups). Each cell: selection-rate coverage / TPR "
        "coverage in %, among releases where the rate is shown; (shown %: selection rate / "
        "TPR) = share of releases where it is shown; n/e = never shown."
    )
    print()
    print("| ε | n | " + " | ".join(f"rate {r:g}" for r in RATES) + " |")
    print("|---|---|" + "---|" * len(RATES))
    worst = {0.2: 1.0, 0.0: 1.0}
    rare = []
    for e_index, epsilon in enumerate(epsilons):
        for n_index, n in enumerate(sizes):
            cells = []
            for r_index, rate in enumerate(RATES):
                seed = 1000 * e_index + 100 * n_index + r_index
                result = simulate(epsilon=epsilon, n=n, rate=rate, reps=args.reps, seed=seed)
                parts, shares = [], []
                for metric in METRICS:
                    coverage, share = result[metric]
                    shares.append(f"{100 * share:.0f}")
                    if coverage is None:
                        parts.append("n/e")
                        continue
                    for least in worst:
                        if share >= least and share * args.reps >= 10:
                            worst[least] = min(worst[least], coverage)
                    if 0 < share < 0.2:
                        rare.append(
                            f"ε={epsilon:g} n={n} rate {rate:g} {metric}: "
                            f"{100 * coverage:.0f}% of {round(share * args.reps)} shown"
                        )
                    parts.append(f"{100 * coverage:.0f}")
                cells.append(" / ".join(parts) + f" ({' / '.join(shares)}%)")
            print(f"| {epsilon:g} | {n} | " + " | ".join(cells) + " |")
    print()
    print(
        f"lowest coverage where a rate is shown in at least 20% of releases: "
        f"{100 * worst[0.2]:.1f}%; where shown at least 10 times: {100 * worst[0.0]:.1f}%"
    )
    if rare:
        print("shown in fewer than 20% of releases: " + "; ".join(rare))
    print(f"({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
