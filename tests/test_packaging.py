"""Packaging hygiene: the runtime dependencies are exactly what the shipped code imports; the
LICENSE the metadata names exists; the ``py.typed`` marker the configuration promises is there."""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
IMPORT_NAMES = {"scikit-learn": "sklearn", "vl-convert-python": "vl_convert"}
"""Distributions whose import name differs from their name."""


def _distribution(requirement: str) -> str:
    for separator in ("[", ">", "<", "=", "!", "~", ";", " "):
        requirement = requirement.split(separator)[0]
    return requirement.strip().lower()


def shipped_imports() -> set[str]:
    """Third-party top-level packages imported by the code a wheel ships."""
    files = [
        *(ROOT / "auditor").rglob("*.py"),
        *(ROOT / "dashboard").glob("*.py"),
        *(ROOT / "pages").glob("*.py"),
        ROOT / "app.py",
    ]
    names = set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"auditor", "dashboard"}


def test_runtime_dependencies_are_exactly_what_the_shipped_code_imports():
    declared = {_distribution(r) for r in PYPROJECT["project"]["dependencies"]}
    as_imports = {IMPORT_NAMES.get(name, name.replace("-", "_")) for name in declared}
    # optional engines (e.g. pyspark) are imported only when asked for, from their own extra
    engines = {
        IMPORT_NAMES.get(_distribution(r), _distribution(r).replace("-", "_"))
        for extra, requirements in PYPROJECT["project"]["optional-dependencies"].items()
        if extra not in ("dev", "bench")
        for r in requirements
    }
    imported = shipped_imports()
    assert not imported - as_imports - engines, (
        f"the code imports {sorted(imported - as_imports - engines)}: declare them in "
        "[project] dependencies of pyproject.toml (optional engines: an extra, and in dev)"
    )
    assert not as_imports - imported, (
        f"{sorted(as_imports - imported)} are declared as runtime dependencies but the shipped "
        "code never imports them: move them to the dev (or bench) extra"
    )


def test_test_and_benchmark_dependencies_are_in_the_extras():
    extras = PYPROJECT["project"]["optional-dependencies"]
    dev = {_distribution(r) for r in extras["dev"]}
    assert {"pypdf", "psutil", "pytest", "ruff"} <= dev
    assert "psutil" in {_distribution(r) for r in extras["bench"]}


def test_the_license_file_matches_the_metadata():
    assert PYPROJECT["project"]["license"] == {"text": "MIT"}
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "the auditor contributors" in text


def test_the_typed_marker_is_shipped():
    assert (ROOT / "auditor" / "py.typed").is_file()
    assert "py.typed" in PYPROJECT["tool"]["setuptools"]["package-data"]["auditor"]
