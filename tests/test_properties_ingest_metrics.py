"""Property-based tests: random frames give the same counts through every format and a plain count.

A random frame has two protected columns (awkward strings: delimiters, quotes, line breaks,
formula prefixes, unicode, blanks, missing values), and 0/1 labels and predictions with
missing values. Written to CSV, Parquet and JSON lines, each file must audit to exactly the
counts of the DataFrame audit and of a pure-Python count (so must a DuckDB relation); every rate is in [0, 1] or undefined
(``None``) exactly when its denominator is zero; and counts add up across grouping levels.
"""

from __future__ import annotations

import math
import os
import unicodedata
from collections import Counter
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import auditor
from auditor.cube import MISSING_GROUP

AWKWARD = [
    "a",
    "b",
    "A",
    "a,b",
    "a;b",
    "a|b",
    "a\tb",
    'say "hi"',
    "'quoted'",
    "line\nbreak",
    "crlf\r\nbreak",
    "\xa0nbsp\u3000",
    "=1+1",
    "+cmd",
    "-1",
    "@SUM(A1)",
    "Zoë",
    "日本",
    "👩🏽‍⚕️",
    "1",
    "1.0",
    "true",
    "NULL",
    "NaN",
    "",
    "   ",
    " padded ",
    None,
]
# Text without control characters or surrogates (a file of control bytes looks binary).
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=8)
GROUP = st.one_of(st.sampled_from(AWKWARD), TEXT)
BIT = st.sampled_from([0, 1, None])
DENOMINATORS = {
    "selection_rate": ("tp", "fp", "tn", "fn"),
    "base_rate": ("tp", "fp", "tn", "fn"),
    "accuracy": ("tp", "fp", "tn", "fn"),
    "tpr": ("tp", "fn"),
    "fnr": ("tp", "fn"),
    "fpr": ("fp", "tn"),
    "tnr": ("fp", "tn"),
    "ppv": ("tp", "fp"),
    "fdr": ("tp", "fp"),
    "npv": ("tn", "fn"),
    "for": ("tn", "fn"),
}


@st.composite
def frames(draw) -> pd.DataFrame:
    size = draw(st.integers(min_value=1, max_value=40))
    g1_values = draw(st.lists(GROUP, min_size=1, max_size=6))
    rows = [
        {
            "g1": draw(st.sampled_from(g1_values)),
            "g2": draw(st.sampled_from(["x", "y", None])),
            "y": draw(BIT),
            "p": draw(BIT),
        }
        for _ in range(size)
    ]
    frame = pd.DataFrame(rows, columns=["g1", "g2", "y", "p"])
    for name in ("g1", "g2", "y", "p"):
        frame[name] = frame[name].astype(object)
    return frame


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _group(value) -> str:
    """The auditor's group for a raw value: trimmed of spaces; blank or missing → (missing).

    "Spaces" are Unicode's space separators (category Zs: ' ', NBSP, em space, …), which is
    what DuckDB's ``trim`` removes; tabs and line breaks are kept.
    """
    if _missing(value):
        return MISSING_GROUP
    text = str(value)
    start, end = 0, len(text)
    while start < end and unicodedata.category(text[start]) == "Zs":
        start += 1
    while end > start and unicodedata.category(text[end - 1]) == "Zs":
        end -= 1
    return text[start:end] or MISSING_GROUP


def _expected(frame: pd.DataFrame, by: tuple[str, ...]) -> dict[tuple, Counter]:
    counts: dict[tuple, Counter] = {}
    for record in frame.to_dict("records"):
        if _missing(record["y"]) or _missing(record["p"]):
            continue
        key = tuple(_group(record[name]) for name in by)
        outcome = (int(record["y"]), int(record["p"]))
        cell = {(1, 1): "tp", (0, 1): "fp", (0, 0): "tn", (1, 0): "fn"}[outcome]
        counts.setdefault(key, Counter())[cell] += 1
    return counts


def _observed(document: dict, by: tuple[str, ...]) -> dict[tuple, Counter]:
    breakdown = next(b for b in document["breakdowns"] if tuple(b["by"]) == by)
    return {
        tuple(group["key"][name] for name in by): Counter(
            {k: group[k] for k in ("tp", "fp", "tn", "fn") if group[k]}
        )
        for group in breakdown["groups"]
        if group["n"]
    }


def _audit(source) -> dict:
    return auditor.audit(source, label="y", prediction="p", protected=["g1", "g2"]).to_dict()


def _write(frame: pd.DataFrame, folder: Path, fmt: str):
    if fmt == "relation":  # a DuckDB relation, queried where it lives
        return duckdb.connect().from_df(frame)
    if fmt == "csv":
        path = folder / "frame.csv"
        frame.to_csv(path, index=False)
    elif fmt == "parquet":
        path = folder / "frame.parquet"
        frame.astype({"g1": "string", "g2": "string", "y": "Int64", "p": "Int64"}).to_parquet(
            path, index=False
        )
    else:
        path = folder / "frame.jsonl"
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
    return path


def _complete(frame: pd.DataFrame) -> bool:
    return any(not _missing(r["y"]) and not _missing(r["p"]) for r in frame.to_dict("records"))


SETTINGS = settings(
    # modest by default (the file runs in well under 30 s); raise it for a deeper search
    max_examples=int(os.environ.get("AUDITOR_HYPOTHESIS_EXAMPLES", "20")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SETTINGS
@given(frame=frames())
def test_dataframe_audit_matches_a_plain_count(frame):
    assume(_complete(frame))
    document = _audit(frame)
    for by in (("g1",), ("g2",), ("g1", "g2")):
        assert _observed(document, by) == _expected(frame, by)
    used = sum(sum(c.values()) for c in _expected(frame, ()).values())
    assert document["dataset"]["rows"] == len(frame)
    assert document["dataset"]["rows_used"] == used


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl", "relation"])
@SETTINGS
@given(frame=frames())
def test_files_round_trip_to_the_same_counts(fmt, frame, tmp_path):
    assume(_complete(frame))
    path = _write(frame, tmp_path, fmt)
    from_file = _audit(path)
    for by in (("g1",), ("g2",), ("g1", "g2")):
        assert _observed(from_file, by) == _expected(frame, by), by
    assert from_file["dataset"]["rows"] == len(frame)


@SETTINGS
@given(frame=frames())
def test_rates_are_proportions_or_undefined(frame):
    assume(_complete(frame))
    document = _audit(frame)
    for breakdown in document["breakdowns"]:
        for group in breakdown["groups"]:
            for metric, value in group["metrics"].items():
                denominator = sum(group[k] for k in DENOMINATORS[metric])
                if denominator == 0:
                    assert value is None, (metric, group)
                else:
                    assert value is not None and 0.0 <= value <= 1.0, (metric, value)
            for interval in (group.get("intervals") or {}).values():
                if interval is not None:
                    assert 0.0 <= interval[0] <= interval[1] <= 1.0
        for name, value in breakdown["summary"].items():
            assert value is None or value >= 0.0, (name, value)
            if name.endswith("_ratio") and value is not None:
                assert value <= 1.0


@SETTINGS
@given(frame=frames())
def test_counts_add_up_across_grouping_levels(frame):
    assume(_complete(frame))
    document = _audit(frame)
    overall = Counter({k: document["overall"][k] for k in ("tp", "fp", "tn", "fn")})

    def total(by) -> Counter:
        result = Counter()
        for counts in _observed(document, by).values():
            result.update(counts)
        return result

    assert total(("g1",)) == total(("g2",)) == total(("g1", "g2")) == +overall
    pairs = _observed(document, ("g1", "g2"))
    for (g1,), counts in _observed(document, ("g1",)).items():
        summed = Counter()
        for (first, _second), pair_counts in pairs.items():
            if first == g1:
                summed.update(pair_counts)
        assert summed == counts
