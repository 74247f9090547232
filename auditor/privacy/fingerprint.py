"""A canonical fingerprint of the audited rows' content, for the privacy-budget ledger.

The privacy budget belongs to the people in the data, so the ledger must recognise the same
rows however they are stored. The fingerprint is computed from the exact count cube — the
output of the one DuckDB scan, so it costs no extra pass — which is a canonical multiset of
the audited rows: every protected value (trimmed, as text), the coded label and prediction
(0/1), and the score bin when a score is audited. Hence it does not change with

- the file format and compression (CSV, gzip CSV, Parquet, JSON lines, a DataFrame),
- the order of the rows or of the columns (attributes are taken in name order),
- whitespace around values, or how the labels are spelled (``yes``/``1``/``true``).

It changes with any row added, removed or altered in an audited column — a neighbouring data
set is a different data set, which the ledger cannot recognise; nor can it recognise the same
people audited with other columns. That is what the curator's data-set name is for.

The fingerprint is a SHA-256 of the rows' content and so is **not** differentially private:
it must never be published. :class:`~auditor.store.AuditStore` keeps only an HMAC of it under
a secret that never leaves the store; DP outputs carry a random release id instead.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

import pandas as pd

from ..cube import CountCube
from ..errors import PrivacyError

__all__ = ["content_fingerprint"]

_VERSION = "auditor-content-v1"


def _number(value: Any) -> Any:
    """Counts as canonical JSON: integers as integers, soft (fractional) counts rounded."""
    number = float(value)
    if math.isfinite(number) and number.is_integer():
        return int(number)
    return round(number, 9)


def _canonical_rows(table: pd.DataFrame, columns: list[str]) -> list[list[Any]]:
    rows = []
    for record in table[columns].itertuples(index=False, name=None):
        *keys, n = record
        rows.append(
            [
                None if (isinstance(k, float) and math.isnan(k)) or k is None else str(k)
                for k in keys
            ]
            + [_number(n)]
        )
    rows.sort(key=lambda row: json.dumps(row[:-1]))
    return rows


def content_fingerprint(cube: CountCube) -> str:
    """SHA-256 (hex) of the canonical content of an **exact** cube (see the module docstring).

    Computed once per cube and kept with it (the dashboard's Privacy page looks the rows up
    in the ledger on every rerun, ~130 ms for 3,000 groups): the kept value is used only
    while the cube still holds the very same cells (a copy of the cube that shares its cache
    but not its cells computes its own).
    """
    if cube.is_private:
        raise PrivacyError(
            "a released (noisy) cube has no content fingerprint: fingerprint the exact cube"
        )
    key = ("content_fingerprint",)
    kept = cube._cache.get(key)
    if kept is not None and kept[0] is cube.cells and kept[1] is cube.precomputed:
        return kept[2]
    fingerprint = _fingerprint(cube)
    cube._cache[key] = (cube.cells, cube.precomputed, fingerprint)
    return fingerprint


def _fingerprint(cube: CountCube) -> str:
    attributes = sorted(cube.attributes)
    if cube.cells is not None:
        keys = [*attributes, "y", "yhat"]
        if "score_bin" in cube.cells.columns:
            keys.append("score_bin")
        table = cube.cells.groupby(keys, dropna=False, observed=True, as_index=False)["n"].sum()
        body: Any = _canonical_rows(table[table["n"] != 0], [*keys, "n"])
    else:  # the GROUPING SETS fallback: every breakdown's table, by its sorted attribute names
        body = {}
        for by, table in sorted(cube.precomputed.items(), key=lambda item: sorted(item[0])):
            names = [c for c in table.columns if c != "n" and c != "grouping_id"]
            body[json.dumps(sorted(map(str, by)))] = _canonical_rows(
                table, sorted(names, key=str) + ["n"]
            )
    payload = json.dumps(
        {"version": _VERSION, "attributes": attributes, "content": body},
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
