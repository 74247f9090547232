"""Regulatory audit templates: the tables a rule prescribes, computed from the count cube.

- :func:`ll144_tables` — NYC Local Law 144 bias-audit tables (selection or scoring tools).
- :func:`ugesp_battery` — the EEOC Uniform Guidelines / OFCCP adverse-impact battery, with
  strata pooled by Cochran–Mantel–Haenszel.
- :func:`stratified_test` — CMH, the Mantel–Haenszel odds ratio and Breslow–Day on raw counts.

The tool computes the figures these rules ask for; it does not give legal advice.
"""

from .categories import DEFAULT_UNKNOWN_VALUES, selection_counts
from .ll144 import LL144Result, LL144Row, LL144Table, ll144_tables
from .stratified import StratifiedTest, stratified_test
from .ugesp import PooledRow, UGESPResult, UGESPRow, UGESPTable, ugesp_battery

__all__ = [
    "DEFAULT_UNKNOWN_VALUES",
    "LL144Result",
    "LL144Row",
    "LL144Table",
    "PooledRow",
    "StratifiedTest",
    "UGESPResult",
    "UGESPRow",
    "UGESPTable",
    "ll144_tables",
    "selection_counts",
    "stratified_test",
    "ugesp_battery",
]
