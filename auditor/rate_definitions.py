"""Which confusion cells make each rate, and the names of the summaries — shared constants.

:mod:`auditor.metrics` (one group at a time) and :mod:`auditor.breakdown_arrays` (all groups
at once) both read these, so a rate is defined in one place.
"""

from __future__ import annotations

__all__ = ["RATE_CELLS", "RATE_METRICS", "SUMMARY_DEFINITIONS", "SUMMARY_NAMES"]

# metric -> (numerator cells, denominator cells)
RATE_CELLS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "selection_rate": (("tp", "fp"), ("tp", "fp", "tn", "fn")),
    "base_rate": (("tp", "fn"), ("tp", "fp", "tn", "fn")),
    "tpr": (("tp",), ("tp", "fn")),
    "fpr": (("fp",), ("fp", "tn")),
    "fnr": (("fn",), ("tp", "fn")),
    "tnr": (("tn",), ("fp", "tn")),
    "ppv": (("tp",), ("tp", "fp")),
    "npv": (("tn",), ("tn", "fn")),
    "fdr": (("fp",), ("tp", "fp")),
    "for": (("fn",), ("tn", "fn")),
    "accuracy": (("tp", "tn"), ("tp", "fp", "tn", "fn")),
}
RATE_METRICS: tuple[str, ...] = tuple(RATE_CELLS)

SUMMARY_DEFINITIONS: dict[str, str] = {
    "demographic_parity_difference": "largest minus smallest selection rate across groups",
    "demographic_parity_ratio": "smallest divided by largest selection rate across groups",
    "equalized_odds_difference": "the larger of the TPR range and the FPR range across groups",
    "equalized_odds_ratio": "the smaller of the TPR min/max ratio and the FPR min/max ratio",
    "equal_opportunity_difference": "largest minus smallest TPR across groups",
}

SUMMARY_NAMES: dict[str, str] = {
    "demographic_parity_difference": "demographic parity difference",
    "demographic_parity_ratio": "demographic parity ratio",
    "equalized_odds_difference": "equalized odds difference",
    "equalized_odds_ratio": "equalized odds ratio",
    "equal_opportunity_difference": "equal opportunity difference",
}
"""The summaries' names in words, for sentences, verdicts and table headers."""
