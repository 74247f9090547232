"""The policy editor's TOML text as an :class:`auditor.Policy`. No Streamlit here."""

from __future__ import annotations

import tomllib

from auditor.errors import PolicyError
from auditor.policy import Policy

__all__ = ["policy_from_text"]


def policy_from_text(text: str, *, source: str = "the policy editor") -> Policy:
    """A policy from TOML text (an upload or the editor); bad TOML raises :class:`PolicyError`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(f"{source} does not hold valid TOML: {error}") from None
    return Policy.from_dict(data, source=source)
