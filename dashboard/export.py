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
from typing import Any

__all__ = ["FORMULA_PREFIXES", "groups_csv", "neutralise_cell"]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""Leading characters that make a spreadsheet treat a cell as a formula (OWASP)."""

_COUNTS = ("n", "tp", "fp", "tn", "fn")


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
