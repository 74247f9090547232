"""Charts kept between reruns of a page: rebuilt only when what they are drawn from changed.

Building an Altair chart costs tens of milliseconds (schema objects, copies, checks), and a
page rerun draws every chart again although most reruns change none of them (a policy edit,
coming back to the page, another reference for another attribute). The dashboard's views
reuse the JSON of every breakdown a change did not touch (see ``dashboard.state.current``), so
an unchanged breakdown is usually the same object and compares at once. No Streamlit here:
the store is passed in.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

__all__ = ["memoised_chart"]

_VALUES = (str, int, float, bool, type(None))


def _same(left: Any, right: Any) -> bool:
    """Plain values, tuples, lists and dicts (JSON documents, colour maps) compare by value —
    by identity first, which is what the views' reused breakdowns give; anything else (data
    frames, results) by identity only."""
    if left is right:
        return True
    if type(left) is not type(right):
        return False
    if isinstance(left, (*_VALUES, dict, list)):
        return left == right
    if isinstance(left, tuple) and len(left) == len(right):
        return all(_same(a, b) for a, b in zip(left, right, strict=True))
    return False


def memoised_chart(
    store: MutableMapping[str, Any],
    slot: str,
    build: Callable[..., Any],
    *args: Any,
    **kwargs: Any,
) -> Any:
    """``build(*args, **kwargs)``, or the chart built in ``slot`` last time with the same
    ``build`` and arguments. One chart per slot is kept (memory stays bounded)."""
    inputs = (build, args, tuple(sorted(kwargs.items())))
    kept = store.get(slot)
    if kept is not None and _same_inputs(kept[0], inputs):
        return kept[1]
    chart = build(*args, **kwargs)
    store[slot] = (inputs, chart)
    return chart


def _same_inputs(left: tuple, right: tuple) -> bool:
    (build_a, args_a, kwargs_a), (build_b, args_b, kwargs_b) = left, right
    return (
        build_a is build_b
        and len(args_a) == len(args_b)
        and all(_same(a, b) for a, b in zip(args_a, args_b, strict=True))
        and [k for k, _ in kwargs_a] == [k for k, _ in kwargs_b]
        and all(_same(a, b) for (_, a), (_, b) in zip(kwargs_a, kwargs_b, strict=True))
    )
