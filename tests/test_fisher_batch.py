"""The batched Fisher test returns exactly scipy.stats.fisher_exact's two-sided p-values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import stats

from auditor.fisher_batch import FisherCache, fisher_exact_p_values


def _scipy(x1, n1, x2, n2) -> float:
    table = np.rint(np.array([[x1, n1 - x1], [x2, n2 - x2]], dtype=float)).astype(np.int64)
    return float(stats.fisher_exact(table).pvalue)


def _tables(seed: int, count: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n1 = rng.integers(1, rng.choice([8, 60, 3_000, 150_000], size=count) + 1)
    n2 = rng.integers(1, rng.choice([8, 60, 3_000, 150_000], size=count) + 1)
    p1 = rng.choice([0.0, 0.01, 0.3, 0.5, 0.97, 1.0], size=count)
    p2 = np.clip(p1 + rng.choice([0.0, 0.0, 0.02, -0.1, 0.3], size=count), 0, 1)
    x1 = rng.binomial(n1, p1)
    x2 = rng.binomial(n2, p2)
    return np.stack([x1, n1, x2, n2], axis=1).astype(float)


def test_equals_scipy_bit_for_bit_on_random_tables():
    tables = _tables(7, 1500)
    # hand-picked corners: zero margins, the observed table at the mode, symmetric tables,
    # tiny p-values that underflow, one-sided extremes
    corners = np.array(
        [
            [0, 5, 0, 7],
            [5, 5, 7, 7],
            [3, 6, 3, 6],
            [0, 1, 1, 1],
            [1, 2, 1, 2],
            [50_000, 100_000, 10_000, 100_000],
            [0, 90_000, 90_000, 90_000],
            [2, 40, 30, 40],
            [12, 40, 30, 80],
            [1, 1, 0, 3],
            # equal rows: the other tail mirrors the observed one, so the 1e-14 tolerance decides
            [1, 10, 5, 10],
            [2, 20, 9, 20],
            [10, 100, 30, 100],
            [40, 1000, 75, 1000],
        ],
        dtype=float,
    )
    tables = np.concatenate([tables, corners])
    ours = fisher_exact_p_values(*tables.T)
    theirs = np.array([_scipy(*row) for row in tables])
    different = np.flatnonzero(ours.view(np.int64) != theirs.view(np.int64))
    assert different.size == 0, [(tables[i].tolist(), ours[i], theirs[i]) for i in different[:5]]
    assert (
        (theirs < 1e-100).any() and (theirs == 1.0).any() and ((theirs > 0.01) & (theirs < 1)).any()
    )


def test_fractional_counts_are_rounded_as_the_scalar_test_rounds_them():
    tables = np.array([[2.4, 10.2, 7.6, 9.9], [0.5, 3.0, 2.5, 3.0]])
    ours = fisher_exact_p_values(*tables.T)
    assert ours.tolist() == [_scipy(*row) for row in tables]


def test_equals_scipy_where_both_probabilities_underflow():
    """Large groups with very different rates: pmf(k) and pexact both far below the smallest
    double, where the search's comparisons are decided as 0 against 0 without Boost's pmf."""
    rng = np.random.default_rng(11)
    count = 300
    n1 = rng.integers(5_000, 60_000, size=count)
    n2 = rng.integers(5_000, 60_000, size=count)
    p1 = rng.uniform(0.05, 0.5, size=count)
    p2 = np.clip(p1 + rng.choice([-0.3, -0.2, 0.2, 0.3, 0.45], size=count), 0.01, 0.99)
    tables = np.stack([rng.binomial(n1, p1), n1, rng.binomial(n2, p2), n2], axis=1).astype(float)
    ours = fisher_exact_p_values(*tables.T)
    theirs = np.array([_scipy(*row) for row in tables])
    different = np.flatnonzero(ours.view(np.int64) != theirs.view(np.int64))
    assert different.size == 0, [(tables[i].tolist(), ours[i], theirs[i]) for i in different[:5]]
    assert (theirs == 0).sum() > count // 3  # the underflowing tables are really there


def test_a_cache_gives_scipy_values_and_starts_again_past_its_limit():
    rng = np.random.default_rng(7)
    n1 = rng.integers(1, 60, 40)
    n2 = rng.integers(1, 60, 40)
    x1 = rng.integers(0, n1 + 1)
    x2 = rng.integers(0, n2 + 1)
    expected = [
        stats.fisher_exact([[a, n - a], [b, m - b]]).pvalue
        for a, n, b, m in zip(x1, n1, x2, n2, strict=True)
    ]
    cache = FisherCache(limit=25)
    assert cache.p_values(x1[:20], n1[:20], x2[:20], n2[:20]).tolist() == expected[:20]
    first = {
        tuple(t) for t in zip(x1[:20], n1[:20] - x1[:20], x2[:20], n2[:20] - x2[:20], strict=True)
    }
    assert len(cache) == len(first)
    # 40 distinct tables exceed the limit: the cache restarts, values stay scipy's
    assert cache.p_values(x1, n1, x2, n2).tolist() == expected
    assert len(cache) <= 40


def test_views_of_one_cube_share_its_fisher_values(tmp_path):
    import auditor

    sample = Path(__file__).resolve().parent.parent / "sample_data" / "compas_predictions.csv"
    arguments = dict(label="two_year_recid", prediction="high_risk", protected=["race", "sex"])
    result = auditor.audit(sample, **arguments)
    cache = result.cube.kept("fisher", FisherCache)
    assert len(cache) > 0  # the audit filled the cube's cache
    other = auditor.reaudit(result, reference={"race": "Caucasian"})
    assert other.cube.kept("fisher", FisherCache) is cache
    fresh = auditor.audit(sample, reference={"race": "Caucasian"}, **arguments)
    assert fresh.cube.kept("fisher", FisherCache) is not cache
    assert other.to_dict()["breakdowns"] == fresh.to_dict()["breakdowns"]
