"""Compare a candidate model with a baseline (production) model, with intervals for every change.

- :func:`compare` — one evaluation set with two decisions per person (paired).
- :func:`compare_audits` — two independent audits, e.g. two quarters (unpaired).

The JSON form is schema ``auditor/compare-v1`` (see ``docs/compare.md``).
"""

from .api import compare, compare_audits, compare_cube, load_audit_document
from .result import (
    SCHEMA,
    BreakdownComparison,
    ComparisonResult,
    GroupComparison,
    MetricChange,
    ModelSide,
)

__all__ = [
    "SCHEMA",
    "BreakdownComparison",
    "ComparisonResult",
    "GroupComparison",
    "MetricChange",
    "ModelSide",
    "compare",
    "compare_audits",
    "compare_cube",
    "load_audit_document",
]
