"""Every way a row can leave the fast path, crossed with every other factor, equals the
row-by-row computation of ``tests/test_bisg_cube_rowwise.py``.

The audit's one pass sums the rows matched directly on every table; the others only carry
their keys and the ids they matched directly into a list per cell, and are resolved after the
pass (normalisation of the keys the direct lookup missed, fallbacks). Here each surname kind
(direct, found by normalisation, by a part, unknown, missing) meets each ZIP kind (direct,
normalised, unknown, missing, not a ZIP) and first names matched directly or not, each
combination written several times in different cells, so that a key matched directly on one
table and missed on another, and groups of more than one row, are all counted."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from .test_bisg_cube_rowwise import check_against_reference, zero_product_pair

SURNAMES = {
    "direct": "Garcia",
    "normalised": "O'Brien",
    "first_part": "Smith-Qxzqv",
    "last_part": "Qxzqv Nguyen",
    "unknown": "Qxzqvwlk",
    "missing": None,
    "no_letters": "1234",
}
ZIPS = {
    "direct": "60615",
    "normalised": "02139-4307",
    "short": "2139",
    "unknown": "99999",
    "missing": None,
    "not_a_zip": "abc",
}
FIRST_NAMES = {"direct": "Maria", "normalised": "José", "unknown": "Zzznotaname", "missing": None}


@pytest.fixture(scope="module")
def people() -> pd.DataFrame:
    surname, zcta = zero_product_pair()
    combinations = list(itertools.product(SURNAMES.values(), ZIPS.values(), FIRST_NAMES.values()))
    combinations.append((surname.title(), zcta, None))  # the zero product, matched directly
    combinations.append((surname.lower(), f"{zcta}-0001", "Maria"))  # the same, normalised
    rows = []
    for repeat in range(3):
        for index, (last, zip_code, first) in enumerate(combinations):
            rows.append(
                {
                    "last_name": last,
                    "first_name": first,
                    "zip": zip_code,
                    "approved": str((index + repeat) % 2),
                    "repaid": str(index // 2 % 2),
                    "sex": ["Female", "Male"][repeat % 2],
                }
            )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("first_names", [False, True], ids=["BISG", "BIFSG"])
def test_every_combination_of_misses_equals_the_row_by_row_computation(people, first_names):
    counted = check_against_reference(people, first_names=first_names)
    assert all(counted.values())
