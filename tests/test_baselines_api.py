"""The baselines package: exact public names, keyword-only options, the optional EG method."""

from __future__ import annotations

import importlib.util
import inspect

import pytest

import auditor.baselines as baselines
from auditor.errors import InputError

from .conftest import SAMPLES


def test_public_names_are_exactly_the_intended_ones():
    assert sorted(baselines.__all__) == sorted(
        [
            "SCHEMA",
            "STRATEGY_NAMES",
            "BaselineStudy",
            "ConstraintInfo",
            "FrontierPoint",
            "ProxyAnalysis",
            "ProxyScore",
            "StrategyResult",
            "run_study",
            "write_conclusion",
        ]
    )
    assert baselines.SCHEMA == "auditor/baseline-v1"
    assert baselines.STRATEGY_NAMES == (
        "aware",
        "unaware",
        "unaware_without_proxies",
        "output_constrained",
    )


def test_run_study_options_are_keyword_only():
    parameters = inspect.signature(baselines.run_study).parameters
    positional = [
        p.name
        for p in parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    assert positional == ["source"]


def _lending(n: int, seed: int):
    spec = importlib.util.spec_from_file_location("make_lending", SAMPLES / "make_lending.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_lending(n, seed=seed)


@pytest.mark.slow
def test_exponentiated_gradient_needs_the_attribute_only_to_train():
    study = baselines.run_study(
        _lending(4_000, 2),
        target="repaid",
        protected="race",
        seed=2,
        constraint_method="exponentiated_gradient",
        max_constrained_fit_rows=2_000,
        frontier_tolerances=(),
    )
    document = study.to_dict()
    constrained = study.strategy("output_constrained")
    assert document["constraint"]["method"] == "ExponentiatedGradient"
    assert document["constraint"]["subsampled"] is True
    assert document["constraint"]["fit_rows"] == 2_000
    assert constrained.needs_protected_at_prediction is False
    assert "race" not in constrained.features
    unaware = study.strategy("unaware").summary["demographic_parity_difference"]
    assert constrained.summary["demographic_parity_difference"] < unaware
    assert document["frontier"]["points"] == []
    assert "it needs 'race' only while training" in study.conclusion


def test_unknown_constraint_method_is_refused():
    with pytest.raises(InputError, match="constraint method 'magic' is not known"):
        baselines.run_study(
            _lending(500, 0), target="repaid", protected="race", constraint_method="magic"
        )
