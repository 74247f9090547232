"""Intervals that carry the uncertainty of estimated race, not only sampling error.

Multiple imputation on the cube. Drawing each person's race from their BISG posterior makes each
cell count of a group a sum of independent Bernoulli draws: mean Σp (the soft count) and
variance Σp(1 − p) (the cube's ``n_var``). One imputation of a rate a/(a+b) is drawn as

1. the imputed counts a*, b* ~ Normal(mean, variance), independently (cells are disjoint),
   clipped at 0 — the between-imputation (proxy) uncertainty;
2. the rate ~ Beta(a* + ½, b* + ½) — the sampling uncertainty given the imputed counts
   (Jeffreys).

The interval is the central ``confidence`` range of 2,000 such draws; ratios and differences to
the reference group use independent draws of both groups (the small negative covariance of two
races' counts within one cell is ignored, which widens comparison intervals slightly).

What it does not carry: the *bias* of the weighted estimator. With soft counts a group's rate is
a mixture of every race's rate, weighted by how the posterior spreads; when rates differ by
race the estimate is pulled toward the others (Chen et al., FAT* 2019). The interval is centred
on that estimate, so coverage of the true disparity falls as the disparity grows: see the
measured table in ``docs/bisg.md``.
"""

from __future__ import annotations

import hashlib
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


def _seed(counts: ConfusionCounts) -> int:
    """A seed from the counts, so the same audit gives the same intervals."""
    text = repr((counts.tp, counts.fp, counts.tn, counts.fn, counts.proxy_variance))
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
        draws are the same distribution as drawn one rate at a time, and independent of the
        other rates' draws."""
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
        rates = rng.beta(a + 0.5, b + 0.5)
        return dict(zip(metrics, rates, strict=True))

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

    def rate_intervals(self, counts: ConfusionCounts) -> dict[str, Interval | None]:
        if counts.proxy_variance is None:
            return self._exact.rate_intervals(counts)
        result = {}
        for metric in RATE_METRICS:
            draws = self._rate_draws(counts, metric)
            result[metric] = None if draws is None else self._range(draws)
        return result

    def comparison_intervals(
        self, counts: ConfusionCounts, reference: ConfusionCounts
    ) -> tuple[dict[str, Interval | None], dict[str, Interval | None]]:
        if counts.proxy_variance is None or reference.proxy_variance is None:
            return self._exact.comparison_intervals(counts, reference)
        ratios, differences = {}, {}
        for metric in COMPARED_METRICS:
            mine = self._rate_draws(counts, metric)
            theirs = self._rate_draws(reference, metric)
            if mine is None or theirs is None:
                ratios[metric] = differences[metric] = None
                continue
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = mine / theirs
            ratios[metric] = self._range(ratio)
            differences[metric] = self._range(mine - theirs)
        return ratios, differences
