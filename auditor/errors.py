"""Exceptions raised by the auditor.

Hierarchy::

    AuditorError                 base class; the CLI turns any of these into exit code 2
    ├── InputError               the data or the column mapping cannot be audited
    ├── PolicyError              the output specification (TOML) is malformed
    └── PrivacyError             a differentially private release cannot be made
        └── BudgetExceededError  the release would exceed the data set's privacy budget

Every message names the bad value and says how to fix it, so it can be shown to a user
as it is (one line, no traceback).
"""

from __future__ import annotations

__all__ = [
    "AuditorError",
    "BudgetExceededError",
    "InputError",
    "PolicyError",
    "PrivacyError",
]


class AuditorError(Exception):
    """Base class of every error the auditor raises on purpose."""


class InputError(AuditorError):
    """The input file, DataFrame or column mapping cannot be audited."""


class PolicyError(AuditorError):
    """The output specification is malformed."""


class PrivacyError(AuditorError):
    """A differentially private release cannot be made as asked."""


class BudgetExceededError(PrivacyError):
    """The requested release would exceed the data set's total privacy budget."""
