"""The Compare page's helpers: run a comparison in this session, and tables for display.

Pages only call these; every number comes from :mod:`auditor.compare`.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from typing import Any, Literal

import pandas as pd

from auditor.compare import ComparisonResult, compare, compare_audits
from auditor.compare.gate import ComparisonPolicy
from auditor.errors import InputError, PolicyError
from auditor.narrative import METRIC_NAMES

__all__ = [
    "DEFAULT_GATE_PATH",
    "data_path",
    "gate_from_text",
    "group_change_table",
    "run_paired",
    "run_unpaired",
    "summary_change_table",
    "verdict_table",
]

from auditor.samples import SAMPLE_DIR

DEFAULT_GATE_PATH = SAMPLE_DIR / "compare_gate.toml"
SUMMARY_NAMES = {
    "demographic_parity_difference": "Demographic parity difference",
    "demographic_parity_ratio": "Demographic parity ratio",
    "equalized_odds_difference": "Equalized odds difference",
    "equalized_odds_ratio": "Equalized odds ratio",
    "equal_opportunity_difference": "Equal opportunity difference",
}
OUTCOME_TEXT = {"pass": "PASS", "fail": "FAIL", "not_evaluable": "NOT EVALUABLE"}


def default_gate_text() -> str:
    return DEFAULT_GATE_PATH.read_text(encoding="utf-8") if DEFAULT_GATE_PATH.exists() else ""


def gate_from_text(text: str) -> ComparisonPolicy | None:
    """The release gate typed in the page (TOML); ``None`` when the box is empty."""
    if not text.strip():
        return None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(f"the release gate is not valid TOML: {error}") from None
    return ComparisonPolicy.from_dict(data, source="the page")


Decision = tuple[Literal["column", "threshold"], str | float]


def data_path(result: Any, *, sample: str | None, upload_names: Mapping[Any, str]):
    """Where the loaded audit's rows are: the bundled sample's file, or this session's upload.

    The audit names its data by the file's name only (never a server path), so the path is
    looked up here: a sample by its name, an upload among this session's saved uploads.
    """
    from pathlib import Path

    from auditor.samples import get_sample

    if sample:
        return get_sample(sample).path
    matches = [path for path, name in upload_names.items() if name == result.dataset.source]
    if matches:
        return Path(matches[-1])
    raise InputError(
        f"the loaded file '{result.dataset.source}' is no longer in this session: upload it "
        "again on the Upload page"
    )


def run_paired(
    result: Any,
    *,
    path: Any,
    baseline: Decision,
    candidate: Decision,
    gate: ComparisonPolicy | None,
    connection: Any,
    replicates: int = 2000,
) -> ComparisonResult:
    """Compare two decisions on the loaded audit's own file (the mapping's label and groups)."""
    mapping = result.mapping
    options: dict[str, Any] = {}
    for side, (kind, value) in (("baseline", baseline), ("candidate", candidate)):
        if kind == "column":
            options[side] = str(value)
        else:
            if mapping.score is None:
                raise InputError("this audit has no score column: compare two prediction columns")
            options[f"{side}_threshold"] = float(value)
    return compare(
        path,
        label=mapping.label,
        protected=list(mapping.protected),
        score=mapping.score,
        positive_label=mapping.positive_label,
        policy=gate,
        min_group_size=int(result.options.get("min_group_size", 30)),
        replicates=replicates,
        connection=connection,
        source_name=result.dataset.source,
        **options,
    )


def run_unpaired(
    baseline: bytes, candidate: bytes, *, gate: ComparisonPolicy | None, replicates: int = 2000
) -> ComparisonResult:
    """Compare two uploaded audit JSON files."""
    documents = []
    for name, data in (("baseline", baseline), ("candidate", candidate)):
        try:
            documents.append(json.loads(data.decode("utf-8")))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise InputError(
                f"the {name} file is not an audit JSON document: upload the --json output of "
                "auditor audit"
            ) from None
    return compare_audits(documents[0], documents[1], policy=gate, replicates=replicates)


def _figure(value: Any, *, percent: bool) -> str:
    if value is None:
        return "n/a"
    return f"{100 * value:.1f}%" if percent else f"{value:.3f}"


def _change(figure: Mapping[str, Any], *, percent: bool) -> str:
    change = figure.get("change")
    if change is None:
        return "n/a"
    scale = 100 if percent else 1
    unit = " pp" if percent else ""
    digits = 1 if percent else 3
    text = f"{scale * change:+.{digits}f}{unit}"
    interval = figure.get("interval")
    if interval:
        text += f" [{scale * interval[0]:+.{digits}f}, {scale * interval[1]:+.{digits}f}]"
    return text


def breakdown_of(document: Mapping[str, Any], attribute: str) -> Mapping[str, Any]:
    return next(b for b in document["breakdowns"] if b["by"] == [attribute])


def summary_change_table(document: Mapping[str, Any], attribute: str) -> pd.DataFrame:
    breakdown = breakdown_of(document, attribute)
    rows = []
    for name, label in SUMMARY_NAMES.items():
        figure = breakdown["summary"][name]
        rows.append(
            {
                "summary": label,
                "baseline": _figure(figure["baseline"], percent=False),
                "candidate": _figure(figure["candidate"], percent=False),
                "change [95% interval]": _change(figure, percent=False),
            }
        )
    return pd.DataFrame(rows).set_index("summary")


def group_change_table(document: Mapping[str, Any], attribute: str, metric: str) -> pd.DataFrame:
    breakdown = breakdown_of(document, attribute)
    percent = metric != "impact_ratio"
    rows = []
    for group in breakdown["groups"]:
        figure = group["metrics"].get(metric) or {}
        name = " × ".join(group["key"].values())
        rows.append(
            {
                "group": name + (" (small)" if "insufficient_data" in group["flags"] else ""),
                "n": f"{group['n']['candidate']:,.0f}",
                "baseline": _figure(figure.get("baseline"), percent=percent),
                "candidate": _figure(figure.get("candidate"), percent=percent),
                "change [95% interval]": _change(figure, percent=percent),
            }
        )
    return pd.DataFrame(rows).set_index("group")


def verdict_table(document: Mapping[str, Any]) -> pd.DataFrame | None:
    gate = document.get("policy")
    if not gate:
        return None
    rows = []
    for check in gate["checks"]:
        value = check.get("value")
        interval = check.get("interval")
        shown = "n/a" if value is None else f"{value:+.3f}"
        if interval:
            shown += f" [{interval[0]:+.3f}, {interval[1]:+.3f}]"
        rows.append(
            {
                "check": check["description"],
                "breakdown": ", ".join(check["by"]),
                "worsening": shown,
                "verdict": OUTCOME_TEXT[check["outcome"]],
                "why": check.get("reason", ""),
            }
        )
    return pd.DataFrame(rows)


def metric_label(metric: str) -> str:
    return "impact ratio" if metric == "impact_ratio" else METRIC_NAMES.get(metric, metric)
