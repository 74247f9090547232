"""Progress reports from long runs, made safe for a progress bar. No Streamlit here."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["progress_callback"]


def progress_callback(update: Callable[[float, str], None]) -> Callable[[float, str], None]:
    """Clamp fractions to [0, 1] before handing them to a progress bar."""

    def report(fraction: float, message: str) -> None:
        update(min(1.0, max(0.0, float(fraction))), message)

    return report
