"""Coverage of the DP audit's noise-aware 95% intervals, measured by simulation.

For a large and a small group (and for pure-ε discrete Laplace and the discrete Gaussian),
repeat: draw a group's true confusion counts from a known population (sampling error), add
the mechanism's noise through OpenDP (summed over ``k`` finest cells, as for a marginal),
compute the interval for the FPR and the selection rate, and check whether it covers the
population value. Prints one line per setting; good intervals cover 93–97%.

Run: ``python benchmarks/dp_interval_coverage.py [--reps 2000]``
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np

from auditor.metrics import ConfusionCounts
from auditor.privacy.domain import GroupDomain
from auditor.privacy.intervals import NoisyIntervals
from auditor.privacy.mechanisms import noise_spec, opendp_noise
from auditor.privacy.release import Release

# population cell probabilities (tp, fp, tn, fn): base rate 0.45, FPR 0.30, selection 0.465
PROBABILITIES = np.array([0.30, 0.165, 0.385, 0.15])
TRUE_FPR = PROBABILITIES[1] / (PROBABILITIES[1] + PROBABILITIES[2])
TRUE_SELECTION = PROBABILITIES[0] + PROBABILITIES[1]


@dataclass(frozen=True)
class Coverage:
    label: str
    n: int
    mechanism: str
    epsilon: float
    k: int
    fpr: float
    selection_rate: float
    mean_fpr_width: float
    seconds: float
    shown_fpr: float = 1.0
    shown_selection: float = 1.0


def simulate(
    *,
    n: int,
    epsilon: float,
    mechanism: str = "laplace",
    k: int = 1,
    reps: int = 1000,
    seed: int = 0,
    label: str = "",
) -> Coverage:
    """Coverage of 95% intervals over ``reps`` simulated releases of one group."""
    spec = noise_spec(mechanism, epsilon=epsilon, delta=1e-6 if mechanism == "gaussian" else None)
    release = Release(
        spec=spec,
        domain=GroupDomain(levels={}, source="declared"),
        epsilon=epsilon,
        delta=spec.delta,
        private=True,
    )
    rng = np.random.default_rng(seed)
    true = rng.multinomial(n, PROBABILITIES, size=reps)
    noise = opendp_noise(spec, np.zeros(reps * 4 * k, dtype=np.int64)).reshape(reps, 4, k).sum(-1)
    released = true + noise
    covered_fpr = covered_sel = shown_fpr = shown_sel = 0
    widths = []
    start = time.perf_counter()
    groups = [ConfusionCounts(*map(float, row)) for row in released]
    estimator = NoisyIntervals(release, confidence=0.95, multiplicity=k)
    estimator.prepare(groups)  # every release at once, as the groups of one breakdown
    for counts in groups:
        intervals = estimator.rate_intervals(counts)
        fpr, sel = intervals["fpr"], intervals["selection_rate"]
        if fpr is not None:
            shown_fpr += 1
            covered_fpr += fpr[0] <= TRUE_FPR <= fpr[1]
            widths.append(fpr[1] - fpr[0])
        if sel is not None:
            shown_sel += 1
            covered_sel += sel[0] <= TRUE_SELECTION <= sel[1]
    elapsed = time.perf_counter() - start
    return Coverage(
        label,
        n,
        mechanism,
        epsilon,
        k,
        covered_fpr / max(shown_fpr, 1),
        covered_sel / max(shown_sel, 1),
        float(np.mean(widths)) if widths else float("nan"),
        elapsed,
        shown_fpr / reps,
        shown_sel / reps,
    )


@dataclass(frozen=True)
class ComparisonCoverage:
    label: str
    epsilon: float
    ratio: float
    difference: float
    shown: float
    mean_ratio_width: float


def simulate_comparison(
    *,
    n: int,
    reference_n: int,
    rate: float,
    reference_rate: float,
    epsilon: float,
    reps: int,
    seed: int,
    label: str,
) -> ComparisonCoverage:
    """Coverage of the selection-rate ratio and difference of a group to a reference group."""
    spec = noise_spec("laplace", epsilon=epsilon, delta=None)
    release = Release(
        spec=spec,
        domain=GroupDomain(levels={}, source="declared"),
        epsilon=epsilon,
        delta=0.0,
        private=True,
    )
    rng = np.random.default_rng(seed)

    def released(size: int, selection: float) -> list[ConfusionCounts]:
        # (tp, fp, tn, fn): 60 % of the selected and 40 % of the others are positives
        cells = np.array([0.6, 0.4, 0.4, 0.6]) * [
            selection,
            selection,
            1 - selection,
            1 - selection,
        ]
        true = rng.multinomial(size, cells, size=reps)
        noise = opendp_noise(spec, np.zeros(reps * 4, dtype=np.int64)).reshape(reps, 4)
        return [ConfusionCounts(*map(float, row)) for row in true + noise]

    groups, references = released(n, rate), released(reference_n, reference_rate)
    estimator = NoisyIntervals(release, confidence=0.95)
    estimator.prepare(groups + references)
    ratio_hits = difference_hits = shown = 0
    widths = []
    for counts, reference in zip(groups, references, strict=True):
        ratios, differences = estimator.comparison_intervals(counts, reference)
        ratio, difference = ratios["selection_rate"], differences["selection_rate"]
        if ratio is None or difference is None:
            continue
        shown += 1
        ratio_hits += ratio[0] <= rate / reference_rate <= ratio[1]
        difference_hits += difference[0] <= rate - reference_rate <= difference[1]
        widths.append(ratio[1] - ratio[0])
    return ComparisonCoverage(
        label,
        epsilon,
        ratio_hits / max(shown, 1),
        difference_hits / max(shown, 1),
        shown / reps,
        float(np.mean(widths)) if widths else float("nan"),
    )


SETTINGS = [
    ("large group", 3000, "laplace", 1.0, 1),
    ("large group, marginal of 6 cells", 3000, "laplace", 1.0, 6),
    ("small group", 40, "laplace", 1.0, 1),
    ("small group, ε=0.1", 40, "laplace", 0.1, 1),
    ("mid group, ε=0.1", 300, "laplace", 0.1, 1),
    ("large group, gaussian", 3000, "gaussian", 1.0, 1),
    ("small group, gaussian", 40, "gaussian", 1.0, 1),
]

COMPARISONS = [
    # label, n, reference n, selection rate, reference selection rate, ε
    ("300 vs 3000, 0.10 vs 0.30", 300, 3000, 0.10, 0.30, 1.0),
    ("300 vs 3000, 0.10 vs 0.30", 300, 3000, 0.10, 0.30, 0.1),
    ("100 vs 1000, 0.02 vs 0.10", 100, 1000, 0.02, 0.10, 0.5),
    ("1000 vs 1000, equal 0.30", 1000, 1000, 0.30, 0.30, 0.1),
    ("5000 vs 5000, 0.45 vs 0.50", 5000, 5000, 0.45, 0.50, 4.0),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2000)
    args = parser.parse_args()
    print(
        f"95% interval coverage over {args.reps} simulated releases "
        f"(population FPR {TRUE_FPR:.3f}, selection rate {TRUE_SELECTION:.3f}); coverage "
        "among the releases where the rate is shown, (shown %)"
    )
    print(
        "| setting | n | mechanism | ε | k | FPR coverage (shown) | selection-rate coverage "
        "(shown) | mean FPR width |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for index, (label, n, mechanism, epsilon, k) in enumerate(SETTINGS):
        c = simulate(
            n=n, epsilon=epsilon, mechanism=mechanism, k=k, reps=args.reps, seed=index, label=label
        )
        print(
            f"| {c.label} | {c.n} | {c.mechanism} | {c.epsilon:g} | {c.k} | "
            f"{c.fpr:.3f} ({100 * c.shown_fpr:.0f}%) | "
            f"{c.selection_rate:.3f} ({100 * c.shown_selection:.0f}%) | {c.mean_fpr_width:.3f} |"
        )
    print()
    print("Selection-rate ratio and difference to a reference group (discrete Laplace):")
    print("| groups | ε | ratio coverage | difference coverage | shown | mean ratio width |")
    print("|---|---|---|---|---|---|")
    for index, (label, n, ref_n, rate, ref_rate, epsilon) in enumerate(COMPARISONS):
        c = simulate_comparison(
            n=n,
            reference_n=ref_n,
            rate=rate,
            reference_rate=ref_rate,
            epsilon=epsilon,
            reps=args.reps,
            seed=100 + index,
            label=label,
        )
        print(
            f"| {c.label} | {c.epsilon:g} | {c.ratio:.3f} | {c.difference:.3f} | "
            f"{100 * c.shown:.0f}% | {c.mean_ratio_width:.3f} |"
        )


if __name__ == "__main__":
    main()
