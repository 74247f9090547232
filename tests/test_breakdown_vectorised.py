"""The vectorised breakdown (all groups at once) equals the one-group computation bit for bit.

``tests/scalar_breakdown.py`` is the breakdown computed one group at a time, as before
vectorisation. Results are compared by ``repr``, which spells every float exactly (and tells
``0.0`` from ``-0.0`` and a numpy scalar from a Python float), over the COMPAS and Adult
audits of the fairlearn-equivalence tests and random many-group cubes with empty, tiny and
one-sided groups (Fisher's test, Katz's zero-cell correction, undefined rates).
"""

from __future__ import annotations

import numpy as np
import pytest

from auditor.bisg import ProxyIntervals
from auditor.metrics import ConfusionCounts, ExactIntervals, compute_breakdown

from .scalar_breakdown import scalar_compute_breakdown


def _both(keys, counts, **options):
    new = compute_breakdown(keys, counts, **options)
    old = scalar_compute_breakdown(keys, counts, **options)
    return new, old


def _assert_same(new, old) -> None:
    for mine, theirs in zip(new.groups, old.groups, strict=True):
        assert repr(mine) == repr(theirs), mine.key
    assert repr(new) == repr(old)


@pytest.mark.parametrize("name", ["compas", "adult"])
def test_audits_of_the_fairlearn_fixtures_are_unchanged(name, compas_audit, adult_audit):
    result = compas_audit if name == "compas" else adult_audit
    estimator = ExactIntervals(confidence=result.options["confidence"])
    compared = 0
    for breakdown in result.breakdowns:
        keys = [dict(group.key) for group in breakdown.groups]
        counts = [group.counts for group in breakdown.groups]
        for reference in (result.options.get("reference") or {}, dict(keys[-1])):
            new, old = _both(
                keys,
                counts,
                by=breakdown.by,
                reference=reference,
                min_group_size=result.options["min_group_size"],
                intervals=estimator,
            )
            _assert_same(new, old)
            compared += len(keys)
        # the audit itself went through the vectorised path
        assert repr(breakdown) == repr(
            scalar_compute_breakdown(
                keys,
                counts,
                by=breakdown.by,
                reference=result.options.get("reference") or {},
                min_group_size=result.options["min_group_size"],
                intervals=estimator,
            )
        )
    assert compared > 40


def _random_cube(seed: int, groups: int) -> tuple[list[dict], list[ConfusionCounts]]:
    rng = np.random.default_rng(seed)
    sizes = rng.choice([0, 1, 3, 12, 40, 400, 3_000], size=groups)
    keys, counts = [], []
    for index, size in enumerate(sizes.tolist()):
        weights = rng.dirichlet(rng.choice([0.2, 1.0, 5.0], size=4))
        if index % 7 == 3:
            weights[[1, 2]] = 0  # no actual negatives, no false positives
        elif index % 11 == 5:
            weights[[0, 3]] = 0  # no actual positives
        cells = rng.multinomial(size, weights / weights.sum()).tolist()
        keys.append({"a": f"a{index % 9}", "b": f"b{index}"})
        counts.append(ConfusionCounts(*cells))
    return keys, counts


@pytest.mark.parametrize("seed", [0, 1])
def test_random_many_group_cubes_are_unchanged(seed):
    keys, counts = _random_cube(seed, 150)
    options = dict(by=("a", "b"), min_group_size=30, intervals=ExactIntervals())
    _assert_same(*_both(keys, counts, **options))
    chosen = {"a": keys[4]["a"], "b": keys[4]["b"]}
    _assert_same(*_both(keys, counts, reference=chosen, alpha=0.01, **options))
    _assert_same(*_both(keys, counts, has_label=False, **options))
    _assert_same(*_both(keys, counts, significance=False, **options))
    _assert_same(*_both(keys, counts, **{**options, "intervals": ExactIntervals(confidence=0.9)}))


def test_fractional_counts_and_another_estimator_are_unchanged():
    """Soft (BISG) counts with their variances go through the estimator group by group."""
    rng = np.random.default_rng(5)
    keys, counts = [], []
    for index in range(8):
        cells = rng.uniform(0, 60, size=4)
        variance = tuple(rng.uniform(0.1, 4, size=4).tolist()) if index % 2 else None
        keys.append({"race": f"r{index}"})
        counts.append(ConfusionCounts(*cells.tolist(), proxy_variance=variance))
    options = dict(by=("race",), min_group_size=30, significance=False)
    _assert_same(*_both(keys, counts, intervals=ProxyIntervals(draws=200), **options))
    _assert_same(*_both(keys, counts, intervals=ExactIntervals(), **options))


def _groups_by_rows(table, by):
    """The audit's row-by-row reading of a counts table, before it read column by column."""
    keys, counts = [], []
    columns = list(table.columns)
    for row in table.itertuples(index=False, name=None):
        record = dict(zip(columns, row, strict=True))
        keys.append({name: str(record[name]) for name in by})
        variance = (
            tuple(float(record[f"{cell}_var"]) for cell in ("tp", "fp", "tn", "fn"))
            if "tp_var" in record
            else None
        )
        counts.append(
            ConfusionCounts(record["tp"], record["fp"], record["tn"], record["fn"], variance)
        )
    return keys, counts


def test_counts_tables_are_read_into_the_same_python_values(compas_audit):
    import pandas as pd

    from auditor.audit import _groups_of

    cube = compas_audit.cube
    for by in [(), *cube.breakdowns(intersections=True)]:
        table = cube.counts(by)
        assert repr(_groups_of(table, by)) == repr(_groups_by_rows(table, by))
    soft = pd.DataFrame(
        {
            "race": ["A", "B", None],
            "tp": [1.5, 0.25, 3.0],
            "fp": [2.0, 1.0, 0.5],
            "tn": [7.0, 4.0, 1.0],
            "fn": [0.5, 0.0, 2.0],
            **{f"{c}_var": [0.1, 0.2, 0.3] for c in ("tp", "fp", "tn", "fn")},
        }
    )
    assert repr(_groups_of(soft, ("race",))) == repr(_groups_by_rows(soft, ("race",)))
