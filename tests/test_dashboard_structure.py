"""The dashboard's pages only read widgets, call auditor and draw: every widget has a key, no SQL."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "pages").glob("*.py")) + [ROOT / "app.py"]
WIDGETS = {
    "button",
    "selectbox",
    "multiselect",
    "radio",
    "slider",
    "select_slider",
    "number_input",
    "text_area",
    "text_input",
    "checkbox",
    "toggle",
    "file_uploader",
    "download_button",
}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_widget_has_a_key(page):
    tree = ast.parse(page.read_text(encoding="utf-8"))
    unkeyed = [
        f"{page.name}:{node.lineno} {node.func.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in WIDGETS
        and not any(keyword.arg == "key" for keyword in node.keywords)
    ]
    assert not unkeyed


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_pages_hold_no_sql_and_no_database_handles(page):
    text = page.read_text(encoding="utf-8")
    tree = ast.parse(text)
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in (
            node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")]
        )
    }
    assert not imported & {"duckdb", "sqlite3", "numpy", "scipy"}
    strings = [
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]
    assert not [
        s for s in strings if s.lstrip().upper().startswith(("SELECT ", "CREATE ", "INSERT "))
    ]


def test_ui_free_helpers_do_not_import_streamlit():
    for module in ("session.py", "samples.py", "charts.py", "narrative.py"):
        tree = ast.parse((ROOT / "auditor" / module).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert all(not a.name.startswith("streamlit") for a in node.names), module
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("streamlit"), module


def test_tables_have_no_raw_csv_export():
    """Only the Report page's formula-safe CSV leaves the dashboard (auditor.export.groups_csv)."""
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["disableDataExport"] is True
    assert "groups_csv(" in (ROOT / "pages" / "report.py").read_text()
