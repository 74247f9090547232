"""The upload page's preview labelled "first rows" shows the file's first rows, in file order.

The engine reads with ``preserve_insertion_order = false`` (less memory on large files); with a
parallel scan a ``LIMIT`` query then returns whichever rows a thread produced first — rows from
the middle of the file. Many small Parquet row groups and eight threads make that near-certain
(8 of 10 previews were out of order before the fix).
"""

from __future__ import annotations

import duckdb

from dashboard.workspace import Workspace


def test_preview_rows_are_the_first_rows_of_the_file(tmp_path):
    path = tmp_path / "many_row_groups.parquet"
    duckdb.connect().execute(
        "COPY (SELECT range AS id, range % 2 AS y, (range // 2) % 2 AS yhat, "
        "CASE WHEN range % 3 = 0 THEN 'M' ELSE 'F' END AS sex FROM range(200000)) "
        f"TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 1024)"
    )
    for _ in range(5):
        space = Workspace(parent=tmp_path)
        try:
            space.connection.execute("SET threads = 8")
            preview = space.inspect(path, rows=5000).preview
            assert list(preview["id"].astype(int)) == list(range(5000))
        finally:
            space.close()


def test_audits_still_run_without_insertion_order_after_a_preview(tmp_path):
    space = Workspace(parent=tmp_path)
    try:
        path = tmp_path / "small.csv"
        path.write_text("y,yhat,sex\n1,1,F\n0,1,M\n1,0,F\n0,0,M\n", encoding="utf-8")
        space.inspect(path)
        setting = space.connection.execute(
            "SELECT current_setting('preserve_insertion_order')"
        ).fetchone()[0]
        assert setting is False
    finally:
        space.close()
