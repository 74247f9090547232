"""Everything a DP audit publishes, apart from the noisy statistics, is identical for two
neighbouring data sets (issue #16): no hash of the file, no detected encoding or delimiter,
no size, no path, no row-derived timestamp — in the JSON, the PDF text or the PDF metadata.

The two files differ by one row, and that row holds a Latin-1 character, which flips the
detected encoding of the whole file from UTF-8 to Latin-1. Both audits use the same seed, so
the only difference in the noisy counts is the one row; every *number* of the statistics is
masked before comparing, every other field must match exactly.
"""

from __future__ import annotations

import io
import json
import re

import pypdf
import pytest

import auditor
from auditor.report import audit_pdf_bytes

from .conftest import COMPAS_PREDICTIONS

COMPAS = dict(label="two_year_recid", prediction="high_risk", protected=["race", "sex"])
CATEGORIES = {
    "race": ["African-American", "Caucasian", "Hispanic", "(other)"],
    "sex": ["Male", "Female"],
}
# a second pair of releases measures the workload (three attributes, Gaussian: the finest
# table, each attribute and each pair, fitted by least squares); its measurement scales are
# published and must not depend on the data either
WORKLOAD = dict(
    protected=["race", "sex", "age_cat"], mechanism="gaussian", delta=1e-6, dp_workload="marginals"
)
WORKLOAD_CATEGORIES = {**CATEGORIES, "age_cat": ["Less than 25", "25 - 45", "Greater than 45"]}
STATISTICS = ("overall", "breakdowns", "policy", "findings")  # findings: derived from noisy counts
VARIES_WITHOUT_DATA = {"created_at", "release_id"}  # the clock and a random id, by design
NUMBER = re.compile(r"[-+−]?\d[\d,.]*(e[-+]?\d+)?")


@pytest.fixture(scope="module", params=["finest", "workload"])
def neighbours(tmp_path_factory, request):
    folder = tmp_path_factory.mktemp("neighbours")
    original = COMPAS_PREDICTIONS.read_bytes()
    header = original.split(b"\n", 1)[0].decode("ascii").split(",")
    row = {name: "0" for name in header}
    row.update(race="Métis", sex="Female", age_cat="25 - 45", two_year_recid="1", high_risk="0")
    extra = ",".join(row[name] for name in header).encode("latin-1")
    # different folders and names: paths must not reach the output either
    first = folder / "a" / "compas.csv"
    second = folder / "b" / "compas-plus-one.csv"
    first.parent.mkdir()
    second.parent.mkdir()
    first.write_bytes(original)
    second.write_bytes(original.rstrip(b"\n") + b"\n" + extra + b"\n")
    exact_second = auditor.audit(second, **COMPAS)
    assert auditor.audit(first, **COMPAS).dataset.encoding != exact_second.dataset.encoding
    if request.param == "finest":
        options = dict(**COMPAS, categories=CATEGORIES)
    else:
        options = dict(COMPAS, **WORKLOAD, categories=WORKLOAD_CATEGORIES)
    results = [auditor.audit(path, **options, epsilon=1.0, seed=11) for path in (first, second)]
    assert (len(results[0].privacy["measurements"]) > 1) == (request.param == "workload")
    return results


def _public(value, path=()):
    """The document with every statistic's numbers masked and known non-data fields blanked."""
    if isinstance(value, dict):
        return {
            k: ("<varies>" if k in VARIES_WITHOUT_DATA else _public(v, (*path, k)))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_public(v, path) for v in value]
    noisy = (path and path[0] in STATISTICS) or path == ("dataset", "rows_used")
    if noisy and isinstance(value, int | float | type(None)):
        return "<noisy>"
    return value


def test_json_fields_other_than_noisy_statistics_are_identical(neighbours):
    first, second = (_public(r.to_dict()) for r in neighbours)
    for key in set(first) | set(second):
        assert first.get(key) == second.get(key), key
    dataset = neighbours[1].to_dict()["dataset"]
    assert dataset["sha256"] is None and dataset["size_bytes"] is None
    assert "encoding" not in dataset and dataset["format"] is None
    text = json.dumps(neighbours[1].to_dict())
    assert "compas-plus-one" not in text and "/b/" not in text


def _pdf(result) -> tuple[str, dict]:
    reader = pypdf.PdfReader(io.BytesIO(audit_pdf_bytes(result.to_dict(), charts=False)))
    text = "\n".join(page.extract_text() for page in reader.pages)
    release_id = result.privacy["release_id"]
    for varying in (result.created_at, release_id, release_id[:12]):
        text = text.replace(varying, "<varies>")
    metadata = {
        k: v for k, v in (reader.metadata or {}).items() if k not in ("/CreationDate", "/ModDate")
    }
    return NUMBER.sub("#", text), metadata


def test_pdf_text_and_metadata_other_than_noisy_statistics_are_identical(neighbours):
    (text_a, meta_a), (text_b, meta_b) = (_pdf(r) for r in neighbours)
    assert meta_a == meta_b
    assert "sha256" not in json.dumps(meta_b).lower()
    lines_a, lines_b = text_a.splitlines(), text_b.splitlines()
    differing = [(a, b) for a, b in zip(lines_a, lines_b, strict=False) if a != b]
    assert len(lines_a) == len(lines_b) and not differing, differing[:5]
    assert "SHA-256" not in text_b and "latin" not in text_b.lower()
