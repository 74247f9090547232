"""Hostile and messy input files: each gets a correct audit or one clear error, never a crash.

The corpus lives in ``tests/corpus/files/`` (small, committed) and is written by
``tests/corpus/generate.py``, which also builds the large cases in a temporary folder at
test time. Unless noted, the mapping is ``--label y --prediction p --protected g``.
Expected counts are ``group: (n, tp, fp, tn, fn)``; "rows" is ``rows / rows_used``.

=============================  ========================================================
file                           expected outcome
=============================  ========================================================
empty.csv                      error: "is empty"
header_only.csv                error: "header but no rows"
only_newlines.csv              error: "column 'y' is not in"
binary_garbage.csv             error: "not a text table"
nul_bytes.csv                  error: "not a text table"
truncated.csv.gz               error: "cannot be read"
fake.csv.gz                    error: "cannot be read"
bad_parquet.parquet            error: "could not be read"
bad_json.jsonl                 error: "could not be read"
semicolon.csv (;)              a (3,1,1,1,0), b (3,1,0,1,1); rows 6/6
tab.tsv, tab_named.csv (tab)   same as semicolon.csv
pipe.csv (|)                   same as semicolon.csv
crlf.csv                       same as semicolon.csv
latin1.csv                     Zoë (3,1,1,1,0), b (3,1,0,1,1)
utf8_bom.csv                   same as semicolon.csv (BOM not part of the first name)
utf16_bom.csv                  same as semicolon.csv
quoted_newlines.csv            "a\\nb" (2,1,1,0,0), "a\\r\\nb" (1,0,0,1,0), c (3,1,0,1,1)
duplicated_columns.csv         error: "occurs more than once" (g is mapped and doubled)
duplicated_unused_column.csv   a (1,1,0,0,0), b (1,0,0,1,0) (the doubled x is unused)
sql_column_name.csv            protected ``x"; DROP TABLE t; --``: counts of semicolon.csv
sql_group_values.csv           ``'); DROP TABLE auditor_source; --`` (3,1,1,1,0),
                               ``b" OR 1=1 --`` (3,1,0,1,1)
three_classes.csv              error: "3 classes"
all_missing_label.csv          error: "has no values"
all_missing_prediction.csv     error: "has no values"
all_missing_group.csv          (missing) (3,1,0,1,1): empty and blank values, one group
single_group.csv               a (6,2,1,2,1); summary differences 0
group_without_positives.csv    a (2,1,0,1,0), b (2,0,1,1,0); b's TPR undefined (None)
numbers_as_strings.csv         "1", "1.0", "1.00", "1e0", " 0 " read as numbers:
                               a (2,1,0,1,0), b (2,0,1,0,1)
yes_no_labels.csv              Yes/NO/ No  any case: a (2,1,1,0,0), b (2,0,0,1,1)
text_classes.csv               --positive-label '>50K': a (2,1,1,0,0), b (2,0,0,1,1)
ragged_rows.csv                short row excluded, long row kept: rows 4/3,
                               a (1,1,0,0,0), b (2,1,0,1,0)
formula_groups.csv             5 formula-like groups audited as text, each n=1; the CSV
                               export neutralises them (see test_groups_csv_*)
unicode_groups.csv             emoji, Hebrew, zero-width space kept exactly
score_not_numeric.csv          --score s --threshold 0.5: 'abc', 'inf', 'NaN' excluded,
                               rows 6/3, a (2,1,1,0,0), b (1,0,0,0,1)
mixed_types.jsonl              mixed JSON types unwrapped: a (2,1,0,1,0), 1 (1,0,0,1,0),
                               (missing) (1,1,0,0,0)
identifier_as_protected.csv    protected id (3000 values): error "more than 1000 distinct"
--- generated at test time ---
bomb_repeated_line.csv.gz      6 MB inflating to 4 GiB: error "decompression bomb" in < 10 s
bomb_zeros.csv.gz              1 MB inflating to 1 GiB of NULs: error "not a text table"
modest.csv.gz                  1 MiB inflated: a (174762, 174762, 0, 0, 0); with
                               AUDITOR_MAX_INFLATED_BYTES=100000: error "decompression bomb"
latin1_late.csv                Latin-1 byte after 64 KB: Zoë (1,0,0,0,1), a/b 10000 each
third_class_late.csv           class '2' after the 100 000-row head check: error "3 classes"
quoted_newline_late.csv        quoted newline after 20 000 rows: "a\\nb" (1,0,0,0,1),
                               rows 40002/40001 (the short last row is excluded)
extra_field_late.csv           a row with a 4th field after 40 000 rows: rows 40002/40002
ids_late.csv                   1500 distinct ids after 100 000 rows: error "distinct values"
long_line.csv                  one 3 MB row: error "Maximum line size", without the row
categorical.parquet            categorical with a null, nullable bool label:
                               (missing) (1,0,0,0,1), a (2,1,1,0,0), b (2,0,0,1,1); rows 6/5
=============================  ========================================================

The same for DataFrames passed to :func:`auditor.audit` (``DATAFRAME_CASES``):

=============================  ========================================================
DataFrame                      expected outcome
=============================  ========================================================
integer column names           audited by their text names: a (1,1,0,0,0), b (1,0,1,0,0)
duplicated column names        error: "duplicated column names"
two levels of column names     error: "levels of column names"
NUL in a column name           error: "NUL character"
lists as group values          error (they cannot be hashed or grouped)
bytes as group values          a (1,1,0,0,0), \\xFF (1,0,0,1,0)
mixed object group values      a, '1', '2.5', 'True', (missing): one row each
categorical, unused category   a (2,1,1,0,0), b (1,0,0,0,1); the unused one is not a group
boolean label and prediction   a (2,1,0,0,1), b (1,0,0,1,0)
pandas NA in every column      rows 3/1: a (1,1,0,0,0)
inf among predictions          error: "3 classes"
probabilities as predictions   error: "3 classes"
labels -1/1                    error: "--positive-label"
no rows                        error: "header but no rows"
a --positive-label not found   error: "is not a value of the label column" (semicolon.csv)
=============================  ========================================================

Every case runs through the Python API; a representative subset also runs the CLI (exit 0 with
the same counts, or exit 2 with one line on stderr and no traceback), three of them as a real
subprocess.
"""

from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

import auditor
from auditor.errors import InputError
from dashboard.export import FORMULA_PREFIXES, groups_csv

from .cli_run import CliRun, run_cli, run_process
from .corpus.generate import FILES, small_files, write_large

AB = {"a": (3, 1, 1, 1, 0), "b": (3, 1, 0, 1, 1)}


@dataclass(frozen=True)
class Case:
    file: str
    groups: dict[str, tuple[int, int, int, int, int]] | None = None
    rows: tuple[int, int] | None = None
    error: str | None = None
    protected: str = "g"
    options: dict = field(default_factory=dict)
    large: bool = False
    cli: bool = False

    @property
    def id(self) -> str:
        return self.file


CASES = [
    Case("empty.csv", error="is empty", cli=True),
    Case("header_only.csv", error="header but no rows"),
    Case("only_newlines.csv", error="column 'y' is not in"),
    Case("binary_garbage.csv", error="not a text table", cli=True),
    Case("nul_bytes.csv", error="not a text table"),
    Case("truncated.csv.gz", error="cannot be read"),
    Case("fake.csv.gz", error="cannot be read"),
    Case("bad_parquet.parquet", error="could not be read", cli=True),
    Case("bad_json.jsonl", error="could not be read"),
    Case("semicolon.csv", AB, (6, 6), cli=True),
    Case("tab.tsv", AB, (6, 6)),
    Case("tab_named.csv", AB, (6, 6)),
    Case("pipe.csv", AB, (6, 6)),
    Case("crlf.csv", AB, (6, 6)),
    Case("latin1.csv", {"Zoë": (3, 1, 1, 1, 0), "b": (3, 1, 0, 1, 1)}, (6, 6)),
    Case("utf8_bom.csv", AB, (6, 6)),
    Case("utf16_bom.csv", AB, (6, 6)),
    Case(
        "quoted_newlines.csv",
        {"a\nb": (2, 1, 1, 0, 0), "a\r\nb": (1, 0, 0, 1, 0), "c": (3, 1, 0, 1, 1)},
        (6, 6),
    ),
    Case("duplicated_columns.csv", error="occurs more than once", cli=True),
    Case("duplicated_unused_column.csv", {"a": (1, 1, 0, 0, 0), "b": (1, 0, 0, 1, 0)}, (2, 2)),
    Case("sql_column_name.csv", AB, (6, 6), protected='x"; DROP TABLE t; --'),
    Case(
        "sql_group_values.csv",
        {"'); DROP TABLE auditor_source; --": (3, 1, 1, 1, 0), 'b" OR 1=1 --': (3, 1, 0, 1, 1)},
        (6, 6),
    ),
    Case("three_classes.csv", error="3 classes", cli=True),
    Case("all_missing_label.csv", error="has no values"),
    Case("all_missing_prediction.csv", error="has no values"),
    Case("all_missing_group.csv", {"(missing)": (3, 1, 0, 1, 1)}, (3, 3)),
    Case("single_group.csv", {"a": (6, 2, 1, 2, 1)}, (6, 6)),
    Case("group_without_positives.csv", {"a": (2, 1, 0, 1, 0), "b": (2, 0, 1, 1, 0)}, (4, 4)),
    Case("numbers_as_strings.csv", {"a": (2, 1, 0, 1, 0), "b": (2, 0, 1, 0, 1)}, (4, 4)),
    Case("yes_no_labels.csv", {"a": (2, 1, 1, 0, 0), "b": (2, 0, 0, 1, 1)}, (4, 4)),
    Case(
        "text_classes.csv",
        {"a": (2, 1, 1, 0, 0), "b": (2, 0, 0, 1, 1)},
        (4, 4),
        options={"positive_label": ">50K"},
    ),
    Case("ragged_rows.csv", {"a": (1, 1, 0, 0, 0), "b": (2, 1, 0, 1, 0)}, (4, 3)),
    Case(
        "formula_groups.csv",
        {
            '=HYPERLINK("http://x","y")': (1, 1, 0, 0, 0),
            "+cmd": (1, 0, 0, 1, 0),
            "-1+1": (1, 0, 0, 0, 1),
            "@SUM(A1)": (1, 0, 1, 0, 0),
            "\tTAB": (1, 1, 0, 0, 0),
        },
        (5, 5),
        cli=True,
    ),
    Case(
        "unicode_groups.csv",
        {"👩🏽‍⚕️": (2, 1, 1, 0, 0), "שלום": (1, 0, 0, 1, 0), "zero\u200bwidth": (1, 0, 0, 0, 1)},
        (4, 4),
    ),
    Case(
        "score_not_numeric.csv",
        {"a": (2, 1, 1, 0, 0), "b": (1, 0, 0, 0, 1)},
        (6, 3),
        options={"score": "s", "threshold": 0.5, "prediction": None},
    ),
    Case(
        "mixed_types.jsonl",
        {"a": (2, 1, 0, 1, 0), "1": (1, 0, 0, 1, 0), "(missing)": (1, 1, 0, 0, 0)},
        (4, 4),
    ),
    Case("identifier_as_protected.csv", error="more than 1000 distinct", protected="id", cli=True),
    Case("bomb_repeated_line.csv.gz", error="decompression bomb", large=True, cli=True),
    Case("bomb_zeros.csv.gz", error="not a text table", large=True),
    Case("modest.csv.gz", {"a": (174762, 174762, 0, 0, 0)}, (174762, 174762), large=True),
    Case(
        "latin1_late.csv",
        {"Zoë": (1, 0, 0, 0, 1), "a": (10000, 10000, 0, 0, 0), "b": (10000, 0, 0, 10000, 0)},
        (20001, 20001),
        large=True,
    ),
    Case("third_class_late.csv", error="3 classes", large=True),
    Case(
        "quoted_newline_late.csv",
        {"a": (20000, 20000, 0, 0, 0), "a\nb": (1, 0, 0, 0, 1), "b": (20000, 0, 0, 20000, 0)},
        (40002, 40001),
        large=True,
        cli=True,
    ),
    Case(
        "extra_field_late.csv",
        {"a": (20001, 20001, 0, 0, 0), "b": (20001, 0, 0, 20001, 0)},
        (40002, 40002),
        large=True,
    ),
    Case("ids_late.csv", error="distinct values", large=True),
    Case("long_line.csv", error="Maximum line size", large=True, cli=True),
    Case(
        "categorical.parquet",
        {"(missing)": (1, 0, 0, 0, 1), "a": (2, 1, 1, 0, 0), "b": (2, 0, 0, 1, 1)},
        (6, 5),
        large=True,
    ),
]


@pytest.fixture(scope="module")
def large_files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("corpus-large")
    paths = write_large(folder)
    rows = "g,y,p\n" + "a,1,1\nb,0,0\n" * 20_000
    extra = folder / "extra_field_late.csv"
    extra.write_text(rows + "a,1,1,extra\nb,0,0\n")
    ids = folder / "ids_late.csv"
    ids.write_text(
        "g,y,p\n" + "a,1,1\nb,0,0\n" * 50_000 + "".join(f"id{i},1,0\n" for i in range(1500))
    )
    return {**paths, extra.name: extra, ids.name: ids}


def _path(case: Case, large_files: dict[str, Path]) -> Path:
    return large_files[case.file] if case.large else FILES / case.file


def _mapping(case: Case) -> dict:
    mapping = {"label": "y", "prediction": "p", "protected": [case.protected]}
    mapping.update(case.options)
    return mapping


def _observed(document: dict) -> dict[str, tuple[int, ...]]:
    breakdown = document["breakdowns"][0]
    return {
        next(iter(group["key"].values())): tuple(group[k] for k in ("n", "tp", "fp", "tn", "fn"))
        for group in breakdown["groups"]
    }


def test_committed_corpus_matches_its_generator():
    expected = small_files()
    committed = {path.name: path.read_bytes() for path in FILES.iterdir()}
    assert committed == expected, "run `python tests/corpus/generate.py` after changing it"


def test_every_corpus_file_has_a_case():
    covered = {case.file for case in CASES}
    assert set(small_files()) <= covered


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_python_api(case: Case, large_files):
    path = _path(case, large_files)
    started = time.process_time()
    if case.error is not None:
        with pytest.raises(InputError) as raised:
            auditor.audit(path, **_mapping(case))
        message = str(raised.value)
        assert case.error in message
        assert "\n" not in message.strip() or "quoted" in case.file, message
        assert "Traceback" not in message and "LINE 1" not in message
        assert "SECRET" not in message and len(message) < 600  # no data row echoed back
    else:
        document = auditor.audit(path, **_mapping(case)).to_dict()
        assert _observed(document) == case.groups
        assert (document["dataset"]["rows"], document["dataset"]["rows_used"]) == case.rows
        for breakdown in document["breakdowns"]:
            for group in breakdown["groups"]:
                for value in group["metrics"].values():
                    assert value is None or 0.0 <= value <= 1.0
    assert time.process_time() - started < 30


def _cli_args(path: Path, case: Case) -> list[str]:
    mapping = _mapping(case)
    args = [
        "audit",
        str(path),
        "--label",
        mapping["label"],
        "--protected",
        ",".join(mapping["protected"]),
        "--json",
        "-",
        "--quiet",
    ]
    if mapping.get("prediction"):
        args += ["--prediction", mapping["prediction"]]
    if mapping.get("positive_label"):
        args += ["--positive-label", mapping["positive_label"]]
    return args


def _check_cli_outcome(case: Case, completed: CliRun) -> None:
    assert "Traceback" not in completed.stderr
    if case.error is not None:
        assert completed.returncode == 2, completed.stderr
        lines = completed.stderr.strip().splitlines()
        assert len(lines) == 1, completed.stderr
        assert lines[0].startswith("auditor: error:") and case.error in lines[0]
        assert completed.stdout == ""
    else:
        assert completed.returncode == 0, completed.stderr
        assert _observed(json.loads(completed.stdout)) == case.groups


@pytest.mark.parametrize("case", [c for c in CASES if c.cli], ids=lambda case: case.id)
def test_cli(case: Case, large_files):
    """The command line (``auditor.cli.main``, in this process): exit 0 with the same counts, or
    exit 2 with one line on stderr."""
    started = time.process_time()
    _check_cli_outcome(case, run_cli(*_cli_args(_path(case, large_files), case)))
    assert time.process_time() - started < 30


# A success, a file that is not a table and a large decompression bomb, each through a real
# ``python -m auditor`` process: what the process prints and returns, with nothing else on stderr.
SUBPROCESS_CASES = ("semicolon.csv", "binary_garbage.csv", "bomb_repeated_line.csv.gz")


@pytest.mark.slow
@pytest.mark.parametrize(
    "case", [c for c in CASES if c.cli and c.file in SUBPROCESS_CASES], ids=lambda case: case.id
)
def test_cli_subprocess(case: Case, large_files):
    started = time.monotonic()
    completed = run_process(*_cli_args(_path(case, large_files), case), timeout=60)
    elapsed = time.monotonic() - started
    _check_cli_outcome(case, completed)
    assert elapsed < 30


def test_gzip_bomb_is_refused_quickly(large_files):
    started = time.process_time()
    with pytest.raises(InputError, match=r"684-fold to about 4\.0 GiB"):
        auditor.audit(
            large_files["bomb_repeated_line.csv.gz"], label="y", prediction="p", protected="g"
        )
    assert time.process_time() - started < 5


def test_inflation_limit_comes_from_the_environment(large_files, monkeypatch):
    path = large_files["modest.csv.gz"]
    monkeypatch.setenv("AUDITOR_MAX_INFLATED_BYTES", "100000")
    with pytest.raises(InputError, match="decompression bomb.*AUDITOR_MAX_INFLATED_BYTES"):
        auditor.audit(path, label="y", prediction="p", protected="g")
    completed = run_cli(
        *_cli_args(path, Case("modest.csv.gz")), env={"AUDITOR_MAX_INFLATED_BYTES": "100000"}
    )
    assert completed.returncode == 2 and "decompression bomb" in completed.stderr
    monkeypatch.setenv("AUDITOR_MAX_INFLATED_BYTES", "lots")
    with pytest.raises(InputError, match="AUDITOR_MAX_INFLATED_BYTES='lots'"):
        auditor.audit(path, label="y", prediction="p", protected="g")


def test_group_without_positives_has_undefined_tpr_not_zero():
    document = auditor.audit(
        FILES / "group_without_positives.csv", label="y", prediction="p", protected="g"
    ).to_dict()
    groups = {g["key"]["g"]: g for g in document["breakdowns"][0]["groups"]}
    assert groups["b"]["metrics"]["tpr"] is None and groups["b"]["metrics"]["fnr"] is None
    assert groups["b"]["metrics"]["fpr"] == 0.5
    assert "no_actual_positives" in groups["b"]["flags"]
    # the TPR range is over the groups where it is defined: only "a"
    assert document["breakdowns"][0]["summary"]["equal_opportunity_difference"] == 0.0
    assert document["breakdowns"][0]["summary"]["equalized_odds_difference"] == 0.5


def test_single_group_has_no_disparity():
    document = auditor.audit(
        FILES / "single_group.csv", label="y", prediction="p", protected="g"
    ).to_dict()
    summary = document["breakdowns"][0]["summary"]
    assert summary["demographic_parity_difference"] == 0.0
    assert summary["equalized_odds_difference"] == 0.0


@pytest.mark.parametrize(
    ("source", "message"),
    [("no/such/file.csv", "does not exist"), (".", "is a folder")],
)
def test_missing_paths(source, message):
    with pytest.raises(InputError, match=message):
        auditor.audit(source, label="y", prediction="p", protected="g")


def test_groups_csv_neutralises_formula_like_values():
    document = auditor.audit(
        FILES / "formula_groups.csv", label="y", prediction="p", protected="g"
    ).to_dict()
    text = groups_csv(document)
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    assert header[:2] == ["breakdown", "g"]
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_PREFIXES) or _is_number(cell), (cell, row)
    groups = {row[1] for row in body}
    assert groups == {'\'=HYPERLINK("http://x","y")', "'+cmd", "'-1+1", "'@SUM(A1)", "'\tTAB"}
    # computed numbers stay numbers, including negative differences
    difference = header.index("selection_rate_difference_to_reference")
    values = [float(row[difference]) for row in body if row[difference]]
    assert min(values) == -1.0 and max(values) <= 1.0


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_groups_csv_keeps_negative_numbers_and_quotes_header_names():
    document = {
        "breakdowns": [
            {
                "by": ["=cmd"],
                "groups": [
                    {
                        "key": {"=cmd": "@x"},
                        "n": 5,
                        "tp": 1,
                        "fp": 1,
                        "tn": 2,
                        "fn": 1,
                        "metrics": {"selection_rate": 0.4},
                        "ratio_to_reference": {"selection_rate": 0.5},
                        "difference_to_reference": {"selection_rate": -0.4},
                        "flags": ["-flag"],
                    },
                ],
            },
        ]
    }
    rows = list(csv.reader(io.StringIO(groups_csv(document))))
    assert rows[0][1] == "'=cmd"
    assert rows[1][:3] == ["'=cmd", "'@x", "5"]
    assert rows[1][rows[0].index("selection_rate_difference_to_reference")] == "-0.4"
    assert rows[1][-1] == "'-flag"


DATAFRAME_CASES = [
    (
        "integer_column_names",
        lambda: pd.DataFrame({0: ["a", "b"], 1: [1, 0], 2: [1, 1]}),
        {"label": "1", "prediction": "2", "protected": ["0"]},
        {"a": (1, 1, 0, 0, 0), "b": (1, 0, 1, 0, 0)},
    ),
    (
        "duplicated_column_names",
        lambda: pd.DataFrame([["a", 1, 1, "x"]], columns=["g", "y", "p", "g"]),
        {},
        "duplicated column names",
    ),
    (
        "multiindex_columns",
        lambda: pd.DataFrame(
            [["a", 1, 1]], columns=pd.MultiIndex.from_tuples([("g", ""), ("y", ""), ("p", "")])
        ),
        {},
        "levels of column names",
    ),
    (
        "nul_in_column_name",
        lambda: pd.DataFrame({"g\x00": ["a"], "y": [1], "p": [1]}),
        {"protected": ["g\x00"]},
        "NUL character",
    ),
    (
        "lists_as_groups",
        lambda: pd.DataFrame({"g": [["a"], ["b"]], "y": [1, 0], "p": [1, 0]}),
        {},
        "unhashable",
    ),
    (
        "bytes_as_groups",
        lambda: pd.DataFrame({"g": [b"a", b"\xff"], "y": [1, 0], "p": [1, 0]}),
        {},
        {"a": (1, 1, 0, 0, 0), "\\xFF": (1, 0, 0, 1, 0)},
    ),
    (
        "mixed_object_groups",
        lambda: pd.DataFrame(
            {"g": ["a", 1, 2.5, None, True], "y": [1, 0, 1, 0, 1], "p": [1, 0, 0, 1, 1]}
        ),
        {},
        {
            "a": (1, 1, 0, 0, 0),
            "1": (1, 0, 0, 1, 0),
            "2.5": (1, 0, 0, 0, 1),
            "(missing)": (1, 0, 1, 0, 0),
            "True": (1, 1, 0, 0, 0),
        },
    ),
    (
        "categorical_unused_category",
        lambda: pd.DataFrame(
            {
                "g": pd.Categorical(["a", "a", "b"], categories=["a", "b", "c"]),
                "y": [1, 0, 1],
                "p": [1, 1, 0],
            }
        ),
        {},
        {"a": (2, 1, 1, 0, 0), "b": (1, 0, 0, 0, 1)},
    ),
    (
        "boolean_label_and_prediction",
        lambda: pd.DataFrame(
            {"g": ["a", "b", "a"], "y": [True, False, True], "p": [False, False, True]}
        ),
        {},
        {"a": (2, 1, 0, 0, 1), "b": (1, 0, 0, 1, 0)},
    ),
    (
        "pandas_na",
        lambda: pd.DataFrame(
            {
                "g": pd.array(["a", pd.NA, "b"], dtype="string"),
                "y": pd.array([1, pd.NA, 0], dtype="Int64"),
                "p": pd.array([1, 1, pd.NA], dtype="Int64"),
            }
        ),
        {},
        {"a": (1, 1, 0, 0, 0)},
    ),
    (
        "inf_prediction",
        lambda: pd.DataFrame(
            {"g": ["a", "b", "c"], "y": [1.0, float("nan"), 0.0], "p": [1.0, 0.0, float("inf")]}
        ),
        {},
        "3 classes",
    ),
    (
        "probabilities_as_predictions",
        lambda: pd.DataFrame({"g": ["a", "b", "c"], "y": [1, 0, 1], "p": [0.9, 0.1, 0.5]}),
        {},
        "3 classes",
    ),
    (
        "minus_one_labels",
        lambda: pd.DataFrame({"g": ["a", "b", "c"], "y": [1, -1, 1], "p": [1, -1, -1]}),
        {},
        "--positive-label",
    ),
    ("no_rows", lambda: pd.DataFrame({"g": [], "y": [], "p": []}), {}, "header but no rows"),
]


@pytest.mark.parametrize(
    ("name", "make", "options", "expected"),
    DATAFRAME_CASES,
    ids=[case[0] for case in DATAFRAME_CASES],
)
def test_dataframe_api(name, make, options, expected):
    mapping = {"label": "y", "prediction": "p", "protected": ["g"], **options}
    if isinstance(expected, str):
        with pytest.raises(InputError) as raised:
            auditor.audit(make(), **mapping)
        assert expected in str(raised.value)
        assert "\n" not in str(raised.value)
    else:
        document = auditor.audit(make(), **mapping).to_dict()
        assert _observed(document) == expected


def test_a_positive_label_found_nowhere_is_an_error_not_ignored():
    with pytest.raises(InputError, match="positive label 'Z' is not a value of the label column"):
        auditor.audit(
            FILES / "semicolon.csv", label="y", prediction="p", protected="g", positive_label="Z"
        )
    # found in the label column only (predictions coded 0/1): fine
    frame = pd.DataFrame({"g": ["a", "a", "b"], "y": [">50K", "<=50K", ">50K"], "p": [1, 0, 0]})
    document = auditor.audit(
        frame, label="y", prediction="p", protected="g", positive_label=">50K"
    ).to_dict()
    assert _observed(document) == {"a": (2, 1, 0, 1, 0), "b": (1, 0, 0, 0, 1)}


def test_cli_turns_an_unexpected_exception_into_one_line_and_exit_2(monkeypatch, capsys):
    from auditor import cli

    def explode(args):
        raise ZeroDivisionError("division by zero\nsecond line")

    monkeypatch.setattr(cli, "_run_audit", explode)
    code = cli.main(["audit", "x.csv", "--label", "y", "--prediction", "p", "--protected", "g"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(
        "auditor: internal error: ZeroDivisionError: division by zero second line"
    )
    monkeypatch.setenv("AUDITOR_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        cli.main(["audit", "x.csv", "--label", "y", "--prediction", "p", "--protected", "g"])
