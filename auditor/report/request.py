"""The PDF worker's request options on the wire: JSON both ways (a ``Vocabulary`` as a dict).

Shared by the client side (:mod:`auditor.report`) and the worker (:mod:`auditor.report.worker`),
so neither imports the other for it.
"""

from __future__ import annotations

import dataclasses

from ..narrative import Vocabulary

__all__ = ["decode_options", "encode_options"]


def encode_options(options: dict) -> dict:
    """Options made JSON-serialisable (a ``Vocabulary`` becomes a dict)."""
    vocabulary = options.get("vocabulary")
    if isinstance(vocabulary, Vocabulary):
        return {**options, "vocabulary": dataclasses.asdict(vocabulary)}
    return options


def decode_options(options: dict) -> dict:
    """The options as the builders take them (a dict vocabulary becomes a ``Vocabulary``)."""
    if isinstance(options.get("vocabulary"), dict):
        return {**options, "vocabulary": Vocabulary(**options["vocabulary"])}
    return options
