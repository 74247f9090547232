"""The bundled sample audits (COMPAS, Adult): files, column roles and wording, shared by CLI and UI.

>>> from auditor.samples import SAMPLES
>>> SAMPLES["compas"].label
'two_year_recid'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .bundle import SAMPLE_DIR  # the checkout's sample_data/, or the wheel's copy
from .errors import InputError
from .narrative import VOCABULARIES

__all__ = ["SAMPLE_DIR", "SAMPLES", "Sample", "get_sample"]


@dataclass(frozen=True, kw_only=True)
class Sample:
    """A bundled prediction file and how to audit it."""

    name: str
    title: str
    description: str
    file: str
    label: str
    protected: tuple[str, ...]
    prediction: str | None = None
    score: str | None = None
    positive_label: str | None = None
    vocabulary: str = "generic"
    decision_favourable: bool = True
    """False when the positive decision harms the person (COMPAS: flagged high risk)."""
    reference: Mapping[str, str] = field(default_factory=dict)
    raw_file: str | None = None
    """Training data for the input-restriction study, if the sample has it."""
    raw_target: str | None = None
    raw_protected: str | None = None

    @property
    def path(self) -> Path:
        return SAMPLE_DIR / self.file

    @property
    def raw_path(self) -> Path | None:
        return SAMPLE_DIR / self.raw_file if self.raw_file else None

    def audit_options(self) -> dict[str, Any]:
        """Keyword arguments for :func:`auditor.audit` (everything but the source)."""
        return {
            "label": self.label,
            "prediction": self.prediction,
            "score": self.score,
            "protected": list(self.protected),
            "positive_label": self.positive_label,
            "reference": dict(self.reference),
            "vocabulary": VOCABULARIES[self.vocabulary],
            "decision_favourable": self.decision_favourable,
        }

    def audit(self, *, progress: Callable[[float, str], None] | None = None, **options: Any):
        """Run :func:`auditor.audit` on this sample; ``options`` override or extend the defaults."""
        from .audit import audit

        if not self.path.exists():
            raise InputError(
                f"sample file '{self.path}' is missing: run from a source checkout that has sample_data/"
            )
        # Outputs name a bundled sample by its file name, not by where it is installed.
        named = {"source_name": self.path.name, **self.audit_options(), **options}
        return audit(self.path, **named, progress=progress)


SAMPLES: dict[str, Sample] = {
    "compas": Sample(
        name="compas",
        title="COMPAS recidivism scores (Broward County)",
        description=(
            "6,172 defendants scored by the COMPAS risk tool; 'high risk' means a decile score "
            "of 5 or more, and the outcome is re-offending within two years (ProPublica's data)."
        ),
        file="compas_predictions.csv",
        label="two_year_recid",
        prediction="high_risk",
        score="decile_score",
        protected=("race", "sex", "age_cat"),
        vocabulary="compas",
        decision_favourable=False,
        reference={"race": "Caucasian"},
    ),
    "adult": Sample(
        name="adult",
        title="Adult income predictions (UCI census)",
        description=(
            "16,281 people from the UCI Adult test split with a logistic-regression model's "
            "prediction of whether they earn over $50K."
        ),
        file="adult_predictions.csv",
        label="income",
        prediction="predicted_income",
        score="score",
        positive_label=">50K",
        protected=("sex", "race", "age_group"),
        vocabulary="adult",
        raw_file="adult.csv.gz",
        raw_target="income",
        raw_protected="sex",
    ),
}


def get_sample(name: str) -> Sample:
    """The sample called ``name``; an unknown name raises an error listing the choices."""
    try:
        return SAMPLES[name]
    except KeyError:
        raise InputError(
            f"unknown sample {name!r}: choose one of {', '.join(sorted(SAMPLES))}"
        ) from None
