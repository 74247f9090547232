"""Intervals for the change between two models' rates.

Paired (one evaluation set, two decisions per person): for a rate whose denominator is the
same people under both models (selection rate, accuracy: everyone; TPR/FNR: the actual
positives; FPR/TNR: the actual negatives), the change is a difference of two correlated
proportions, and the interval is Newcombe's hybrid score interval for paired data (method 10
of Newcombe, *Statistics in Medicine* 17:2635–2650, 1998; the "square-and-add" interval of
Fagerland, Lydersen & Laake, *Statistical Analysis of Contingency Tables*, 2017, ch. 8). It
combines the two Wilson intervals with the correlation φ of the 2×2 table of decisions, so it stays inside [−1, 1] and behaves with zero cells, unlike the Wald
interval ``(c − b)/n ± z·√(b + c − (c − b)²/n)/n``.

Unpaired (two independent samples, e.g. last quarter's audit and this quarter's): Newcombe's
hybrid score interval for independent proportions (method 10 of Newcombe 1998a), as the audit
already uses for differences between groups.

Everything else (changes of PPV-type rates, whose denominators differ between the models, of
impact ratios and of between-group summaries) comes from :mod:`auditor.compare.bootstrap`.
"""

from __future__ import annotations

import math

from ..metrics import newcombe_difference_interval, wilson_interval

__all__ = [
    "PAIRED_RATE_METRICS",
    "paired_difference_interval",
    "unpaired_difference_interval",
]

Interval = tuple[float, float]

PAIRED_RATE_METRICS: tuple[str, ...] = ("selection_rate", "tpr", "fpr", "fnr", "tnr", "accuracy")
"""Rates whose denominator is the same people under both models (the label does not change)."""


def paired_difference_interval(
    both: float,
    first_only: float,
    second_only: float,
    neither: float,
    *,
    confidence: float = 0.95,
) -> Interval | None:
    """Newcombe's paired interval for ``p_second − p_first`` from a 2×2 table of the same people.

    ``both`` counts people counted positive by both models, ``first_only`` by the first only,
    ``second_only`` by the second only, ``neither`` by neither. ``None`` when there is no one.

    >>> [round(v, 4) for v in paired_difference_interval(30, 5, 15, 50)]
    [0.0146, 0.1823]
    """
    n = both + first_only + second_only + neither
    if n <= 0:
        return None
    p_first = (both + first_only) / n
    p_second = (both + second_only) / n
    low_first, high_first = wilson_interval(both + first_only, n, confidence=confidence)
    low_second, high_second = wilson_interval(both + second_only, n, confidence=confidence)
    margins = (
        (both + first_only)
        * (second_only + neither)
        * (both + second_only)
        * (first_only + neither)
    )
    # φ of the 2×2 table, with Newcombe's correction: a positive association is reduced by n/2
    # (and one smaller than n/2 counts as none), which keeps the interval from being too narrow.
    association = both * neither - first_only * second_only
    if association > n / 2:
        association -= n / 2
    elif association >= 0:
        association = 0.0
    phi = 0.0 if margins <= 0 else association / math.sqrt(margins)
    change = p_second - p_first
    below = (
        (p_second - low_second) ** 2
        - 2 * phi * (p_second - low_second) * (high_first - p_first)
        + (high_first - p_first) ** 2
    )
    above = (
        (high_second - p_second) ** 2
        - 2 * phi * (high_second - p_second) * (p_first - low_first)
        + (p_first - low_first) ** 2
    )
    lower = change - math.sqrt(max(below, 0.0))
    upper = change + math.sqrt(max(above, 0.0))
    return (max(-1.0, lower), min(1.0, upper))


def unpaired_difference_interval(
    x_first: float, n_first: float, x_second: float, n_second: float, *, confidence: float = 0.95
) -> Interval | None:
    """Newcombe's interval for ``x_second/n_second − x_first/n_first`` (independent samples)."""
    return newcombe_difference_interval(x_second, n_second, x_first, n_first, confidence=confidence)
