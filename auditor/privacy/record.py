"""How a count cube was released: the calibrated mechanism, the public group domain, the budget.

:class:`Release` is the one record both the release (:mod:`.release`) and the noise-aware
intervals (:mod:`.intervals`) read; it depends on neither of them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .domain import GroupDomain
from .mechanisms import NoiseSpec

__all__ = ["NEIGHBOURS", "PRIVACY_UNIT", "SEEDED_WARNING", "Release"]

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
    draw_cache: dict = dataclasses.field(default_factory=dict, repr=False, compare=False)
    """Bootstrap draws by (released counts, multiplicity): deterministic, so safe to reuse."""

    def describe(self) -> dict[str, Any]:
        """The ``privacy`` section of the audit JSON (without ledger details)."""
        document: dict[str, Any] = {
            "mode": "dp",
            "mechanism": self.spec.mechanism,
            "epsilon": self.epsilon,
            "delta": self.delta,
            "scale": self.spec.scale,
            "noise_variance_per_cell": self.spec.variance,
            "neighbours": NEIGHBOURS,
            "privacy_unit": PRIVACY_UNIT,
            "sensitivity": self.spec.sensitivity,
            "accounting": (
                "pure ε-DP (discrete Laplace)"
                if self.spec.mechanism == "laplace"
                else "ρ-zCDP (discrete Gaussian) converted to (ε, δ)-DP"
            ),
            "released": (
                "the finest count table (protected values × label × prediction), once; "
                "every figure in this document is computed from it"
            ),
            "cells_epsilon": self.spec.epsilon,
            "cells_delta": self.spec.delta,
            "group_domain": self.domain.to_dict(),
            "intervals": "parametric bootstrap over sampling error and the known noise",
            "omitted": [
                "dataset.rows, rows_excluded and exclusions (exact counts)",
                "dataset.size_bytes",
                "scores (score bins are data-dependent; score analysis is exact-mode only)",
                "significance tests",
            ],
            "private": self.private,
            "noise_source": "OpenDP secure sampler" if self.private else "seeded test sampler",
        }
        if self.selection is not None:
            document["partition_selection"] = dict(self.selection)
        if not self.private:
            document["warning"] = SEEDED_WARNING
        return document
