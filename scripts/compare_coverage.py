"""Coverage of the change intervals of ``auditor compare``, measured by simulation.

For each scenario a true population is fixed (per group: the joint distribution of the label,
the baseline's and the candidate's decisions); evaluation sets are drawn from it, the interval
is computed exactly as ``auditor.compare`` computes it, and we count how often it contains the
true change. Nominal 95%; target 93–97%.

    python scripts/compare_coverage.py [--simulations 1000] [--replicates 1000]

The numbers in docs/compare.md come from this script (seed 2026).
"""

from __future__ import annotations

import argparse

import numpy as np

from auditor.breakdown_arrays import IMPACT_RATIO
from auditor.compare.compute import (
    BootstrapOptions,
    _figures,
    _paired_table,
    _percentile_interval,
    paired_confusions,
)
from auditor.compare.intervals import paired_difference_interval, unpaired_difference_interval
from auditor.metrics import _RATE_CELLS


def joint(base_rate, sel_pos, sel_neg, keep, add):
    """Cell probabilities (4·y + 2·baseline + candidate) of one group.

    The baseline selects actual positives with ``sel_pos`` and negatives with ``sel_neg``; the
    candidate keeps a baseline selection with probability ``keep`` and adds one it did not
    select with probability ``add`` (so the decisions are correlated, as two models' are).
    """
    p = np.zeros(8)
    for y, py in ((1, base_rate), (0, 1 - base_rate)):
        s = sel_pos if y else sel_neg
        p[4 * y + 3] = py * s * keep
        p[4 * y + 2] = py * s * (1 - keep)
        p[4 * y + 1] = py * (1 - s) * add
        p[4 * y + 0] = py * (1 - s) * (1 - add)
    return p


SCENARIOS = {
    # name: (group sizes, per-group joint() arguments)
    "2 groups × 200, clear gap": (
        (200, 200),
        [(0.4, 0.7, 0.4, 0.8, 0.05), (0.4, 0.5, 0.2, 0.9, 0.05)],
    ),
    "4 groups 1000/300/100/50": (
        (1000, 300, 100, 50),
        [
            (0.5, 0.7, 0.4, 0.75, 0.05),
            (0.4, 0.6, 0.3, 0.8, 0.10),
            (0.3, 0.5, 0.2, 0.7, 0.10),
            (0.5, 0.4, 0.1, 0.9, 0.20),
        ],
    ),
    "3 groups × 100, two tied at the top": (
        (100, 100, 100),
        [(0.5, 0.6, 0.4, 0.8, 0.1), (0.5, 0.6, 0.4, 0.8, 0.1), (0.5, 0.4, 0.2, 0.8, 0.1)],
    ),
    "2 groups × 2000, small change": (
        (2000, 2000),
        [(0.4, 0.7, 0.4, 0.95, 0.02), (0.4, 0.5, 0.25, 0.95, 0.03)],
    ),
}


def compas_scenario():
    """COMPAS by race (decile ≥ 5 vs ≥ 7), the observed shares taken as the truth."""
    from auditor.compare.api import _paired_cells
    from auditor.cube import SecondPrediction, build_cube
    from auditor.engine import connect
    from auditor.ingest import ColumnMapping, open_source

    mapping = ColumnMapping(
        label="two_year_recid", score="decile_score", threshold=5, protected=("race",)
    )
    cube = build_cube(
        open_source("sample_data/compas_predictions.csv", connection=connect()),
        mapping,
        second=SecondPrediction(threshold=7),
    )
    _, cells = _paired_cells(cube, ("race",))
    keep = cells.sum(axis=1) >= 30  # the groups with enough data (Native American: 11)
    cells = cells[keep]
    return cells.sum(axis=1).astype(int), cells / cells.sum(axis=1, keepdims=True)


def truths(sizes, probs):
    confusion = np.array(paired_confusions(probs))  # (2, G, 4) of probabilities
    eligible = np.ones(len(sizes), dtype=bool)
    out = {}
    for side, conf in zip(("baseline", "candidate"), confusion, strict=True):
        groups, summary = _figures(conf, eligible)
        out[side] = (groups, summary)
    return out


SUMMARIES = ("demographic_parity_difference", "equalized_odds_difference")


def simulate(name, sizes, probs, *, simulations, replicates, rng):
    sizes = np.asarray(sizes)
    truth = truths(sizes, probs)
    lowest = int(np.argmin(truth["baseline"][0]["selection_rate"]))
    eligible = np.ones(len(sizes), dtype=bool)
    options = BootstrapOptions(replicates=replicates)
    hits = {
        key: []
        for key in (
            "sel (Newcombe paired)",
            "fnr (Newcombe paired)",
            *SUMMARIES,
            "impact ratio, lowest group",
        )
    }
    widths = {key: [] for key in hits}
    for _ in range(simulations):
        cells = np.array([rng.multinomial(n, p) for n, p in zip(sizes, probs, strict=True)], float)
        for metric, key in (
            ("selection_rate", "sel (Newcombe paired)"),
            ("fnr", "fnr (Newcombe paired)"),
        ):
            for g in range(len(sizes)):
                interval = paired_difference_interval(*_paired_table(cells[g], metric))
                numerator, denominator = _RATE_CELLS[metric]
                true = truth["candidate"][0][metric][g] - truth["baseline"][0][metric][g]
                if interval is None:
                    continue
                hits[key].append(interval[0] <= true <= interval[1])
                widths[key].append(interval[1] - interval[0])
        boot = np.zeros((replicates, len(sizes), 8))
        for g, n in enumerate(sizes):
            boot[:, g, :] = rng.multinomial(n, cells[g] / n, size=replicates)
        before, after = paired_confusions(boot)
        groups_b, summary_b = _figures(before, eligible)
        groups_a, summary_a = _figures(after, eligible)
        for key in SUMMARIES:
            interval = _percentile_interval(summary_a[key] - summary_b[key], options)
            true = float(truth["candidate"][1][key] - truth["baseline"][1][key])
            if interval is not None:
                hits[key].append(interval[0] <= true <= interval[1])
                widths[key].append(interval[1] - interval[0])
        interval = _percentile_interval(
            groups_a[IMPACT_RATIO][:, lowest] - groups_b[IMPACT_RATIO][:, lowest], options
        )
        true = float(
            truth["candidate"][0][IMPACT_RATIO][lowest] - truth["baseline"][0][IMPACT_RATIO][lowest]
        )
        if interval is not None:
            hits["impact ratio, lowest group"].append(interval[0] <= true <= interval[1])
            widths["impact ratio, lowest group"].append(interval[1] - interval[0])
    print(f"\n### {name} (paired; group sizes {', '.join(map(str, sizes))})\n")
    print("| figure | coverage | mean width | intervals |\n|---|---|---|---|")
    for key in hits:
        if hits[key]:
            print(
                f"| {key} | {100 * np.mean(hits[key]):.1f}% | {np.mean(widths[key]):.3f} | {len(hits[key])} |"
            )


def simulate_unpaired(name, sizes, probs, *, simulations, replicates, rng):
    """Two independent samples (e.g. two quarters) from the baseline and candidate truths."""
    sizes = np.asarray(sizes)
    confusion = np.array(paired_confusions(probs))
    eligible = np.ones(len(sizes), dtype=bool)
    truth = [_figures(c, eligible) for c in confusion]
    options = BootstrapOptions(replicates=replicates)
    hits = {"sel (Newcombe independent)": [], **{k: [] for k in SUMMARIES}}
    for _ in range(simulations):
        samples = [
            np.array([rng.multinomial(n, p) for n, p in zip(sizes, c, strict=True)], float)
            for c in confusion
        ]
        for g, n in enumerate(sizes):
            x0 = samples[0][g][0] + samples[0][g][1]
            x1 = samples[1][g][0] + samples[1][g][1]
            interval = unpaired_difference_interval(x0, n, x1, n)
            true = truth[1][0]["selection_rate"][g] - truth[0][0]["selection_rate"][g]
            hits["sel (Newcombe independent)"].append(interval[0] <= true <= interval[1])
        boots = []
        for sample in samples:
            boot = np.zeros((replicates, len(sizes), 4))
            for g, n in enumerate(sizes):
                boot[:, g, :] = rng.multinomial(n, sample[g] / n, size=replicates)
            boots.append(_figures(boot, eligible))
        for key in SUMMARIES:
            interval = _percentile_interval(boots[1][1][key] - boots[0][1][key], options)
            true = float(truth[1][1][key] - truth[0][1][key])
            if interval is not None:
                hits[key].append(interval[0] <= true <= interval[1])
    print(f"\n### {name} (unpaired; group sizes {', '.join(map(str, sizes))} in each audit)\n")
    print("| figure | coverage | intervals |\n|---|---|---|")
    for key in hits:
        print(f"| {key} | {100 * np.mean(hits[key]):.1f}% | {len(hits[key])} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--simulations", type=int, default=1000)
    parser.add_argument("--replicates", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    for name, (sizes, parameters) in SCENARIOS.items():
        probs = np.array([joint(*p) for p in parameters])
        simulate(
            name, sizes, probs, simulations=args.simulations, replicates=args.replicates, rng=rng
        )
    sizes, probs = compas_scenario()
    simulate(
        "COMPAS by race, observed shares as the truth",
        sizes,
        probs,
        simulations=args.simulations,
        replicates=args.replicates,
        rng=rng,
    )
    for name in ("2 groups × 200, clear gap", "4 groups 1000/300/100/50"):
        sizes, parameters = SCENARIOS[name]
        probs = np.array([joint(*p) for p in parameters])
        simulate_unpaired(
            name, sizes, probs, simulations=args.simulations, replicates=args.replicates, rng=rng
        )


if __name__ == "__main__":
    main()
