"""The median score of the whole sample, for LL144's scoring-rate tables.

LL144 defines a scoring tool's rate for a category as the share of the category that scored
above the median score ``M`` of the *whole* sample. A median is an order statistic: it cannot
be read from the count cube, whose score bins (three significant digits) would only bracket
it. So a scoring-tool audit makes one extra aggregate pass that reads only the score column
(DuckDB's ``quantile_cont(score, 0.5)``: the mean of the two middle values for an even count —
the ordinary median), then builds the count cube in its usual single pass with
ŷ = 1 when score > M (a threshold of the next double above M, since the cube's threshold is
"score ≥ T"). Every table is then a sum over that cube, and strata are one more dimension of
it, as for a selection tool.
"""

from __future__ import annotations

import math
import os

import duckdb
import pandas as pd

from ..engine import connect
from ..errors import InputError
from ..ingest import SOURCE_VIEW, open_source
from ..sql import quote_identifier

__all__ = ["above_median_threshold", "sample_median"]


def sample_median(
    source: str | os.PathLike | pd.DataFrame | duckdb.DuckDBPyRelation,
    *,
    score: str,
    connection: duckdb.DuckDBPyConnection | None = None,
) -> tuple[float, int]:
    """``(median, count)`` of the finite numeric values of ``score`` over every row."""
    own = connection is None
    con = connection or connect()
    try:
        opened = open_source(source, connection=con)
        opened.require_columns([score])
        column = quote_identifier(score)
        if opened.format == "csv":
            column = f"trim(CAST({column} AS VARCHAR))"
        value = f"TRY_CAST({column} AS DOUBLE)"
        median, count = opened.sql(
            f"SELECT quantile_cont(s, 0.5), count(s) FROM (SELECT CASE WHEN isfinite({value}) "
            f"THEN {value} END AS s FROM {SOURCE_VIEW})"
        )[0]
    finally:
        if own:
            con.close()
    if not count:
        raise InputError(
            f"score column '{score}' has no numeric value: a scoring-tool audit needs scores"
        )
    return float(median), int(count)


def above_median_threshold(median: float) -> float:
    """The smallest double above ``median``: ``score ≥ it`` is exactly ``score > median``."""
    return math.nextafter(median, math.inf)
