"""Isolation and limits: no code from uploads, quoted SQL, bounded DuckDB, separate sessions.

- no ``pickle``, ``eval(`` or ``exec(`` anywhere in the package or the dashboard;
- identifiers are quoted and values never reach SQL text (hostile column names, group values,
  reference values and file paths leave an injected connection's other tables alone);
- every DuckDB connection has a memory limit (default 1GB, ``AUDITOR_MEMORY_LIMIT``), spills
  instead of failing under a small one, and never draws a progress bar on stdout;
- the distinct-value limit per protected attribute (``max_groups``) holds at its boundary;
- two dashboard workspaces (and two dashboard sessions uploading different files) never see
  each other's files, views or numbers.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import auditor
from auditor.engine import connect
from auditor.errors import AuditorError, InputError
from auditor.sql import quote_identifier, quote_literal
from dashboard.workspace import Workspace

ROOT = Path(__file__).resolve().parent.parent
COMPAS = ROOT / "sample_data" / "compas_predictions.csv"
ADULT = ROOT / "sample_data" / "adult_predictions.csv"
HOSTILE = 'x"; DROP TABLE canary; --'


def _python_files() -> list[Path]:
    files = sorted((ROOT / "auditor").rglob("*.py")) + [ROOT / "app.py"]
    for folder in ("views", "pages"):
        if (ROOT / folder).is_dir():
            files += sorted((ROOT / folder).rglob("*.py"))
    return [f for f in files if f.exists()]


FORBIDDEN = re.compile(r"pickle|\beval\(|\bexec\(|\bmarshal\b|\bshelve\b|__import__\(")


def test_no_pickle_eval_or_exec_of_anything():
    files = _python_files()
    assert len(files) > 20  # the scan really looked at the package and the dashboard
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if FORBIDDEN.search(line)
    ]
    assert not found, "uploaded content must never be unpickled or evaluated:\n" + "\n".join(found)


def test_the_scan_would_catch_a_forbidden_call():
    assert FORBIDDEN.search("frame = pd.read_pickle(upload)")
    assert FORBIDDEN.search("value = eval(text)")
    assert not FORBIDDEN.search("result = evaluate(cube)")
    assert not FORBIDDEN.search("con.execute('SELECT 1')")
    assert not FORBIDDEN.search("ast.literal_eval(text)")


def test_identifiers_are_quoted_and_literals_escaped():
    assert quote_identifier(HOSTILE) == '"x""; DROP TABLE canary; --"'
    assert quote_literal("it's") == "'it''s'"
    with pytest.raises(ValueError):
        quote_identifier("a\x00b")
    con = duckdb.connect()
    con.execute(
        f"CREATE TABLE {quote_identifier(HOSTILE)} AS SELECT 1 AS {quote_identifier(HOSTILE)}"
    )
    assert con.execute(
        f"SELECT {quote_identifier(HOSTILE)} FROM {quote_identifier(HOSTILE)}"
    ).fetchall() == [(1,)]


def _canary_connection() -> duckdb.DuckDBPyConnection:
    con = connect()
    con.execute("CREATE TABLE canary AS SELECT 42 AS alive")
    return con


def test_hostile_names_and_values_leave_other_tables_alone(tmp_path):
    frame = pd.DataFrame(
        {
            HOSTILE: ["'); DROP TABLE canary; --", "b", "b", "'); DROP TABLE canary; --"],
            "label'; DROP TABLE canary; --": [1, 0, 1, 0],
            'pred"': [1, 0, 0, 1],
        }
    )
    con = _canary_connection()
    result = auditor.audit(
        frame,
        label="label'; DROP TABLE canary; --",
        prediction='pred"',
        protected=[HOSTILE],
        reference={HOSTILE: "b"},
        connection=con,
    )
    groups = {g.key[HOSTILE]: g.n for g in result.breakdown(HOSTILE).groups}
    assert groups == {"'); DROP TABLE canary; --": 2, "b": 2}
    assert con.execute("SELECT alive FROM canary").fetchall() == [(42,)]

    # A file whose path holds a quote and SQL (paths are the one literal built as text).
    path = tmp_path / "it's'; DROP TABLE canary; --.csv"
    frame.to_csv(path, index=False)
    result = auditor.audit(
        path,
        label="label'; DROP TABLE canary; --",
        prediction='pred"',
        protected=[HOSTILE],
        connection=con,
    )
    assert result.dataset.rows == 4
    assert con.execute("SELECT alive FROM canary").fetchall() == [(42,)]


def test_every_connection_has_a_memory_limit(monkeypatch):
    con = connect()
    assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0] == "953.6 MiB"
    monkeypatch.setenv("AUDITOR_MEMORY_LIMIT", "256MB")
    con = connect()
    assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0] == "244.1 MiB"
    monkeypatch.setenv("AUDITOR_MEMORY_LIMIT", "1GB'; SET threads = 1; --")
    with pytest.raises(AuditorError, match="is not a size like"):
        connect()


def test_no_progress_bar_on_stdout():
    con = connect()
    assert con.execute("SELECT current_setting('enable_progress_bar')").fetchone()[0] is False


def test_an_audit_larger_than_a_small_memory_limit_still_completes(tmp_path):
    path = tmp_path / "wide.parquet"
    duckdb.connect().execute(
        "COPY (SELECT (i % 300)::VARCHAR AS a, ((i // 300) % 300)::VARCHAR AS b, i % 2 AS y, "
        f"(i // 3) % 2 AS p FROM range(600000) t(i)) TO {quote_literal(str(path))}"
    )
    con = connect(memory_limit="48MB", temp_directory=str(tmp_path / "spill"))
    result = auditor.audit(
        path, label="y", prediction="p", protected=["a", "b"], connection=con, intersections=False
    )
    assert result.dataset.rows == 600_000
    assert sum(g.n for g in result.breakdown("a").groups) == 600_000
    # far too little memory: one clear error that says which setting to raise
    con = connect(memory_limit="8MB", temp_directory=str(tmp_path / "spill"))
    with pytest.raises(InputError, match="ran out of memory.*AUDITOR_MEMORY_LIMIT"):
        auditor.audit(path, label="y", prediction="p", protected=["a", "b"], connection=con)


@pytest.mark.parametrize(("distinct", "ok"), [(1000, True), (1001, False)])
def test_distinct_value_limit_per_protected_attribute(distinct, ok):
    frame = pd.DataFrame(
        {
            "who": [f"id{i}" for i in range(distinct)] * 2,
            "y": [0, 1] * distinct,
            "p": [1, 0] * distinct,
        }
    )
    if ok:
        result = auditor.audit(
            frame, label="y", prediction="p", protected="who", intersections=False
        )
        assert len(result.breakdown("who").groups) == distinct
    else:
        with pytest.raises(InputError, match=r"'who' has more than 1000 distinct values"):
            auditor.audit(frame, label="y", prediction="p", protected="who")


def test_the_distinct_value_limit_can_be_lowered():
    frame = pd.DataFrame({"g": list("abcdef"), "y": [0, 1] * 3, "p": [1, 1, 0] * 2})
    with pytest.raises(InputError, match="more than 5 distinct values"):
        auditor.audit(frame, label="y", prediction="p", protected="g", max_groups=5)


def test_workspaces_keep_files_views_and_numbers_apart(tmp_path):
    first, second = Workspace(parent=tmp_path), Workspace(parent=tmp_path)
    try:
        assert first.directory != second.directory and first.connection is not second.connection
        a = first.save_upload("data.csv", COMPAS.read_bytes())
        b = second.save_upload("data.csv", ADULT.read_bytes())
        assert a != b and a.read_bytes() != b.read_bytes()
        compas = first.audit(a, label="two_year_recid", prediction="high_risk", protected="race")
        adult = second.audit(
            b, label="income", prediction="predicted_income", positive_label=">50K", protected="sex"
        )
        # each connection's view still reads its own file after the other session opened its own
        assert first.connection.execute("SELECT count(*) FROM auditor_source").fetchone() == (6172,)
        assert second.connection.execute("SELECT count(*) FROM auditor_source").fetchone() == (
            16281,
        )
        assert compas.breakdown("race").group(race="African-American").metrics[
            "fpr"
        ] == pytest.approx(0.42338, abs=1e-4)
        assert adult.dataset.rows == 16281
        # a hostile upload name stays inside the workspace
        escaped = first.save_upload("../../../etc/passwd", b"g,y,p\na,1,1\n")
        assert escaped.resolve().is_relative_to(first.directory.resolve())
    finally:
        first.close()
        second.close()
    assert not first.directory.exists() and not second.directory.exists()


@pytest.mark.slow
def _fpr(row: dict) -> str:
    """The false positive rate's cell: its header names it in the upload's words first
    ("flagged high risk among those who … (false positive rate) (95% interval)")."""
    (header,) = [h for h in row if "false positive rate" in h]
    return row[header]


def test_two_dashboard_sessions_see_only_their_own_upload(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("AUDITOR_STORE", str(tmp_path / "audits.duckdb"))
    monkeypatch.delenv("AUDITOR_SAMPLE", raising=False)

    def upload(path: Path) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
        at.switch_page("pages/upload.py").run()
        at.file_uploader(key="upload_file").set_value((path.name, path.read_bytes(), "text/csv"))
        at.run()
        assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
        return at

    compas, adult = upload(COMPAS), upload(ADULT)
    # '<=50K'/'>50K' do not say which is favourable: the page asks, as a user would answer
    adult.selectbox(key="map_positive").set_value(">50K").run()
    # interleaved: the second session runs its audit before the first one does
    adult.button(key="run_audit").click().run()
    compas.button(key="run_audit").click().run()
    assert [s.value for s in compas.success] == ["Audited 6,172 rows."]
    assert [s.value for s in adult.success] == ["Audited 16,281 rows."]

    def female_row(at: AppTest) -> dict:
        at.switch_page("pages/disparities.py").run()
        at.selectbox(key="disp_attribute").set_value("sex").run()
        assert not at.exception, [e.value for e in at.exception]
        return at.table[0].value.loc["Female"].to_dict()

    compas_female, adult_female = female_row(compas), female_row(adult)
    assert compas_female["n"] in ("1,175", 1175)
    assert _fpr(compas_female).startswith("30.2% (")
    assert adult_female["n"] in ("5,421", 5421)
    assert _fpr(adult_female).startswith("2.1% (")
    # each session's workspace holds only its own upload
    spaces = [at.session_state["workspace"] for at in (compas, adult)]
    files = [sorted(p.name for p in (space.directory / "uploads").iterdir()) for space in spaces]
    assert files == [["compas_predictions.csv"], ["adult_predictions.csv"]]
