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


STREAMLIT_ALLOWED = {"app.py", "dashboard/state.py"}  # and pages/*.py
CORE = sorted((ROOT / "auditor").rglob("*.py"))
DASHBOARD_HELPERS = sorted(p for p in (ROOT / "dashboard").glob("*.py") if p.name != "state.py")


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module or "")
    return names


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("module", CORE + DASHBOARD_HELPERS, ids=_relative)
def test_streamlit_stays_in_app_pages_and_dashboard_state(module):
    streamlit = sorted(
        name for name in _imported_modules(module) if name.split(".")[0] == "streamlit"
    )
    assert not streamlit, (
        f"{_relative(module)} imports {streamlit}: only app.py, pages/ and dashboard/state.py "
        "may import Streamlit; move the widget code there and keep this module UI-free"
    )


@pytest.mark.parametrize("module", CORE, ids=_relative)
def test_the_core_never_imports_the_dashboard(module):
    upward = sorted(
        name for name in _imported_modules(module) if name.split(".")[0] in {"dashboard", "app"}
    )
    assert not upward, (
        f"{_relative(module)} imports {upward}: the core (auditor/) is the library and must not "
        "depend on the dashboard; move the shared code into auditor/"
    )


def test_importing_the_core_and_the_helpers_loads_no_streamlit():
    """At run time too (not only in the source text): no transitive import pulls Streamlit in."""
    import subprocess
    import sys

    modules = sorted(
        {
            "auditor",
            "auditor.cli",
            "auditor.report",
            "auditor.baselines",
            *(
                _relative(p)[:-3].replace("/", ".").removesuffix(".__init__")
                for p in CORE
                if p.name != "__main__.py"  # runs the CLI on import
            ),
            *(f"dashboard.{p.stem}" for p in DASHBOARD_HELPERS if p.stem != "__init__"),
        }
    )
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'streamlit'))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "[]", f"these imports load Streamlit: {run.stdout[:500]}"


def test_tables_have_no_raw_csv_export():
    """Only the Report page's formula-safe CSV leaves the dashboard (dashboard.export.groups_csv)."""
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["disableDataExport"] is True
    assert "groups_csv(" in (ROOT / "pages" / "report.py").read_text()


def test_error_boxes_link_nowhere_off_the_server():
    """Streamlit's error box offers 'Ask Google' / 'Ask ChatGPT' links unless told not to."""
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorLinks"] is False
    assert config["client"]["showErrorDetails"] == "none"
