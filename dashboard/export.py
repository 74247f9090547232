"""Tables of an audit as CSV, safe to open in a spreadsheet.

Group values and column names come from the uploaded file, so a group called
``=HYPERLINK("http://x","y")`` would become a live formula in Excel or LibreOffice. Every text
cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with a
single quote (OWASP, "CSV Injection"); numbers the auditor computed are written as numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["FORMULA_PREFIXES", "download_stem", "groups_csv", "neutralise_cell"]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""Leading characters that make a spreadsheet treat a cell as a formula (OWASP)."""

_COUNTS = ("n", "tp", "fp", "tn", "fn")


def download_stem(name: str, *, private_epsilon: float | None = None) -> str:
    """A file name stem for an audit's downloads: ``audit-compas`` or, for a private release,
    ``audit-compas-private-eps1`` — so the exact and the private PDF never share a name and a
    regulator cannot publish the exact one by mistake.

    >>> download_stem("german predictions.csv", private_epsilon=0.5)
    'audit-german-predictions-private-eps0.5'
    """
    stem = Path(str(name)).stem if "." in str(name) else str(name)
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in stem)[:40] or "data"
    if private_epsilon is None:
        return f"audit-{safe}"
    return f"audit-{safe}-private-eps{private_epsilon:g}"


def neutralise_cell(value: Any) -> Any:
    """``value`` made inert for spreadsheets: text starting like a formula gets a ``'`` prefix.

    Numbers (and ``None``) are returned unchanged: a negative difference stays a number.

    >>> neutralise_cell('=HYPERLINK("http://x","y")')
    '\\'=HYPERLINK("http://x","y")'
    >>> neutralise_cell(-0.25)
    -0.25
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def groups_csv(document: Mapping[str, Any], *, metrics: Sequence[str] | None = None) -> str:
    """The group table of an audit document (``AuditResult.to_dict()``) as CSV text.

    One row per group of every breakdown: ``breakdown`` (attribute names joined by `` × ``),
    one column per protected attribute (empty where the breakdown does not use it), the
    counts, each metric, its ratio and difference to the reference group, ``is_reference``
    and ``flags`` (joined by ``;``). Undefined values are empty cells.
    """
    breakdowns = list(document.get("breakdowns", []))
    attributes: list[str] = []
    for breakdown in breakdowns:
        for name in breakdown["by"]:
            if name not in attributes:
                attributes.append(name)
    if metrics is None:
        seen: list[str] = []
        for breakdown in breakdowns:
            for group in breakdown["groups"]:
                seen.extend(m for m in group.get("metrics", {}) if m not in seen)
        metrics = seen
    header = ["breakdown", *attributes, *_COUNTS, *metrics]
    header += [f"{m}_ratio_to_reference" for m in metrics]
    header += [f"{m}_difference_to_reference" for m in metrics]
    header += ["is_reference", "flags"]

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([neutralise_cell(cell) for cell in header])
    for breakdown in breakdowns:
        by = list(breakdown["by"])
        for group in breakdown["groups"]:
            key = group.get("key", {})
            row: list[Any] = [" × ".join(by)]
            row += [key.get(name, "") if name in by else "" for name in attributes]
            row += [group.get(name) for name in _COUNTS]
            row += [group.get("metrics", {}).get(m) for m in metrics]
            row += [(group.get("ratio_to_reference") or {}).get(m) for m in metrics]
            row += [(group.get("difference_to_reference") or {}).get(m) for m in metrics]
            row.append(bool(group.get("is_reference", False)))
            row.append(";".join(str(flag) for flag in group.get("flags", [])))
            writer.writerow(["" if cell is None else neutralise_cell(cell) for cell in row])
    return out.getvalue()
