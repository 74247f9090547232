"""Reading and splitting training data: typing, exclusions, one stratified seeded split, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from auditor.baselines import run_study
from auditor.baselines.data import load_study_data
from auditor.errors import InputError

RNG = np.random.default_rng(3)


def frame(n: int = 1_000) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "age": RNG.integers(18, 80, size=n).astype(str),  # numbers as text, as DuckDB reads CSV
            "job": RNG.choice(["a", "b", "?"], size=n),
            "sex": RNG.choice(["F", "M"], size=n, p=[0.3, 0.7]),
            "const": "x",
            "split": RNG.choice(["train", "test"], size=n),
            "outcome": RNG.choice(["good", "bad"], size=n),
        }
    )


def test_types_exclusions_and_target_coding():
    data = load_study_data(frame(), target="outcome", protected="sex", positive_label="good")
    assert data.numeric == ("age",)
    assert data.categorical == ("job", "sex")
    assert {c.column for c in data.ignored} == {"const", "split"}
    assert data.positive_label == "good"
    assert set(np.unique(data.y_train)) == {0, 1}


def test_the_split_is_stratified_by_target_and_group_and_seeded():
    source = frame(3_000)
    first = load_study_data(
        source, target="outcome", protected="sex", positive_label="good", seed=5
    )
    again = load_study_data(
        source, target="outcome", protected="sex", positive_label="good", seed=5
    )
    other = load_study_data(
        source, target="outcome", protected="sex", positive_label="good", seed=6
    )
    pd.testing.assert_frame_equal(first.x_test, again.x_test)
    assert not first.x_test.equals(other.x_test)
    assert len(first.y_test) == 900
    for group in ("F", "M"):
        train_rate = first.y_train[first.s_train == group].mean()
        test_rate = first.y_test[first.s_test == group].mean()
        assert abs(train_rate - test_rate) < 0.01
    assert abs((first.s_train == "F").mean() - (first.s_test == "F").mean()) < 0.01


def test_rows_missing_target_or_group_are_left_out_and_counted():
    source = frame()
    source.loc[:9, "outcome"] = None
    source.loc[10:14, "sex"] = " "
    data = load_study_data(source, target="outcome", protected="sex", positive_label="good")
    assert data.rows_excluded == 15
    assert data.split_dict()["rows_used"] == 985


@pytest.mark.parametrize(
    ("change", "kwargs", "message"),
    [
        (
            None,
            {"target": "outcom"},
            "target column 'outcom' is not in a pandas DataFrame. Did you mean 'outcome'?",
        ),
        (None, {"protected": "gender"}, "protected column 'gender' is not in"),
        (
            None,
            {"protected": "outcome"},
            "column 'outcome' is both the target and the protected attribute",
        ),
        (None, {"positive_label": None}, "say which is the positive"),
        (lambda f: f.assign(sex="F"), {}, "has a single value 'F'"),
        (
            lambda f: f.assign(sex=["X"] * 5 + ["F"] * (len(f) - 5)),
            {},
            "group 'X' of 'sex' has 5 rows",
        ),
        (lambda f: f.head(50), {}, "the study needs at least 100"),
        (lambda f: f[["sex", "outcome"]], {}, "no feature besides 'sex' and 'outcome'"),
    ],
)
def test_errors_name_the_bad_value_and_the_fix(change, kwargs, message):
    source = frame() if change is None else change(frame())
    options = {"target": "outcome", "protected": "sex", "positive_label": "good", **kwargs}
    with pytest.raises(InputError, match=None) as error:
        run_study(source, **options)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_a_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        run_study(tmp_path / "nope.csv", target="y", protected="g")
