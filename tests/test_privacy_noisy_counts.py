"""A DP release's noisy cube sums its fractional (least-squares) cells per breakdown with
numpy, and gets the table the pandas groupby path gives (to rounding) — for the whole
population too, and for every release of a domain (which share which cells each group sums)."""

from __future__ import annotations

import numpy as np
import pandas as pd

import auditor
from auditor.cube import _confusion_by, _fill_empty_intersections, _integer_confusion_by
from auditor.privacy import release_cube


def _by_pandas(cells: pd.DataFrame, by: tuple[str, ...]) -> pd.DataFrame:
    table = _confusion_by(cells, by)
    if len(by) == 2:
        table = _fill_empty_intersections(table, by)
    return table.sort_values(list(by), kind="stable").reset_index(drop=True)


def _audit() -> auditor.AuditResult:
    rng = np.random.default_rng(5)
    size = 4000
    frame = pd.DataFrame(
        {
            "race": rng.choice(["A", "B", "C", "D", "E", "F"], size=size),
            "sex": rng.choice(["F", "M"], size=size),
            "age": rng.choice(["<25", "25-39", "40-49", "50-59", "60+"], size=size),
            "region": rng.choice([f"R{i:02d}" for i in range(50)], size=size),
            "label": rng.integers(0, 2, size=size),
            "prediction": rng.integers(0, 2, size=size),
        }
    )
    return auditor.audit(
        frame, label="label", prediction="prediction", protected=["race", "sex", "age", "region"]
    )


def test_every_breakdown_of_a_workload_release():
    cube = _audit().cube
    categories = {name: [str(v) for v in cube.counts((name,))[name]] for name in cube.attributes}
    fewer = {**categories, "region": categories["region"][:40]}  # another domain: other cells
    # releases of one domain share which cells each group sums; another domain has its own
    for declared in (categories, fewer, categories, fewer):  # OpenDP noise: fast
        noisy, _ = release_cube(cube, epsilon=1.0, categories=declared)
        _check_breakdowns(noisy)


def test_whole_counts_of_the_finest_table_release():
    cube = _audit().cube
    categories = {name: [str(v) for v in cube.counts((name,))[name]] for name in cube.attributes}
    for _ in range(2):
        noisy, _ = release_cube(cube, epsilon=1.0, categories=categories, workload="finest")
        _check_breakdowns(noisy, dtype=np.int64)


def _check_breakdowns(noisy, dtype=np.float64) -> None:
    cells = noisy._cells_without_scores()
    if dtype == np.float64:
        assert len(noisy.release.plan.measurements) > 1  # the workload: several tables measured
        assert cells["n"].dtype == np.float64  # and fitted by least squares: fractional counts
        assert not np.allclose(cells["n"], np.round(cells["n"]))
    for by in [(), *noisy.breakdowns(intersections=True)]:
        expected = _by_pandas(cells, by)
        for got in (_integer_confusion_by(cells, by, released=True), noisy.counts(by)):
            assert list(got.columns) == list(expected.columns)
            assert len(got) == len(expected)
            for name in by:
                assert got[name].astype(str).tolist() == expected[name].astype(str).tolist()
            for name in ("tp", "fp", "tn", "fn", "n"):
                assert got[name].dtype == dtype
                np.testing.assert_allclose(got[name], expected[name], rtol=1e-12, atol=1e-9)


def test_opendp_takes_read_only_and_out_of_range_counts_as_before():
    from auditor.privacy.mechanisms import noise_spec, opendp_noise

    counts = np.arange(50, dtype=np.int64)
    counts.flags.writeable = False  # e.g. a column of a pandas frame
    spec = noise_spec("laplace", epsilon=1.0, delta=None)
    released = opendp_noise(spec, counts)
    assert released.dtype == np.int64 and released.shape == (50,)
    fractional = counts.astype(float) + 0.5
    fractional.flags.writeable = False
    spec = noise_spec("laplace", epsilon=1.0, delta=None, fractional=True)
    assert opendp_noise(spec, fractional).shape == (50,)
    try:
        opendp_noise(noise_spec("laplace", epsilon=1.0, delta=None), [2**40])
    except ValueError as error:  # OpenDP's own refusal, as with a list of ints
        assert "i32" in str(error)
    else:
        raise AssertionError("a count beyond i32 was released")
