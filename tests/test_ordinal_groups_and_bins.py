"""Ordered buckets listed in their natural order; numeric protected columns binned in the
DuckDB counting query."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import auditor
from auditor.binning import bin_labels, parse_bins
from auditor.errors import InputError
from auditor.ordering import natural_order


@pytest.mark.parametrize(
    ("shuffled", "expected"),
    [
        (["60+", "25-39", "<25", "40-59"], ["<25", "25-39", "40-59", "60+"]),
        (["65+", "18-24", "45-64", "25-44"], ["18-24", "25-44", "45-64", "65+"]),
        (
            ["Greater than 45", "25 - 45", "Less than 25"],
            ["Less than 25", "25 - 45", "Greater than 45"],
        ),
        (["10", "9", "100"], ["9", "10", "100"]),
        (["high", "low", "medium"], ["low", "medium", "high"]),
        (["$50k-$99k", "under $50k", "$100k+"], ["under $50k", "$50k-$99k", "$100k+"]),
    ],
)
def test_buckets_sort_naturally(shuffled, expected):
    assert natural_order(shuffled) == expected


def test_unordered_values_are_not_reordered_and_missing_goes_last():
    assert natural_order(["Male", "Female"]) is None
    assert natural_order(["60+", "(missing)", "<25"], last=["(missing)"]) == [
        "<25",
        "60+",
        "(missing)",
    ]


def _ages(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 80, size=2000)
    return pd.DataFrame(
        {
            "age": age,
            "band": pd.cut(
                age, [0, 24, 39, 59, 200], labels=["<25", "25-39", "40-59", "60+"]
            ).astype(str),
            "approved": (rng.random(2000) < 0.3 + 0.005 * (age - 18)).astype(int),
            "repaid": rng.integers(0, 2, size=2000),
        }
    )


def test_audit_lists_age_bands_in_order_everywhere():
    result = auditor.audit(_ages(), label="repaid", prediction="approved", protected="band")
    document = result.to_dict()
    assert [g["key"]["band"] for g in document["breakdowns"][0]["groups"]] == [
        "<25",
        "25-39",
        "40-59",
        "60+",
    ]


def test_a_user_order_wins():
    order = ["60+", "40-59", "25-39", "<25"]
    result = auditor.audit(
        _ages(),
        label="repaid",
        prediction="approved",
        protected="band",
        group_order={"band": order},
    )
    assert [g.key["band"] for g in result.breakdown("band").groups] == order
    again = auditor.reaudit(result, reference={"band": "<25"})
    assert [g.key["band"] for g in again.breakdown("band").groups] == order


def test_binning_in_the_query_matches_pandas_cut():
    frame = _ages()
    result = auditor.audit(
        frame, label="repaid", prediction="approved", protected="age", bins={"age": [25, 40, 60]}
    )
    groups = result.breakdown("age").groups
    assert [g.key["age"] for g in groups] == bin_labels([25, 40, 60])
    expected = pd.cut(frame["age"], [-np.inf, 25, 40, 60, np.inf], right=False)
    sizes = frame.groupby(expected, observed=True).size().tolist()
    approvals = frame.groupby(expected, observed=True)["approved"].mean().tolist()
    assert [g.counts.n for g in groups] == sizes
    assert [g.metrics["selection_rate"] for g in groups] == pytest.approx(approvals)
    assert result.to_dict()["columns"]["bins"] == {"age": [25.0, 40.0, 60.0]}


def test_quartile_bins_have_about_equal_sizes_and_are_refused_under_dp(tmp_path):
    frame = _ages()
    path = tmp_path / "ages.csv"
    frame.to_csv(path, index=False)
    result = auditor.audit(
        path, label="repaid", prediction="approved", protected="age", bins={"age": "quartiles"}
    )
    sizes = [g.counts.n for g in result.breakdown("age").groups]
    assert len(sizes) == 4
    assert max(sizes) / min(sizes) < 1.2, sizes
    edges = result.to_dict()["columns"]["bins"]["age"]
    assert edges == pytest.approx(np.quantile(frame["age"], [0.25, 0.5, 0.75]), abs=0.5)
    with pytest.raises(InputError, match="give the edges yourself"):
        auditor.audit(
            path,
            label="repaid",
            prediction="approved",
            protected="age",
            bins={"age": "quartiles"},
            epsilon=1.0,
            seed=0,
        )


def test_non_numbers_go_to_the_missing_group_and_bad_edges_are_named():
    frame = pd.DataFrame(
        {"age": ["30", "x", "70", ""] * 20, "approved": [1, 0] * 40, "y": [0, 1] * 40}
    )
    result = auditor.audit(
        frame, label="y", prediction="approved", protected="age", bins={"age": [50]}
    )
    assert [g.key["age"] for g in result.breakdown("age").groups] == ["<50", "50+", "(missing)"]
    with pytest.raises(InputError, match="must increase"):
        parse_bins(["age=40,25"])
    with pytest.raises(InputError, match="not a protected attribute"):
        auditor.audit(frame, label="y", prediction="approved", protected="age", bins={"y": [1]})


def test_the_cli_bins_and_orders(tmp_path):
    import json

    from .cli_run import run_cli

    path = tmp_path / "ages.csv"
    _ages().to_csv(path, index=False)
    command = ["audit", str(path), "--label", "repaid"]
    command += ["--prediction", "approved", "--protected", "age,band", "--quiet", "--json", "-"]
    command += ["--bin", "age=30,50", "--group-order", "band=60+,40-59,25-39,<25"]
    run = run_cli(*command)
    assert run.returncode == 0, run.stderr
    document = json.loads(run.stdout)
    by = {
        tuple(b["by"]): [list(g["key"].values()) for g in b["groups"]]
        for b in document["breakdowns"]
    }
    assert by[("age",)] == [["<30"], ["30-49"], ["50+"]]
    assert by[("band",)] == [["60+"], ["40-59"], ["25-39"], ["<25"]]
    bad = run_cli(*command[:-2], "--bin", "age=50,30")
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "must increase" in bad.stderr
