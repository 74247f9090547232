"""docs/architecture.md matches the code: its package map lists exactly the modules on disk, and
every module keeps to its layer's import rules.

Another engineer adding a module gets told the exact line to add to the package map.
"""

from __future__ import annotations

import ast
import re
import sys
from collections import Counter
from pathlib import Path

from .test_import_cycles import import_graph

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
ROW = re.compile(r"^\|\s*`(?P<module>[^`]+)`\s*\|\s*(?P<layer>[\w-]+)\s*\|\s*(?P<job>.*?)\s*\|\s*$")


def _section(title: str) -> list[str]:
    lines = DOC.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == f"## {title}")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return lines[start + 1 : end]


def documented_modules() -> list[tuple[str, str, str]]:
    """(module path, layer, job) for each row of the package map, in the doc's order."""
    return [
        (m["module"], m["layer"], m["job"])
        for line in _section("Package map")
        if (m := ROW.match(line))
    ]


def layers() -> list[tuple[str, set[str]]]:
    """(layer, forbidden third-party packages) in the order of the layer table (lowest first)."""
    found = []
    for line in _section("Layers: who may import whom"):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or cells[0] in ("layer", "") or set(cells[0]) <= {"-"}:
            continue
        limits = cells[3]
        forbidden = set(re.findall(r"`([\w.]+)`", limits)) if limits.startswith("no ") else set()
        found.append((cells[0], forbidden))
    return found


def actual_modules() -> list[str]:
    files = [
        *(ROOT / "auditor").rglob("*.py"),
        *(ROOT / "dashboard").glob("*.py"),
        *(ROOT / "pages").glob("*.py"),
        ROOT / "app.py",
    ]
    return sorted(p.relative_to(ROOT).as_posix() for p in files if "__pycache__" not in p.parts)


def _first_sentence(path: Path) -> str:
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    text = " ".join(doc.split("\n\n")[0].split()).replace("``", "`").replace("|", "/")
    return text or "<what this module does, in one sentence>"


def _guessed_layer(module: str, documented: dict[str, str]) -> str:
    """The lowest layer whose rules allow the module's imports (else its neighbours' layer)."""
    order = [name for name, _ in layers()]
    if module.startswith(("pages/", "app.py")) or module == "dashboard/state.py":
        return "ui"
    by_name = {_module_name(m): layer for m, layer in documented.items()}
    imported = import_graph("auditor", "dashboard").get(_module_name(module), set())
    needed = [order.index(by_name[t]) for t in imported if t in by_name]
    floor = order.index("dashboard") if module.startswith("dashboard/") else 0
    if needed or floor:
        return order[max([floor, *needed])]
    folder = module.rpartition("/")[0]
    neighbours = Counter(layer for m, layer in documented.items() if m.rpartition("/")[0] == folder)
    return neighbours.most_common(1)[0][0] if neighbours else "<layer>"


def test_the_package_map_lists_exactly_the_modules():
    rows = documented_modules()
    assert len(rows) > 40, "the package map table in docs/architecture.md was not found"
    documented = {module: layer for module, layer, _ in rows}
    duplicated = sorted(m for m, count in Counter(m for m, _, _ in rows).items() if count > 1)
    actual = actual_modules()
    missing = [m for m in actual if m not in documented]
    stale = sorted(set(documented) - set(actual))
    problems = []
    if missing:
        problems.append(
            "docs/architecture.md, section 'Package map': add these lines (any position in the "
            "table; check the layer against the section 'Layers'):\n"
            + "\n".join(
                f"| `{m}` | {_guessed_layer(m, documented)} | {_first_sentence(ROOT / m)} |"
                for m in missing
            )
        )
    if stale:
        problems.append(
            "docs/architecture.md, section 'Package map': remove the lines of modules that no "
            "longer exist: " + ", ".join(stale)
        )
    if duplicated:
        problems.append("docs/architecture.md lists these modules twice: " + ", ".join(duplicated))
    assert not problems, "\n\n".join(problems)


def test_every_documented_layer_exists():
    names = [name for name, _ in layers()]
    assert names == ["foundation", "data", "numbers", "pipeline", "outputs", "dashboard", "ui"]
    unknown = [m for m, layer, _ in documented_modules() if layer not in names]
    assert not unknown, (
        f"these package-map rows name a layer that the layer table does not have: {unknown}; "
        f"use one of {names}"
    )


def _module_name(path: str) -> str:
    parts = path[:-3].split("/")
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _third_party(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"auditor", "dashboard"}


def test_modules_keep_to_their_layer():
    order = {name: index for index, (name, _) in enumerate(layers())}
    forbidden = dict(layers())
    by_name = {_module_name(m): (m, layer) for m, layer, _ in documented_modules()}
    graph = import_graph("auditor", "dashboard")
    violations = []
    for name, targets in sorted(graph.items()):
        if name not in by_name:
            continue  # reported by test_the_package_map_lists_exactly_the_modules
        path, layer = by_name[name]
        for target in sorted(targets):
            if target not in by_name or target.startswith(name + "."):
                continue  # a package's __init__ may gather its own submodules
            target_path, target_layer = by_name[target]
            if order[target_layer] > order[layer]:
                violations.append(
                    f"{path} ({layer}) imports {target_path} ({target_layer}): a module may "
                    "import only its own layer and the layers listed above it in "
                    "docs/architecture.md; move the shared code down a layer"
                )
        for package in sorted(_third_party(ROOT / path) & forbidden[layer]):
            violations.append(
                f"{path} ({layer}) imports {package}, which the {layer} layer must not use "
                "(see 'Layers' in docs/architecture.md)"
            )
    assert not violations, "\n".join(violations)


def test_the_checks_catch_a_misplaced_module(tmp_path, monkeypatch):
    """The layer check is not vacuous: metrics placed in 'foundation' breaks the rule."""
    text = DOC.read_text(encoding="utf-8").replace(
        "| `auditor/metrics.py` | numbers |", "| `auditor/metrics.py` | foundation |"
    )
    moved = tmp_path / "architecture.md"
    moved.write_text(text, encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "DOC", moved)
    try:
        test_modules_keep_to_their_layer()
    except AssertionError as error:
        assert "auditor/metrics.py (foundation) imports auditor/adverse_impact.py" in str(error)
    else:
        raise AssertionError("moving metrics.py to the foundation layer was not caught")


def test_the_readme_points_only_inside_the_repository():
    """A fresh clone has no ../shared: every link and path the README names is in the repo."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "](docs/architecture.md" in text, "the README must link docs/architecture.md"
    outside = sorted(set(re.findall(r"(?:\.\./|/work/)[\w./-]*", text)))
    assert not outside, f"the README points outside the repository: {outside}"
    links = [
        target.split("#")[0]
        for target in re.findall(r"\]\(([^)\s]+)\)", text)
        if not target.startswith(("http://", "https://", "#", "mailto:"))
    ]
    broken = sorted({link for link in links if not (ROOT / link).exists()})
    assert links and not broken, f"README links to files that do not exist: {broken}"
