"""Exact and private downloads never share a file name (both were 'audit-compas.pdf')."""

from __future__ import annotations

import doctest

import dashboard.export
from dashboard.export import download_stem


def test_exact_and_private_stems_differ_and_name_epsilon():
    exact = download_stem("compas")
    private = download_stem("compas", private_epsilon=1.0)
    assert exact == "audit-compas"
    assert private == "audit-compas-private-eps1"
    assert download_stem("compas", private_epsilon=0.25) != private


def test_uploaded_file_names_become_safe_stems():
    assert download_stem("german predictions.csv") == "audit-german-predictions"
    assert download_stem("../../etc/passwd") == "audit-passwd"
    assert download_stem("") == "audit-data"


def test_doctests():
    assert doctest.testmod(dashboard.export).failed == 0
