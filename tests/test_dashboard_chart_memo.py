"""Charts are rebuilt only when what they are drawn from changed."""

from __future__ import annotations

from dashboard.chart_memo import memoised_chart


def test_the_same_inputs_give_the_kept_chart_and_any_change_rebuilds():
    built = []

    def build(breakdown, metric, *, colours=None):
        built.append((metric, colours))
        return object()

    store: dict = {}
    breakdown = {"by": ["race"], "groups": [{"key": {"race": "A"}, "n": 3}]}
    first = memoised_chart(store, "rate", build, breakdown, "fpr", colours={"A": "#000"})
    assert memoised_chart(store, "rate", build, breakdown, "fpr", colours={"A": "#000"}) is first
    # an equal copy of the document is the same input; an edited one is not
    copy = {"by": ["race"], "groups": [{"key": {"race": "A"}, "n": 3}]}
    assert memoised_chart(store, "rate", build, copy, "fpr", colours={"A": "#000"}) is first
    assert len(built) == 1
    changed = {"by": ["race"], "groups": [{"key": {"race": "A"}, "n": 4}]}
    assert memoised_chart(store, "rate", build, changed, "fpr", colours={"A": "#000"}) is not first
    assert memoised_chart(store, "rate", build, changed, "fnr", colours={"A": "#000"})
    assert memoised_chart(store, "rate", build, changed, "fnr", colours={"A": "#111"})
    assert memoised_chart(store, "rate", build, changed, "fnr")
    assert len(built) == 5
    # another slot keeps its own chart; one chart per slot
    other = memoised_chart(store, "ratio", build, changed, "fnr")
    assert set(store) == {"rate", "ratio"} and store["ratio"][1] is other


def test_objects_other_than_plain_values_compare_by_identity():
    class Result:
        def __eq__(self, other):  # equal to everything: must not be trusted
            return True

        __hash__ = object.__hash__

    built = []
    store: dict = {}
    one, two = Result(), Result()
    memoised_chart(store, "roc", lambda r: built.append(r) or object(), one)
    memoised_chart(store, "roc", lambda r: built.append(r) or object(), one)
    assert len(built) == 2  # another build function (a new lambda) rebuilds
    build = lambda r: built.append(r) or object()  # noqa: E731
    memoised_chart(store, "roc", build, one)
    memoised_chart(store, "roc", build, one)
    memoised_chart(store, "roc", build, two)
    assert built == [one, one, one, two]
