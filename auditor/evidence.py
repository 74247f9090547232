"""Verdicts on evidence: judge a check on the interval of its value, not on the point alone.

With ``evidence = "interval"`` a check **fails** only when the whole interval is beyond the
bound, **passes** only when the whole interval is within it, and is otherwise **not
evaluable** (inconclusive: more data would decide) — or a pass when the check says
``inconclusive = "pass"`` ("fail only on evidence of harm").

Intervals: a group's ratio to the highest group uses Katz's log interval, a difference
Newcombe's hybrid score interval (both of :mod:`auditor.metrics`, treating the highest group as
fixed); a summary of a breakdown (parity gaps, equalized odds) a bootstrap that resamples each
group's people with the group's size fixed (seeded, so a verdict is reproducible).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from .breakdown_arrays import bootstrap_confusions, percentile_interval, rates, summaries
from .metrics import GroupResult, katz_ratio_interval, newcombe_difference_interval, rate_parts

__all__ = ["Evidence", "judge_interval", "group_interval", "summary_interval"]

Evidence = Literal["point", "interval"]
Outcome = Literal["pass", "fail", "not_evaluable"]


def judge_interval(
    interval: tuple[float, float] | None,
    *,
    rule: str,
    bound: float,
    inconclusive: Literal["not_evaluable", "pass"] = "not_evaluable",
) -> tuple[Outcome, str]:
    """The outcome of ``value (rule) bound`` judged on ``interval``; the reason when not decided.

    ``rule`` is ``at_most``/``ratio_at_most``/``difference_at_most`` (the value may not exceed
    the bound) or ``at_least``/``ratio_at_least`` (it may not fall below it).
    """
    if interval is None:
        return "not_evaluable", "no interval for the value: it cannot be judged on evidence"
    low, high = interval
    if rule in ("at_least", "ratio_at_least"):
        beyond, within = high < bound, low >= bound
    else:
        beyond, within = low > bound, high <= bound
    if beyond:
        return "fail", ""
    if within:
        return "pass", ""
    if inconclusive == "pass":
        return "pass", "inconclusive, read as a pass (inconclusive = 'pass')"
    return (
        "not_evaluable",
        f"inconclusive: the interval [{low:.4g}, {high:.4g}] straddles the bound {bound:g}; "
        "more data would decide",
    )


def group_interval(
    group: GroupResult, comparison: GroupResult, metric: str, rule: str, *, confidence: float
) -> tuple[float, float] | None:
    """Interval of the group's ratio to (or absolute difference from) the comparison group."""
    x1, n1 = rate_parts(group.counts, metric)
    x2, n2 = rate_parts(comparison.counts, metric)
    if rule == "difference_at_most":
        interval = newcombe_difference_interval(x1, n1, x2, n2, confidence=confidence)
        if interval is None:
            return None
        low, high = interval
        # |d| lies in [0, max(|low|, |high|)] if the interval spans 0, else between |ends|
        if low <= 0 <= high:
            return 0.0, max(-low, high)
        return min(abs(low), abs(high)), max(abs(low), abs(high))
    return katz_ratio_interval(x1, n1, x2, n2, confidence=confidence)


def summary_interval(
    groups: Sequence[GroupResult],
    metric: str,
    *,
    eligible: Sequence[bool],
    confidence: float = 0.95,
    replicates: int = 2000,
    seed: int = 0,
) -> tuple[float, float] | None:
    """Bootstrap interval of a breakdown's summary ``metric`` over the ``eligible`` groups."""
    confusion = np.array([[g.counts.tp, g.counts.fp, g.counts.tn, g.counts.fn] for g in groups])
    boot = bootstrap_confusions(confusion, replicates=replicates, rng=np.random.default_rng(seed))
    values = summaries(rates(boot), np.asarray(eligible, dtype=bool))[metric]
    return percentile_interval(values, confidence=confidence)
