"""``auditor serve``: check the options, then hand over to Streamlit with the dashboard's settings.

Streamlit reads ``.streamlit/config.toml`` from the *current* directory only, so the dashboard's
settings (upload limit, no raw CSV export, theme, no usage statistics) are passed as command-line
options instead: the same server whether it is started from the checkout, another directory or
an installed wheel.
"""

from __future__ import annotations

import argparse
import importlib.util
import socket
import tomllib
from pathlib import Path

from .bundle import APP
from .errors import InputError

__all__ = ["DEFAULT_ADDRESS", "DEFAULT_PORT", "check_port_free", "port", "streamlit_command"]

DEFAULT_PORT = 8501
DEFAULT_ADDRESS = ""
"""All interfaces, as Streamlit listens by default."""


def port(text: str) -> int:
    """An ``argparse`` type: a TCP port number, 1–65535."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1–65535)") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port number: use 1–65535")
    return value


def check_port_free(number: int, *, address: str = DEFAULT_ADDRESS) -> None:
    """Raise :class:`InputError` if another program already listens on ``address:number``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((address, number))
        except OSError as error:
            raise InputError(
                f"port {number} is not available ({error.strerror or error}): "
                "stop the program using it or choose another with --port"
            ) from None


def _config_options(config: Path) -> list[str]:
    """``.streamlit/config.toml`` as ``--section.option value`` arguments."""
    if not config.is_file():
        return []
    options = []
    for section, values in tomllib.loads(config.read_text(encoding="utf-8")).items():
        for name, value in values.items():
            text = str(value).lower() if isinstance(value, bool) else str(value)
            options += [f"--{section}.{name}", text]
    return options


def streamlit_command(python: str, *, port: int, app: Path = APP) -> list[str]:
    """The ``python -m streamlit run app.py …`` command line for the dashboard."""
    if not app.is_file():
        raise InputError(
            f"the dashboard's app.py is missing at {app}: reinstall the auditor "
            "(pip install .) or run from a source checkout"
        )
    if importlib.util.find_spec("streamlit") is None:
        raise InputError("Streamlit is not installed: pip install streamlit (or pip install .)")
    return [
        python,
        "-m",
        "streamlit",
        "run",
        str(app),
        *_config_options(app.parent / ".streamlit" / "config.toml"),
        # No file watcher: when a watched source file changes, Streamlit evicts modules from
        # sys.modules at the start of the next script run, and a session importing at that
        # moment fails with KeyError: 'dashboard.state' (seen with four concurrent sessions).
        "--server.fileWatcherType",
        "none",
        "--server.port",
        str(port),
    ]
