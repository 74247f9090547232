"""Releases of one domain share which cells each group sums (CountCube.share_group_layouts),
and the counts are those worked out afresh."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from auditor.privacy import release_cube


def _categories(cube):
    return {name: [str(v) for v in cube.counts((name,))[name]] for name in cube.attributes}


def test_two_releases_of_one_domain_share_the_group_layouts_and_count_as_fresh(compas_audit):
    cube = compas_audit.cube
    categories = _categories(cube)
    first, _ = release_cube(cube, epsilon=1.0, categories=categories, seed=1)
    second, _ = release_cube(cube, epsilon=0.5, categories=categories, seed=2)
    for by in [("race",), ("race", "sex")]:
        first.counts(by)
        shared = second.counts(by)
        fresh = replace(second, _cache={}).counts(by)  # works the layout out again
        pd.testing.assert_frame_equal(shared, fresh)
    layouts = first.kept("group_layouts", dict)
    assert layouts and layouts is second.kept("group_layouts", dict)
    # an exact cube keeps its own (not the releases')
    cube.counts(("race",))
    assert cube.kept("group_layouts", dict) is not layouts
