"""Training data for the input-restriction study: read, type, encode the target, split once.

Model training needs rows, so (unlike the audit itself) this module reads the table into
pandas. A file is read through :func:`auditor.ingest.open_source`, so the same formats,
encodings and error messages apply as for an audit.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from ..engine import connect
from ..errors import InputError
from ..ingest import SOURCE_VIEW, open_source
from ..labels import binary_coding, label_occurs

__all__ = ["MISSING_CATEGORY", "SPLIT_MARKERS", "IgnoredColumn", "StudyData", "load_study_data"]

MISSING_CATEGORY = "(missing)"
"""Category given to a missing value of a categorical feature."""

SPLIT_MARKERS = frozenset({"train", "test", "training", "testing", "valid", "validation", "val"})
"""Values of a column that marks a predefined train/test split; such a column is not a feature."""

MIN_GROUP_ROWS = 10
MIN_ROWS = 100


@dataclass(frozen=True, kw_only=True)
class IgnoredColumn:
    """A column of the input that is not used as a feature, and why."""

    column: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"column": self.column, "reason": self.reason}


@dataclass(frozen=True, kw_only=True)
class StudyData:
    """The typed, split training table shared by every strategy of the study.

    ``x_train``/``x_test`` hold every candidate feature, the protected attribute included
    (as text); ``y_*`` are 0/1 targets; ``s_*`` the protected attribute's values.
    """

    source: str
    target: str
    protected: str
    positive_label: str | None
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    ignored: tuple[IgnoredColumn, ...]
    groups: tuple[str, ...]
    x_train: pd.DataFrame
    x_test: pd.DataFrame
    y_train: np.ndarray
    y_test: np.ndarray
    s_train: np.ndarray
    s_test: np.ndarray
    rows: int
    rows_excluded: int
    test_fraction: float
    seed: int

    @property
    def features(self) -> tuple[str, ...]:
        """Every candidate feature, the protected attribute included, in input order."""
        return tuple(c for c in self.x_train.columns)

    @property
    def features_without_protected(self) -> tuple[str, ...]:
        return tuple(c for c in self.features if c != self.protected)

    def split_dict(self) -> dict[str, object]:
        return {
            "rows": self.rows,
            "rows_used": self.rows - self.rows_excluded,
            "rows_excluded": self.rows_excluded,
            "train_rows": int(len(self.y_train)),
            "test_rows": int(len(self.y_test)),
            "test_fraction": self.test_fraction,
            "stratified_by": [self.target, self.protected],
            "seed": self.seed,
        }


def _read(
    source: str | os.PathLike | pd.DataFrame, *, required: dict[str, str]
) -> tuple[pd.DataFrame, str]:
    """The whole table and its description; ``required`` (column → role) is checked first."""
    if isinstance(source, pd.DataFrame):
        if source.columns.duplicated().any():
            duplicated = sorted({str(c) for c in source.columns[source.columns.duplicated()]})
            raise InputError(
                f"the DataFrame has duplicated column names {duplicated}: rename them first"
            )
        return source.rename(columns=str).reset_index(drop=True), "a pandas DataFrame"
    if isinstance(source, duckdb.DuckDBPyRelation):
        return source.df().rename(columns=str), "a DuckDB relation"
    if not isinstance(source, (str, os.PathLike)):
        raise InputError(
            f"cannot study a {type(source).__name__}: pass a file path or a pandas DataFrame"
        )
    con = connect()
    try:
        opened = open_source(source, connection=con)
        for name, role in required.items():  # before reading every row
            _require(pd.DataFrame(columns=list(opened.columns)), name, role, str(source))
        frame = opened.frame(f"SELECT * FROM {SOURCE_VIEW}")
    finally:
        con.close()
    return frame, str(source)


def _require(frame: pd.DataFrame, name: str, role: str, description: str) -> None:
    if name in frame.columns:
        return
    import difflib

    close = difflib.get_close_matches(name, [str(c) for c in frame.columns], n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    shown = ", ".join(str(c) for c in list(frame.columns)[:30])
    raise InputError(f"{role} column '{name}' is not in {description}.{hint} Columns are: {shown}")


def _as_text(column: pd.Series) -> pd.Series:
    """Text values with surrounding blanks removed; empty text becomes missing."""
    text = column.astype("string").str.strip()
    return text.mask(text == "")


def _as_number(column: pd.Series) -> pd.Series | None:
    """The column as floats when every present value is a number, else ``None``."""
    if pd.api.types.is_bool_dtype(column):
        return None
    if pd.api.types.is_numeric_dtype(column):
        return column.astype("float64")
    text = _as_text(column)
    parsed = pd.to_numeric(text, errors="coerce")
    present = int(text.notna().sum())
    if present == 0 or int(parsed.notna().sum()) != present:
        return None
    return parsed.astype("float64")


def load_study_data(
    source: str | os.PathLike | pd.DataFrame,
    *,
    target: str,
    protected: str,
    positive_label: str | None = None,
    exclude: Iterable[str] = (),
    test_fraction: float = 0.3,
    seed: int = 0,
) -> StudyData:
    """Read ``source``, choose the features, encode the target and make one stratified split.

    A column whose values are all train/test markers (e.g. UCI Adult's ``split``) and the
    columns named in ``exclude`` are not features. Rows missing the target or the protected
    attribute are left out (counted in ``rows_excluded``). The split is stratified by target
    × protected group and seeded, so every strategy trains and is tested on the same rows.
    """
    if not 0 < test_fraction < 1:
        raise InputError(f"test_fraction must be between 0 and 1, not {test_fraction}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= 2**32 - 1:
        raise InputError(f"seed must be a whole number from 0 to {2**32 - 1}, not {seed!r}")
    if target == protected:
        raise InputError(
            f"column '{target}' is both the target and the protected attribute: choose one role"
        )
    exclude = tuple(exclude)
    required = {target: "target", protected: "protected", **{name: "excluded" for name in exclude}}
    frame, description = _read(source, required=required)
    for name, role in required.items():
        _require(frame, name, role, description)

    rows = len(frame)
    target_text = _as_text(frame[target])
    protected_text = _as_text(frame[protected])
    keep = (target_text.notna() & protected_text.notna()).to_numpy()
    frame = frame.loc[keep].reset_index(drop=True)
    target_text = target_text[keep].reset_index(drop=True)
    protected_text = protected_text[keep].reset_index(drop=True)
    if len(frame) < MIN_ROWS:
        raise InputError(
            f"{description} has {len(frame)} rows with both '{target}' and '{protected}' "
            f"present: the study needs at least {MIN_ROWS} to train and test models"
        )
    if positive_label is not None and not label_occurs(target_text.unique(), positive_label):
        shown = ", ".join(repr(v) for v in sorted(target_text.unique())[:5])
        raise InputError(
            f"positive label {positive_label!r} is not a value of the target column "
            f"'{target}' (values: {shown}): pass one of them with --positive-label"
        )
    coding = binary_coding(
        target_text.unique(), positive_label=positive_label, column=target, role="target"
    )
    y = target_text.map(coding).to_numpy(dtype=int)
    if y.min() == y.max():
        raise InputError(
            f"target column '{target}' has only one class after coding: the study needs both "
            "outcomes; check --positive-label"
        )
    groups = protected_text.value_counts()
    if len(groups) < 2:
        raise InputError(
            f"protected column '{protected}' has a single value {groups.index[0]!r}: "
            "a disparity needs at least two groups"
        )
    small = groups[groups < MIN_GROUP_ROWS]
    if len(small):
        raise InputError(
            f"protected group {small.index[0]!r} of '{protected}' has {int(small.iloc[0])} rows: "
            f"each group needs at least {MIN_GROUP_ROWS} to train and test on; merge or drop it"
        )

    ignored: list[IgnoredColumn] = [
        IgnoredColumn(column=name, reason="excluded by the caller") for name in exclude
    ]
    numeric: list[str] = []
    categorical: list[str] = []
    features: dict[str, pd.Series] = {}
    for name in frame.columns:
        if name in (target, *exclude):
            continue
        if name == protected:
            features[name] = protected_text.astype(object)
            categorical.append(name)
            continue
        column = frame[name]
        text = _as_text(column)
        values = set(text.dropna().str.lower().unique()[: len(SPLIT_MARKERS) + 1])
        if values and values <= SPLIT_MARKERS:
            ignored.append(IgnoredColumn(column=name, reason="marks a predefined train/test split"))
            continue
        if text.nunique(dropna=True) <= 1:
            ignored.append(IgnoredColumn(column=name, reason="has a single value"))
            continue
        number = _as_number(column)
        if number is not None:
            features[name] = number
            numeric.append(name)
        else:
            features[name] = text.fillna(MISSING_CATEGORY).astype(object)
            categorical.append(name)
    if len(features) < 2:
        raise InputError(
            f"{description} has no feature besides '{protected}' and '{target}': "
            "the study needs other columns to train on"
        )
    x = pd.DataFrame(features)
    s = protected_text.to_numpy(dtype=object).astype(str)
    strata = pd.Series(y).astype(str) + "|" + pd.Series(s)
    stratify = strata if strata.value_counts().min() >= 2 else pd.Series(s)
    x_train, x_test, y_train, y_test, s_train, s_test = train_test_split(
        x, y, s, test_size=test_fraction, random_state=seed, stratify=stratify
    )
    positive = next((value for value, code in coding.items() if code == 1), None)
    return StudyData(
        source=description,
        target=target,
        protected=protected,
        positive_label=positive,
        numeric=tuple(numeric),
        categorical=tuple(categorical),
        ignored=tuple(ignored),
        groups=tuple(str(g) for g in groups.index),
        x_train=x_train.reset_index(drop=True),
        x_test=x_test.reset_index(drop=True),
        y_train=np.asarray(y_train),
        y_test=np.asarray(y_test),
        s_train=np.asarray(s_train),
        s_test=np.asarray(s_test),
        rows=rows,
        rows_excluded=rows - len(frame),
        test_fraction=test_fraction,
        seed=seed,
    )
