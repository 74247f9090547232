"""Tables of the report: every cell is a wrapped Paragraph, so nothing runs off the page.

Tables split across pages with their header row repeated (``repeatRows=1``). Column widths are
fractions of the frame width, so the same builders serve any page size.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reportlab.platypus import LongTable, Paragraph, TableStyle

from ..findings import not_estimable
from .fonts import BODY
from .styles import GRID, HEADER_FILL, SUPPRESSED_FILL, Styles
from .text import esc, fmt_count, fmt_interval, fmt_rate, fmt_ratio, group_name, is_defined

__all__ = [
    "GROUP_TABLE_METRICS",
    "NOT_ESTIMABLE",
    "flag_text",
    "grid_table",
    "group_rate_table",
    "impact_ratio_table",
    "intersection_table",
    "is_suppressed",
    "ratio_table",
]

GROUP_TABLE_METRICS = ("selection_rate", "tpr", "fpr", "fnr", "ppv")
_SHORT = {
    "selection_rate": "Selection rate",
    "tpr": "TPR",
    "fpr": "FPR",
    "fnr": "FNR",
    "ppv": "PPV",
}
_FLAG_TEXT = {
    "empty": "empty (no rows)",
    "insufficient_data": "insufficient data (n < {min})",
    "no_actual_positives": "no actual positives: TPR, FNR undefined",
    "no_actual_negatives": "no actual negatives: FPR, TNR undefined",
    "not_estimable": "some rates not estimable at this ε",
}
NOT_ESTIMABLE = "not estimable at this ε"


def flag_text(flag: str, *, min_group_size: int) -> str:
    return _FLAG_TEXT.get(flag, flag.replace("_", " ")).format(min=min_group_size)


def is_suppressed(group: Mapping[str, Any]) -> bool:
    """Small or empty cells whose rates an intersection table does not print."""
    flags = group.get("flags", [])
    return "insufficient_data" in flags or "empty" in flags


def grid_table(
    rows: Sequence[Sequence[Any]],
    *,
    widths: Sequence[float],
    frame_width: float,
    extra_style: Sequence[tuple[Any, ...]] = (),
) -> LongTable:
    """A table with a shaded, repeated header row; ``widths`` are fractions of ``frame_width``."""
    total = sum(widths)
    table = LongTable(
        [list(r) for r in rows],
        colWidths=[frame_width * w / total for w in widths],
        repeatRows=1,
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), BODY),
                ("GRID", (0, 0), (-1, -1), 0.4, GRID),
                ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
                *extra_style,
            ]
        )
    )
    return table


def _rate_cell(group: Mapping[str, Any], metric: str, styles: Styles) -> Paragraph:
    if not_estimable(group, metric):
        return Paragraph(f'<font color="#555555">{NOT_ESTIMABLE}</font>', styles.cell)
    value = group.get("metrics", {}).get(metric)
    interval = fmt_interval(group.get("intervals", {}).get(metric))
    text = fmt_rate(value)
    if interval and is_defined(value):
        text += f'<br/><font size="6.5" color="#555555">[{interval}]</font>'
    return Paragraph(text, styles.cell)


def _flags_cell(group: Mapping[str, Any], styles: Styles, *, min_group_size: int) -> Paragraph:
    parts = [esc(flag_text(f, min_group_size=min_group_size)) for f in group.get("flags", [])]
    if group.get("is_reference"):
        parts.insert(0, "<b>reference</b>")
    return Paragraph("<br/>".join(parts) or "—", styles.cell)


def _present(breakdown: Mapping[str, Any], metrics: Sequence[str]) -> tuple[str, ...]:
    """The metrics the audit has (without a label only the selection rate): no n/a columns."""
    groups = breakdown.get("groups") or [{}]
    known = set(groups[0].get("metrics") or {}) or set(metrics)
    return tuple(m for m in metrics if m in known)


def group_rate_table(
    breakdown: Mapping[str, Any],
    styles: Styles,
    *,
    frame_width: float,
    private: bool,
    min_group_size: int,
) -> LongTable:
    """n and the headline rates with 95% intervals, one row per group."""
    metrics = _present(breakdown, GROUP_TABLE_METRICS)
    n_head = "n<br/>(noisy)" if private else "n"
    header = [Paragraph("Group", styles.head), Paragraph(n_head, styles.head)]
    header += [Paragraph(f"{_SHORT[m]}<br/>[95% CI]", styles.head) for m in metrics]
    header.append(Paragraph("Flags", styles.head))
    rows: list[list[Any]] = [header]
    for group in breakdown["groups"]:
        row = [
            Paragraph(
                esc(group_name(group["key"])),
                styles.cell_bold if group.get("is_reference") else styles.cell,
            ),
            Paragraph(fmt_count(group.get("n"), private=private), styles.cell_right),
        ]
        row += [_rate_cell(group, m, styles) for m in metrics]
        row.append(_flags_cell(group, styles, min_group_size=min_group_size))
        rows.append(row)
    widths = [24, 9, *([13] * len(metrics)), 18]
    return grid_table(rows, widths=widths, frame_width=frame_width)


def _ratio_cell(group: Mapping[str, Any], metric: str, styles: Styles) -> Paragraph:
    if group.get("is_reference"):
        return Paragraph('<font color="#555555">1 (reference)</font>', styles.cell)
    if not_estimable(group, metric):
        return Paragraph(f'<font color="#555555">{NOT_ESTIMABLE}</font>', styles.cell)
    ratio = group.get("ratio_to_reference", {}).get(metric)
    if not is_defined(ratio):
        return Paragraph("n/a", styles.cell)
    text = fmt_ratio(ratio)
    test = (group.get("tests") or {}).get(metric) or {}
    if test.get("significant"):
        text += " †"
    interval = fmt_interval((group.get("ratio_intervals") or {}).get(metric), percent=False)
    if interval:
        text += f'<br/><font size="6.5" color="#555555">[{interval}]</font>'
    return Paragraph(text, styles.cell)


def ratio_table(breakdown: Mapping[str, Any], styles: Styles, *, frame_width: float) -> LongTable:
    """Each group's ratio to the reference with its Katz 95% interval; † = Holm-significant."""
    metrics = _present(breakdown, GROUP_TABLE_METRICS)
    header = [Paragraph("Group", styles.head)]
    header += [Paragraph(f"{_SHORT[m]} ratio<br/>[95% CI]", styles.head) for m in metrics]
    rows: list[list[Any]] = [header]
    for group in breakdown["groups"]:
        row = [
            Paragraph(
                esc(group_name(group["key"])),
                styles.cell_bold if group.get("is_reference") else styles.cell,
            )
        ]
        row += [_ratio_cell(group, m, styles) for m in metrics]
        rows.append(row)
    return grid_table(rows, widths=[28, *([14] * len(metrics))], frame_width=frame_width)


def _impact_cell(group: Mapping[str, Any], styles: Styles) -> Paragraph:
    impact = group.get("adverse_impact") or {}
    ratio = group.get("impact_ratio")
    if impact.get("is_comparison"):
        return Paragraph('<font color="#555555">1 (highest)</font>', styles.cell)
    if not_estimable(group, "selection_rate"):  # DP: a ratio of noise, not a finding
        return Paragraph(f'<font color="#555555">{NOT_ESTIMABLE}</font>', styles.cell)
    if not is_defined(ratio):
        return Paragraph("n/a", styles.cell)
    text = fmt_ratio(ratio)
    test = impact.get("test") or {}
    if test.get("significant"):
        text += " †"
    interval = fmt_interval(impact.get("interval"), percent=False)
    if interval:
        text += f'<br/><font size="6.5" color="#555555">[{interval}]</font>'
    if float(ratio) < 0.8:
        text = f'<font color="#a61b1b">{text}</font>'
    return Paragraph(text, styles.cell)


def _p_text(value: Any) -> str:
    if not is_defined(value):
        return "—"
    return "&lt; 0.001" if float(value) < 0.001 else f"{float(value):.3f}"


def impact_ratio_table(
    breakdown: Mapping[str, Any], styles: Styles, *, frame_width: float, private: bool
) -> LongTable:
    """The four-fifths rule per group: impact ratio to the highest selection rate among the
    groups with enough data, its tests against that group, and the shortfalls."""
    header = [
        Paragraph(h, styles.head)
        for h in (
            "Group",
            "Impact ratio<br/>[95% CI]",
            "z test p",
            "Fisher p",
            "Holm p",
            "Short of 4/5",
            "Short of parity",
        )
    ]
    rows: list[list[Any]] = [header]
    for group in breakdown["groups"]:
        impact = group.get("adverse_impact") or {}
        test = impact.get("test") or {}
        hidden = not_estimable(group, "selection_rate")  # no shortfall read off noise either
        shortfalls = [
            "—" if hidden else fmt_count(impact.get(key), private=private)
            for key in ("shortfall_to_four_fifths", "shortfall_to_parity")
        ]
        rows.append(
            [
                Paragraph(esc(group_name(group["key"])), styles.cell),
                _impact_cell(group, styles),
                Paragraph(_p_text(impact.get("z_p_value")), styles.cell_right),
                Paragraph(_p_text(impact.get("fisher_p_value")), styles.cell_right),
                Paragraph(_p_text(test.get("p_adjusted")), styles.cell_right),
                *(Paragraph(text, styles.cell_right) for text in shortfalls),
            ]
        )
    return grid_table(rows, widths=[26, 16, 11, 11, 11, 12, 13], frame_width=frame_width)


def intersection_table(
    breakdown: Mapping[str, Any],
    styles: Styles,
    *,
    frame_width: float,
    private: bool,
    min_group_size: int,
) -> LongTable:
    """Intersection groups; small or empty cells print 'suppressed (n < 30)' instead of rates."""
    metrics = _present(breakdown, ("selection_rate", "tpr", "fpr", "fnr", "ppv"))
    n_head = "n<br/>(noisy)" if private else "n"
    header = [
        Paragraph(esc(" × ".join(breakdown["by"])), styles.head),
        Paragraph(n_head, styles.head),
    ]
    header += [Paragraph(f"{_SHORT[m]}<br/>[95% CI]", styles.head) for m in metrics]
    header.append(Paragraph("Impact ratio", styles.head))
    rows: list[list[Any]] = [header]
    extra: list[tuple[Any, ...]] = []
    for index, group in enumerate(breakdown["groups"], start=1):
        name = Paragraph(
            esc(group_name(group["key"])),
            styles.cell_bold if group.get("is_reference") else styles.cell,
        )
        if is_suppressed(group):
            note = f"suppressed (n &lt; {min_group_size})"
            rows.append(
                [
                    name,
                    Paragraph(f"&lt; {min_group_size}", styles.cell_right),
                    Paragraph(note, styles.cell),
                    *([""] * len(metrics)),
                ]
            )
            extra += [
                ("SPAN", (2, index), (-1, index)),
                ("BACKGROUND", (0, index), (-1, index), SUPPRESSED_FILL),
            ]
            continue
        row = [name, Paragraph(fmt_count(group.get("n"), private=private), styles.cell_right)]
        row += [_rate_cell(group, m, styles) for m in metrics]
        row.append(_impact_cell(group, styles))
        rows.append(row)
    return grid_table(
        rows,
        widths=[26, 9, *([12] * len(metrics)), 13],
        frame_width=frame_width,
        extra_style=extra,
    )
