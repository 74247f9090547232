"""dashboard.workspace: per-session folders and uploads, isolated and deleted."""

from __future__ import annotations

from pathlib import Path

import pytest

import auditor
from dashboard.workspace import Workspace

ROOT = Path(__file__).resolve().parent.parent


def test_workspaces_are_isolated_and_deleted_on_close():
    first, second = Workspace(), Workspace()
    try:
        a = first.save_upload("data.csv", b"y,p,g\n1,1,a\n0,1,b\n")
        b = second.save_upload("data.csv", b"y,p,g\n0,0,c\n")
        assert a != b and a.read_bytes() != b.read_bytes()
        assert first.directory != second.directory
        first.inspect(a)
        second.inspect(b)
        # Each session queries its own view on its own connection.
        assert first.connection.sql("SELECT g FROM auditor_source").fetchall() == [("a",), ("b",)]
        assert second.connection.sql("SELECT g FROM auditor_source").fetchall() == [("c",)]
    finally:
        first.close()
        second.close()
    assert not first.directory.exists() and first.closed


def test_upload_names_cannot_escape_the_workspace():
    space = Workspace()
    try:
        path = space.save_upload("../../etc/passwd", b"a,b\n1,2\n")
        assert path.parent == space.directory / "uploads"
        with pytest.raises(auditor.InputError, match="empty"):
            space.save_upload("empty.csv", b"")
    finally:
        space.close()
