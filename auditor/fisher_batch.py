"""Two-sided Fisher exact tests of many 2×2 tables at once, equal bit for bit to scipy's.

``scipy.stats.fisher_exact`` tests one table per call, and its distribution machinery
(argument checks, broadcasting, clipping) costs far more than the hypergeometric
probabilities it evaluates: an audit of 765 groups spent ~5 s in it. This module runs the
same algorithm (scipy 1.17, ``scipy/stats/_stats_py.py``: the probability of the observed
table, the mode, one tail by the CDF and the other found by binary search) on arrays of
tables in lock step, calling the same Boost ufuncs scipy calls, with the same support rules
and clipping — so every p-value is the one ``fisher_exact`` returns, which
``tests/test_fisher_batch.py`` checks against scipy itself.

Boost's pmf costs up to ~0.5 ms for populations of 10⁴–10⁵ (it multiplies prime powers), and
the binary search only needs the *sign* of pmf(k) − pexact·(1 + 10⁻¹⁴) at each step. That
sign is taken from an approximate log pmf (``gammaln``, with a generous error bound) when the
two are far apart, and from Boost's pmf otherwise (near-ties, equalities, and tables whose
probabilities are near underflow). Where both probabilities are surely below e^-760 —
far under the smallest double, so that Boost's values are 0 and scipy compares 0 with 0 —
the comparison is "equal" without Boost (large groups with very different rates: a third of
the tables of the benchmark's audit). The search therefore visits the same indices and returns
the same guess; the p-value itself is always Boost's CDF and SF, exactly as scipy adds them.
"""

from __future__ import annotations

import numpy as np
from scipy.special import _ufuncs as _boost
from scipy.special import gammaln

__all__ = ["FisherCache", "fisher_exact_p_values"]

_EPSILON = 1e-14
_GAMMA = 1 + _EPSILON
_LOG_GAMMA = float(np.log1p(_EPSILON))
# Boost's hypergeometric pmf is accurate to a few ulps; allow far more, in log terms.
_BOOST_LOG_ERROR = 1e-10
# A comparison is decided from the logs only if the larger pmf is surely above this (e^-680
# ≈ 1e-295: a normal number, while the smaller may be anything down to 0).
_SMALLEST_CERTIFIED_LOG = -680.0
# A pmf surely below e^-760 ≈ 1e-330, far under half the smallest subnormal (e^-744.4): Boost's
# value, accurate to a few ulps of the true one, rounds to 0 there — as then does pexact·γ.
_SURELY_ZERO_LOG = -760.0


class _Hypergeometric:
    """scipy's ``hypergeom(M, n, N)`` (pmf, cdf, sf) for one population per table."""

    def __init__(self, total: np.ndarray, good: np.ndarray, draws: np.ndarray) -> None:
        self.total, self.good, self.draws = total, good, draws
        # scipy's hypergeom._get_support
        self.low = np.maximum(draws - (total - good), 0)
        self.high = np.minimum(good, draws)
        self._constant: tuple[np.ndarray, np.ndarray] | None = None

    def log_pmf_bound(self, k: np.ndarray, where: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """An approximate log pmf from ``gammaln`` (``-inf`` outside the support) and a bound
        on its error: generous (32 ulps of the sum of the magnitudes of its nine terms)."""
        if self._constant is None:
            good, draws, total = (v.astype(float) for v in (self.good, self.draws, self.total))
            constant = np.stack(
                [
                    gammaln(good + 1),
                    gammaln(total - good + 1),
                    -gammaln(total + 1),
                    gammaln(draws + 1),
                    gammaln(total - draws + 1),
                ]
            )
            self._constant = (constant.sum(axis=0), np.abs(constant).sum(axis=0))
        good, draws, total = (v.astype(float) for v in self._args(where))
        k = k.astype(float)
        inside = (k >= self.low[where]) & (k <= self.high[where])
        k = np.where(inside, k, 0.0)  # no gammaln of a negative integer (inf) outside
        terms = np.stack(
            [
                -gammaln(k + 1),
                -gammaln(good - k + 1),
                -gammaln(draws - k + 1),
                -gammaln(total - good - draws + k + 1),
            ]
        )
        value = np.where(inside, self._constant[0][where] + terms.sum(axis=0), -np.inf)
        size = np.where(inside, self._constant[1][where] + np.abs(terms).sum(axis=0), 0.0)
        return value, 32 * np.finfo(float).eps * size + _BOOST_LOG_ERROR

    def _args(self, where: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.good[where], self.draws[where], self.total[where]

    def pmf(self, k: np.ndarray, where: np.ndarray) -> np.ndarray:
        """pmf(k[i]) of table ``where[i]``: 0 outside the support, Boost's value clipped to
        [0, 1] inside (rv_discrete.pmf)."""
        low, high = self.low[where], self.high[where]
        out = np.zeros(k.shape)
        inside = (k >= low) & (k <= high)
        if inside.any():
            good, draws, total = self._args(where[inside])
            out[inside] = np.clip(_boost._hypergeom_pmf(k[inside], good, draws, total), 0, 1)
        return out

    def cdf(self, k: np.ndarray, where: np.ndarray) -> np.ndarray:
        """rv_discrete.cdf: 0 below the support, 1 from its top, Boost's CDF in between."""
        low, high = self.low[where], self.high[where]
        out = np.where(k >= high, 1.0, 0.0)
        inside = (k >= low) & (k < high)
        if inside.any():
            good, draws, total = self._args(where[inside])
            out[inside] = np.clip(_boost._hypergeom_cdf(k[inside], good, draws, total), 0, 1)
        return out

    def sf(self, k: np.ndarray, where: np.ndarray) -> np.ndarray:
        """rv_discrete.sf: 1 below the support, 0 from its top, Boost's SF in between."""
        low, high = self.low[where], self.high[where]
        out = np.where(k < low, 1.0, 0.0)
        inside = (k >= low) & (k < high)
        if inside.any():
            good, draws, total = self._args(where[inside])
            out[inside] = np.clip(_boost._hypergeom_sf(k[inside], good, draws, total), 0, 1)
        return out


def _binary_search(order, low: np.ndarray, high: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """scipy's ``_binary_search_for_binom_tst`` run for every table at once: the index i in
    [low, high] with a(i) <= d < a(i + 1), where ``order(k, rows)`` is the sign of a(k) − d
    for each of ``rows`` (a ascending there)."""
    low, high = low.copy(), high.copy()
    result = np.empty_like(low)
    found = np.zeros(low.shape, dtype=bool)
    active = low < high
    while active.any():
        (index,) = np.nonzero(active)
        mid = low[index] + (high[index] - low[index]) // 2
        sign = order(mid, rows[index])
        below, above, hit = sign < 0, sign > 0, sign == 0
        low[index[below]] = mid[below] + 1
        high[index[above]] = mid[above] - 1
        result[index[hit]] = mid[hit]
        found[index[hit]] = True
        active = ~found & (low < high)
    (rest,) = np.nonzero(~found)
    if rest.size:
        at_low = order(low[rest], rows[rest]) <= 0
        result[rest] = np.where(at_low, low[rest], low[rest] - 1)
    return result


class _Comparison:
    """The sign of s·pmf(k) − s·pexact·(1 + 1e-14), as scipy's binary search compares them
    (s = −1 on the lower side). Boost's pmf is evaluated only where an approximate log pmf
    (:meth:`_Hypergeometric.log_pmf_bound`) cannot decide the sign for certain — each exact
    pmf costs up to ~0.5 ms for populations of 10⁴–10⁵, and a search needs ~20 of them."""

    def __init__(self, dist: _Hypergeometric, observed: np.ndarray, todo: np.ndarray) -> None:
        self.dist = dist
        self.log_exact, self.bound_exact = dist.log_pmf_bound(observed, todo)
        self.observed, self.todo = observed, todo
        # Boost's pexact by table position in ``todo``, computed when first needed (nan: not yet)
        self._p_exact = np.full(todo.size, np.nan)
        self.position = {row: i for i, row in enumerate(todo.tolist())}

    def p_exact(self, positions: np.ndarray) -> np.ndarray:
        missing = positions[np.isnan(self._p_exact[positions])]
        if missing.size:
            missing = np.unique(missing)
            self._p_exact[missing] = self.dist.pmf(self.observed[missing], self.todo[missing])
        return self._p_exact[positions]

    def sign_of_pmf(self, k: np.ndarray, positions: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """sign(pmf(k) − pexact·γ) for tables ``rows`` (at ``positions`` of ``todo``)."""
        log_k, bound_k = self.dist.log_pmf_bound(k, rows)
        gap = log_k - self.log_exact[positions] - _LOG_GAMMA
        margin = bound_k + self.bound_exact[positions]
        sign = np.where(gap > margin, 1, np.where(gap < -margin, -1, 0))
        log_exact, bound_exact = self.log_exact[positions], self.bound_exact[positions]
        larger = np.maximum(log_k - bound_k, log_exact - bound_exact)
        sure = (sign != 0) & (larger > _SMALLEST_CERTIFIED_LOG)
        # Both surely 0 in double precision (or k outside the support): scipy compares 0 with
        # 0·γ, "equal" (sign 0), and its binary search stops there.
        both_zero = (log_k + bound_k < _SURELY_ZERO_LOG) & (
            log_exact + bound_exact < _SURELY_ZERO_LOG
        )
        sign[both_zero] = 0
        sure |= both_zero
        if not sure.all():
            loose = ~sure
            exact = self.dist.pmf(k[loose], rows[loose])
            threshold = self.p_exact(positions[loose]) * _GAMMA
            # scipy compares s·pmf with s·pexact·γ: negating both is exact, so the sign of
            # pmf − pexact·γ decides (0 only when equal — or nan, as in scipy's else branch)
            sign[loose] = np.where(exact > threshold, 1, np.where(exact < threshold, -1, 0))
        return sign

    def order(self, side: int):
        def compare(k: np.ndarray, rows: np.ndarray) -> np.ndarray:
            positions = np.fromiter((self.position[r] for r in rows.tolist()), dtype=np.int64)
            return side * self.sign_of_pmf(k, positions, rows)

        return compare


def fisher_exact_p_values(
    selected: np.ndarray,
    total: np.ndarray,
    comparison_selected: np.ndarray,
    comparison_total: np.ndarray,
) -> np.ndarray:
    """Two-sided Fisher p-value of each table [[x1, n1 − x1], [x2, n2 − x2]] (counts rounded to
    whole people, as :func:`auditor.adverse_impact.fisher_exact_test` does).

    The counts must be valid (0 ≤ x ≤ n, n > 0); check them first.
    """
    x1 = np.asarray(selected, dtype=float)
    n1 = np.asarray(total, dtype=float)
    x2 = np.asarray(comparison_selected, dtype=float)
    n2 = np.asarray(comparison_total, dtype=float)
    a, b = np.rint(x1).astype(np.int64), np.rint(n1 - x1).astype(np.int64)
    c, d = np.rint(x2).astype(np.int64), np.rint(n2 - x2).astype(np.int64)
    p = np.ones(a.shape)
    # a zero row or column total: nothing to test, p = 1 (as scipy)
    tested = (a + c != 0) & (b + d != 0) & (a + b != 0) & (c + d != 0)
    row1, row2, column1 = a + b, c + d, a + c
    dist = _Hypergeometric(row1 + row2, row1, column1)
    (todo,) = np.nonzero(tested)
    if not todo.size:
        return p
    observed = a[todo]
    mode = ((column1[todo] + 1) * (row1[todo] + 1) / (row1[todo] + row2[todo] + 2)).astype(np.int64)
    compare = _Comparison(dist, observed, todo)
    positions = np.arange(todo.size)
    # at the mode (|pexact − pmode| ≤ 1e-14·max): decided from the logs where they are far apart
    log_mode, bound_mode = dist.log_pmf_bound(mode, todo)
    far = (np.abs(log_mode - compare.log_exact) > bound_mode + compare.bound_exact) & (
        log_mode - bound_mode > _SMALLEST_CERTIFIED_LOG
    )
    at_mode = np.zeros(todo.size, dtype=bool)
    if (~far).any():
        p_mode = dist.pmf(mode[~far], todo[~far])
        p_exact = compare.p_exact(positions[~far])
        with np.errstate(invalid="ignore", divide="ignore"):
            at_mode[~far] = np.abs(p_exact - p_mode) / np.maximum(p_exact, p_mode) <= _EPSILON
    p[todo[at_mode]] = 1.0

    lower = ~at_mode & (observed < mode)
    if lower.any():
        where, k = todo[lower], observed[lower]
        p_lower = dist.cdf(k, where)
        # pmf(n) > pexact·γ
        early = compare.sign_of_pmf(column1[where], positions[lower], where) > 0
        p[where[early]] = p_lower[early]
        go = ~early
        if go.any():
            guess = _binary_search(
                compare.order(-1), mode[lower][go], column1[where[go]], where[go]
            )
            p[where[go]] = np.minimum(p_lower[go] + dist.sf(guess, where[go]), 1.0)

    upper = ~at_mode & ~(observed < mode)
    if upper.any():
        where, k = todo[upper], observed[upper]
        p_upper = dist.sf(k - 1, where)
        early = compare.sign_of_pmf(np.zeros_like(k), positions[upper], where) > 0
        p[where[early]] = p_upper[early]
        go = ~early
        if go.any():
            guess = _binary_search(
                compare.order(+1),
                np.zeros(int(go.sum()), dtype=np.int64),
                mode[upper][go],
                where[go],
            )
            p[where[go]] = np.minimum(p_upper[go] + dist.cdf(guess, where[go]), 1.0)
    return p


class FisherCache:
    """:func:`fisher_exact_p_values` that computes each distinct table once (a breakdown asks
    for the same table twice: the impact ratio's Fisher p-value and the selection-rate test
    against the same comparison group). A p-value is a function of its table alone, so one
    cache may serve every breakdown of a cube and every view derived from it (another
    reference or policy in the dashboard: the impact ratios' tables do not change). At most
    ``limit`` tables are kept; past that the cache starts again empty."""

    def __init__(self, *, limit: int = 200_000) -> None:
        self._known: dict[tuple[int, int, int, int], float] = {}
        self._limit = limit

    def __len__(self) -> int:
        return len(self._known)

    def p_values(
        self,
        selected: np.ndarray,
        total: np.ndarray,
        comparison_selected: np.ndarray,
        comparison_total: np.ndarray,
    ) -> np.ndarray:
        x1, n1 = np.asarray(selected, dtype=float), np.asarray(total, dtype=float)
        x2 = np.asarray(comparison_selected, dtype=float)
        n2 = np.asarray(comparison_total, dtype=float)
        tables = np.stack([np.rint(v).astype(np.int64) for v in (x1, n1 - x1, x2, n2 - x2)], 1)
        keys = [tuple(row) for row in tables.tolist()]
        known = self._known
        missing = {key for key in keys if key not in known}
        if len(known) + len(missing) > self._limit:
            known = self._known = {}
            missing = set(keys)
        if missing:
            ordered = sorted(missing)
            a, b, c, d = np.array(ordered, dtype=float).T
            for key, p in zip(
                ordered, fisher_exact_p_values(a, a + b, c, c + d).tolist(), strict=True
            ):
                known[key] = p
        return np.array([known[key] for key in keys], dtype=float)
