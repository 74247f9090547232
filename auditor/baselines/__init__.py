"""Input-restriction study: why dropping the protected attribute is not enough.

Trains the same model family four ways on one seeded, stratified split — with the protected
attribute (``aware``), without it (``unaware``), without it and its strongest proxies
(``unaware_without_proxies``), and with a demographic-parity constraint on its outputs
(``output_constrained``, fairlearn) — audits each one's held-out decisions with
:func:`auditor.audit`, and measures how well the remaining features predict the protected
attribute (proxy AUCs).

>>> from auditor.baselines import run_study
>>> study = run_study("sample_data/adult.csv.gz", target="income", protected="sex",
...                   positive_label=">50K")                    # doctest: +SKIP
>>> print(study.conclusion)                                     # doctest: +SKIP
"""

from .conclusion import write_conclusion
from .proxies import ProxyAnalysis, ProxyScore
from .strategies import STRATEGY_NAMES, ConstraintInfo
from .study import SCHEMA, BaselineStudy, FrontierPoint, StrategyResult, run_study

__all__ = [
    "SCHEMA",
    "STRATEGY_NAMES",
    "BaselineStudy",
    "ConstraintInfo",
    "FrontierPoint",
    "ProxyAnalysis",
    "ProxyScore",
    "StrategyResult",
    "run_study",
    "write_conclusion",
]
