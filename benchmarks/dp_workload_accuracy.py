"""Accuracy per ε: the measured workload + least squares against the finest table alone (#16).

On the benchmark's 4-attribute file (``benchmarks/generate.py``: race 6 × sex 2 × age band 5 ×
region 50 = 3,000 groups in the finest table; 63 single-attribute groups and 702 pairs, 765
groups published), at ε = 1 with every attribute's values declared:

1. **Noise alone** (closed form, no simulation): the standard deviation of the noise on one
   confusion cell of a group of each breakdown, ``--dp-workload finest`` (the sum of the
   finest cells' noise) against ``marginals`` (the least-squares estimate from all
   measurements); their ratio is how many times narrower the noise part of every interval is.
2. **Intervals by simulation**: the generated file's cell shares are the population; each
   replicate draws a file of ``--sample`` rows from it (sampling error), releases it both ways
   through OpenDP, and computes the 95 % intervals of every single-attribute group's selection
   rate and TPR. Widths are compared over the (group, release) pairs shown by both (mean
   widths, the ratio of the means, and the median of the per-group ratios); coverage of the
   population rates is counted over the intervals shown (an interval that is "not estimable
   at this ε" is not shown).

Run: ``python benchmarks/dp_workload_accuracy.py --rows 1e6 --sample 1e6,1e5 --reps 100``
(prints the Markdown tables of docs/privacy.md; about 10 minutes on an idle 2-core machine).
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import pandas as pd

import auditor
from auditor.cube import CountCube
from auditor.metrics import ConfusionCounts, rate_parts
from auditor.privacy import NoisyIntervals, release_cube
from auditor.privacy.intervals import NOT_ESTIMABLE_WIDTH
from auditor.privacy.mechanisms import noise_spec
from auditor.privacy.workload import plan_measurements

try:  # run as a script from the repository root or as a module
    from benchmarks.generate import PROTECTED, generate, parse_rows
except ImportError:  # pragma: no cover
    from generate import PROTECTED, generate, parse_rows

METRICS = ("selection_rate", "tpr")
WORKLOADS = ("finest", "marginals")


def _population(rows: int) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    path = generate(rows, "parquet")
    exact = auditor.audit(
        path, label="label", prediction="prediction", protected=list(PROTECTED)
    ).cube
    cells = exact.cells.groupby([*PROTECTED, "y", "yhat"], as_index=False, observed=True)["n"].sum()
    categories = {name: sorted(cells[name].astype(str).unique()) for name in PROTECTED}
    return cells, categories


def noise_table(categories: dict[str, list[str]], *, epsilon: float, mechanism: str, delta):
    """Rows of (breakdown, sd finest, sd marginals, ratio) from the closed-form variances."""
    sizes = [len(categories[name]) for name in PROTECTED]
    spec = noise_spec(mechanism, epsilon=epsilon, delta=delta)
    finest = plan_measurements(PROTECTED, sizes, workload="finest", spec=spec)
    marginals = plan_measurements(PROTECTED, sizes, workload="marginals", spec=spec)
    rows = []
    breakdowns = [(a,) for a in PROTECTED] + [
        (a, b) for i, a in enumerate(PROTECTED) for b in PROTECTED[i + 1 :]
    ]
    for by in breakdowns:
        before = math.sqrt(finest.variance(by))
        after = math.sqrt(marginals.variance(by))
        rows.append((" × ".join(by), before, after, before / after))
    return rows, marginals


def _rate(probabilities: np.ndarray, metric: str) -> float:
    tp, fp, tn, fn = probabilities
    numerator, denominator = rate_parts(ConfusionCounts(tp=tp, fp=fp, tn=tn, fn=fn), metric)
    return numerator / denominator if denominator > 0 else float("nan")


def simulate(
    cells: pd.DataFrame,
    categories: dict[str, list[str]],
    *,
    sample: int,
    reps: int,
    epsilon: float,
    seed: int,
) -> dict:
    rng = np.random.default_rng(seed)
    shares = cells["n"].to_numpy(dtype=float)
    shares /= shares.sum()
    truth: dict[tuple[str, str], dict[str, float]] = {}
    for name in PROTECTED:
        for value, part in cells.groupby(name, observed=True):
            confusion = np.zeros(4)
            for (y, yhat), n in part.groupby(["y", "yhat"])["n"].sum().items():
                confusion[{(1, 1): 0, (0, 1): 1, (0, 0): 2, (1, 0): 3}[(y, yhat)]] = n
            truth[(name, str(value))] = {m: _rate(confusion, m) for m in METRICS}
    stats = {
        (name, m): {
            "pairs": [],
            "covered": dict.fromkeys(WORKLOADS, 0),
            "shown": dict.fromkeys(WORKLOADS, 0),
            "total": 0,
        }
        for name in PROTECTED
        for m in METRICS
    }
    for _ in range(reps):
        drawn = cells.assign(n=rng.multinomial(sample, shares))
        cube = CountCube(
            attributes=PROTECTED, cells=drawn, rows=sample, rows_excluded=0, exclusions={}
        )
        found: dict[tuple, dict[str, tuple | None]] = {}
        for workload in WORKLOADS:
            noisy, _ = release_cube(cube, epsilon=epsilon, categories=categories, workload=workload)
            estimator = NoisyIntervals(noisy.release, confidence=0.95)
            for name in PROTECTED:
                groups = estimator.for_breakdown((name,))
                for row in noisy.counts((name,)).itertuples(index=False):
                    counts = ConfusionCounts(tp=row.tp, fp=row.fp, tn=row.tn, fn=row.fn)
                    intervals = groups.rate_intervals(counts)
                    for metric in METRICS:
                        interval = intervals.get(metric)
                        shown = not (
                            interval is None or interval[1] - interval[0] > NOT_ESTIMABLE_WIDTH
                        )
                        key = (name, str(getattr(row, name)), metric)
                        found.setdefault(key, {})[workload] = interval if shown else None
        for (name, value, metric), both in found.items():
            cell = stats[(name, metric)]
            cell["total"] += 1
            true = truth[(name, value)][metric]
            for workload, interval in both.items():
                if interval is not None:
                    cell["shown"][workload] += 1
                    cell["covered"][workload] += interval[0] <= true <= interval[1]
            if all(both.get(w) is not None for w in WORKLOADS):
                cell["pairs"].append(tuple(both[w][1] - both[w][0] for w in WORKLOADS))
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1e6", help="rows of the generated population file")
    parser.add_argument("--sample", default="1e6,1e5", help="rows drawn per simulated file")
    parser.add_argument("--reps", type=int, default=100)
    parser.add_argument("--epsilon", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    started = time.perf_counter()
    cells, categories = _population(parse_rows(args.rows)[0])
    print(
        f"population: benchmarks/generate.py, {parse_rows(args.rows)[0]:,} rows; ε = "
        f"{args.epsilon:g}, every attribute's values declared (no selection cost)"
    )
    for mechanism, delta in (("laplace", None), ("gaussian", 1e-6)):
        rows, plan = noise_table(categories, epsilon=args.epsilon, mechanism=mechanism, delta=delta)
        print()
        label = "discrete Laplace" if mechanism == "laplace" else "discrete Gaussian, δ = 1e-6"
        print(f"### Noise sd on one confusion cell of a group ({label})")
        print()
        print("| breakdown | finest alone | workload + least squares | narrower by |")
        print("|---|---|---|---|")
        for name, before, after, ratio in rows:
            print(f"| {name} | {before:.1f} | {after:.1f} | {ratio:.2f}× |")
        print()
        print(
            "measurements: "
            + "; ".join(
                f"{' × '.join(m.attributes)}: share {m.share:.3f}, scale {m.spec.scale:.2f}"
                for m in plan.measurements
            )
        )
    for sample in parse_rows(args.sample):
        stats = simulate(
            cells, categories, sample=sample, reps=args.reps, epsilon=args.epsilon, seed=args.seed
        )
        print()
        print(
            f"### 95 % intervals of single-attribute groups, {sample:,} rows per file, "
            f"ε = {args.epsilon:g} (discrete Laplace), {args.reps} simulated releases"
        )
        print()
        print(
            "| attribute | metric | mean width, finest | mean width, workload | narrower by: mean (median group) "
            "| coverage, finest | coverage, workload | shown, finest / workload |"
        )
        print("|---|---|---|---|---|---|---|---|")
        for name in PROTECTED:
            for metric in METRICS:
                cell = stats[(name, metric)]
                widths = np.array(cell["pairs"]).reshape(-1, 2)
                wb, wa = widths.mean(axis=0)
                ratio = np.median(widths[:, 0] / widths[:, 1])
                coverage = [cell["covered"][w] / max(cell["shown"][w], 1) for w in WORKLOADS]
                shown = [cell["shown"][w] / cell["total"] for w in WORKLOADS]
                print(
                    f"| {name} | {metric} | {wb:.4f} | {wa:.4f} | {wb / wa:.2f}× ({ratio:.2f}×) "
                    f"| {coverage[0]:.3f} | {coverage[1]:.3f} | {shown[0]:.0%} / {shown[1]:.0%} |"
                )
    print()
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
