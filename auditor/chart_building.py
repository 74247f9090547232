"""Altair charts built and copied without Altair re-building their layers.

Every top-level change to an Altair chart (``properties``, ``configure_title``, and the
``copy(deep=False)`` that ``to_dict`` starts with) makes a new chart through ``__init__``, and a
``LayerChart``'s ``__init__`` deep-copies every layer twice to merge the layers' data and
parameters. The merge is idempotent — the chart was merged when it was built — but the copies
walk every schema object of every layer: building the dashboard's disparity chart for six
groups took ~20 ms, most of it in four such re-initialisations, and drawing it ~10 ms more.

Here a chart is layered once with its top-level properties (:func:`layered`), and later
top-level changes copy the chart's own properties without ``__init__``
(:func:`with_properties`, :func:`with_title_config`). The specification is the same as
Altair's own methods give (``tests/test_chart_building.py`` compares them); what is skipped is
the re-merge and the per-property schema check, and the tests validate every chart's
specification against the Vega-Lite schema.
"""

from __future__ import annotations

from typing import Any, TypeVar

import altair as alt

__all__ = ["layered", "with_properties", "with_title_config"]

ChartT = TypeVar("ChartT")


def layered(*layers: Any, data: Any = alt.Undefined, **properties: Any) -> alt.LayerChart:
    """``alt.layer(*layers, data=data).properties(**properties)``, merged once."""
    return alt.LayerChart(layer=list(layers), data=data, **properties)


def with_properties(chart: ChartT, **properties: Any) -> ChartT:
    """``chart.properties(**properties)`` (a new chart; ``chart`` is unchanged), without
    ``__init__``: a copy of the chart's top-level properties with these set."""
    copy = object.__new__(type(chart))
    # Altair's schema objects hold their properties in ``_kwds`` (and positional values in
    # ``_args``); their ``__setattr__`` would store these as properties, hence object's.
    object.__setattr__(copy, "_args", chart._args)  # type: ignore[attr-defined]
    object.__setattr__(copy, "_kwds", {**chart._kwds, **properties})  # type: ignore[attr-defined]
    return copy


def with_title_config(chart: ChartT, **title: Any) -> ChartT:
    """``chart.configure_title(**title)``, without ``__init__``."""
    config = chart.config  # type: ignore[attr-defined]
    config = alt.Config() if config is alt.Undefined else with_properties(config)
    config["title"] = alt.TitleConfig(**title)
    return with_properties(chart, config=config)
