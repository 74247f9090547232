"""More than two protected groups: macro one-vs-rest proxy AUC, per-group thresholds, audit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from auditor.baselines import run_study


@pytest.fixture(scope="module")
def study():
    rng = np.random.default_rng(11)
    n = 3_000
    group = rng.choice(["p", "q", "r"], size=n, p=[0.5, 0.3, 0.2])
    skill = rng.normal(size=n)
    frame = pd.DataFrame(
        {
            "group": group,
            "region": np.where(rng.random(n) < 0.8, np.char.add("reg-", group), "reg-x"),
            # the score understates group r's skill; the outcome depends on skill alone
            "score": skill - 1.2 * (group == "r") + rng.normal(0, 0.3, n),
            "noise": rng.normal(size=n),
            "hired": np.where(skill + rng.normal(0, 0.5, n) > 0.3, "yes", "no"),
        }
    )
    return run_study(frame, target="hired", protected="group", seed=4)


def test_every_group_is_audited_and_the_constraint_equalises_all_three(study):
    document = study.to_dict()
    assert document["groups"] == ["p", "q", "r"]
    assert (
        document["proxy_analysis"]["method"]["averaging"]
        == "one-vs-rest, macro-averaged over groups"
    )
    for item in document["strategies"]:
        assert set(item["selection_rates"]) == {"p", "q", "r"}

    def spread(name):
        rates = study.strategy(name).selection_rates
        return max(rates.values()) - min(rates.values())

    assert spread("output_constrained") < 0.04
    assert spread("unaware") > spread("output_constrained") + 0.03
    assert (
        min(
            study.strategy("unaware").selection_rates,
            key=study.strategy("unaware").selection_rates.get,
        )
        == "r"
    )


def test_region_is_found_as_the_proxy(study):
    assert study.proxies.features[0].feature == "region"
    assert study.proxies.features[0].auc > 0.75
    assert "region" in study.proxies.dropped
