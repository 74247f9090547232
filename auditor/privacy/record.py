"""How a count cube was released: the calibrated mechanism, the public group domain, the budget.

:class:`Release` is the one record both the release (:mod:`.release`) and the noise-aware
intervals (:mod:`.intervals`) read; it depends on neither of them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .domain import GroupDomain
from .mechanisms import NoiseSpec
from .noise_model import IndependentCells

__all__ = ["NEIGHBOURS", "PRIVACY_UNIT", "SEEDED_WARNING", "Release", "guarantee_text"]

NEIGHBOURS = "add/remove one row"
PRIVACY_UNIT = "one row (one person)"
SEEDED_WARNING = "seeded noise: NOT private, for tests only"


@dataclass(frozen=True)
class Release:
    """How a cube's counts were released: the calibrated mechanism and the public domain."""

    spec: NoiseSpec
    domain: GroupDomain
    epsilon: float
    delta: float
    private: bool
    selection: Mapping[str, Any] | None = None
    noise_model: Any = dataclasses.field(default=None, compare=False)
    """The error moments of the released cells per breakdown (a :class:`~.noise_model.NoiseModel`);
    ``None``: every finest cell carries its own independent noise from ``spec``
    (:class:`~.noise_model.IndependentCells`). See :meth:`breakdown_noise`."""
    plan: Any = None
    """The measurements (:class:`~auditor.privacy.workload.MeasurementPlan`); ``None`` for a
    release of the finest table alone made before workloads existed."""

    def breakdown_noise(self, by: Iterable[str]) -> Any:
        """The :class:`~.noise_model.BreakdownNoise` of the groups of breakdown ``by``."""
        model = self.noise_model or (
            self.plan if self.combined else IndependentCells(self.spec, self.domain)
        )
        return model.breakdown_noise(tuple(by))

    @property
    def combined(self) -> bool:
        """Whether several measurements were combined by least squares (else: finest alone)."""
        return self.plan is not None and len(self.plan.measurements) > 1

    @property
    def selection_delta(self) -> float:
        return float((self.selection or {}).get("delta") or 0.0)

    @property
    def selection_epsilon(self) -> float:
        return float((self.selection or {}).get("epsilon") or 0.0)

    @property
    def guarantee(self) -> str:
        """What the release spends, in words: e.g. "ε = 1, δ = 1e-6 from choosing the groups"."""
        return guarantee_text(
            mechanism=self.spec.mechanism,
            epsilon=self.epsilon,
            delta=self.delta,
            selection_epsilon=self.selection_epsilon,
            selection_delta=self.selection_delta,
        )

    def describe(self) -> dict[str, Any]:
        """The ``privacy`` section of the audit JSON (without ledger details)."""
        document: dict[str, Any] = {
            "mode": "dp",
            "mechanism": self.spec.mechanism,
            "epsilon": self.epsilon,
            "delta": self.delta,
            "guarantee": self.guarantee,
            "scale": self.spec.scale,
            "noise_variance_per_cell": self.spec.variance,
            "neighbours": NEIGHBOURS,
            "privacy_unit": PRIVACY_UNIT,
            "sensitivity": self.spec.sensitivity,
            "accounting": _accounting(self),
            "released": (
                "the finest count table (protected values × label × prediction), once; "
                "every figure in this document is computed from it"
                if not self.combined
                else "the finest table, each attribute's and each pair's counts (× label × "
                "prediction), once each; every figure is computed from one table fitted to all"
            ),
            "cells_epsilon": self.spec.epsilon,
            "cells_delta": self.spec.delta,
            "group_domain": self.domain.to_dict(),
            "intervals": (
                "score-test inversion over sampling error and the known noise (closed form); "
                "ratios and differences by MOVER"
            ),
            "omitted": [
                "dataset.rows, rows_excluded and exclusions (exact counts)",
                "dataset.size_bytes, sha256, source path, format and detected encoding "
                "(functions of the rows or of where they are kept)",
                "scores (score bins are data-dependent; score analysis is exact-mode only)",
                "significance tests",
            ],
            "private": self.private,
            "noise_source": "OpenDP secure sampler" if self.private else "seeded test sampler",
        }
        if self.plan is not None:
            document.update(self.plan.describe())
        if self.combined:
            document["estimation"] = (
                "weighted least squares (weights 1/noise variance) over all measurements: "
                "one consistent table; its breakdowns are sums of it"
            )
            document["scale"] = self.plan.measurements[0].spec.scale
            document["noise_variance_per_cell"] = self.plan.measurements[0].spec.variance
        if self.selection is not None:
            document["partition_selection"] = dict(self.selection)
        if not self.private:
            document["warning"] = SEEDED_WARNING
        return document


def _delta_text(delta: float) -> str:
    text = f"{delta:g}"
    return text.replace("e-0", "e-").replace("e+0", "e+")


def guarantee_text(
    *,
    mechanism: str,
    epsilon: float,
    delta: float,
    selection_epsilon: float = 0.0,
    selection_delta: float = 0.0,
) -> str:
    """The privacy loss of a release in words, naming where any δ comes from."""
    head = f"ε = {epsilon:g}"
    if not delta:
        return f"{head}, δ = 0 (pure ε-DP)"
    if mechanism == "laplace":
        return f"{head}, δ = {_delta_text(delta)} from choosing the groups"
    if selection_delta:
        return (
            f"{head}, δ = {_delta_text(delta)} (δ = {_delta_text(delta - selection_delta)} from "
            f"the Gaussian noise, δ = {_delta_text(selection_delta)} from choosing the groups)"
        )
    return f"{head}, δ = {_delta_text(delta)} from the Gaussian noise"


def _accounting(release: Release) -> str:
    """Where the privacy loss is spent, in one line (under the report's 160-character bound)."""
    if release.combined:
        parts = len(release.plan.measurements)
        unit = "ε" if release.spec.mechanism == "laplace" else "ρ"
        split = f", split over {parts} measurements ({unit} adds up)"
    else:
        split = ""
    if release.spec.mechanism == "laplace":
        counts = f"counts ε = {release.spec.epsilon:g} (discrete Laplace{split})"
    else:
        counts = (
            f"counts ε = {release.spec.epsilon:g}, δ = {_delta_text(release.spec.delta or 0.0)} "
            f"(discrete Gaussian, zCDP converted{split})"
        )
    if not release.selection:
        return f"{counts}; group values declared public (no cost)"
    return (
        f"{counts}; choosing the groups ε = {release.selection_epsilon:g}, "
        f"δ = {_delta_text(release.selection_delta)} (partition selection); added up"
    )
