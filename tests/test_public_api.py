"""The public surface is exactly the intended names; everything else is importable by module."""

from __future__ import annotations

import inspect

import auditor


def test_public_names_are_exactly_the_intended_ones():
    assert sorted(auditor.__all__) == sorted(
        [
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
    )
    for name in auditor.__all__:
        assert hasattr(auditor, name), name


def test_audit_options_are_keyword_only():
    parameters = inspect.signature(auditor.audit).parameters
    positional = [
        p.name
        for p in parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    assert positional == ["source"]


def test_every_error_is_an_auditor_error():
    for error in (
        auditor.InputError,
        auditor.PolicyError,
        auditor.PrivacyError,
        auditor.BudgetExceededError,
    ):
        assert issubclass(error, auditor.AuditorError)
    assert issubclass(auditor.BudgetExceededError, auditor.PrivacyError)


def test_core_never_imports_streamlit():
    import pathlib

    package = pathlib.Path(auditor.__file__).parent
    offenders = [
        str(path)
        for path in package.rglob("*.py")
        if any(
            line.strip().startswith(("import streamlit", "from streamlit"))
            for line in path.read_text(encoding="utf-8").splitlines()
        )
    ]
    assert offenders == []
