"""The templates' tables as the rules lay them out, for the PDF, the dashboard, CSV and stderr.

Everything here reads the JSON form (``result.to_dict()["ll144"]`` / ``["ugesp"]``), so a
saved audit document renders the same as a fresh one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

__all__ = [
    "LEGAL_NOTICE",
    "TemplateTable",
    "format_p",
    "format_ratio",
    "ll144_tables_text",
    "pooled_frame",
    "template_summary_lines",
    "ugesp_tables_text",
]

LEGAL_NOTICE = (
    "This tool computes the figures that these rules ask for, from the file it was given. It "
    "does not give legal advice, does not decide whether a rule applies or is met, and is "
    "not itself an independent auditor: the auditor and the employer remain responsible for "
    "the data, the categories and the conclusions."
)

TemplateTable = tuple[str, pd.DataFrame, list[str]]
"""(title, table, notes) — one table of a template, with the notes printed under it."""


def format_ratio(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def format_rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def format_p(value: float | None) -> str:
    if value is None:
        return "n/a"
    return "< 0.0001" if value < 1e-4 else f"{value:.4f}"


def _title(by: list[str], stratum: str | None = None) -> str:
    name = " × ".join(by)
    return name if stratum is None else f"{name} — stratum {stratum}"


def ll144_tables_text(ll144: Mapping[str, Any]) -> list[TemplateTable]:
    """Each LL144 breakdown as ``Category | # Applicants | # Selected | Selection rate |
    Impact ratio`` (scoring tools: ``… | Scoring rate | Impact ratio``), unknowns last."""
    scoring = ll144["kind"] == "scoring"
    out = []
    for table in ll144["tables"]:
        records = []
        for row in table["rows"]:
            record = {"Category": row["category"], "# Applicants": row["applicants"]}
            if not scoring:
                record["# Selected"] = row["selected"]
            record["Scoring rate" if scoring else "Selection rate"] = format_rate(row["rate"])
            record["Impact ratio"] = (
                "excluded (< {:.0%})".format(ll144["excluded_under"])
                if row["excluded"]
                else format_ratio(row["impact_ratio"])
            )
            records.append(record)
        unknown = {"Category": "Unknown (not in the rates)", "# Applicants": table["unknown"]}
        if not scoring:
            unknown["# Selected"] = None
        unknown["Scoring rate" if scoring else "Selection rate"] = ""
        unknown["Impact ratio"] = ""
        records.append(unknown)
        notes = []
        if table.get("comparison"):
            notes.append(f"Impact ratios divide by the highest rate: {table['comparison']}.")
        for name in table.get("excluded_would_be_maximum", []):
            notes.append(
                f"Flag: the excluded category {name} has a higher rate than every included "
                "category; with it included, it would be the comparison category."
            )
        frame = pd.DataFrame.from_records(records)
        counts = [c for c in ("# Applicants", "# Selected") if c in frame.columns]
        frame[counts] = frame[counts].astype("Int64")
        out.append((_title(table["by"]), frame, notes))
    return out


def ugesp_tables_text(ugesp: Mapping[str, Any]) -> list[TemplateTable]:
    """Each UGESP table (per breakdown and stratum) with the battery's columns."""
    out = []
    for table in ugesp["tables"]:
        records = []
        for row in table["rows"]:
            interval = row["impact_ratio_interval"]
            records.append(
                {
                    "Category": row["category"] + (" (comparison)" if row["comparison"] else ""),
                    "Applicants": row["applicants"],
                    "Selected": row["selected"],
                    "Rate": format_rate(row["rate"]),
                    "Impact ratio": format_ratio(row["impact_ratio"]),
                    "95% interval": (
                        f"{interval[0]:.2f}–{interval[1]:.2f}" if interval is not None else ""
                    ),
                    "Z": ""
                    if row["z"] is None
                    else f"{row['z']:.2f}" + (" *" if row["two_sd_flag"] else ""),
                    "Fisher p": "" if row["fisher_p"] is None else format_p(row["fisher_p"]),
                    "Test": {"fisher_exact": "Fisher", "two_proportion_z": "Z"}.get(
                        row["test"], ""
                    ),
                    "Shortfall": row["shortfall"],
                }
            )
        notes = [f"Comparison: {table['comparison']} ({table['comparison_basis']})."]
        if table["unknown"]:
            notes.append(f"Unknown category, left out: {table['unknown']} applicants.")
        frame = pd.DataFrame.from_records(records)
        frame["Shortfall"] = frame["Shortfall"].astype("Int64")
        out.append((_title(table["by"], table["stratum"]), frame, notes))
    return out


def pooled_frame(ugesp: Mapping[str, Any]) -> pd.DataFrame:
    """The CMH / Mantel–Haenszel / Breslow–Day rows, one per breakdown and focal category."""
    records = []
    for row in ugesp["pooled"]:
        interval = row["mh_odds_ratio_interval"]
        records.append(
            {
                "Breakdown": " × ".join(row["by"]),
                "Category": row["category"],
                "Comparison": row["comparison"],
                "Strata": row["strata_used"],
                "CMH χ²": "n/a" if row["cmh_chi2"] is None else f"{row['cmh_chi2']:.2f}",
                "CMH p": format_p(row["cmh_p"]),
                "Z_MH": "n/a" if row["z_mh"] is None else f"{row['z_mh']:.2f}",
                "MH odds ratio": format_ratio(row["mh_odds_ratio"]),
                "95% interval": (
                    f"{interval[0]:.2f}–{interval[1]:.2f}" if interval is not None else ""
                ),
                "Breslow–Day p": format_p(row["breslow_day_p"])
                + (" (strata disagree)" if row["strata_disagree"] else ""),
                "Shortfall": f"{row['shortfall']:.1f}",
            }
        )
    return pd.DataFrame.from_records(records)


def template_summary_lines(result: Any) -> list[str]:
    """A few lines for stderr after a template audit."""
    document = {name: template.to_dict() for name, template in result.templates.items()}
    lines = []
    if "ll144" in document:
        ll144 = document["ll144"]
        head = "LL144 " + ("scoring-tool" if ll144["kind"] == "scoring" else "selection-tool")
        if ll144["median_score"] is not None:
            head += f" audit, median score {ll144['median_score']:g}"
        lines.append(head + ":")
        for table in ll144["tables"]:
            included = [r for r in table["rows"] if r["impact_ratio"] is not None]
            if included:
                lowest = min(included, key=lambda r: r["impact_ratio"])
                lines.append(
                    f"  {' × '.join(table['by'])}: lowest impact ratio "
                    f"{lowest['impact_ratio']:.3f} ({lowest['category']}), "
                    f"unknown {table['unknown']}"
                )
            for name in table["excluded_would_be_maximum"]:
                lines.append(f"  flag: excluded {name} would have been the most selected")
    if "ugesp" in document:
        ugesp = document["ugesp"]
        flagged = [
            (t, r)
            for t in ugesp["tables"]
            if t["stratum"] is None
            for r in t["rows"]
            if r["two_sd_flag"] or (r["test"] == "fisher_exact" and (r["fisher_p"] or 1) < 0.05)
        ]
        lines.append(f"UGESP: {len(flagged)} significant disparities in the unstratified tables")
        for row in ugesp["pooled"]:
            if row["cmh_p"] is not None and row["cmh_p"] < 0.05:
                lines.append(
                    f"  pooled over {', '.join(ugesp['strata'])}: {row['category']} vs "
                    f"{row['comparison']}: MH odds ratio {row['mh_odds_ratio']:.2f}, "
                    f"CMH p {format_p(row['cmh_p'])}"
                    + (" (strata disagree)" if row["strata_disagree"] else "")
                )
    return lines
