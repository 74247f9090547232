"""auditor — audit a model's outputs for group fairness, exactly or with differential privacy.

>>> import auditor
>>> result = auditor.audit("predictions.csv", label="y", prediction="y_hat",
...                        protected=["race", "sex"])          # doctest: +SKIP
>>> result.to_dict()["breakdowns"][0]["summary"]              # doctest: +SKIP
"""

from .audit import audit, evaluate_cube, reaudit
from .errors import (
    AuditorError,
    BudgetExceededError,
    InputError,
    PolicyError,
    PrivacyError,
)
from .policy import FOUR_FIFTHS, Policy, PolicyCheck, load_policy
from .reissue import reissue
from .result import AuditResult
from .version import __version__

__all__ = [
    "FOUR_FIFTHS",
    "AuditResult",
    "AuditorError",
    "BudgetExceededError",
    "InputError",
    "Policy",
    "PolicyCheck",
    "PolicyError",
    "PrivacyError",
    "__version__",
    "audit",
    "evaluate_cube",
    "load_policy",
    "reaudit",
    "reissue",
]
