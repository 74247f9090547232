"""UI-free helpers for the dashboard: per-session workspaces, mapping suggestions, display tables.

Nothing here imports Streamlit. The dashboard's pages read widgets, call these functions and
:mod:`auditor`, and draw the charts of :mod:`auditor.charts`; every number they show is
computed here or in the core.
"""

from __future__ import annotations

import dataclasses
import math
import re
import shutil
import tempfile
import tomllib
import weakref
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import duckdb
import pandas as pd

from .errors import InputError, PolicyError
from .ingest import Source, open_source
from .labels import _KNOWN_PAIRS, _canonical
from .narrative import METRIC_NAMES, format_rate
from .policy import Policy
from .scores import roc_curve

__all__ = [
    "FLAG_NAMES",
    "UPLOAD_TYPES",
    "Inspection",
    "MappingSuggestion",
    "Workspace",
    "auc_table",
    "baseline_table",
    "breakdown_for",
    "budget_table",
    "checks_table",
    "comparison_sentences",
    "default_store_path",
    "evaluate_with_cube",
    "exact_vs_private",
    "format_ratio",
    "group_table",
    "headline_metrics",
    "operating_points",
    "history_table",
    "interval_cost",
    "policy_from_text",
    "private_view",
    "progress_callback",
    "reference_options",
    "roc_frame",
    "suggest_mapping",
    "summary_table",
    "threshold_range",
    "threshold_view",
    "visible_audits",
]

UPLOAD_TYPES = ("csv", "tsv", "txt", "gz", "parquet", "pq", "jsonl", "ndjson", "json")
"""File endings the upload widget accepts."""

FLAG_NAMES = {
    "empty": "no rows",
    "insufficient_data": "insufficient data",
    "no_actual_positives": "no actual positives",
    "no_actual_negatives": "no actual negatives",
}

SUMMARY_NAMES = {
    "demographic_parity_difference": "Demographic parity difference (max − min selection rate)",
    "demographic_parity_ratio": "Demographic parity ratio (min ÷ max selection rate)",
    "equalized_odds_difference": "Equalized odds difference (largest TPR or FPR gap)",
    "equalized_odds_ratio": "Equalized odds ratio (smaller of TPR and FPR min ÷ max)",
    "equal_opportunity_difference": "Equal opportunity difference (TPR gap)",
}

_PROTECTED_WORDS = (
    "race",
    "ethnic",
    "sex",
    "gender",
    "age_cat",
    "age_group",
    "agegroup",
    "age_band",
    "religion",
    "disab",
    "nationality",
    "national_origin",
    "marital",
    "pregnan",
    "colour",
    "color",
    "caste",
    "orientation",
)
_LABEL_WORDS = (
    "label",
    "target",
    "outcome",
    "actual",
    "truth",
    "y_true",
    "recid",
    "income",
    "class",
    "default",
    "churn",
)
_PREDICTION_WORDS = ("pred", "yhat", "y_hat", "decision", "high_risk", "flag", "approved", "output")
_SCORE_WORDS = ("score", "prob", "proba", "decile", "risk", "logit", "confidence")


# ----------------------------------------------------------------------------- workspace


@dataclasses.dataclass(frozen=True)
class Inspection:
    """What the upload page shows before an audit: columns, their types and the first rows."""

    path: Path
    description: str
    format: str
    columns: tuple[str, ...]
    preview: pd.DataFrame


class Workspace:
    """One browser session's private data: a temporary folder and its own DuckDB connection.

    Uploaded files are saved in the folder, which is deleted with :meth:`close` (or when the
    workspace is garbage-collected), so two sessions never see each other's files.
    """

    def __init__(self, *, parent: str | Path | None = None) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="auditor-session-", dir=parent))
        from .engine import connect

        self.connection: duckdb.DuckDBPyConnection = connect(
            temp_directory=str(self.directory / "spill")
        )
        self._finalizer = weakref.finalize(self, _cleanup, self.connection, str(self.directory))

    def save_upload(self, name: str, data: bytes | BinaryIO) -> Path:
        """Save an upload (bytes or a binary file object) under a safe version of ``name``.

        A file object is copied in chunks, so a large upload is not duplicated in memory.
        """
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).name).strip("._") or "upload.csv"
        target = self.directory / "uploads" / safe
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes | bytearray):
            target.write_bytes(data)
        else:
            data.seek(0)
            with target.open("wb") as out:
                shutil.copyfileobj(data, out, length=1 << 22)
        if target.stat().st_size == 0:
            target.unlink()
            raise InputError(
                f"the uploaded file '{name}' is empty: choose a file with a header and rows"
            )
        return target

    def open(self, path: str | Path) -> Source:
        """The file as a DuckDB view on this session's connection."""
        return open_source(Path(path), connection=self.connection)

    def inspect(self, path: str | Path, *, rows: int = 500) -> Inspection:
        """Columns and the first ``rows`` rows (for the preview and the mapping suggestions)."""
        source = self.open(path)
        return Inspection(
            path=Path(path),
            description=source.description,
            format=source.format,
            columns=tuple(source.columns),
            preview=source.preview(rows),
        )

    def audit(self, path: str | Path, **options: Any):
        """:func:`auditor.audit` on this session's connection."""
        from .audit import audit

        return audit(Path(path), connection=self.connection, **options)

    def close(self) -> None:
        """Close the connection and delete the folder."""
        self._finalizer()

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive


def _cleanup(connection: duckdb.DuckDBPyConnection, directory: str) -> None:
    try:
        connection.close()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


# ----------------------------------------------------------------------------- suggestions


@dataclasses.dataclass(frozen=True, kw_only=True)
class MappingSuggestion:
    """A first guess at the column roles, for the user to confirm."""

    label: str | None
    prediction: str | None
    score: str | None
    threshold: float | None
    protected: tuple[str, ...]
    positive_label: str | None
    label_values: tuple[str, ...] = ()


def _distinct(frame: pd.DataFrame, column: str) -> list[str]:
    values = frame[column].dropna().astype(str).str.strip()
    return sorted(v for v in values.unique() if v != "")


def _numeric(frame: pd.DataFrame, column: str) -> pd.Series | None:
    values = pd.to_numeric(frame[column].dropna().astype(str).str.strip(), errors="coerce")
    if len(values) == 0 or values.isna().mean() > 0.05:
        return None
    return values.dropna()


def _mentions(name: str, words: Sequence[str]) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in words)


def _is_known_binary(values: Sequence[str]) -> bool:
    classes = {_canonical(v) for v in values}
    return any(classes <= {positive, negative} for positive, negative in _KNOWN_PAIRS)


def suggest_mapping(preview: pd.DataFrame) -> MappingSuggestion:
    """Guess label, prediction, score (+ threshold), protected attributes and positive label.

    Uses column names and the values in the preview rows; the user confirms every choice.
    """
    columns = [str(c) for c in preview.columns]
    distinct = {c: _distinct(preview, c) for c in columns}
    binary = [c for c in columns if len(distinct[c]) == 2]

    def pick(words: Sequence[str], candidates: Sequence[str], exclude: set[str]) -> str | None:
        for column in candidates:
            if column not in exclude and _mentions(column, words):
                return column
        return None

    label = pick(_LABEL_WORDS, binary, set())
    prediction = pick(_PREDICTION_WORDS, binary, {label} if label else set())
    if label is None:
        remaining = [c for c in binary if c != prediction]
        label = remaining[0] if remaining else None
    if prediction is None:
        prediction = next(
            (c for c in binary if c not in (label,) and not _mentions(c, _PROTECTED_WORDS)), None
        )

    score = None
    for column in columns:
        if column in (label, prediction) or not _mentions(column, _SCORE_WORDS):
            continue
        numbers = _numeric(preview, column)
        if numbers is not None and numbers.nunique() > 2:
            score = column
            break
    threshold = None
    if score is not None:
        numbers = _numeric(preview, score)
        low, high = float(numbers.min()), float(numbers.max())
        threshold = 0.5 if low >= 0.0 and high <= 1.0 else float(math.floor((low + high) / 2))

    protected = [
        c
        for c in columns
        if c not in (label, prediction, score)
        and _mentions(c, _PROTECTED_WORDS)
        and 1 < len(distinct[c]) <= 50
    ]

    positive_label = None
    label_values: tuple[str, ...] = ()
    if label is not None:
        label_values = tuple(distinct[label])
        if not _is_known_binary(label_values):
            counts = preview[label].dropna().astype(str).str.strip().value_counts()
            positive_label = str(counts.index[-1]) if len(counts) else None
    return MappingSuggestion(
        label=label,
        prediction=prediction,
        score=score,
        threshold=threshold,
        protected=tuple(protected),
        positive_label=positive_label,
        label_values=label_values,
    )


# ----------------------------------------------------------------------------- policy


def policy_from_text(text: str, *, source: str = "the policy editor") -> Policy:
    """A policy from TOML text (an upload or the editor); bad TOML raises :class:`PolicyError`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(f"{source} does not hold valid TOML: {error}") from None
    return Policy.from_dict(data, source=source)


# ----------------------------------------------------------------------------- display tables


def format_ratio(value: float | None) -> str:
    """1.923 → '1.92×'; ``None`` → 'n/a'."""
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value:.2f}×"


def _format_interval(interval: Sequence[float] | None) -> str:
    if not interval:
        return "n/a"
    return f"{100 * interval[0]:.1f}–{100 * interval[1]:.1f}"


def _format_count(value: Any, *, private: bool) -> str:
    if value is None:
        return "n/a"
    if private:
        return f"≈{max(0.0, float(value)):,.0f}"
    return f"{int(value):,}"


HEADLINE = ("selection_rate", "fpr", "fnr")


def headline_metrics(metric: str) -> list[str]:
    """The chosen metric first, then the headline rates (selection rate, FPR, FNR): three columns."""
    return [metric, *[m for m in HEADLINE if m != metric]][:3]


def breakdown_for(document: Mapping[str, Any], *by: str) -> dict[str, Any]:
    """The breakdown over ``by`` in an audit document (either order for a pair)."""
    for breakdown in document["breakdowns"]:
        if tuple(breakdown["by"]) == by or (len(by) == 2 and set(breakdown["by"]) == set(by)):
            return breakdown
    raise KeyError(f"the audit has no breakdown by {list(by)}")


def reference_options(breakdown: Mapping[str, Any]) -> list[str]:
    """The group values of a one-attribute breakdown, largest group first."""
    (attribute,) = breakdown["by"]
    groups = sorted(breakdown["groups"], key=lambda g: -(g.get("n") or 0))
    return [g["key"][attribute] for g in groups]


def group_table(
    breakdown: Mapping[str, Any],
    metrics: Sequence[str],
    *,
    private: bool = False,
    ratio_metric: str | None = None,
) -> pd.DataFrame:
    """One row per group: size, each metric with its 95% interval, ratio to the reference, notes.

    Undefined values read 'n/a' (never 0). In DP mode the sizes are noisy and shown as ≈.
    """
    ratio_metric = ratio_metric or (metrics[0] if metrics else None)
    rows = []
    for group in breakdown["groups"]:
        row: dict[str, str] = {
            "group": " × ".join(group["key"].values()),
            ("n (noisy)" if private else "n"): _format_count(group.get("n"), private=private),
        }
        for metric in metrics:
            value = group["metrics"].get(metric)
            interval = group.get("intervals", {}).get(metric)
            if private:  # released rates can fall outside 0–100%: clamp for display only
                text = _display_rate(value)
                interval = interval and [min(1.0, max(0.0, b)) for b in interval]
            else:
                text = format_rate(value)
            if value is not None and interval:
                text += f" ({_format_interval(interval)})"
            if private and "not_estimable" in group.get("flags", []):
                text = f"{text} — not estimable at this ε"
            row[f"{METRIC_NAMES.get(metric, metric)} (95% interval)"] = text
            if metric == ratio_metric:
                ratio = group.get("ratio_to_reference", {}).get(metric)
                row["÷ reference"] = (
                    "reference" if group.get("is_reference") else format_ratio(ratio)
                )
        notes = [FLAG_NAMES.get(flag, flag.replace("_", " ")) for flag in group.get("flags", [])]
        test = group.get("tests", {}).get(ratio_metric) if ratio_metric else None
        if test and test.get("significant"):
            notes.append("significant (Holm p < 0.05)")
        row["notes"] = "; ".join(notes)
        rows.append(row)
    return pd.DataFrame(rows)


def summary_table(breakdown: Mapping[str, Any]) -> pd.DataFrame:
    """The breakdown's summary metrics with readable names; undefined values read 'n/a'."""
    sufficient = breakdown.get("summary_sufficient_data") or {}
    rows = []
    for key, value in breakdown.get("summary", {}).items():
        enough = sufficient.get(key)
        rows.append(
            {
                "summary": SUMMARY_NAMES.get(key, key.replace("_", " ")),
                "all groups": "n/a" if value is None else f"{value:.3f}",
                "groups with enough data": "n/a" if enough is None else f"{enough:.3f}",
            }
        )
    return pd.DataFrame(rows)


def checks_table(
    policy: Mapping[str, Any] | None, *, by: Sequence[str] | None = None
) -> pd.DataFrame:
    """Policy verdicts as a table (only those about ``by`` if given)."""
    rows = []
    for check in (policy or {}).get("checks", []):
        if by is not None and list(check.get("by", [])) != list(by):
            continue
        value = check.get("value")
        rows.append(
            {
                "verdict": "PASS" if check.get("passed") else "FAIL",
                "check": check.get("description")
                or f"{check['metric']} {check['rule'].replace('_', ' ')} {check['bound']}",
                "by": ", ".join(check.get("by", [])),
                "value": "n/a" if value is None else f"{value:.3f}",
                "worst group": _worst_group(check),
            }
        )
    return pd.DataFrame(rows, columns=["verdict", "check", "by", "value", "worst group"])


def _worst_group(check: Mapping[str, Any]) -> str:
    group = check.get("group") or check.get("worst_group")
    if isinstance(group, Mapping):
        return " × ".join(str(v) for v in group.values())
    return str(group) if group else ""


# ----------------------------------------------------------------------------- scores


def threshold_range(result) -> tuple[float, float, float, float]:
    """``(low, high, step, current)`` for a threshold slider over the audit's score bins."""
    cells = result.cube.cells
    bins = (
        cells["score_bin"].dropna().astype(float)
        if cells is not None
        else pd.Series([], dtype=float)
    )
    if bins.empty:
        raise InputError(
            "this audit has no score values: audit with a score column to move the threshold"
        )
    low, high = float(bins.min()), float(bins.max())
    integer = bool((bins == bins.round()).all())
    step = 1.0 if integer else (0.01 if high - low <= 1.0 else round((high - low) / 100, 6))
    current = result.mapping.threshold
    if current is None:
        current = _implied_threshold(result.cube.cells)
    current = min(max(float(current), low), high)
    return low, high, step, current


def _implied_threshold(cells: pd.DataFrame) -> float:
    """The lowest score bin whose rows are mostly predicted positive (the model's own cut)."""
    table = (
        cells.dropna(subset=["score_bin"])
        .groupby("score_bin")[["yhat", "n"]]
        .apply(lambda part: (part["yhat"] * part["n"]).sum() / max(part["n"].sum(), 1))
    )
    positive = table[table >= 0.5]
    return float(positive.index.min()) if len(positive) else float(table.index.max())


def evaluate_with_cube(result, cube, *, reference=None, policy=None, **changes):
    """``result`` recomputed on another count cube (moved threshold, DP release) — no data read.

    :func:`auditor.reaudit` keeps the cube and may reuse breakdowns, so a new cube goes through
    :func:`auditor.evaluate_cube` instead, with the interval estimator that fits it.
    """
    from .audit import evaluate_cube, parse_reference
    from .metrics import ExactIntervals

    options = dict(result.options)
    if reference is not None:
        options["reference"] = parse_reference(reference)
    confidence = options["confidence"]
    estimator = (
        cube.release.interval_estimator(confidence=confidence)
        if cube.is_private
        else ExactIntervals(confidence=confidence)
    )
    options["interval_method"] = estimator.method
    if policy is None and result.policy is not None:
        policy = result.policy.policy
    overall, breakdowns, verdicts = evaluate_cube(
        cube,
        reference=options.get("reference"),
        policy=policy,
        min_group_size=options["min_group_size"],
        intersections=options["intersections"],
        intervals=estimator,
    )
    return dataclasses.replace(
        result,
        cube=cube,
        overall=overall,
        breakdowns=breakdowns,
        policy=verdicts,
        options=options,
        **changes,
    )


def threshold_view(result, threshold: float, *, reference=None, policy=None):
    """The audit with predictions re-derived as 'score ≥ threshold' — from the cube, no rescan."""
    from .scores import cube_at_threshold

    return evaluate_with_cube(
        result,
        cube_at_threshold(result.cube, threshold),
        reference=reference,
        policy=policy,
        mapping=dataclasses.replace(result.mapping, threshold=float(threshold)),
    )


def roc_frame(result, attribute: str) -> pd.DataFrame:
    """ROC points per group of ``attribute`` (columns ``group``, ``threshold``, ``fpr``, ``tpr``)."""
    table = result.cube.score_counts((attribute,))
    frames = []
    for value, part in table.groupby(attribute, observed=True, sort=True):
        curve = roc_curve(part["score_bin"], part["positives"], part["negatives"])
        curve.insert(0, "group", str(value))
        frames.append(curve)
    return (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["group", "threshold", "fpr", "tpr"])
    )


def operating_points(document: Mapping[str, Any], attribute: str) -> pd.DataFrame:
    """Each group's (FPR, TPR) in an audit document: its point on the ROC curve."""
    rows = [
        {
            "group": " × ".join(g["key"].values()),
            "fpr": g["metrics"].get("fpr"),
            "tpr": g["metrics"].get("tpr"),
        }
        for g in breakdown_for(document, attribute)["groups"]
    ]
    return pd.DataFrame(rows, columns=["group", "fpr", "tpr"]).dropna()


def auc_table(document: Mapping[str, Any], attribute: str) -> pd.DataFrame:
    """ROC AUC per group from the audit document's score section."""
    rows = []
    for group in (document.get("scores") or {}).get(attribute, []):
        auc = group.get("roc_auc")
        rows.append(
            {
                "group": " × ".join(group["key"].values()) or "all",
                "ROC AUC": "n/a" if auc is None else f"{auc:.3f}",
            }
        )
    return pd.DataFrame(rows)


def progress_callback(update: Callable[[float, str], None]) -> Callable[[float, str], None]:
    """Clamp fractions to [0, 1] before handing them to a progress bar."""

    def report(fraction: float, message: str) -> None:
        update(min(1.0, max(0.0, float(fraction))), message)

    return report


# ----------------------------------------------------------------------------- privacy


def default_store_path() -> Path:
    """The dashboard's audit store: ``AUDITOR_STORE`` or ``~/.auditor/audits.duckdb``.

    One store per installation: the privacy budget belongs to the data set (keyed by its
    SHA-256), so every session spending on the same file must see the same ledger.
    """
    import os

    configured = os.environ.get("AUDITOR_STORE")
    path = Path(configured) if configured else Path.home() / ".auditor" / "audits.duckdb"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def private_view(
    result,
    *,
    epsilon: float,
    delta: float | None = None,
    mechanism: str = "laplace",
    store: Any = None,
    privacy_budget: float | None = None,
    seed: int | None = None,
    reference: Mapping[str, str] | None = None,
    policy: Policy | None = None,
):
    """Release the exact audit's cached count cube with (ε, δ)-DP and recompute every figure.

    No data is read: the finest cells of ``result``'s cube are released once through OpenDP
    (:func:`auditor.privacy.release_cube`, which checks and records the spend in ``store``'s
    ledger). The returned audit holds only the released noisy counts.
    """
    from .ingest import Fingerprint
    from .privacy import release_cube

    if result.is_private:
        raise InputError(
            "this audit is already differentially private: release from the exact audit"
        )
    fingerprint = Fingerprint(
        result.dataset.sha256, result.dataset.size_bytes, result.dataset.fingerprint_method
    )
    noisy, privacy = release_cube(
        result.cube,
        epsilon=float(epsilon),
        delta=delta,
        mechanism=mechanism,
        fingerprint=fingerprint,
        store=store,
        privacy_budget=privacy_budget,
        seed=seed,
    )
    levels = (privacy.get("group_domain") or {}).get("levels", {})
    kept = {
        name: value
        for name, value in dict(reference or result.options.get("reference") or {}).items()
        if value in levels.get(name, [value])
    }
    options = dict(result.options)
    options["reference"] = kept
    return evaluate_with_cube(
        dataclasses.replace(result, options=options),
        noisy,
        reference=kept,
        policy=policy,
        privacy=privacy,
        scores=None,
        dataset=dataclasses.replace(
            result.dataset,
            rows=None,
            rows_used=noisy.rows_used,
            rows_excluded=None,
            exclusions={},
            size_bytes=None,
        ),
    )


def _display_rate(value: float | None) -> str:
    """A released rate for display: clamped into [0, 1] (the JSON keeps the raw value)."""
    if value is None:
        return "n/a"
    return format_rate(min(1.0, max(0.0, value)))


def exact_vs_private(
    exact: Mapping[str, Any], private: Mapping[str, Any], attribute: str, metric: str
) -> pd.DataFrame:
    """Side by side per group: the exact rate and interval, the released rate and its interval."""
    released = {tuple(g["key"].values()): g for g in breakdown_for(private, attribute)["groups"]}
    rows = []
    for group in breakdown_for(exact, attribute)["groups"]:
        key = tuple(group["key"].values())
        noisy = released.pop(key, None)
        rows.append(_comparison_row(key, group, noisy, metric))
    for key, noisy in released.items():  # e.g. '(other)': pooled by partition selection
        rows.append(_comparison_row(key, None, noisy, metric))
    return pd.DataFrame(rows)


def _comparison_row(key, exact_group, noisy_group, metric: str) -> dict[str, str]:
    name = METRIC_NAMES.get(metric, metric)

    def cell(group, *, private: bool) -> tuple[str, str]:
        if group is None:
            return ("not released" if private else "—"), ""
        value = group["metrics"].get(metric)
        interval = group.get("intervals", {}).get(metric)
        shown = _display_rate(value) if private else format_rate(value)
        if private and "not_estimable" in group.get("flags", []):
            return shown, "not estimable at this ε"
        if not interval:
            return shown, "n/a"
        low, high = (min(1.0, max(0.0, b)) for b in interval)
        return shown, _format_interval((low, high))

    exact_value, exact_interval = cell(exact_group, private=False)
    private_value, private_interval = cell(noisy_group, private=True)
    return {
        "group": " × ".join(key),
        f"EXACT {name}": exact_value,
        "EXACT 95% interval": exact_interval,
        f"PRIVATE {name}": private_value,
        "PRIVATE 95% interval (noise + sampling)": private_interval,
        "PRIVATE n (noisy)": "—"
        if noisy_group is None
        else _format_count(noisy_group.get("n"), private=True),
    }


def interval_cost(
    result,
    attribute: str,
    metric: str,
    *,
    epsilons: Sequence[float] = (0.1, 0.5, 1.0, 5.0),
    mechanism: str = "laplace",
    delta: float | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """What each ε costs: the half-width of each group's 95% interval of ``metric``, in points.

    One row per release (exact first), one column per group. Uses seeded noise that is **not
    private** and is never published or recorded: it only illustrates the precision each ε
    buys. 'pooled' marks a group that partition selection folded into '(other)'.
    """
    exact = breakdown_for(result.to_dict(), attribute)
    names = [" × ".join(g["key"].values()) for g in exact["groups"]]
    rows = [{"release": "exact (no noise)", **_half_widths(exact, metric, names)}]
    for epsilon in epsilons:
        view = private_view(result, epsilon=epsilon, mechanism=mechanism, delta=delta, seed=seed)
        breakdown = breakdown_for(view.to_dict(), attribute)
        rows.append({"release": f"ε = {epsilon:g}", **_half_widths(breakdown, metric, names)})
    return pd.DataFrame(rows)


def _half_widths(breakdown: Mapping[str, Any], metric: str, names: Sequence[str]) -> dict[str, str]:
    found = {" × ".join(g["key"].values()): g for g in breakdown["groups"]}
    cells = {}
    for name in names:
        group = found.get(name)
        interval = group.get("intervals", {}).get(metric) if group else None
        if group is None:
            cells[name] = "pooled"
        elif "not_estimable" in group.get("flags", []):
            cells[name] = "not estimable"
        elif not interval:
            cells[name] = "n/a"
        else:
            width = min(1.0, interval[1]) - max(0.0, interval[0])
            cells[name] = f"±{50 * width:.1f}"
    return cells


def budget_table(state, releases: Sequence[Any]) -> pd.DataFrame:
    """The data set's privacy ledger: one row per recorded release, then the totals."""
    rows = [
        {
            "when (UTC)": str(r.created_at)[:19].replace("T", " "),
            "mechanism": r.mechanism,
            "ε spent": f"{r.epsilon:g}",
            "δ spent": f"{r.delta:g}",
        }
        for r in releases
    ]
    total = (
        "not declared yet (set with the first release)"
        if state.total is None
        else f"{state.total:g}"
    )
    remaining = "" if state.remaining is None else f", remaining {state.remaining:g}"
    rows.append(
        {
            "when (UTC)": "TOTAL",
            "mechanism": f"budget {total}{remaining}",
            "ε spent": f"{state.spent_epsilon:g}",
            "δ spent": f"{state.spent_delta:g}",
        }
    )
    return pd.DataFrame(rows)


def visible_audits(store, sha256s: Sequence[str]) -> list[Any]:
    """The store's audits of these data sets only (those a session has loaded), newest first."""
    summaries = [s for sha in dict.fromkeys(sha256s) for s in store.list_audits(sha256=sha)]
    return sorted(summaries, key=lambda s: s.created_at, reverse=True)


def history_table(summaries: Sequence[Any]) -> pd.DataFrame:
    """Past audits (store summaries) as a table."""
    return pd.DataFrame(
        [
            {
                "when (UTC)": str(s.created_at)[:19].replace("T", " "),
                "source": Path(str(s.source or "")).name or "—",
                "mode": "differentially private" if s.mode == "dp" else "exact",
                "verdict": "no policy" if s.passed is None else ("PASS" if s.passed else "FAIL"),
                "id": s.id,
            }
            for s in summaries
        ],
        columns=["when (UTC)", "source", "mode", "verdict", "id"],
    )


# ----------------------------------------------------------------------------- baseline study


def baseline_table(study: Mapping[str, Any]) -> pd.DataFrame:
    """One row per strategy of an input-restriction study (``auditor/baseline-v1``)."""
    rows = []
    for strategy in study.get("strategies", []):
        summary = strategy.get("summary", {})
        rates = strategy.get("selection_rates") or {}
        ratio = summary.get("demographic_parity_ratio")
        eod = summary.get("equalized_odds_difference")
        rows.append(
            {
                "model": strategy.get("label", strategy["name"]),
                "inputs dropped": ", ".join(strategy.get("dropped_features", [])) or "none",
                "accuracy": format_rate(strategy.get("accuracy")),
                "selection rate by group": ", ".join(
                    f"{group} {format_rate(rate)}" for group, rate in rates.items()
                ),
                "demographic parity ratio": "n/a" if ratio is None else f"{ratio:.2f}",
                "four-fifths rule": "meets" if strategy.get("meets_four_fifths") else "fails",
                "equalized odds difference": "n/a" if eod is None else f"{eod:.3f}",
                "uses the protected attribute when deciding": "yes"
                if strategy.get("needs_protected_at_prediction")
                else "no",
            }
        )
    return pd.DataFrame(rows)


def comparison_sentences(
    breakdown: Mapping[str, Any], metric: str, *, vocabulary: Any = None
) -> list[str]:
    """Each group against the reference on ``metric`` in plain words (groups with enough data).

    A difference the significance test does not support is marked as such, so a reader does
    not take noise for a finding.
    """
    from .narrative import VOCABULARIES, describe_group_comparison

    vocabulary = vocabulary or VOCABULARIES["generic"]
    reference = next((g for g in breakdown["groups"] if g.get("is_reference")), None)
    if reference is None:
        return []
    sentences = []
    for group in breakdown["groups"]:
        flags = group.get("flags", [])
        if group is reference or "insufficient_data" in flags or "empty" in flags:
            continue
        sentence = describe_group_comparison(metric, group, reference, vocabulary=vocabulary)
        if sentence is None:
            continue
        test = group.get("tests", {}).get(metric)
        if test is not None and test.get("significant") is False:
            sentence = (
                sentence[:-1] + " — within what chance alone could produce (not significant)."
            )
        sentences.append(sentence)
    return sentences
