"""The comparison chapter: a candidate model against a baseline, from ``auditor/compare-v1``.

Built from the comparison JSON alone (``ComparisonResult.to_dict()`` or ``--json`` output):
what was compared, the release gate's verdicts, and for each protected attribute the
summaries and per-group rates under both models with the change and its interval.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from reportlab.platypus import Flowable, Paragraph, Spacer

from ..atomic import write_atomic
from ..rate_definitions import SUMMARY_NAMES
from .document import PdfMetadata, build_pdf, frame_size
from .errors import ReportError
from .fonts import register_fonts
from .styles import FAIL, PASS, make_styles
from .tables import grid_table
from .text import esc, group_name, is_defined

__all__ = ["comparison_chapter", "comparison_pdf_bytes", "write_comparison_pdf"]

_GROUP_METRICS = (
    ("selection_rate", "Selection rate"),
    ("fpr", "False positive rate"),
    ("fnr", "False negative rate"),
    ("impact_ratio", "Impact ratio"),
)
_SUMMARY_NAMES = {key: name[0].upper() + name[1:] for key, name in SUMMARY_NAMES.items()}
_METHOD_TEXT = {
    "newcombe_paired": "Newcombe paired score interval",
    "newcombe_independent": "Newcombe hybrid score interval (independent samples)",
    "bootstrap_paired": "paired bootstrap (people resampled within groups)",
    "bootstrap_independent": "independent bootstrap of each audit",
}
_OUTCOME_TEXT = {"pass": "PASS", "fail": "FAIL", "not_evaluable": "NOT EVALUABLE"}


def _value(value: Any, *, percent: bool) -> str:
    if not is_defined(value):
        return "n/a"
    return f"{100 * float(value):.1f}%" if percent else f"{float(value):.3f}"


def _change(figure: Mapping[str, Any], *, percent: bool) -> str:
    change = figure.get("change")
    if not is_defined(change):
        return "n/a"
    scale, unit = (100, " pp") if percent else (1, "")
    text = f"{scale * float(change):+.1f}{unit}" if percent else f"{float(change):+.3f}"
    interval = figure.get("interval")
    if interval and all(is_defined(v) for v in interval):
        low, high = (scale * float(v) for v in interval)
        text += f" [{low:+.1f}, {high:+.1f}]" if percent else f" [{low:+.3f}, {high:+.3f}]"
    return text


def _gate_section(document: Mapping[str, Any], styles, width: float) -> list[Flowable]:
    gate = document.get("policy")
    if not gate:
        return [
            Paragraph(
                "No release gate was given: this chapter reports, it does not judge.", styles.body
            )
        ]
    outcome = gate.get("outcome", "not_evaluable")
    colour = {"pass": PASS, "fail": FAIL}.get(outcome)
    verdict = _OUTCOME_TEXT.get(outcome, outcome)
    story: list[Flowable] = [
        Paragraph(
            f"<b>Release gate “{esc(gate.get('name', ''))}”: "
            + (f"<font color='#{colour.hexval()[2:]}'>{verdict}</font>" if colour else verdict)
            + "</b>",
            styles.body,
        )
    ]
    rows = [[Paragraph(h, styles.head) for h in ("Check", "Breakdown", "Worsening", "Verdict")]]
    for check in gate.get("checks", []):
        value = check.get("value")
        interval = check.get("interval")
        shown = "n/a" if not is_defined(value) else f"{float(value):+.3f}"
        if interval:
            shown += f" [{float(interval[0]):+.3f}, {float(interval[1]):+.3f}]"
        note = check.get("reason", "")
        if check.get("worst_group"):
            note = f"worst group: {group_name(check['worst_group'])}. {note}"
        rows.append(
            [
                Paragraph(esc(check.get("description", "")), styles.cell),
                Paragraph(esc(", ".join(check.get("by", []))), styles.cell),
                Paragraph(esc(shown), styles.cell),
                Paragraph(
                    f"<b>{_OUTCOME_TEXT.get(check.get('outcome'), '?')}</b>"
                    + (f"<br/>{esc(note)}" if note.strip() else ""),
                    styles.cell,
                ),
            ]
        )
    story.append(grid_table(rows, widths=(4, 1.3, 2.2, 3), frame_width=width))
    story.append(
        Paragraph(
            "Worsening is the change signed so that a positive value is worse (a rise of a "
            "difference or error rate, a fall of a ratio). A check judged on the interval fails "
            "only when the whole interval is beyond the tolerance, passes only when it is "
            "wholly within, and is otherwise not evaluable (inconclusive). A not-evaluable check "
            "is never counted as a pass.",
            styles.note,
        )
    )
    return story


def _breakdown_section(breakdown: Mapping[str, Any], styles, width: float) -> list[Flowable]:
    by = " × ".join(breakdown.get("by", []))
    story: list[Flowable] = [Paragraph(esc(f"By {by}"), styles.h2)]
    rows = [
        [
            Paragraph(h, styles.head)
            for h in ("Summary", "Baseline", "Candidate", "Change [95% interval]")
        ]
    ]
    for name, label in _SUMMARY_NAMES.items():
        figure = breakdown.get("summary", {}).get(name, {})
        rows.append(
            [
                Paragraph(label, styles.cell),
                Paragraph(_value(figure.get("baseline"), percent=False), styles.cell_right),
                Paragraph(_value(figure.get("candidate"), percent=False), styles.cell_right),
                Paragraph(esc(_change(figure, percent=False)), styles.cell),
            ]
        )
    story.append(grid_table(rows, widths=(3.2, 1.2, 1.2, 3), frame_width=width))
    left_out = breakdown.get("summary_groups_left_out") or []
    if left_out:
        story.append(
            Paragraph(
                "Summaries and impact ratios use the groups with enough data; left out: "
                + esc(", ".join(group_name(k) for k in left_out))
                + ".",
                styles.note,
            )
        )
    head = ["Group", "n"] + [label for _, label in _GROUP_METRICS]
    rows = [[Paragraph(h, styles.head) for h in head]]
    for group in breakdown.get("groups", []):
        metrics = group.get("metrics", {})
        cells = [
            Paragraph(
                esc(group_name(group["key"]))
                + (" <i>(small)</i>" if "insufficient_data" in group.get("flags", []) else ""),
                styles.cell,
            ),
            Paragraph(f"{float(group['n']['candidate']):,.0f}", styles.cell_right),
        ]
        for metric, _ in _GROUP_METRICS:
            figure = metrics.get(metric, {})
            percent = metric != "impact_ratio"
            cells.append(
                Paragraph(
                    f"{_value(figure.get('baseline'), percent=percent)} → "
                    f"{_value(figure.get('candidate'), percent=percent)}<br/>"
                    f"{esc(_change(figure, percent=percent))}",
                    styles.cell,
                )
            )
        rows.append(cells)
    story.append(Spacer(1, 4))
    story.append(grid_table(rows, widths=(2.2, 0.8, 2, 2, 2, 2), frame_width=width))
    return story


def comparison_chapter(document: Mapping[str, Any], styles, width: float) -> list[Flowable]:
    """The chapter's flowables (usable inside a larger report)."""
    if document.get("schema") != "auditor/compare-v1":
        raise ReportError(
            f"the document has schema {document.get('schema')!r}, not 'auditor/compare-v1': "
            "pass ComparisonResult.to_dict() or the JSON of `auditor compare … --json`"
        )
    baseline, candidate = document.get("baseline", {}), document.get("candidate", {})
    design = document.get("design")
    options = document.get("options", {})
    confidence = float(options.get("confidence", 0.95))
    story: list[Flowable] = [
        Paragraph("Model comparison", styles.h1),
        Paragraph(
            f"<b>Baseline</b> (production): {esc(baseline.get('description', ''))}. "
            f"<b>Candidate</b>: {esc(candidate.get('description', ''))}. "
            + (
                f"Paired design: both models judged on the same "
                f"{float(baseline.get('rows_used') or 0):,.0f} people "
                f"({esc(baseline.get('source', ''))})."
                if design == "paired"
                else "Unpaired design: two independent audits; each change's interval comes "
                "from both audits' own sampling uncertainty."
            ),
            styles.body,
        ),
        Paragraph(
            f"Each change is candidate − baseline with a {100 * confidence:.0f}% interval. "
            + (
                "Per-group selection, true/false positive and negative rates and accuracy use "
                f"the {_METHOD_TEXT['newcombe_paired']} (the same people under both models); "
                "impact ratios, PPV-type rates and summaries use a "
                f"{_METHOD_TEXT['bootstrap_paired']}, "
                f"{options.get('bootstrap_replicates')} replicates, seed {options.get('seed')}."
                if design == "paired"
                else f"Rates use the {_METHOD_TEXT['newcombe_independent']}; impact ratios and "
                f"summaries an {_METHOD_TEXT['bootstrap_independent']}, "
                f"{options.get('bootstrap_replicates')} replicates, seed {options.get('seed')}."
            )
            + " Rates are shown baseline → candidate, then the change in percentage points.",
            styles.body,
        ),
        Paragraph("Release gate", styles.h2),
        *_gate_section(document, styles, width),
    ]
    for breakdown in document.get("breakdowns", []):
        if len(breakdown.get("by", [])) == 1:
            story.extend(_breakdown_section(breakdown, styles, width))
    pairs = [b for b in document.get("breakdowns", []) if len(b.get("by", [])) == 2]
    if pairs:
        story.append(Paragraph("Intersections", styles.h2))
        rows = [
            [
                Paragraph(h, styles.head)
                for h in ("Breakdown", "Summary", "Baseline", "Candidate", "Change [interval]")
            ]
        ]
        for breakdown in pairs:
            for name in ("demographic_parity_difference", "equalized_odds_difference"):
                figure = breakdown["summary"][name]
                rows.append(
                    [
                        Paragraph(esc(" × ".join(breakdown["by"])), styles.cell),
                        Paragraph(_SUMMARY_NAMES[name], styles.cell),
                        Paragraph(_value(figure.get("baseline"), percent=False), styles.cell_right),
                        Paragraph(
                            _value(figure.get("candidate"), percent=False), styles.cell_right
                        ),
                        Paragraph(esc(_change(figure, percent=False)), styles.cell),
                    ]
                )
        story.append(grid_table(rows, widths=(2, 3, 1.1, 1.1, 2.6), frame_width=width))
    return story


def comparison_pdf_bytes(document: Mapping[str, Any]) -> bytes:
    """The comparison report (compare-v1 dict) as PDF bytes."""
    register_fonts()
    styles = make_styles()
    width, _ = frame_size()
    story = [
        Spacer(1, 30),
        Paragraph("Model comparison report", styles.title),
        Paragraph(
            esc(
                f"{document.get('candidate', {}).get('description', 'candidate')} against "
                f"{document.get('baseline', {}).get('description', 'baseline')}"
            ),
            styles.subtitle,
        ),
        *comparison_chapter(document, styles, width),
    ]
    sha = (document.get("dataset") or {}).get("sha256")
    meta = PdfMetadata(
        title="Model comparison report",
        subject="A candidate model compared with the production model, with intervals",
        keywords=["fairness", "model comparison", "release gate"]
        + ([f"sha256:{sha}"] if sha else []),
        header="Model comparison report",
        footer=f"design: {document.get('design')}",
        created_at=document.get("created_at"),
    )
    return build_pdf(story, meta=meta)


def write_comparison_pdf(document: Mapping[str, Any], out: str | os.PathLike[str]) -> Path:
    """Write the comparison report to ``out``."""
    path = Path(out)
    if not path.parent.is_dir():
        raise ReportError(f"cannot write the PDF to {str(path)!r}: its folder does not exist")
    data = comparison_pdf_bytes(document)
    try:
        write_atomic(path, data)
    except OSError as error:
        raise ReportError(f"cannot write the PDF to {str(path)!r}: {error.strerror}") from error
    return path
