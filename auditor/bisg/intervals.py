"""Intervals that carry the uncertainty of estimated race, not only sampling error.

Multiple imputation on the cube. Drawing each person's race from their BISG posterior makes each
cell count of a group a sum of independent Bernoulli draws: mean Σp (the soft count) and
variance Σp(1 − p) (the cube's ``n_var``). One imputation of a rate a/(a+b) is drawn as

1. the imputed counts a*, b* ~ Normal(mean, variance), independently (cells are disjoint),
   clipped at 0 — the between-imputation (proxy) uncertainty;
2. the rate ~ Beta(a* + ½, b* + ½) — the sampling uncertainty given the imputed counts
   (Jeffreys).

The interval is the central ``confidence`` range of 2,000 such draws; a complementary rate's
draws (FNR = 1 − TPR, TNR, FDR, FOR) are one minus its rate's, which is the same distribution
(Beta(b + ½, a + ½) is 1 − Beta(a + ½, b + ½)). Ratios and differences to the reference group
use independent draws of both groups (the small negative covariance of two
races' counts within one cell is ignored, which widens comparison intervals slightly).

What it does not carry: the *bias* of the weighted estimator. With soft counts a group's rate is
a mixture of every race's rate, weighted by how the posterior spreads; when rates differ by
race the estimate is pulled toward the others (Chen et al., FAT* 2019). The interval is centred
on that estimate, so coverage of the true disparity falls as the disparity grows: see the
measured table in ``docs/bisg.md``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..metrics import (
    _RATE_CELLS,
    COMPARED_METRICS,
    RATE_METRICS,
    ConfusionCounts,
    ExactIntervals,
    Interval,
)

__all__ = ["DRAWS", "ProxyIntervals"]

DRAWS = 2000
_CELLS = ("tp", "fp", "tn", "fn")


def _complements() -> dict[str, str]:
    """Each rate that is one minus an earlier rate (same denominator, the other cells as
    numerator: FNR = 1 − TPR, TNR = 1 − FPR, FDR = 1 − PPV, FOR = 1 − NPV) → that rate."""
    found: dict[str, str] = {}
    for index, metric in enumerate(RATE_METRICS):
        numerator, denominator = _RATE_CELLS[metric]
        for earlier in RATE_METRICS[:index]:
            other, same = _RATE_CELLS[earlier]
            if (
                earlier not in found
                and set(same) == set(denominator)
                and set(other) == set(denominator) - set(numerator)
            ):
                found[metric] = earlier
                break
    return found


_COMPLEMENT_OF = _complements()


def _seed(counts: ConfusionCounts) -> int:
    """A seed from the counts, so the same audit gives the same intervals.

    The soft counts are sums of probabilities that DuckDB adds in parallel, in an order that
    changes from run to run: their last bits differ (~5e-12 relative). The seed is taken from
    the counts to six significant digits, which such differences cross with a probability of
    ~1e-5 per count — seeded from the exact values, a rerun of the same audit moved an
    interval in the third digit."""
    values = [counts.tp, counts.fp, counts.tn, counts.fn, *(counts.proxy_variance or ())]
    text = repr([f"{float(v):.6g}" for v in values])
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")


@dataclass(frozen=True)
class ProxyIntervals:
    """Interval estimator for estimated groups; exact (Wilson) intervals for observed ones."""

    confidence: float = 0.95
    draws: int = DRAWS
    method: str = "multiple imputation of BISG race (normal draws of soft counts, Jeffreys)"
    _exact: ExactIntervals = field(init=False, repr=False)
    _draws: dict = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_exact", ExactIntervals(confidence=self.confidence))

    def _rate_draws(self, counts: ConfusionCounts, metric: str) -> np.ndarray | None:
        """Draws of one group's rate (cached: the reference group's are reused per group)."""
        key = (counts.tp, counts.fp, counts.tn, counts.fn, counts.proxy_variance)
        if key not in self._draws:
            self._draws[key] = self._new_draws(counts)
        return self._draws[key].get(metric)

    def _new_draws(self, counts: ConfusionCounts) -> dict[str, np.ndarray]:
        """Draws of every rate of one group, made together: one generator and one call per
        distribution for all rates (numpy's per-call cost was most of the time). Each rate's
        draws are the same distribution as drawn one rate at a time; a rate's are independent
        of the other rates' draws, except a complement's (FNR, TNR, FDR, FOR), which are one
        minus its rate's (TPR, FPR, PPV, NPV). The normal draws are made for every rate, so
        the rates drawn before the first complement (selection rate, base rate, TPR, FPR) get
        the draws they got when every rate was drawn."""
        mean = dict(zip(_CELLS, (float(getattr(counts, c)) for c in _CELLS), strict=True))
        variance = dict(zip(_CELLS, counts.proxy_variance, strict=True))
        metrics, a_mean, a_sd, b_mean, b_sd = [], [], [], [], []
        for metric in RATE_METRICS:
            numerator, denominator = _RATE_CELLS[metric]
            rest = [c for c in denominator if c not in numerator]
            a, b = sum(mean[c] for c in numerator), sum(mean[c] for c in rest)
            if a + b <= 0:
                continue  # the rate is undefined: no draws
            metrics.append(metric)
            a_mean.append(a)
            b_mean.append(b)
            a_sd.append(np.sqrt(sum(variance[c] for c in numerator)))
            b_sd.append(np.sqrt(sum(variance[c] for c in rest)))
        if not metrics:
            return {}
        rng = np.random.default_rng(_seed(counts))
        shape = (len(metrics), self.draws)
        a = rng.normal(np.array(a_mean)[:, None], np.array(a_sd)[:, None], shape)
        b = rng.normal(np.array(b_mean)[:, None], np.array(b_sd)[:, None], shape)
        a, b = np.clip(a, 0, None), np.clip(b, 0, None)
        # A complement's imputation draws its counts the other way round, and
        # Beta(b + ½, a + ½) is 1 − Beta(a + ½, b + ½): its draws are one minus the drawn
        # rate's, the same distribution at 7 Beta calls instead of 11 (the Beta draws are most
        # of the cost). Its two rates' intervals are then mirror images, as Wilson's are.
        drawn = [i for i, metric in enumerate(metrics) if metric not in _COMPLEMENT_OF]
        rates = dict(
            zip(
                [metrics[i] for i in drawn],
                rng.beta(a[drawn] + 0.5, b[drawn] + 0.5),
                strict=True,
            )
        )
        for metric in metrics:
            if metric in _COMPLEMENT_OF:
                rates[metric] = 1 - rates[_COMPLEMENT_OF[metric]]
        return rates

    def _range(self, values: np.ndarray) -> Interval | None:
        """The central ``confidence`` range of the draws (sorted once; numpy's percentile
        costs ~1 ms a call, and an audit makes about a thousand)."""
        values = np.sort(values[np.isfinite(values)])
        count = len(values)
        if count < self.draws / 2:
            return None
        tail = (1 - self.confidence) / 2

        def at(q: float) -> float:
            position = q * (count - 1)
            low = int(position)
            high = min(low + 1, count - 1)
            return float(values[low] + (values[high] - values[low]) * (position - low))

        return (at(tail), at(1 - tail))

    def _ranges(self, rows: list[np.ndarray]) -> list[Interval | None]:
        """:meth:`_range` of each row of draws, the rows of only finite draws sorted in one
        call and read together (the same arithmetic on the same sorted values, so the same
        intervals); a row with a non-finite draw (a ratio to a zero draw) goes one at a time."""
        if not rows:
            return []
        matrix = np.vstack(rows)
        finite = np.isfinite(matrix).all(axis=1)
        out: list[Interval | None] = [None] * len(rows)
        for index in np.flatnonzero(~finite).tolist():
            out[index] = self._range(rows[index])
        (whole,) = np.nonzero(finite)
        if len(whole) == 0:
            return out
        values = np.sort(matrix[whole], axis=1)
        count = values.shape[1]
        if count < self.draws / 2:
            return out
        tail = (1 - self.confidence) / 2
        bounds = []
        for q in (tail, 1 - tail):
            position = q * (count - 1)
            low = int(position)
            high = min(low + 1, count - 1)
            bounds.append(values[:, low] + (values[:, high] - values[:, low]) * (position - low))
        for index, lower, upper in zip(
            whole.tolist(), bounds[0].tolist(), bounds[1].tolist(), strict=True
        ):
            out[index] = (lower, upper)
        return out

    def rate_intervals(self, counts: ConfusionCounts) -> dict[str, Interval | None]:
        if counts.proxy_variance is None:
            return self._exact.rate_intervals(counts)
        drawn = {metric: self._rate_draws(counts, metric) for metric in RATE_METRICS}
        present = [metric for metric in RATE_METRICS if drawn[metric] is not None]
        result: dict[str, Interval | None] = dict.fromkeys(RATE_METRICS)
        result.update(zip(present, self._ranges([drawn[m] for m in present]), strict=True))
        return result

    def comparison_intervals(
        self, counts: ConfusionCounts, reference: ConfusionCounts
    ) -> tuple[dict[str, Interval | None], dict[str, Interval | None]]:
        if counts.proxy_variance is None or reference.proxy_variance is None:
            return self._exact.comparison_intervals(counts, reference)
        ratios, differences = self._compared(counts, reference, COMPARED_METRICS, differences=True)
        return ratios, differences

    def ratio_intervals_to(
        self, groups: Sequence[ConfusionCounts], reference: ConfusionCounts, metric: str
    ) -> list[Interval | None]:
        """Each group's ratio interval of ``metric`` to ``reference``: the values
        :meth:`comparison_intervals` gives, without the other metrics' ranges (the impact
        ratios need one metric against one group). The reference itself gets None."""
        out: list[Interval | None] = []
        for group in groups:
            if group is reference:
                out.append(None)
            elif group.proxy_variance is None or reference.proxy_variance is None:
                out.append(self._exact.comparison_intervals(group, reference)[0].get(metric))
            else:
                out.append(
                    self._compared(group, reference, (metric,), differences=False)[0][metric]
                )
        return out

    def _compared(
        self,
        counts: ConfusionCounts,
        reference: ConfusionCounts,
        metrics: Sequence[str],
        *,
        differences: bool,
    ) -> tuple[dict[str, Interval | None], dict[str, Interval | None]]:
        """Ratio (and difference) intervals of ``metrics`` from independent draws of both."""
        ratios: dict[str, Interval | None] = dict.fromkeys(metrics)
        diffs: dict[str, Interval | None] = dict.fromkeys(metrics) if differences else {}
        present, rows = [], []
        for metric in metrics:
            mine = self._rate_draws(counts, metric)
            theirs = self._rate_draws(reference, metric)
            if mine is None or theirs is None:
                continue
            with np.errstate(divide="ignore", invalid="ignore"):
                rows.append(mine / theirs)
            if differences:
                rows.append(mine - theirs)
            present.append(metric)
        ranges = iter(self._ranges(rows))
        for metric in present:
            ratios[metric] = next(ranges)
            if differences:
                diffs[metric] = next(ranges)
        return ratios, diffs
