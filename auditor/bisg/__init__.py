"""Race estimated from surname and ZIP code (BISG) or first name too (BIFSG), for audits of
data that does not record race. See ``docs/bisg.md`` for the method, its biases and the
validation on data with a known truth."""

from .cube import UNASSIGNED, BisgCubes, Fallbacks, build_bisg_cubes
from .describe import FORMULAS, KNOWN_BIAS, describe_estimate
from .intervals import ProxyIntervals
from .spec import ATTRIBUTE, ESTIMATORS, THRESHOLD, BisgSpec, Estimator, parse_bisg
from .tables import RACE_LABELS, RACES, VINTAGE

__all__ = [
    "ATTRIBUTE",
    "ESTIMATORS",
    "FORMULAS",
    "KNOWN_BIAS",
    "RACES",
    "RACE_LABELS",
    "THRESHOLD",
    "UNASSIGNED",
    "VINTAGE",
    "BisgCubes",
    "BisgSpec",
    "Estimator",
    "Fallbacks",
    "ProxyIntervals",
    "build_bisg_cubes",
    "describe_estimate",
    "parse_bisg",
]
