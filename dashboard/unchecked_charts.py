"""Charts that Streamlit draws without validating them against the Vega-Lite schema again.

``st.altair_chart`` calls the chart's ``to_dict()`` on every rerun, and Altair's ``to_dict``
checks the whole specification against the Vega-Lite JSON schema each time (``jsonschema``
walking every layer and channel): ~9 % of the server's time when the dashboard's reference
group changes, more when a moved threshold redraws three charts. The dashboard's charts are
built by :mod:`auditor.charts`, whose specifications the tests validate on every page
(``tests/test_dashboard_chart_specs.py``); the dashboard sends them as they are. The
specification Streamlit receives is the same, only the check is left out.

:func:`built_unchecked` likewise builds a chart without Altair's checks at instantiation
(its "debug mode": every schema object converted to a dict and validated as it is made — a
third of the build of the disparity chart). The mode is a global of Altair's: a chart that
another session builds at the same moment may skip the checks too, which changes nothing in
its specification.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from altair.utils.schemapi import debug_mode

from auditor.chart_building import with_properties

__all__ = ["built_unchecked", "unchecked"]

_UNCHECKED: dict[type, type] = {}


def _unchecked_class(chart_class: type) -> type:
    """A subclass of ``chart_class`` whose ``to_dict`` does not validate by default. It keeps
    the class's module and name: Streamlit recognises Altair charts by their qualified name."""
    cached = _UNCHECKED.get(chart_class)
    if cached is None:

        def to_dict(self, validate: bool = False, **kwargs: Any) -> dict[str, Any]:
            return chart_class.to_dict(self, validate=validate, **kwargs)

        def copy(self, deep: Any = True, ignore: Any = None) -> Any:
            # ``to_dict`` starts with a shallow copy, which Altair makes through ``__init__``
            # (for a LayerChart: every layer deep-copied twice); this one copies the properties
            if deep is False:
                return with_properties(self)
            return chart_class.copy(self, deep, ignore)

        cached = type(
            chart_class.__name__,
            (chart_class,),
            {
                "to_dict": to_dict,
                "copy": copy,
                "__module__": chart_class.__module__,
                "__doc__": None,
            },
        )
        _UNCHECKED[chart_class] = cached
    return cached


def unchecked(chart: Any) -> Any:
    """``chart`` (changed in place and returned), drawn without the schema check."""
    # Altair's schema objects keep every attribute set on them as a property of the
    # specification: set the class past their ``__setattr__``.
    object.__setattr__(chart, "__class__", _unchecked_class(type(chart)))
    return chart


def built_unchecked(build: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``unchecked(build(*args, **kwargs))``, built without Altair's checks at instantiation."""
    with debug_mode(False):
        return unchecked(build(*args, **kwargs))
