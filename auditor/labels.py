"""Turn the text values of a label or prediction column into 0/1."""

from __future__ import annotations

from collections.abc import Iterable

from .errors import InputError

__all__ = ["binary_coding", "is_known_binary", "label_occurs"]

_KNOWN_PAIRS: tuple[tuple[str, str], ...] = (
    ("1", "0"),
    ("true", "false"),
    ("t", "f"),
    ("yes", "no"),
    ("y", "n"),
    ("positive", "negative"),
    ("pos", "neg"),
)


def _canonical(value: str) -> str:
    """Lower-case text; numbers in canonical form, so '1', '1.0' and ' 1 ' agree."""
    text = str(value).strip().lower()
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if number.is_integer() else repr(number)


def is_known_binary(values: Iterable[str]) -> bool:
    """Whether the values are one of the pairs :func:`binary_coding` understands (1/0, yes/no…)."""
    classes = {_canonical(v) for v in values}
    return any(classes <= {positive, negative} for positive, negative in _KNOWN_PAIRS)


def binary_coding(
    values: Iterable[str],
    *,
    positive_label: str | None,
    column: str,
    role: str,
) -> dict[str, int]:
    """Map each distinct text value of a column to 1 (positive) or 0.

    0/1, true/false, yes/no (any case, numbers in any format) are understood; any other two
    classes need ``positive_label``. More than two classes is an error.
    """
    values = sorted({str(v) for v in values})
    canonical = {value: _canonical(value) for value in values}
    classes = sorted(set(canonical.values()))
    if len(classes) > 2:
        shown = ", ".join(repr(v) for v in values[:5]) + (", …" if len(values) > 5 else "")
        raise InputError(
            f"{role} column '{column}' has {len(classes)} classes ({shown}); the audit needs a "
            "binary outcome: map it to two classes (e.g. positive vs rest) or choose another column"
        )
    if not classes:
        raise InputError(f"{role} column '{column}' has no values: every row is missing it")
    if positive_label is not None:
        wanted = _canonical(positive_label)
        if wanted in classes:
            return {value: int(canonical[value] == wanted) for value in values}
    for positive, negative in _KNOWN_PAIRS:
        if set(classes) <= {positive, negative}:
            return {value: int(canonical[value] == positive) for value in values}
    if positive_label is not None:
        if len(classes) == 1:
            # the positive class simply does not occur in this column
            return {value: 0 for value in values}
        option = (
            "--positive-label"
            if role == "label"
            else "--positive-prediction (the decision's positive class when its words differ "
            "from the label's)"
        )
        raise InputError(
            f"positive label {positive_label!r} is not a value of {role} column '{column}', "
            f"whose classes are {', '.join(repr(v) for v in values)}: pass one of them "
            f"with {option}"
        )
    shown = " and ".join(repr(v) for v in values)
    raise InputError(
        f"{role} column '{column}' has classes {shown}: say which is the positive "
        "(favourable or flagged) outcome with --positive-label"
    )


def label_occurs(values: Iterable[str], label: str) -> bool:
    """Whether ``label`` is one of ``values`` once both are canonical ('1.0' is '1', 'Yes' is 'yes')."""
    wanted = _canonical(label)
    return any(_canonical(value) == wanted for value in values)
