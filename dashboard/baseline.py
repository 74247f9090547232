"""The input-restriction study (``auditor/baseline-v1``) as a display table. No Streamlit here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from auditor.narrative import format_rate

__all__ = ["baseline_table"]


def baseline_table(study: Mapping[str, Any]) -> pd.DataFrame:
    """One row per strategy of an input-restriction study (``auditor/baseline-v1``)."""
    rows = []
    for strategy in study.get("strategies", []):
        summary = strategy.get("summary", {})
        rates = strategy.get("selection_rates") or {}
        ratio = summary.get("demographic_parity_ratio")
        eod = summary.get("equalized_odds_difference")
        rows.append(
            {
                "model": strategy.get("label", strategy["name"]),
                "inputs dropped": ", ".join(strategy.get("dropped_features", [])) or "none",
                "accuracy": format_rate(strategy.get("accuracy")),
                "selection rate by group": ", ".join(
                    f"{group} {format_rate(rate)}" for group, rate in rates.items()
                ),
                "demographic parity ratio": "n/a" if ratio is None else f"{ratio:.2f}",
                "four-fifths rule": "meets" if strategy.get("meets_four_fifths") else "fails",
                "equalized odds difference": "n/a" if eod is None else f"{eod:.3f}",
                "uses the protected attribute when deciding": "yes"
                if strategy.get("needs_protected_at_prediction")
                else "no",
            }
        )
    return pd.DataFrame(rows)
