"""A SparkSession for an audit: the caller's, the active one, or a new one from master and conf."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import warnings
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any

from ..errors import InputError

__all__ = ["import_pyspark", "jvm_output_captured", "parse_spark_conf", "spark_session"]


def import_pyspark() -> Any:
    """``pyspark.sql`` or one clear error saying how to install it."""
    try:
        with warnings.catch_warnings():
            # pyspark 4.x warns that it "does not yet fully support pandas >= 3.0.0"; the
            # engine hands pandas only the finished cube, which the tests compare with DuckDB's
            warnings.filterwarnings("ignore", message="PySpark does not yet fully support")
            import pyspark.sql
    except ImportError:
        raise InputError(
            "the Spark engine needs pyspark: pip install 'auditor[spark]' (and Java 17)"
        ) from None
    return pyspark.sql


def parse_spark_conf(items: Iterable[str] | Mapping[str, str] | None) -> dict[str, str]:
    """``["spark.executor.memory=4g", …]`` (or a mapping) → ``{"spark.executor.memory": "4g"}``."""
    if items is None:
        return {}
    if isinstance(items, Mapping):
        return {str(k): str(v) for k, v in items.items()}
    conf = {}
    for item in items:
        key, separator, value = str(item).partition("=")
        if not separator or not key.strip():
            raise InputError(
                f"Spark setting {item!r} is not of the form key=value, "
                "e.g. --spark-conf spark.executor.memory=4g"
            )
        conf[key.strip()] = value.strip()
    return conf


def spark_session(
    *,
    session: Any = None,
    master: str | None = None,
    conf: Mapping[str, str] | Iterable[str] | None = None,
) -> Any:
    """The SparkSession to count with.

    ``session`` is used as given. Otherwise the active session is reused (under
    ``spark-submit``, or in a notebook of a managed Spark service); ``conf`` settings that
    can change at run time (``spark.sql.*``) are applied to it, and a ``master`` or a
    start-up setting (``spark.executor.memory``…) it was not started with is refused with
    one clear error — Spark would silently ignore them. With no session running, a new one
    is started on ``master`` (default: pyspark's, ``local[*]``) with ``conf`` applied. The
    console progress bar is switched off: it would corrupt ``auditor audit … --json -``.
    """
    sql = import_pyspark()
    settings = parse_spark_conf(conf)
    if session is not None:
        return session
    active = sql.SparkSession.getActiveSession()
    if active is not None:
        return _reuse(active, master=master, settings=settings)
    builder = sql.SparkSession.builder.appName("auditor")
    if master is not None:
        builder = builder.master(master)
    builder = builder.config("spark.ui.showConsoleProgress", "false")
    for key, value in settings.items():
        builder = builder.config(key, value)
    with tempfile.TemporaryFile() as jvm_output:
        try:
            with jvm_output_captured(jvm_output), warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="PySpark does not yet fully support")
                spark = builder.getOrCreate()
        except Exception as error:  # noqa: BLE001 - py4j/JVM start-up errors have no common base
            first = (str(error).strip().splitlines() or [type(error).__name__])[0][:300]
            said = _telling_line(jvm_output)
            raise InputError(
                f"Spark could not start (master {master or 'local[*]'}): {first}"
                + (f" (Java said: {said})" if said else "")
                + " — check that Java 17 is installed and the master URL is reachable"
            ) from None
    # Spark logs executor failures to stderr itself; the audit reports them in one line.
    spark.sparkContext.setLogLevel("OFF")
    return spark


@contextlib.contextmanager
def jvm_output_captured(sink: IO[bytes]) -> Iterator[None]:
    """Send what child processes started meanwhile write to stderr into ``sink``.

    The JVM that pyspark starts inherits the process's stderr and prints its start-up chatter
    there (JDK module warnings, log4j's profile, Hadoop's native-library warning) before any
    log level can be set: a CLI whose stderr is one line per finding would drown in it. The
    JVM keeps ``sink`` as its stderr for its life; Python's own stderr is restored on exit.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        os.dup2(sink.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _telling_line(output: IO[bytes]) -> str:
    """The line of the JVM's output that says why it failed ("…/bin/java: No such file or
    directory", "Exception in thread …"), else its last line, for the error message."""
    output.flush()
    output.seek(0)
    text = output.read()[-16384:].decode(errors="replace")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    telling = ("error", "exception", "no such file", "not set", "not found", "denied")
    chosen = next((line for line in lines if any(w in line.lower() for w in telling)), None)
    return (chosen or (lines[-1] if lines else ""))[:300]


def _reuse(active: Any, *, master: str | None, settings: Mapping[str, str]) -> Any:
    """The running session, if it is the one asked for: a SparkSession cannot be restarted
    on another master, nor take start-up settings, from inside the process that runs it."""
    running = active.sparkContext.master
    if master is not None and master != running:
        raise InputError(
            f"a SparkSession is already running in this process on master {running!r}, so "
            f"--spark-master {master!r} would be ignored: leave out --spark-master to count "
            "on the running session, or stop it first (spark.stop())"
        )
    for key, value in settings.items():
        if active.conf.get(key, None) == value:
            continue
        if not active.conf.isModifiable(key):
            raise InputError(
                f"Spark setting {key}={value} cannot be changed in the SparkSession already "
                f"running on {running!r} (it is read when a session starts): set it where "
                "the session is started (spark-submit --conf, the cluster's configuration), "
                "or stop the running session first"
            )
        active.conf.set(key, value)
    return active
