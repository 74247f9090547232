"""The count cube on Apache Spark: the same cube as DuckDB's, counted where the data lives.

Only the reading of the data differs between engines. :func:`open_spark_source` makes a Spark
DataFrame, a catalog table (``table:NAME``) or Parquet/CSV/JSON paths (globs, partitioned
folders) queryable as a temporary view; :func:`auditor.cube.build_cube` then runs the same SQL
(in Spark's dialect) as on DuckDB — one aggregation in the cluster — and only the cube, a few
thousand rows, comes back to the driver. Metrics, privacy, policy and reports are unchanged.

Needs ``pip install 'auditor[spark]'`` (pyspark) and Java 17 on every node.
"""

from .session import spark_session
from .source import SparkSource, open_spark_source, refuse_undecodable

__all__ = ["SparkSource", "open_spark_source", "refuse_undecodable", "spark_session"]
