"""Audits with race estimated by BISG: CLI, JSON contract, estimators, DP, personal data."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pandas as pd
import pytest

import auditor
from auditor.bisg import RACE_LABELS, ProxyIntervals
from auditor.cli import main
from auditor.metrics import ConfusionCounts, ExactIntervals

from .cli_run import run_cli

SURNAMES = ["Garcia", "Washington", "Nguyen", "Yazzie", "Smith", "Kowalczyk", "Qxzqvwlk"]
ZIPS = ["90011", "60619", "02139", "86044", "10025", "60618", "99999"]


def _people(rows: int = 700, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(SURNAMES), rows)
    return pd.DataFrame(
        {
            "family_name_col": [SURNAMES[i] for i in pick],
            "postcode_col": [ZIPS[(i + rng.integers(0, 2)) % len(ZIPS)] for i in pick],
            "sex": rng.choice(["F", "M"], rows),
            "y": rng.integers(0, 2, rows),
            "yhat": (rng.random(rows) < np.where(pick == 0, 0.2, 0.6)).astype(int),
        }
    )


@pytest.fixture(scope="module")
def people_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("bisg") / "people.csv"
    _people().to_csv(path, index=False)
    return path


def _strings(document) -> list[str]:
    """Every key and string value in a JSON document."""
    found = []
    if isinstance(document, dict):
        for key, value in document.items():
            found.append(str(key))
            found.extend(_strings(value))
    elif isinstance(document, list):
        for value in document:
            found.extend(_strings(value))
    elif isinstance(document, str):
        found.append(document)
    return found


def _stored_strings(value: str) -> str:
    """A stored text cell's strings (JSON documents are parsed: their numbers are not text)."""
    try:
        return " ".join(_strings(json.loads(value)))
    except ValueError:
        return value


def _leaks(text: str) -> list[str]:
    personal = ["family_name_col", "postcode_col", *SURNAMES, *(s.upper() for s in SURNAMES)]
    personal += ZIPS
    return [value for value in personal if value in text]


def test_cli_json_marks_race_estimated_and_never_shows_personal_data(people_csv, tmp_path, capsys):
    pdf = tmp_path / "audit.pdf"
    store = tmp_path / "audits.duckdb"
    code = main(
        [
            "audit",
            str(people_csv),
            "--label",
            "y",
            "--prediction",
            "yhat",
            "--protected",
            "sex",
            "--bisg",
            "surname=family_name_col,zip=postcode_col",
            "--json",
            "-",
            "--pdf",
            str(pdf),
            "--store",
            str(store),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    document = json.loads(captured.out)
    by = [b["by"] for b in document["breakdowns"]]
    assert by == [["sex"], ["race"], ["sex", "race"]]
    for breakdown in document["breakdowns"]:
        if "race" in breakdown["by"]:
            estimated = breakdown["estimated"]
            assert estimated["method"] == "BISG"
            assert estimated["estimator"] == "weighted"
            assert estimated["vintage"] == "2010 Census"
            assert set(estimated["fallbacks"]) >= {
                "surname_not_in_census_list",
                "zip_not_a_2010_zcta",
            }
            assert estimated["fallbacks"]["surname_not_in_census_list"] > 0
            for group in breakdown["groups"]:
                assert group["effective_n"] == pytest.approx(group["n"])
                assert group["tests"] == {}  # tests would ignore the proxy uncertainty
        else:
            assert "estimated" not in breakdown
            assert all("effective_n" not in g for g in breakdown["groups"])
    races = {g["key"]["race"] for g in document["breakdowns"][1]["groups"]}
    assert races == set(RACE_LABELS.values())
    assert sum(g["effective_n"] for g in document["breakdowns"][1]["groups"]) == pytest.approx(700)
    assert "ESTIMATED" in captured.err and "UNDERSTATE" in captured.err
    # personal data: not in the JSON (keys and strings), stderr, the PDF text or the store
    assert _leaks(" ".join(_strings(document))) == []
    assert _leaks(captured.err) == []
    from pypdf import PdfReader

    text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "2010 Census" in text
    assert _leaks(text) == []
    import duckdb

    with duckdb.connect(str(store), read_only=True) as con:
        tables = [row[0] for row in con.execute("SHOW TABLES").fetchall()]
        cells = [
            value
            for table in tables
            for row in con.execute(f'SELECT * FROM "{table}"').fetchall()
            for value in row
            if isinstance(value, str)
        ]
    dumped = " ".join(_stored_strings(value) for value in cells)
    assert "2010 Census" in dumped
    assert _leaks(dumped) == []


def test_policy_checks_work_on_estimated_race(people_csv, tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text(
        '[[check]]\nmetric = "selection_rate"\nby = ["race"]\nrule = "ratio_at_least"\nbound = 0.8\n'
    )
    result = auditor.audit(
        people_csv,
        label="y",
        prediction="yhat",
        bisg="surname=family_name_col,zip=postcode_col",
        policy=policy,
    )
    (check,) = result.policy.checks
    assert check.status in ("pass", "fail")
    assert result.breakdown("race").summary["demographic_parity_ratio"] is not None


def test_both_estimators_are_reported_and_threshold_counts_whole_people(people_csv):
    result = auditor.audit(
        people_csv,
        label="y",
        prediction="yhat",
        bisg="surname=family_name_col,zip=postcode_col",
        bisg_estimator="both",
    )
    document = result.to_dict()
    comparison = document["bisg_comparison"]
    assert comparison["estimated"]["estimator"] == "threshold"
    assert "OVERSTATE" in comparison["estimated"]["known_bias"]
    (threshold_race,) = [b for b in comparison["breakdowns"] if b["by"] == ["race"]]
    for group in threshold_race["groups"]:
        assert float(group["n"]).is_integer()
    weighted_race = result.breakdown("race")
    assert any(not float(g.counts.n).is_integer() for g in weighted_race.groups)
    assigned = sum(g["n"] for g in threshold_race["groups"])
    assert 0 < assigned < 700


def test_threshold_estimator_leaves_out_and_counts_the_unassigned(people_csv):
    result = auditor.audit(
        people_csv,
        label="y",
        prediction="yhat",
        bisg="surname=family_name_col,zip=postcode_col",
        bisg_estimator="threshold",
    )
    unassigned = result.dataset.exclusions["race_unassigned"]
    assert unassigned > 0
    assert result.dataset.rows_used + unassigned == 700
    assert result.estimated["race"]["estimator"] == "threshold"


def test_proxy_intervals_are_wider_than_sampling_only_intervals():
    counts = ConfusionCounts(
        tp=40.5, fp=10.2, tn=30.1, fn=19.2, proxy_variance=(6.0, 3.0, 5.0, 4.0)
    )
    proxy = ProxyIntervals().rate_intervals(counts)["selection_rate"]
    wilson = ExactIntervals().rate_intervals(counts)["selection_rate"]
    assert proxy[0] < wilson[0] and proxy[1] > wilson[1]
    assert proxy[0] < 50.7 / 100 < proxy[1]
    # without proxy variance the estimator is exactly Wilson
    plain = ConfusionCounts(tp=40, fp=10, tn=30, fn=20)
    assert ProxyIntervals().rate_intervals(plain) == ExactIntervals().rate_intervals(plain)
    # and it is reproducible
    assert ProxyIntervals().rate_intervals(counts) == ProxyIntervals().rate_intervals(counts)


def test_dp_release_of_the_soft_cube(people_csv, tmp_path):
    categories = tmp_path / "categories.toml"
    categories.write_text('[categories]\nsex = ["F", "M"]\n')
    result = auditor.audit(
        people_csv,
        label="y",
        prediction="yhat",
        protected="sex",
        bisg="surname=family_name_col,zip=postcode_col",
        epsilon=1.0,
        categories={"sex": ["F", "M"]},
    )
    document = result.to_dict()
    assert document["privacy"]["mode"] == "dp"
    assert document["privacy"]["sensitivity"] == {"l1": 1}
    assert document["privacy"]["noise_source"] == "OpenDP secure sampler"
    race = [b for b in document["breakdowns"] if b["by"] == ["race"]][0]
    assert race["estimated"]["fallbacks"] is None  # exact counts are not released
    exact = auditor.audit(
        people_csv,
        label="y",
        prediction="yhat",
        protected="sex",
        bisg="surname=family_name_col,zip=postcode_col",
    )
    noisy_cells = result.cube.cells.set_index(["sex", "race", "y", "yhat"])["n"]
    exact_cells = exact.cube.cells.set_index(["sex", "race", "y", "yhat"])["n"]
    joined = exact_cells.to_frame("exact").join(noisy_cells.to_frame("noisy"), how="inner")
    noise = joined["noisy"] - joined["exact"]
    # every cell got noise (continuous-valued, from OpenDP's float mechanism) of scale ≈ 1/ε
    assert (noise != 0).all()
    assert 0.3 < float(np.mean(np.abs(noise))) < 3.0
    # no exact group size anywhere: no released n equals an exact soft count
    assert not any(
        math.isclose(a, b) for a, b in zip(joined["exact"], joined["noisy"], strict=True)
    )


def test_soft_cube_has_l1_sensitivity_one():
    """Adding one person changes the finest soft cube by exactly 1 in L1."""
    frame = _people(200)
    extra = pd.DataFrame(
        {
            "family_name_col": ["Nguyen"],
            "postcode_col": ["60619"],
            "sex": ["F"],
            "y": [1],
            "yhat": [0],
        }
    )
    cells = []
    for data in (frame, pd.concat([frame, extra], ignore_index=True)):
        result = auditor.audit(
            data,
            label="y",
            prediction="yhat",
            protected="sex",
            bisg="surname=family_name_col,zip=postcode_col",
        )
        cells.append(result.cube.cells.set_index(["sex", "race", "y", "yhat"])["n"])
    before, after = cells[0].align(cells[1], fill_value=0.0)
    assert float((after - before).abs().sum()) == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--bisg", "surname=family_name_col"], "--bisg needs zip"),
        (["--bisg", "surname=family_name_col,zip=nope"], "nope"),
        (["--bisg", "surname=family_name_col,zip=postcode_col,colour=x"], "colour"),
        (["--bisg", "surname=family_name_col,zip=family_name_col"], "twice"),
        (["--bisg-estimator", "threshold"], "--protected"),
        (["--bisg", "surname=sex,zip=postcode_col", "--protected", "sex"], "'sex'"),
    ],
)
def test_bad_bisg_options_exit_2_with_one_line(people_csv, arguments, message):
    process = run_cli("audit", str(people_csv), "--label", "y", "--prediction", "yhat", *arguments)
    assert process.returncode == 2
    assert len(process.stderr.strip().splitlines()) == 1, process.stderr
    assert message in process.stderr
    assert "Traceback" not in process.stderr


def test_both_estimators_side_by_side_in_the_summary_and_the_pdf(people_csv, tmp_path, capsys):
    pdf = tmp_path / "both.pdf"
    code = main(
        [
            "audit",
            str(people_csv),
            "--label",
            "y",
            "--prediction",
            "yhat",
            "--bisg",
            "surname=family_name_col,zip=postcode_col",
            "--bisg-estimator",
            "both",
            "--pdf",
            str(pdf),
        ]
    )
    err = capsys.readouterr().err
    assert code == 0, err
    assert "race (estimated, threshold estimator)" in err and "OVERSTATE" in err
    from pypdf import PdfReader

    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(pdf).pages)
    assert "Estimated race: method" in text
    assert "Threshold: selection rate" in text and "Weighted: selection rate" in text
    assert "UNDERSTATE" in text and "OVERSTATE" in text
    assert _leaks(text) == []


def test_dp_outputs_say_their_intervals_carry_no_proxy_uncertainty(people_csv):
    """A private release's intervals come from the noisy counts (noise and sampling error): the
    JSON, the summary and the PDF say plainly that they do not carry the estimate's uncertainty,
    and the exact audit says that its intervals do."""
    from pypdf import PdfReader

    from auditor.report import audit_pdf_bytes

    options = dict(
        label="y",
        prediction="yhat",
        protected="sex",
        bisg="surname=family_name_col,zip=postcode_col",
    )
    private = auditor.audit(people_csv, epsilon=1.0, categories={"sex": ["F", "M"]}, **options)
    exact = auditor.audit(people_csv, **options)
    assert "NOT the uncertainty of the estimated race" in private.estimated["race"]["intervals"]
    assert "multiple imputation" in exact.estimated["race"]["intervals"]
    for result, wanted, unwanted in (
        (private, "NOT the uncertainty of the estimated race", "multiple imputation"),
        (exact, "multiple imputation", "NOT the uncertainty"),
    ):
        reader = PdfReader(io.BytesIO(audit_pdf_bytes(result.to_dict())))
        text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
        assert wanted in text and unwanted not in text


def test_pdf_names_race_estimated_on_the_cover_and_in_the_findings(people_csv):
    """The cover's protected attributes and the summary's findings say 'race (estimated)', and a
    finding over estimated race says why it has no test (not 'differentially private')."""
    from pypdf import PdfReader

    from auditor.report import audit_pdf_bytes

    result = auditor.audit(
        people_csv,
        label="y",
        prediction="yhat",
        protected="sex",
        bisg="surname=family_name_col,zip=postcode_col",
    )
    reader = PdfReader(io.BytesIO(audit_pdf_bytes(result.to_dict())))
    pages = [" ".join(page.extract_text().split()) for page in reader.pages]
    text = " ".join(pages)
    assert "Protected attributes sex, race (estimated)" in text
    assert "race (estimated):" in text  # a finding's label in the summary
    assert "race is estimated: a test would treat the probabilities as observed counts" in text
    assert "differentially private counts" not in text


def test_intervals_do_not_move_with_the_last_bits_of_the_soft_counts():
    """DuckDB sums the probabilities in parallel, in an order that changes between runs: the
    soft counts' last bits differ (~5e-12 relative), and the intervals must not move with
    them (seeded from the exact values, an interval moved in the third digit between two
    runs of one audit)."""
    soft = (412.3711340206186, 87.62886597938143, 301.5, 198.49999999999997)
    variance = (30.2, 12.5, 25.0, 19.75)
    nudged = tuple(v * (1 + 5e-12) for v in soft)
    one = ConfusionCounts(*soft, proxy_variance=variance)
    two = ConfusionCounts(*nudged, proxy_variance=variance)
    first, second = ProxyIntervals().rate_intervals(one), ProxyIntervals().rate_intervals(two)
    for metric, interval in first.items():
        assert interval == pytest.approx(second[metric], rel=1e-9), metric
    other = ProxyIntervals().rate_intervals(
        ConfusionCounts(*(v + 1 for v in soft), proxy_variance=variance)
    )
    assert other["selection_rate"] != first["selection_rate"]


def test_the_whole_population_has_intervals(people_csv):
    result = auditor.audit(
        people_csv, prediction="yhat", label="y", bisg="surname=family_name_col,zip=postcode_col"
    )
    intervals = result.to_dict()["overall"]["intervals"]
    assert intervals["selection_rate"] is not None and intervals["tpr"] is not None
    low, high = intervals["selection_rate"]
    assert low < result.overall.metrics["selection_rate"] < high


def test_groups_no_estimate_defines_are_whole_people_with_exact_intervals(people_csv):
    """Sex (recorded) in an audit that estimates race: each person's probabilities sum to 1,
    so the counts are whole people (no 499999.0000000001 in the JSON) and do not depend on
    the draws of race — the intervals are the exact ones."""
    result = auditor.audit(
        people_csv,
        prediction="yhat",
        label="y",
        protected=["sex"],
        bisg="surname=family_name_col,zip=postcode_col",
    )
    plain = auditor.audit(people_csv, prediction="yhat", label="y", protected=["sex"])
    document, exact = result.to_dict(), plain.to_dict()
    sex = next(b for b in document["breakdowns"] if b["by"] == ["sex"])
    exact_sex = next(b for b in exact["breakdowns"] if b["by"] == ["sex"])
    for group, expected in zip(sex["groups"], exact_sex["groups"], strict=True):
        for cell in ("n", "tp", "fp", "tn", "fn"):
            assert isinstance(group[cell], int) and group[cell] == expected[cell]
        assert group["intervals"] == expected["intervals"]
        assert "effective_n" not in group
    assert document["overall"]["intervals"] == exact["overall"]["intervals"]
    # race itself stays estimated: soft counts with the proxy uncertainty
    race = next(b for b in document["breakdowns"] if b["by"] == ["race"])
    assert any(isinstance(g["n"], float) for g in race["groups"])
    assert all("effective_n" in g for g in race["groups"])
