"""Every input format gives the same counts; encodings, gzip and delimiters are sniffed."""

from __future__ import annotations

import gzip

import duckdb
import pytest

import auditor

from .conftest import COMPAS_PREDICTIONS


def _counts(result):
    return {
        tuple(g.key.values()): (g.counts.tp, g.counts.fp, g.counts.tn, g.counts.fn)
        for g in result.breakdown("race").groups
    }


OPTIONS = dict(label="two_year_recid", prediction="high_risk", protected=["race", "sex"])


@pytest.fixture(scope="module")
def reference_counts():
    return _counts(auditor.audit(COMPAS_PREDICTIONS, **OPTIONS))


def test_parquet_jsonl_gzip_dataframe_and_relation_agree(tmp_path, compas_frame, reference_counts):
    parquet = tmp_path / "c.parquet"
    jsonl = tmp_path / "c.jsonl"
    gz = tmp_path / "c.csv.gz"
    compas_frame.to_parquet(parquet)
    compas_frame.to_json(jsonl, orient="records", lines=True)
    gz.write_bytes(gzip.compress(COMPAS_PREDICTIONS.read_bytes()))
    for source in (parquet, jsonl, gz, compas_frame):
        assert _counts(auditor.audit(source, **OPTIONS)) == reference_counts, source
    relation = duckdb.connect().read_parquet(str(parquet))
    assert _counts(auditor.audit(relation, **OPTIONS)) == reference_counts


def test_semicolon_delimited_latin1_file(tmp_path):
    path = tmp_path / "latin.csv"
    rows = ["région;y;p"] + ["Réunion;1;1", "Île-de-France;0;1", "Réunion;0;0"] * 20
    path.write_bytes("\n".join(rows).encode("latin-1"))
    result = auditor.audit(path, label="y", prediction="p", protected="région")
    assert result.dataset.encoding == "latin-1"
    groups = {g.key["région"]: g.n for g in result.breakdown("région").groups}
    assert groups == {"Réunion": 40, "Île-de-France": 20}


def test_utf8_bom_and_tab_delimiter(tmp_path):
    path = tmp_path / "bom.tsv"
    path.write_bytes(b"\xef\xbb\xbfgroup\ty\tp\n" + b"a\t1\t0\nb\t0\t0\n" * 10)
    result = auditor.audit(path, label="y", prediction="p", protected="group")
    assert {g.key["group"] for g in result.breakdown("group").groups} == {"a", "b"}


def test_fingerprint_is_the_files_sha256(tmp_path):
    import hashlib

    result = auditor.audit(COMPAS_PREDICTIONS, **OPTIONS)
    assert result.dataset.sha256 == hashlib.sha256(COMPAS_PREDICTIONS.read_bytes()).hexdigest()
    assert result.dataset.rows == 6172


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"race,y,p\n", "no rows"),
        (b"\x00\x01\x02\x03binary\x00" * 100, "binary"),
    ],
)
def test_unreadable_files_give_one_clear_error(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(auditor.InputError, match=message):
        auditor.audit(path, label="y", prediction="p", protected="race")


def test_missing_column_names_the_column_and_suggests(tmp_path):
    with pytest.raises(auditor.InputError, match="'rce' is not in .*Did you mean 'race'"):
        auditor.audit(
            COMPAS_PREDICTIONS, label="two_year_recid", prediction="high_risk", protected="rce"
        )


def test_identifier_as_protected_attribute_is_refused():
    with pytest.raises(auditor.InputError, match="'id' has more than 1000 distinct values"):
        auditor.audit(
            COMPAS_PREDICTIONS, label="two_year_recid", prediction="high_risk", protected="id"
        )


def test_three_class_label_is_refused():
    with pytest.raises(auditor.InputError, match="3 classes"):
        auditor.audit(
            COMPAS_PREDICTIONS, label="score_text", prediction="high_risk", protected="race"
        )


def test_non_numeric_score_rows_are_excluded(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text("g,y,s\n" + "a,1,0.9\na,0,abc\nb,0,0.1\nb,1,\n" * 10)
    result = auditor.audit(path, label="y", score="s", threshold=0.5, protected="g")
    assert result.dataset.rows_used == 20
    assert result.dataset.exclusions["missing_score"] == 20
