"""Accuracy per ε: the measured workload + least squares against the finest table alone (#16).

On the benchmark's 4-attribute file (``benchmarks/generate.py``: race 6 × sex 2 × age band 5 ×
region 50 = 3,000 groups in the finest table; 63 single-attribute groups and 702 pairs, 765
groups published), at ε = 1 with every attribute's values declared, four releases:

- ``finest``: the finest table alone, every breakdown a sum of its noisy cells (the old release);
- ``marginals``: finest table, attributes and pairs measured, split so that no published
  breakdown is noisier than with ``finest`` (the default);
- ``attributes``: the same sets, split so every single attribute is at least t× less noisy and
  no pair more than t× noisier, t maximised;
- ``marginals, no pairs``: the default when the report publishes no intersections
  (``--no-intersections``): finest table and attributes only.

1. **Noise alone** (closed form, no simulation): the standard deviation of the noise on one
   confusion cell of a group of each breakdown; the ratio finest ÷ workload is how many times
   narrower the noise part of every interval is.
2. **Intervals by simulation**: the generated file's cell shares are the population; each
   replicate draws a file of ``--sample`` rows from it (sampling error), releases it each way
   through OpenDP, and computes the 95 % intervals of every group's selection rate and TPR
   (single attributes and pairs). Per breakdown kind: the ratio of mean widths finest ÷
   workload over the (group, release) pairs shown by both, coverage of the population rates
   over the intervals shown (an interval that is "not estimable at this ε" is not shown), and
   the share shown.

Run (prints every table of docs/privacy.md's "Before and after"):
``python benchmarks/dp_workload_accuracy.py --rows 1e6 --sample 2e4,1e5 --reps 20``
"""

from __future__ import annotations

import argparse
import math
import os
import time

import numpy as np
import pandas as pd

import auditor
from auditor.cube import CountCube
from auditor.metrics import ConfusionCounts, rate_parts
from auditor.privacy import NoisyIntervals, release_cube
from auditor.privacy.intervals import NOT_ESTIMABLE_WIDTH
from auditor.privacy.mechanisms import noise_spec
from auditor.privacy.workload import (
    Measurement,
    MeasurementPlan,
    choose_shares,
    plan_measurements,
    workload_sets,
)

try:  # run as a script from the repository root or as a module
    from benchmarks.generate import PROTECTED, generate, parse_rows
except ImportError:  # pragma: no cover
    from generate import PROTECTED, generate, parse_rows

METRICS = ("selection_rate", "tpr")
# (label, workload, publishes pairs)
RELEASES = (
    ("finest", "finest", True),
    ("marginals", "marginals", True),
    ("attributes", "attributes", True),
    ("marginals, no pairs", "marginals", False),
)
SINGLES = [(a,) for a in PROTECTED]
PAIRS = [(a, b) for i, a in enumerate(PROTECTED) for b in PROTECTED[i + 1 :]]
_CELL = {(1, 1): 0, (0, 1): 1, (0, 0): 2, (1, 0): 3}


def _population(rows: int) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    path = generate(rows, "parquet")
    exact = auditor.audit(
        path, label="label", prediction="prediction", protected=list(PROTECTED)
    ).cube
    cells = exact.cells.groupby([*PROTECTED, "y", "yhat"], as_index=False, observed=True)["n"].sum()
    categories = {name: sorted(cells[name].astype(str).unique()) for name in PROTECTED}
    return cells, categories


def noise_table(categories: dict[str, list[str]], *, epsilon: float, mechanism: str, delta):
    """Per breakdown: (name, sd finest, {release label: sd}) from the closed-form variances,
    and the plans (for their measurements)."""
    sizes = [len(categories[name]) for name in PROTECTED]
    spec = noise_spec(mechanism, epsilon=epsilon, delta=delta)
    plans = {
        label: plan_measurements(PROTECTED, sizes, workload=workload, spec=spec, pairs=pairs)
        for label, workload, pairs in RELEASES
    }
    rows = []
    for by in SINGLES + PAIRS:
        sds = {}
        for label, _, pairs in RELEASES[1:]:
            if pairs or len(by) == 1:
                sds[label] = math.sqrt(plans[label].variance(by))
        rows.append((" × ".join(by), math.sqrt(plans["finest"].variance(by)), sds))
    return rows, plans


FLOORS = (1.0, 0.7, 0.5, 0.4, 0.3, 0.2)


def frontier(categories: dict[str, list[str]], *, epsilon: float):
    """The trade-off between singles and pairs (discrete Laplace): for each floor on every
    pair's noise-sd ratio, the split maximising the smallest single-attribute ratio
    (``choose_shares(priority="attributes", pair_floor=…)``); rows of (floor, singles
    (min, max), pairs (min, max), shares by measured set)."""
    sizes = tuple(len(categories[name]) for name in PROTECTED)
    spec = noise_spec("laplace", epsilon=epsilon, delta=None)
    finest = plan_measurements(PROTECTED, sizes, workload="finest", spec=spec)
    named = workload_sets(PROTECTED, "marginals")
    axes = tuple(tuple(sorted(PROTECTED.index(n) for n in s)) for s in named)
    rows = []
    for floor in FLOORS:
        shares = choose_shares(
            sizes, axes, "laplace", epsilon=epsilon, priority="attributes", pair_floor=floor
        )
        measured = tuple(
            Measurement(
                names,
                share,
                share * epsilon,
                noise_spec("laplace", epsilon=share * epsilon, delta=None),
                0,
            )
            for names, share in zip(named, shares, strict=True)
            if share > 0
        )
        plan = MeasurementPlan("attributes", PROTECTED, sizes, measured)
        ratios = {by: math.sqrt(finest.variance(by) / plan.variance(by)) for by in SINGLES + PAIRS}
        singles = [ratios[b] for b in SINGLES]
        pairs = [ratios[b] for b in PAIRS]
        split = "; ".join(f"{' × '.join(m.attributes)} {m.share:.0%}" for m in measured)
        rows.append((floor, (min(singles), max(singles)), (min(pairs), max(pairs)), split))
    return rows


def _rate(probabilities: np.ndarray, metric: str) -> float:
    tp, fp, tn, fn = probabilities
    numerator, denominator = rate_parts(ConfusionCounts(tp=tp, fp=fp, tn=tn, fn=fn), metric)
    return numerator / denominator if denominator > 0 else float("nan")


def _truth(cells: pd.DataFrame) -> dict[tuple, dict[str, float]]:
    truth = {}
    for by in SINGLES + PAIRS:
        for key, part in cells.groupby(list(by), observed=True):
            key = key if isinstance(key, tuple) else (key,)
            confusion = np.zeros(4)
            for (y, yhat), n in part.groupby(["y", "yhat"])["n"].sum().items():
                confusion[_CELL[(y, yhat)]] = n
            truth[(by, tuple(str(k) for k in key))] = {m: _rate(confusion, m) for m in METRICS}
    return truth


def simulate(
    cells: pd.DataFrame,
    categories: dict[str, list[str]],
    *,
    sample: int,
    reps: int,
    epsilon: float,
    seed: int,
) -> dict:
    """Per (breakdown, metric, release): shown / covered / total counts and the widths of
    the intervals shown by both that release and ``finest``."""
    rng = np.random.default_rng(seed)
    shares = cells["n"].to_numpy(dtype=float)
    shares /= shares.sum()
    truth = _truth(cells)
    labels = [label for label, _, _ in RELEASES]
    stats = {
        (by, m, label): {"shown": 0, "covered": 0, "total": 0, "widths": []}
        for by in SINGLES + PAIRS
        for m in METRICS
        for label in labels
    }
    for _ in range(reps):
        drawn = cells.assign(n=rng.multinomial(sample, shares))
        cube = CountCube(
            attributes=PROTECTED, cells=drawn, rows=sample, rows_excluded=0, exclusions={}
        )
        found: dict[tuple, dict[str, tuple | None]] = {}
        for label, workload, pairs in RELEASES:
            noisy, _ = release_cube(
                cube,
                epsilon=epsilon,
                categories=categories,
                workload=workload,
                intersections=pairs,
            )
            estimator = NoisyIntervals(noisy.release, confidence=0.95)
            for by in SINGLES + (PAIRS if pairs else []):
                groups = estimator.for_breakdown(by)
                counts = noisy.counts(by)
                rows = [
                    ConfusionCounts(tp=r.tp, fp=r.fp, tn=r.tn, fn=r.fn)
                    for r in counts.itertuples(index=False)
                ]
                groups.prepare(rows)
                keys = counts[list(by)].astype(str).itertuples(index=False, name=None)
                for key, row in zip(keys, rows, strict=True):
                    intervals = groups.rate_intervals(row)
                    for metric in METRICS:
                        interval = intervals.get(metric)
                        shown = not (
                            interval is None or interval[1] - interval[0] > NOT_ESTIMABLE_WIDTH
                        )
                        found.setdefault((by, tuple(key), metric), {})[label] = (
                            interval if shown else None
                        )
        for (by, key, metric), got in found.items():
            true = truth.get((by, key), {}).get(metric, float("nan"))
            if not np.isfinite(true):
                continue
            before = got.get("finest")
            for label, interval in got.items():
                cell = stats[(by, metric, label)]
                cell["total"] += 1
                if interval is None:
                    continue
                cell["shown"] += 1
                cell["covered"] += interval[0] <= true <= interval[1]
                if before is not None:
                    cell["widths"].append((before[1] - before[0], interval[1] - interval[0]))
    return stats


def _kind_rows(stats: dict, metric: str):
    """Per breakdown, then per kind (singles, pairs): width ratio, coverage and share shown of
    every release."""
    for kind, members in (("single attributes", SINGLES), ("pairs", PAIRS)):
        for by in [*members, None]:
            chosen = members if by is None else [by]
            name = f"**all {kind}**" if by is None else " × ".join(by)
            parts = []
            for label, _, _ in RELEASES:
                cells = [stats[(b, metric, label)] for b in chosen]
                total = sum(c["total"] for c in cells)
                if not total:
                    parts.append("–")
                    continue
                shown = sum(c["shown"] for c in cells)
                covered = sum(c["covered"] for c in cells)
                coverage = f"{covered / shown:.3f}" if shown else "n/e"
                if label == "finest":
                    parts.append(f"{coverage} ({shown / total:.0%})")
                    continue
                widths = np.array([w for c in cells for w in c["widths"]]).reshape(-1, 2)
                ratio = widths[:, 0].mean() / widths[:, 1].mean() if len(widths) else math.nan
                parts.append(f"{ratio:.2f}× · {coverage} ({shown / total:.0%})")
            yield name, parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1e6", help="rows of the generated population file")
    parser.add_argument("--sample", default="2e4,1e5", help="rows drawn per simulated file")
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--epsilon", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    started = time.perf_counter()
    cells, categories = _population(parse_rows(args.rows)[0])
    print(
        f"population: benchmarks/generate.py, {parse_rows(args.rows)[0]:,} rows; ε = "
        f"{args.epsilon:g}, every attribute's values declared (no selection cost); "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    others = [label for label, _, _ in RELEASES[1:]]
    for mechanism, delta in (("laplace", None), ("gaussian", 1e-6)):
        rows, plans = noise_table(
            categories, epsilon=args.epsilon, mechanism=mechanism, delta=delta
        )
        label = "discrete Laplace" if mechanism == "laplace" else "discrete Gaussian, δ = 1e-6"
        print()
        print(f"### Noise sd on one confusion cell of a group ({label}): sd, narrower by")
        print()
        print("| breakdown | finest alone | " + " | ".join(others) + " |")
        print("|---|---|" + "---|" * len(others))
        ranges: dict[tuple[str, str], list[float]] = {}
        for name, before, sds in rows:
            kind = "singles" if "×" not in name else "pairs"
            cells_out = []
            for other in others:
                if other not in sds:
                    cells_out.append("–")
                    continue
                ratio = before / sds[other]
                ranges.setdefault((kind, other), []).append(ratio)
                cells_out.append(f"{sds[other]:.1f} ({ratio:.2f}×)")
            print(f"| {name} | {before:.1f} | " + " | ".join(cells_out) + " |")
        for kind in ("singles", "pairs"):
            spans = [
                f"{min(ranges[(kind, o)]):.2f}–{max(ranges[(kind, o)]):.2f}×"
                if (kind, o) in ranges
                else "–"
                for o in others
            ]
            print(f"| **{kind}: narrower by** | | " + " | ".join(spans) + " |")
        print()
        for other in others:
            print(
                f"- {other}: "
                + "; ".join(
                    f"{' × '.join(m.attributes)} {m.share:.1%} (scale {m.spec.scale:.2f})"
                    for m in plans[other].measurements
                )
            )
    print()
    print(
        "### The trade-off (discrete Laplace): the split that maximises the smallest "
        "single-attribute ratio when no pair may be noisier than 1/floor × the finest table's"
    )
    print()
    print("| pair floor | singles narrower by | pairs narrower by | split |")
    print("|---|---|---|---|")
    for floor, singles, pairs, split in frontier(categories, epsilon=args.epsilon):
        print(
            f"| {floor:g} | {singles[0]:.2f}–{singles[1]:.2f}× | {pairs[0]:.2f}–{pairs[1]:.2f}× "
            f"| {split} |"
        )
    for sample in parse_rows(args.sample):
        stats = simulate(
            cells, categories, sample=sample, reps=args.reps, epsilon=args.epsilon, seed=args.seed
        )
        for metric in METRICS:
            print()
            print(
                f"### 95 % intervals, {metric}, {sample:,} rows per file, ε = {args.epsilon:g} "
                f"(discrete Laplace), {args.reps} simulated releases: width narrower than "
                "finest by (mean widths, intervals shown by both) · coverage (share shown)"
            )
            print()
            print("| breakdown | finest: coverage (shown) | " + " | ".join(others) + " |")
            print("|---|---|" + "---|" * len(others))
            for name, parts in _kind_rows(stats, metric):
                print(f"| {name} | " + " | ".join(parts) + " |")
    print()
    print(f"({time.perf_counter() - started:.0f} s; load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
