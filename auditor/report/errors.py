"""Errors raised while rendering a report."""

from __future__ import annotations

from ..errors import AuditorError

__all__ = ["FontMissingError", "RenderFailedError", "ReportError"]


class ReportError(AuditorError):
    """The document cannot be rendered as a PDF (bad input document, missing resource)."""


class FontMissingError(ReportError):
    """The TrueType font the report embeds is not installed."""


class RenderFailedError(ReportError):
    """The PDF worker process crashed, took too long or used too much memory."""
