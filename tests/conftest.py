"""Shared fixtures: paths to the bundled samples and audits of them (computed once per session)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd
import pytest

import auditor

from .browser import our_tracebacks, require_browser, streamlit_server

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_data"
COMPAS_PREDICTIONS = SAMPLES / "compas_predictions.csv"
COMPAS_CLI = [
    str(COMPAS_PREDICTIONS),
    "--label",
    "two_year_recid",
    "--prediction",
    "high_risk",
    "--protected",
    "race,sex",
]
"""``auditor audit``'s arguments for the COMPAS sample by race and sex (add the options)."""
ADULT_PREDICTIONS = SAMPLES / "adult_predictions.csv"
COMPAS_RAW = SAMPLES / "compas-scores-two-years.csv"
POLICY = SAMPLES / "policy.toml"

# The on-disk copy of the Census tables (auditor.bisg.table_cache) goes to a temporary
# directory, not the user's cache, for every test and every CLI the tests start.
os.environ.setdefault(
    "AUDITOR_CACHE_DIR", os.path.join(tempfile.gettempdir(), "auditor-test-cache")
)


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    """The whole suite (``python -m pytest`` without paths, as README and .ci/run say) runs on
    two worker processes (pytest-xdist), each test file kept on one worker so its module
    fixtures (the Adult study, the wheel, the Spark session) are built once: the CPU-bound tests
    then use both cores and the browser tests' waits overlap other work. A run of named files
    stays in this process (starting workers costs more than it saves there). ``-n N`` or
    ``--dist`` on the command line wins; without pytest-xdist, or under ``--pdb``, the suite
    runs in this process."""
    if os.environ.get("PYTEST_XDIST_WORKER") or hasattr(config, "workerinput"):
        return
    if not config.pluginmanager.hasplugin("xdist") or config.option.usepdb:
        return
    if config.args_source is pytest.Config.ArgsSource.ARGS:
        return
    if config.option.numprocesses is None and config.option.dist == "no":
        config.option.numprocesses = 2
        config.option.dist = "loadfile"


@pytest.fixture(scope="session")
def compas_frame() -> pd.DataFrame:
    return pd.read_csv(COMPAS_PREDICTIONS)


@pytest.fixture(scope="session")
def adult_frame() -> pd.DataFrame:
    return pd.read_csv(ADULT_PREDICTIONS)


@pytest.fixture(scope="session")
def compas_audit() -> auditor.AuditResult:
    return auditor.audit(
        COMPAS_PREDICTIONS,
        label="two_year_recid",
        prediction="high_risk",
        protected=["race", "sex", "age_cat"],
        score="decile_score",
        policy=POLICY,
    )


@pytest.fixture(scope="session")
def adult_audit() -> auditor.AuditResult:
    return auditor.audit(
        ADULT_PREDICTIONS,
        label="income",
        prediction="predicted_income",
        positive_label=">50K",
        protected=["sex", "race", "age_group"],
        score="score",
    )


SPARK_TEST_CONF = {
    # Small and local: no UI, two shuffle partitions, bound to the loopback interface.
    "spark.ui.enabled": "false",
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.sql.session.timeZone": "UTC",
    # The test data are a few thousand rows: the JVM's start-up and just-in-time compilation
    # dominate. The client compiler alone (no C2) and the serial collector start 2-3x faster
    # on two busy cores (measured: 179 s -> 67 s for session + three audits at load 12).
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
}


@pytest.fixture(scope="session")
def spark():
    """One local Spark session (``local[2]``) for the whole test session."""
    from auditor.spark import spark_session

    session = spark_session(master="local[2]", conf=SPARK_TEST_CONF)
    yield session
    session.stop()


@pytest.fixture(scope="session")
def _dashboard_server(tmp_path_factory):
    """One ``streamlit run app.py`` for the browser tests that need no settings of their own
    (each starting its own server cost 3-4 s quiet, 10 s at load 10, start and stop).

    Each test drives its own Chromium, so its own Streamlit sessions: no test sees another's
    uploads or widgets. Tests that set the server's environment (audit slots, grace period) or
    read its store afterwards (the privacy ledger) start their own with ``streamlit_server``.
    """
    require_browser("browser test")
    folder = tmp_path_factory.mktemp("dashboard_server")
    with streamlit_server(folder) as url:
        yield url, folder / "streamlit.log"


@pytest.fixture
def shared_server(_dashboard_server):
    """The URL of the session's shared dashboard server; after the test, its log must hold no
    traceback through our code written while the test ran."""
    url, log = _dashboard_server
    start = log.stat().st_size
    yield url
    with log.open("rb") as handle:
        handle.seek(start)
        ours = our_tracebacks(handle.read().decode(errors="replace"))
    assert not ours, ours[0][-3000:]
