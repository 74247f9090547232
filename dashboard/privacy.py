"""What the Privacy page shows: exact against released figures, what each ε costs in interval
width, and the data set's privacy ledger. No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from auditor.findings import not_estimable
from auditor.narrative import METRIC_NAMES, format_rate

from .formatting import display_rate, format_count, format_interval
from .tables import breakdown_for
from .views import private_view

__all__ = [
    "budget_table",
    "declared_categories",
    "exact_vs_private",
    "interval_cost",
    "known_dataset_name",
    "ledger_overview",
    "planned_guarantee",
    "seen_values",
    "WORKLOAD_CHOICES",
    "WORKLOAD_NOTE",
]

DECLARE_NOTE = (
    "Declaring an attribute's values is a promise that they are public — e.g. the categories "
    "of the form the data was collected with — not learned from this file. Declared values "
    "are all shown (with a noisy count even when empty) and never pooled into '(other)'; rows "
    "with a value you leave out are not counted. Attributes you do not declare go through DP "
    "partition selection, which spends δ and pools values with few rows into '(other)'."
)

WORKLOAD_CHOICES = {
    "marginals": "Balanced: every attribute and every pair",
    "attributes": "Single attributes most precisely",
    "finest": "The finest table only",
}
"""The release's workload (``auditor.privacy.workload``) in the words of the Privacy page."""

WORKLOAD_NOTE = (
    "Which tables the budget is spent on. Balanced (the default) measures the finest table, "
    "each attribute and each pair, and combines them into one consistent table: on the "
    "benchmark file at ε = 1 each attribute's counts carry 1.6–1.8× less noise than when they "
    "are summed from the finest table alone. 'Single attributes most precisely' gives each "
    "attribute about 3× less noise, and most pairs (the Intersections page) up to 3× more. "
    "'The finest table only' is the release of earlier versions. Every choice spends the same "
    "ε; the JSON and PDF name the choice and publish every measurement's noise scale."
)


def exact_vs_private(
    exact: Mapping[str, Any], private: Mapping[str, Any], attribute: str, metric: str
) -> pd.DataFrame:
    """Side by side per group: the exact rate and interval, the released rate and its interval."""
    released = {tuple(g["key"].values()): g for g in breakdown_for(private, attribute)["groups"]}
    rows = []
    for group in breakdown_for(exact, attribute)["groups"]:
        key = tuple(group["key"].values())
        noisy = released.pop(key, None)
        rows.append(_comparison_row(key, group, noisy, metric))
    for key, noisy in released.items():  # e.g. '(other)': pooled by partition selection
        rows.append(_comparison_row(key, None, noisy, metric))
    return pd.DataFrame(rows)


def _comparison_row(key, exact_group, noisy_group, metric: str) -> dict[str, str]:
    name = METRIC_NAMES.get(metric, metric)

    def cell(group, *, private: bool) -> tuple[str, str]:
        if group is None:
            return ("not released" if private else "—"), ""
        value = group["metrics"].get(metric)
        interval = group.get("intervals", {}).get(metric)
        shown = display_rate(value) if private else format_rate(value)
        if private and not_estimable(group, metric):
            return shown, "not estimable at this ε"
        if not interval:
            return shown, "n/a"
        low, high = (min(1.0, max(0.0, b)) for b in interval)
        return shown, format_interval((low, high))

    exact_value, exact_interval = cell(exact_group, private=False)
    private_value, private_interval = cell(noisy_group, private=True)
    return {
        "group": " × ".join(key),
        f"EXACT {name}": exact_value,
        "EXACT 95% interval": exact_interval,
        f"PRIVATE {name}": private_value,
        "PRIVATE 95% interval (noise + sampling)": private_interval,
        "PRIVATE n (noisy)": "—"
        if noisy_group is None
        else format_count(noisy_group.get("n"), private=True),
    }


def interval_cost(
    result,
    attribute: str,
    metric: str,
    *,
    epsilons: Sequence[float] = (0.1, 0.5, 1.0, 5.0),
    mechanism: str = "laplace",
    delta: float | None = None,
    categories: Mapping[str, Any] | None = None,
    workload: str = "marginals",
    seed: int = 0,
) -> pd.DataFrame:
    """What each ε costs: the half-width of each group's 95% interval of ``metric``, in points.

    One row per release (exact first), one column per group, each release made as the one the
    user is about to make (``mechanism``, ``delta``, the declared ``categories``, the
    ``workload``) at another ε. Uses seeded noise that is **not private** and is never
    published or recorded: it only illustrates the precision each ε buys. 'pooled' marks a
    group that partition selection folded into '(other)' (never a group of a declared value).
    """
    exact = breakdown_for(result.to_dict(), attribute)
    names = [" × ".join(g["key"].values()) for g in exact["groups"]]
    rows = [{"release": "exact (no noise)", **_half_widths(exact, metric, names)}]
    for epsilon in epsilons:
        view = private_view(
            result,
            epsilon=epsilon,
            mechanism=mechanism,
            delta=delta,
            categories=categories,
            workload=workload,
            seed=seed,
        )
        breakdown = breakdown_for(view.to_dict(), attribute)
        rows.append({"release": f"ε = {epsilon:g}", **_half_widths(breakdown, metric, names)})
    return pd.DataFrame(rows)


def _half_widths(breakdown: Mapping[str, Any], metric: str, names: Sequence[str]) -> dict[str, str]:
    found = {" × ".join(g["key"].values()): g for g in breakdown["groups"]}
    cells = {}
    for name in names:
        group = found.get(name)
        interval = group.get("intervals", {}).get(metric) if group else None
        if group is None:
            cells[name] = "pooled"
        elif not_estimable(group, metric):
            cells[name] = "not estimable"
        elif not interval:
            cells[name] = "n/a"
        else:
            width = min(1.0, interval[1]) - max(0.0, interval[0])
            cells[name] = f"±{50 * width:.1f}"
    return cells


def budget_table(state, releases: Sequence[Any]) -> pd.DataFrame:
    """The data set's privacy ledger: one row per recorded release, then the totals."""
    rows = [
        {
            "when (UTC)": str(r.created_at)[:19].replace("T", " "),
            "mechanism": r.mechanism,
            "ε spent": f"{r.epsilon:g}",
            "δ spent": f"{r.delta:g}",
        }
        for r in releases
    ]
    total = (
        "not declared yet (set with the first release)"
        if state.total is None
        else f"{state.total:g}"
    )
    remaining = "" if state.remaining is None else f", remaining {state.remaining:g}"
    rows.append(
        {
            "when (UTC)": "TOTAL",
            "mechanism": f"budget {total}{remaining}",
            "ε spent": f"{state.spent_epsilon:g}",
            "δ spent": f"{state.spent_delta:g}",
        }
    )
    return pd.DataFrame(rows)


def seen_values(result) -> dict[str, list[str]]:
    """Each protected attribute's values in the exact audit, largest group first (a prefill)."""
    values = {}
    for name in result.mapping.protected:
        table = result.cube.counts((name,)).sort_values("n", ascending=False, kind="stable")
        values[name] = [str(v) for v in table[name]]
    return values


def declared_categories(
    chosen: Mapping[str, Sequence[str]], declare: Mapping[str, bool]
) -> dict[str, list[str]] | None:
    """The categories to release with: the attributes the user declared, with their values."""
    categories = {name: list(chosen[name]) for name, on in declare.items() if on and chosen[name]}
    return categories or None


def planned_guarantee(
    *, epsilon: float, mechanism: str, delta: float | None, all_declared: bool
) -> str:
    """What a release with these settings will spend, in the words the outputs use."""
    from auditor.privacy import guarantee_text
    from auditor.privacy.release import DEFAULT_SELECTION_DELTA

    if mechanism == "laplace":
        spent_delta = 0.0 if all_declared else DEFAULT_SELECTION_DELTA
        selection_delta = spent_delta
    else:
        spent_delta = float(delta or 0.0)
        selection_delta = 0.0 if all_declared else spent_delta / 2
    return guarantee_text(
        mechanism=mechanism,
        epsilon=float(epsilon),
        delta=spent_delta,
        selection_delta=selection_delta,
    )


def ledger_overview(store, result, dataset: str | None):
    """The ledger as the Privacy page shows it, in one read of the store: the name the
    audit's rows were released under, and the budget and releases of that data set (else of
    ``dataset``, the name typed for them). See :meth:`auditor.store.AuditStore.ledger_overview`."""
    from auditor.privacy import content_fingerprint

    return store.ledger_overview(content_fingerprint(result.cube), dataset or None)


def known_dataset_name(store, result) -> str | None:
    """The ledger name these rows were released under before (looked up by content)."""
    from auditor.privacy import content_fingerprint

    return store.dataset_of(content_fingerprint(result.cube))
