"""The ledger is keyed by the rows' content, not the file's bytes (issue #16).

Before: the same rows as CSV, gzip CSV, Parquet and a CSV differing in one byte were four
data sets, and four releases of ε = 0.8 were accepted against a total budget of 1.
"""

from __future__ import annotations

import gzip

import duckdb
import pandas as pd
import pytest

import auditor
from auditor.cube import build_cube
from auditor.engine import connect
from auditor.errors import BudgetExceededError, PrivacyError
from auditor.ingest import ColumnMapping, open_source
from auditor.privacy import content_fingerprint
from auditor.store import AuditStore

from .conftest import COMPAS_PREDICTIONS

COMPAS = dict(label="two_year_recid", prediction="high_risk")
CATEGORIES = {"sex": ["Male", "Female"], "race": ["African-American", "Caucasian", "(other)"]}


@pytest.fixture(scope="module")
def copies(tmp_path_factory) -> dict[str, object]:
    """The same rows five ways: CSV, gzip CSV, Parquet (rows shuffled, columns reversed),
    a CSV with padded values and yes/no labels, and a DataFrame."""
    folder = tmp_path_factory.mktemp("copies")
    frame = pd.read_csv(COMPAS_PREDICTIONS)
    csv = folder / "a.csv"
    frame.to_csv(csv, index=False)
    gz = folder / "b.csv.gz"
    with gzip.open(gz, "wt", encoding="utf-8") as handle:
        frame.to_csv(handle, index=False)
    shuffled = frame.sample(frac=1.0, random_state=3)[list(reversed(frame.columns))]
    parquet = folder / "c.parquet"
    con = duckdb.connect()
    con.register("shuffled", shuffled)
    con.execute(f"COPY shuffled TO '{parquet}' (FORMAT parquet)")
    con.close()
    padded = frame.copy()
    for name in ("race", "sex"):
        padded[name] = "  " + padded[name].astype(str) + " "
    for name in ("two_year_recid", "high_risk"):
        padded[name] = padded[name].map({1: "yes", 0: "no"})
    padded_csv = folder / "d.csv"
    padded.to_csv(padded_csv, index=False)
    return {"csv": csv, "gzip": gz, "parquet": parquet, "padded": padded_csv, "frame": frame}


def _fingerprint(source, protected=("race", "sex")) -> str:
    con = connect()
    try:
        cube = build_cube(
            open_source(source, connection=con), ColumnMapping(protected=protected, **COMPAS)
        )
    finally:
        con.close()
    return content_fingerprint(cube)


def test_fingerprint_ignores_format_order_whitespace_and_label_spelling(copies):
    prints = {name: _fingerprint(source) for name, source in copies.items()}
    assert len(set(prints.values())) == 1, prints
    # the order in which the protected attributes are named does not matter either
    assert _fingerprint(copies["csv"], ("sex", "race")) == prints["csv"]


@pytest.mark.parametrize("workload", ["finest", "marginals"])
def test_the_ledger_stores_the_released_cells_as_pandas_records(workload):
    """Integer cells (the finest table alone) and fractional ones (a least-squares fit)."""
    import json

    from auditor.privacy import release_cube
    from auditor.privacy.release import ledger_cells

    from .test_privacy_workload import BIG_CATEGORIES, _big_cube

    noisy, _ = release_cube(_big_cube(), epsilon=1.0, categories=BIG_CATEGORIES, workload=workload)
    released = noisy.cells
    expected = released.to_dict(orient="records")
    found = ledger_cells(released)
    assert found == expected
    assert [[type(v) for v in row.values()] for row in found] == [
        [type(v) for v in row.values()] for row in expected
    ]
    assert json.dumps(found) == json.dumps(expected)


def test_the_kept_fingerprint_is_the_cube_s_own(compas_audit):
    """Kept with the cube after the first call (the Privacy page asks on every rerun), and
    never handed to a copy of the cube that shares its cache but holds other cells."""
    import dataclasses

    from auditor.privacy.fingerprint import _fingerprint as computed

    cube = compas_audit.cube
    first = content_fingerprint(cube)
    assert first == computed(cube) and content_fingerprint(cube) is first
    fewer = dataclasses.replace(cube, cells=cube.cells.iloc[1:])  # shares cube's cache
    assert fewer._cache is cube._cache
    assert content_fingerprint(fewer) == computed(fewer) != first
    assert content_fingerprint(cube) == first


def test_fingerprint_changes_with_one_row(copies):
    frame = copies["frame"]
    assert _fingerprint(frame.iloc[1:]) != _fingerprint(frame)
    changed = frame.copy()
    changed.loc[0, "high_risk"] = 1 - changed.loc[0, "high_risk"]
    assert _fingerprint(changed) != _fingerprint(frame)


def test_the_same_rows_in_four_formats_share_one_budget(copies, tmp_path):
    store = tmp_path / "ledger.duckdb"
    first = auditor.audit(
        copies["csv"],
        protected=["race", "sex"],
        epsilon=0.8,
        categories=CATEGORIES,
        store=store,
        privacy_budget=1.0,
        **COMPAS,
    )
    name = first.privacy["ledger"]["dataset"]
    for other in ("gzip", "parquet", "padded"):
        with pytest.raises(BudgetExceededError, match=f"data set '{name}'"):
            auditor.audit(
                copies[other],
                protected=["sex", "race"],
                epsilon=0.8,
                categories=CATEGORIES,
                store=store,
                **COMPAS,
            )
    (state,) = AuditStore(store).datasets()
    assert state.spent_epsilon == pytest.approx(0.8) and state.releases == 1


def test_the_same_rows_under_another_name_are_refused_naming_the_data_set(copies, tmp_path):
    store = tmp_path / "ledger.duckdb"
    common = dict(protected=["sex"], epsilon=0.1, store=store, **COMPAS)
    auditor.audit(copies["csv"], dataset_name="compas-2016", privacy_budget=1.0, **common)
    with pytest.raises(PrivacyError, match="already released as data set 'compas-2016'"):
        auditor.audit(copies["parquet"], dataset_name="renamed", privacy_budget=5.0, **common)
    # other content may be charged to the same name (the same people, other columns)
    again = auditor.audit(
        copies["csv"], **{**common, "protected": ["race"]}, dataset_name="compas-2016"
    )
    assert again.privacy["ledger"]["dataset"] == "compas-2016"
    assert again.privacy["ledger"]["spent_epsilon"] == pytest.approx(0.2)


def test_the_store_keeps_no_plain_fingerprint(copies, tmp_path):
    store = tmp_path / "ledger.duckdb"
    auditor.audit(
        copies["csv"], protected=["sex"], epsilon=0.5, store=store, privacy_budget=1.0, **COMPAS
    )
    fingerprint = _fingerprint(copies["csv"], ("sex",))
    con = duckdb.connect(str(store), read_only=True)
    try:
        tables = [t for (t,) in con.execute("SHOW TABLES").fetchall()]
        dump = " ".join(str(con.execute(f"SELECT * FROM {t}").fetchall()) for t in tables)
    finally:
        con.close()
    assert fingerprint not in dump and "ledger_contents" in tables
