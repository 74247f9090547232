"""Differentially private release of audit counts, noise-aware intervals, public group domains.

The finest count cube is released **once** through OpenDP (discrete Laplace for pure ε-DP,
discrete Gaussian under zCDP converted to (ε, δ)-DP); every metric, interval, flag and
verdict is post-processing of the released counts. Privacy unit: one row (one person);
neighbouring data sets differ by adding or removing one row. See ``docs/privacy.md``.

>>> import auditor
>>> result = auditor.audit("sample_data/compas_predictions.csv", label="two_year_recid",
...                        prediction="high_risk", protected=["race", "sex"],
...                        epsilon=1.0)                                   # doctest: +SKIP
>>> result.to_dict()["privacy"]["neighbours"]                            # doctest: +SKIP
'add/remove one row'
"""

from .domain import OTHER, GroupDomain
from .fingerprint import content_fingerprint
from .intervals import NOT_ESTIMABLE_WIDTH, NoisyIntervals, not_estimable_metrics
from .mechanisms import NoiseSpec, SeededSampler, noise_spec
from .record import NEIGHBOURS, PRIVACY_UNIT, Release, guarantee_text
from .release import mark_not_estimable, reissue_release, release_cube

__all__ = [
    "NEIGHBOURS",
    "NOT_ESTIMABLE_WIDTH",
    "OTHER",
    "PRIVACY_UNIT",
    "GroupDomain",
    "NoiseSpec",
    "NoisyIntervals",
    "Release",
    "SeededSampler",
    "content_fingerprint",
    "guarantee_text",
    "mark_not_estimable",
    "noise_spec",
    "not_estimable_metrics",
    "reissue_release",
    "release_cube",
]
