"""The measured workload (finest table, each attribute, each pair) and its least-squares fit.

Checked against independent references: statsmodels' WLS for the estimate and a dense
(Aᵀ W A)⁻¹ for the variances; the noise of every OpenDP measurement against the scale the
privacy section claims; the budget split adding up to the ε (or ρ) charged once.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import auditor
from auditor.cube import CountCube
from auditor.privacy import release_cube
from auditor.privacy.mechanisms import gaussian_rho, noise_spec
from auditor.privacy.release import draw_measurements
from auditor.privacy.workload import (
    FINEST_MIN_SHARE,
    Measurement,
    MeasurementPlan,
    choose_shares,
    marginal_counts,
    plan_measurements,
    simulate_cell_errors,
    workload_sets,
)

from .conftest import COMPAS_CLI

SMALL = ("a", "b", "c")
SMALL_SIZES = (3, 2, 4)
# the benchmark's 4-attribute file: race 6 × sex 2 × age band 5 × region 50
BIG = ("race", "sex", "age", "region")
BIG_SIZES = (6, 2, 5, 50)
BIG_CATEGORIES = {
    "race": [f"r{i}" for i in range(6)],
    "sex": ["F", "M"],
    "age": [f"a{i}" for i in range(5)],
    "region": [f"R{i:02d}" for i in range(50)],
}
BREAKDOWNS = [(a,) for a in BIG] + [(a, b) for i, a in enumerate(BIG) for b in BIG[i + 1 :]]


def _arbitrary_plan() -> MeasurementPlan:
    """Every workload set of a small table, each with a different noise scale."""
    measurements = []
    for k, names in enumerate(workload_sets(SMALL, "marginals")):
        spec = noise_spec("laplace", epsilon=0.1 * (k + 1), delta=None)
        cells = math.prod(SMALL_SIZES[SMALL.index(n)] for n in names) * 4
        measurements.append(Measurement(names, 0.1, spec.epsilon, spec, cells))
    return MeasurementPlan("marginals", SMALL, SMALL_SIZES, tuple(measurements))


def _query_matrix(plan: MeasurementPlan, names) -> np.ndarray:
    """Dense matrix of the marginal ``names`` over the flat finest table (a reference)."""
    n = math.prod(plan.sizes) * 4
    axes = plan._axes(names)
    return np.stack(
        [marginal_counts(e.reshape(*plan.sizes, 4), axes).reshape(-1) for e in np.eye(n)], axis=1
    )


def test_least_squares_matches_statsmodels_wls_and_dense_covariance():
    plan = _arbitrary_plan()
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 40, math.prod(SMALL_SIZES) * 4)
    noisy = [y + rng.normal(0, 3, len(y)) for y in plan.measure(truth)]
    design = np.vstack([_query_matrix(plan, m.attributes) for m in plan.measurements])
    weights = np.concatenate(
        [np.full(len(y), 1.0 / m.variance) for m, y in zip(plan.measurements, noisy, strict=True)]
    )
    reference = sm.WLS(np.concatenate(noisy), design, weights=weights).fit().params
    assert np.allclose(plan.estimate(noisy), reference, atol=1e-8)

    covariance = np.linalg.inv(design.T @ (weights[:, None] * design))
    for by in [(), ("a",), ("b", "c"), ("a", "c"), SMALL]:
        query = _query_matrix(plan, by)
        dense = query @ covariance @ query.T
        assert plan.variance(by) == pytest.approx(dense[0, 0], rel=1e-9)
        # the exact linear combination of independent noises has the same variance
        terms = plan.error_components(by)
        assert sum(c * c * k * m.variance for c, k, m in terms) == pytest.approx(
            dense[0, 0], rel=1e-9
        )
    # two groups of (b, c) with the same b, different c (flat index 4 = b0, c1)
    dense = _query_matrix(plan, ("b", "c")) @ covariance @ _query_matrix(plan, ("b", "c")).T
    assert plan.covariance(("b", "c"), ("b",)) == pytest.approx(dense[0, 4], rel=1e-9)


def test_estimate_is_consistent_and_exact_without_noise():
    plan = _arbitrary_plan()
    truth = np.random.default_rng(1).integers(0, 40, math.prod(SMALL_SIZES) * 4)
    assert np.allclose(plan.estimate(plan.measure(truth)), truth)


@pytest.mark.parametrize(("mechanism", "delta"), [("laplace", None), ("gaussian", 1e-6)])
def test_split_adds_up_and_no_published_breakdown_is_noisier(mechanism, delta):
    spec = noise_spec(mechanism, epsilon=1.0, delta=delta)
    plan = plan_measurements(BIG, BIG_SIZES, workload="marginals", spec=spec)
    finest = plan_measurements(BIG, BIG_SIZES, workload="finest", spec=spec)
    assert plan.measurements[0].attributes == BIG
    assert plan.measurements[0].share >= FINEST_MIN_SHARE
    assert sum(m.share for m in plan.measurements) == pytest.approx(1.0)
    total = 1.0 if mechanism == "laplace" else gaussian_rho(spec.scale)
    assert sum(m.budget for m in plan.measurements) == pytest.approx(total, rel=1e-9)
    ratios = {by: finest.variance(by) / plan.variance(by) for by in BREAKDOWNS}
    assert all(r >= 1 - 1e-6 for r in ratios.values()), ratios
    singles = [math.sqrt(ratios[(a,)]) for a in BIG]
    # measured: Laplace 1.55–1.82× narrower noise, Gaussian 3.4–6.6× (docs/privacy.md)
    assert min(singles) > (1.5 if mechanism == "laplace" else 3.0), singles


@pytest.mark.parametrize(("mechanism", "delta"), [("laplace", None), ("gaussian", 1e-6)])
def test_attributes_split_trades_pairs_for_singles_symmetrically(mechanism, delta):
    """The "attributes" rule: every single ≥ t× less noisy, no pair more than t× noisier, t as
    large as the optimiser finds; the budget still adds up to what is charged once."""
    spec = noise_spec(mechanism, epsilon=1.0, delta=delta)
    plan = plan_measurements(BIG, BIG_SIZES, workload="attributes", spec=spec)
    finest = plan_measurements(BIG, BIG_SIZES, workload="finest", spec=spec)
    assert plan.workload == "attributes" and plan.measurements[0].attributes == BIG
    assert plan.measurements[0].share >= FINEST_MIN_SHARE
    total = 1.0 if mechanism == "laplace" else gaussian_rho(spec.scale)
    assert sum(m.budget for m in plan.measurements) == pytest.approx(total, rel=1e-9)
    ratios = {by: math.sqrt(finest.variance(by) / plan.variance(by)) for by in BREAKDOWNS}
    t = min(ratios[(a,)] for a in BIG)
    assert all(r >= 1 / t - 1e-6 for r in ratios.values()), ratios
    # measured: Laplace t = 2.95 (pairs 0.34–2.84×), Gaussian t = 6.9 (docs/privacy.md)
    assert t > (2.9 if mechanism == "laplace" else 6.5), ratios
    # the balanced default keeps every breakdown at least as good; it cannot reach this t
    balanced = plan_measurements(BIG, BIG_SIZES, workload="marginals", spec=spec)
    assert min(math.sqrt(finest.variance((a,)) / balanced.variance((a,))) for a in BIG) < t


def test_a_fixed_pair_floor_buys_three_times_narrower_singles():
    """The trade-off the docs tabulate: with every pair allowed 1/0.3 ≈ 3.3× the noise sd of
    the finest table alone, every single attribute gets ≥ 3× less (measured 3.10–3.55×)."""
    axes = tuple(tuple(sorted(BIG.index(n) for n in s)) for s in workload_sets(BIG, "marginals"))
    shares = choose_shares(
        BIG_SIZES, axes, "laplace", epsilon=1.0, priority="attributes", pair_floor=0.3
    )
    assert sum(shares) == pytest.approx(1.0) and shares[0] >= FINEST_MIN_SHARE
    measured = tuple(
        Measurement(names, share, share, noise_spec("laplace", epsilon=share, delta=None), 0)
        for names, share in zip(workload_sets(BIG, "marginals"), shares, strict=True)
        if share > 0
    )
    plan = MeasurementPlan("attributes", BIG, BIG_SIZES, measured)
    finest = plan_measurements(
        BIG, BIG_SIZES, workload="finest", spec=noise_spec("laplace", epsilon=1.0, delta=None)
    )
    ratios = {by: math.sqrt(finest.variance(by) / plan.variance(by)) for by in BREAKDOWNS}
    assert min(ratios[(a,)] for a in BIG) >= 3.0, ratios
    assert min(ratios.values()) >= 0.3 - 1e-4, ratios


def test_without_pairs_the_default_split_serves_the_singles():
    # a report without intersections publishes single attributes only: measured 3.26–5.67×
    spec = noise_spec("laplace", epsilon=1.0, delta=None)
    plan = plan_measurements(BIG, BIG_SIZES, workload="marginals", spec=spec, pairs=False)
    finest = plan_measurements(BIG, BIG_SIZES, workload="finest", spec=spec)
    singles = [math.sqrt(finest.variance((a,)) / plan.variance((a,))) for a in BIG]
    assert min(singles) > 3.2, singles
    assert sum(m.budget for m in plan.measurements) == pytest.approx(1.0, rel=1e-9)


def test_small_tables_keep_the_finest_table_alone():
    # splitting ε costs quadratically in variance: on small tables nothing beats one release
    assert choose_shares((4, 2), ((0, 1), (0,), (1,)), "laplace", epsilon=1.0) == (1.0, 0.0, 0.0)
    # the attributes-first rule too: t = 1 (nothing beats the finest table) keeps it alone
    assert choose_shares(
        (4, 2), ((0, 1), (0,), (1,)), "laplace", epsilon=1.0, priority="attributes"
    ) == (1.0, 0.0, 0.0)


def test_error_draws_have_the_closed_form_variance():
    spec = noise_spec("laplace", epsilon=1.0, delta=None)
    plan = plan_measurements(BIG, BIG_SIZES, workload="marginals", spec=spec)
    rng = np.random.default_rng(5)
    for by in [("race",), ("region",), ("race", "region")]:
        draws = simulate_cell_errors(plan, by, rng, 100_000)
        assert draws.var() == pytest.approx(plan.variance(by), rel=0.03)


def _big_cube(rows: int = 4000, seed: int = 0) -> CountCube:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {name: rng.choice(values, rows) for name, values in BIG_CATEGORIES.items()}
        | {"y": rng.integers(0, 2, rows), "yhat": rng.integers(0, 2, rows), "n": 1}
    )
    cells = frame.groupby([*BIG, "y", "yhat"], as_index=False)["n"].sum()
    return CountCube(attributes=BIG, cells=cells, rows=rows, rows_excluded=0, exclusions={})


def test_every_opendp_measurement_has_the_scale_the_privacy_section_claims():
    """Zero counts through the real OpenDP draws: each measurement's empirical variance is its
    claimed one (large sets one by one, the small ones pooled after dividing by their claimed
    standard deviation), and the fitted table's error has the closed-form variance."""
    spec = noise_spec("laplace", epsilon=1.0, delta=None)
    plan = plan_measurements(BIG, BIG_SIZES, workload="marginals", spec=spec)
    zeros = np.zeros(math.prod(BIG_SIZES) * 4, dtype=np.int64)
    draws = [draw_measurements(plan, spec, zeros) for _ in range(4)]
    pooled = []
    for index, measurement in enumerate(plan.measurements):
        values = np.concatenate([d[index] for d in draws]).astype(float)
        if len(values) >= 3000:
            # kurtosis of a discrete Laplace ≈ 6: the variance estimate's sd ≈ √(5/n) ≤ 4 %
            assert values.var() == pytest.approx(
                measurement.variance, rel=4 * math.sqrt(5 / len(values))
            ), measurement
        pooled.append(values / math.sqrt(measurement.variance))
    pooled = np.concatenate(pooled)
    assert pooled.var() == pytest.approx(1.0, rel=4 * math.sqrt(5 / len(pooled)))
    # a scale 20 % too small (variance 0.64×) would fail the pooled check
    assert 4 * math.sqrt(5 / len(pooled)) < 0.2
    errors = np.concatenate(
        [marginal_counts(plan.estimate(d).reshape(*BIG_SIZES, 4), (3,)).ravel() for d in draws]
    )
    assert errors.var() == pytest.approx(plan.variance(("region",)), rel=0.25)


def test_release_publishes_every_measurement_and_charges_epsilon_once(tmp_path):
    cube = _big_cube()
    noisy, privacy = release_cube(cube, epsilon=1.0, categories=BIG_CATEGORIES)
    assert privacy["workload"] == "marginals"
    measured = privacy["measurements"]
    assert [tuple(m["attributes"]) for m in measured][0] == BIG
    assert sum(m["epsilon"] for m in measured) == pytest.approx(1.0)
    assert all(m["scale"] == pytest.approx(1 / m["epsilon"]) for m in measured)
    assert "least squares" in privacy["estimation"]
    # the report shortens any string over 160 characters as if it were data
    assert all(len(v) <= 160 for v in privacy.values() if isinstance(v, str)), privacy
    # one consistent table: every breakdown is a sum of the fitted finest cells
    fitted = noisy.cells
    for name in BIG:
        by_attribute = noisy.counts((name,))
        assert np.isclose(by_attribute["n"].sum(), fitted["n"].sum())
    # "finest" is the release as before: integer cells, one measurement
    old, old_privacy = release_cube(cube, epsilon=1.0, categories=BIG_CATEGORIES, workload="finest")
    assert old_privacy["workload"] == "finest" and len(old_privacy["measurements"]) == 1
    assert old.cells["n"].dtype.kind == "i"
    with pytest.raises(auditor.PrivacyError, match="workload 'best' is not known"):
        release_cube(cube, epsilon=1.0, categories=BIG_CATEGORIES, workload="best")


def test_attributes_release_charges_epsilon_once_and_stays_consistent():
    cube = _big_cube(rows=2000, seed=3)
    noisy, privacy = release_cube(
        cube, epsilon=1.0, categories=BIG_CATEGORIES, workload="attributes"
    )
    assert privacy["workload"] == "attributes"
    measured = privacy["measurements"]
    assert sum(m["epsilon"] for m in measured) == pytest.approx(1.0)
    assert all(m["scale"] == pytest.approx(1 / m["epsilon"]) for m in measured)
    assert any(len(m["attributes"]) == 1 for m in measured)  # singles measured directly
    totals = [noisy.counts((name,))["n"].sum() for name in BIG]
    assert np.allclose(totals, noisy.cells["n"].sum())


def test_ledger_charges_the_whole_epsilon_once_and_reissue_rebuilds_the_fit(tmp_path):
    store = tmp_path / "ledger.duckdb"
    cube = _big_cube()
    noisy, privacy = release_cube(
        cube, epsilon=0.6, categories=BIG_CATEGORIES, store=store, privacy_budget=1.0
    )
    assert privacy["ledger"]["spent_epsilon"] == pytest.approx(0.6)
    assert privacy["ledger"]["releases"] == 1
    again, again_privacy, _ = auditor.privacy.reissue_release(store, privacy["release_id"])
    assert np.allclose(again.cells["n"].to_numpy(), noisy.cells["n"].to_numpy())
    assert again_privacy["measurements"] == privacy["measurements"]
    assert again.release.combined
    assert again.release.plan.variance(("race",)) == pytest.approx(
        noisy.release.plan.variance(("race",))
    )


def test_audit_option_and_cli_help_name_the_workload(capsys):
    from auditor.cli import main

    with pytest.raises(SystemExit):
        main(["audit", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "--dp-workload {marginals,attributes,finest}" in help_text
    assert "least squares" in help_text


def test_noise_model_moments_match_simulated_errors():
    """The moments the intervals read (auditor.privacy.noise_model's contract) are those of
    the fitted table's error, simulated from fresh noise through the estimator."""
    spec = noise_spec("laplace", epsilon=1.0, delta=None)
    plan = plan_measurements(BIG, BIG_SIZES, workload="marginals", spec=spec)
    release = release_cube(_big_cube(rows=500), epsilon=1.0, categories=BIG_CATEGORIES)[0].release
    noise = release.breakdown_noise(("race",))
    assert noise.covariance[0, 0] == pytest.approx(plan.variance(("race",)))
    assert noise.cross_covariance[0, 0] == pytest.approx(plan.covariance(("race",), ()))
    assert noise.covariance[0, 1] == 0.0
    errors = simulate_cell_errors(
        plan, ("race",), np.random.default_rng(2), 200_000, exact_sums_up_to=60
    )
    fourth = np.mean(errors**4) - 3 * errors.var() ** 2
    assert fourth == pytest.approx(noise.fourth_cumulant[0], rel=0.2)


def test_gaussian_measurements_have_their_claimed_scale_and_rho_adds_up():
    spec = noise_spec("gaussian", epsilon=1.0, delta=1e-6)
    plan = plan_measurements(SMALL, SMALL_SIZES, workload="marginals", spec=spec)
    assert len(plan.measurements) > 1
    assert sum(m.budget for m in plan.measurements) == pytest.approx(gaussian_rho(spec.scale))
    zeros = np.zeros(math.prod(SMALL_SIZES) * 4, dtype=np.int64)
    draws = [draw_measurements(plan, spec, zeros) for _ in range(40)]
    pooled = np.concatenate(
        [
            np.concatenate([d[i] for d in draws]) / math.sqrt(m.variance)
            for i, m in enumerate(plan.measurements)
        ]
    )
    # normal-like noise: the variance estimate's sd is √(2/n)
    assert pooled.var() == pytest.approx(1.0, rel=4 * math.sqrt(2 / len(pooled)))


def test_cli_releases_the_finest_table_alone_on_request(capsys):
    from auditor.cli import main

    code = main(
        [
            "audit",
            *COMPAS_CLI,
            "--epsilon",
            "1",
            "--dp-workload",
            "finest",
            "--json",
            "-",
            "--quiet",
        ]
    )
    document = json.loads(capsys.readouterr().out)
    assert code == 0
    assert document["privacy"]["workload"] == "finest"
    assert [m["share"] for m in document["privacy"]["measurements"]] == [1.0]


@pytest.mark.parametrize("workload", ["marginals", "attributes"])
def test_opendp_maps_of_the_measured_tables_add_up_to_the_declared_budget(workload):
    """Sequential composition checked with OpenDP itself (an independent reference): each
    measured table's own privacy map at sensitivity 1, summed, is the declared ε (Laplace)
    or the ρ whose (ε, δ) conversion is the declared one (Gaussian)."""
    import opendp.prelude as dp

    dp.enable_features("contrib")
    domain = dp.vector_domain(dp.atom_domain(T=int))
    laplace = noise_spec("laplace", epsilon=1.0, delta=None)
    plan = plan_measurements(BIG, BIG_SIZES, workload=workload, spec=laplace)
    spent = sum(
        dp.m.make_laplace(domain, dp.l1_distance(T=int), scale=m.spec.scale).map(1)
        for m in plan.measurements
    )
    assert spent == pytest.approx(1.0, rel=1e-6) and spent <= 1.0 + 1e-9
    gaussian = noise_spec("gaussian", epsilon=1.0, delta=1e-6)
    plan = plan_measurements(BIG, BIG_SIZES, workload=workload, spec=gaussian)
    rho = sum(
        dp.m.make_gaussian(domain, dp.l2_distance(T=int), scale=m.spec.scale).map(1)
        for m in plan.measurements
    )
    whole = dp.m.make_gaussian(domain, dp.l2_distance(T=int), scale=gaussian.scale).map(1)
    assert rho == pytest.approx(whole, rel=1e-6) and rho <= whole * (1 + 1e-9)
