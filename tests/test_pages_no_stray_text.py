"""A bare string in a page script is not a comment: Streamlit's "magic" prints it on the page
(the Upload page showed a note meant for programmers above its title)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PAGES = sorted((Path(__file__).resolve().parent.parent / "pages").glob("*.py"))


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_no_bare_string_but_the_docstring(page):
    tree = ast.parse(page.read_text())
    strays = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        and node is not tree.body[0]
        and not _is_function_docstring(tree, node)
    ]
    assert not strays, f"{page.name}: bare strings at lines {strays} would be shown on the page"


def _is_function_docstring(tree: ast.Module, node: ast.Expr) -> bool:
    return any(
        isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and parent.body
        and parent.body[0] is node
        for parent in ast.walk(tree)
    )
