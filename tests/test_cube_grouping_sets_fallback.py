"""The GROUPING SETS path (used when the finest table would be too large) gives the same audit."""

from __future__ import annotations

import auditor
from auditor.cube import build_cube
from auditor.engine import connect
from auditor.ingest import ColumnMapping, open_source

from .conftest import COMPAS_PREDICTIONS


def _cube(max_finest_cells):
    con = connect()
    source = open_source(COMPAS_PREDICTIONS, connection=con)
    mapping = ColumnMapping(
        label="two_year_recid",
        prediction="high_risk",
        protected=("race", "sex", "age_cat"),
        score="decile_score",
    )
    return build_cube(source, mapping, max_finest_cells=max_finest_cells)


def test_fallback_counts_equal_finest_counts():
    finest, fallback = _cube(10**9), _cube(0)
    assert finest.cells is not None and fallback.cells is None
    assert fallback.rows == finest.rows and fallback.exclusions == finest.exclusions
    for by in [(), *finest.breakdowns()]:
        left = finest.counts(by).sort_values(list(by)).reset_index(drop=True)
        right = fallback.counts(by).sort_values(list(by)).reset_index(drop=True)
        assert left.equals(right), by
    for by in [(), ("race",), ("sex",)]:
        assert finest.score_counts(by).equals(fallback.score_counts(by)), by


def test_fallback_audit_document_equals_finest():
    finest, fallback = _cube(10**9), _cube(0)
    a = auditor.evaluate_cube(finest)
    b = auditor.evaluate_cube(fallback)
    assert [g.metrics for g in a[1][0].groups] == [g.metrics for g in b[1][0].groups]
