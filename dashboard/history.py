"""The History page's tables: the stored audits of the data sets this session loaded. No Streamlit
here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["history_table", "visible_audits"]


def visible_audits(store, sha256s: Sequence[str]) -> list[Any]:
    """The store's audits of these data sets only (those a session has loaded), newest first."""
    summaries = [s for sha in dict.fromkeys(sha256s) for s in store.list_audits(sha256=sha)]
    return sorted(
        summaries, key=lambda s: getattr(s, "saved_at", None) or s.created_at, reverse=True
    )


def history_table(summaries: Sequence[Any]) -> pd.DataFrame:
    """Past audits (store summaries) as a table: when each entry was saved, when its audit ran,
    and whether a user saved it or it is the automatic record of a private release."""
    return pd.DataFrame(
        [
            {
                "saved (UTC)": _moment(getattr(s, "saved_at", None) or s.created_at),
                "audit run (UTC)": _moment(s.created_at),
                "source": Path(str(s.source or "")).name or "—",
                "mode": "differentially private" if s.mode == "dp" else "exact",
                "entry": "private release (recorded automatically)"
                if getattr(s, "kind", "saved") == "release"
                else "saved by a user",
                "verdict": "no policy" if s.passed is None else ("PASS" if s.passed else "FAIL"),
                "id": s.id,
            }
            for s in summaries
        ],
        columns=["saved (UTC)", "audit run (UTC)", "source", "mode", "entry", "verdict", "id"],
    )


def _moment(value: Any) -> str:
    return str(value or "")[:19].replace("T", " ")
