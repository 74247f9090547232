"""Coverage of the change intervals by simulation (fast versions of scripts/compare_coverage.py).

Nominal 95%. A paired interval that ignored the correlation of the two models' decisions would
cover ~99% here (too wide), a Wald interval less than 93% for small groups: both fail.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from compare_coverage import joint, truths  # noqa: E402

from auditor.compare.compute import (  # noqa: E402
    BootstrapOptions,
    _figures,
    _paired_table,
    _percentile_interval,
    paired_confusions,
)
from auditor.compare.intervals import paired_difference_interval  # noqa: E402


def test_newcombe_paired_interval_covers_93_to_97_percent():
    rng = np.random.default_rng(7)
    hits = []
    for n, parameters in ((60, (0.4, 0.7, 0.4, 0.8, 0.05)), (300, (0.3, 0.5, 0.2, 0.9, 0.1))):
        probs = joint(*parameters)
        truth = (probs[1] + probs[3] + probs[5] + probs[7]) - (
            probs[2] + probs[3] + probs[6] + probs[7]
        )
        for cells in rng.multinomial(n, probs, size=2000):
            low, high = paired_difference_interval(*_paired_table(cells, "selection_rate"))
            hits.append(low <= truth <= high)
    assert 0.93 <= np.mean(hits) <= 0.97, np.mean(hits)


def test_paired_bootstrap_of_the_parity_gap_change_covers():
    rng = np.random.default_rng(11)
    sizes = np.array([300, 200])
    probs = np.array([joint(0.4, 0.7, 0.4, 0.8, 0.05), joint(0.4, 0.5, 0.2, 0.9, 0.05)])
    truth = truths(sizes, probs)
    name = "demographic_parity_difference"
    true = float(truth["candidate"][1][name] - truth["baseline"][1][name])
    eligible = np.ones(2, dtype=bool)
    options = BootstrapOptions(replicates=400)
    hits = []
    for _ in range(300):
        cells = np.array([rng.multinomial(n, p) for n, p in zip(sizes, probs, strict=True)], float)
        boot = np.stack(
            [rng.multinomial(n, cells[g] / n, size=400) for g, n in enumerate(sizes)], axis=1
        )
        before, after = paired_confusions(boot.astype(float))
        change = _figures(after, eligible)[1][name] - _figures(before, eligible)[1][name]
        low, high = _percentile_interval(change, options)
        hits.append(low <= true <= high)
    assert 0.91 <= np.mean(hits) <= 0.99, np.mean(hits)
