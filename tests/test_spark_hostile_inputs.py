"""The hostile-input corpus on the Spark engine: the same audit JSON as DuckDB, or the same
one-line InputError (see ``tests/test_corpus_hostile_inputs.py`` for the cases).

Every small corpus file runs on both engines. Where the readers' own words differ (a corrupt
Parquet footer, a malformed JSON line, the placeholder name DuckDB gives an empty header),
both must still refuse with a one-line InputError naming the file and the same kind of fault.

Not run on Spark, by design (docs/spark.md): the generated *large* cases that test DuckDB's
single-machine guards — decompression bombs and the inflation limit (a server's protection
from uploads; Spark reads a lake the data owner points it at, through Hadoop's codecs),
DuckDB's 2 MB line limit, and the sniffing of DuckDB's CSV reader over its first rows. A late
Latin-1 byte is covered here by a small file of its own, and the DataFrame cases are pandas
DataFrames (a Spark DataFrame has typed columns and no such ambiguities).
"""

from __future__ import annotations

import pytest

import auditor
from auditor.cli import main

from .corpus.generate import FILES
from .test_corpus_hostile_inputs import CASES, Case, _mapping

ENGINE_FIELDS = ("engine", "sha256", "fingerprint_method", "size_bytes", "encoding", "format")

SAME_KIND = {
    # file: what both engines' one-line errors must say (their readers word the rest)
    "only_newlines.csv": "column 'y' is not in only_newlines.csv",
    "bad_parquet.parquet": "bad_parquet.parquet: the data could not be read",
    "bad_json.jsonl": "bad_json.jsonl: the data could not be read",
}
SMALL = [case for case in CASES if not case.large]


def outcome(path, engine: str, spark, case: Case) -> tuple[str, object]:
    try:
        result = auditor.audit(path, engine=engine, spark=spark, **_mapping(case))
    except auditor.InputError as error:
        assert "\n" not in str(error).strip() or "quoted" in case.file, str(error)
        return "error", str(error)
    document = result.to_dict()
    document.pop("created_at")
    for name in (*ENGINE_FIELDS, "source"):
        document["dataset"].pop(name, None)
    return "audit", document


@pytest.mark.parametrize("case", SMALL, ids=lambda case: case.id)
def test_corpus_file_audits_or_fails_the_same_on_spark(spark, case):
    duck = outcome(FILES / case.file, "duckdb", None, case)
    on_spark = outcome(FILES / case.file, "spark", spark, case)
    assert (duck[0] == "error") == (case.error is not None)  # the corpus's own expectation
    if case.file in SAME_KIND:
        assert duck[0] == on_spark[0] == "error"
        assert SAME_KIND[case.file] in duck[1] and SAME_KIND[case.file] in on_spark[1]
        assert "Traceback" not in on_spark[1] and "org.apache" not in on_spark[1]
    else:
        assert on_spark == duck


def test_undecodable_bytes_after_the_sniffed_head_are_refused(spark, tmp_path):
    """DuckDB falls back to Latin-1; Spark decodes the whole file as UTF-8 (sniffed from the
    first 64 KB) and would turn 'Zoë' into 'Zo\ufffd': an error, not a wrong group name."""
    late = tmp_path / "latin1_late.csv"
    late.write_bytes(("g,y,p\n" + "a,1,1\nb,0,0\n" * 6000 + "Zoë,1,0\n").encode("latin-1"))
    duck = auditor.audit(late, label="y", prediction="p", protected="g")
    assert {g.key["g"] for g in duck.breakdown("g").groups} == {"a", "b", "Zoë"}
    with pytest.raises(auditor.InputError, match="undecodable bytes.*--engine duckdb"):
        auditor.audit(late, engine="spark", spark=spark, label="y", prediction="p", protected="g")


@pytest.mark.parametrize(
    "name", ["empty.csv", "bad_parquet.parquet", "three_classes.csv", "nul_bytes.csv"]
)
def test_cli_exits_2_with_one_line_on_spark(spark, capsys, name):
    code = main(["audit", str(FILES / name), "--label", "y", "--prediction", "p",
                 "--protected", "g", "--engine", "spark", "--quiet"])  # fmt: skip
    error = capsys.readouterr().err
    assert code == 2 and error.count("\n") == 1 and error.startswith("auditor: error:"), error
