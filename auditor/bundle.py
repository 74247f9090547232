"""Where the dashboard and the bundled samples are: the source checkout, or inside the package.

A checkout runs ``app.py``, ``pages/``, ``dashboard/`` and ``sample_data/`` from the repository's
root. A wheel carries copies of them inside the package, under ``auditor/_bundle/`` (``setup.py``
puts them there when it builds), so ``auditor serve --sample compas`` works from any directory
after ``pip install .``.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["APP", "APP_ROOT", "BUNDLE_DIR", "SAMPLE_DIR", "STREAMLIT_CONFIG"]

_PACKAGE = Path(__file__).resolve().parent
BUNDLE_DIR = _PACKAGE / "_bundle"
"""The copies inside an installed wheel (absent in a checkout)."""

APP_ROOT = BUNDLE_DIR if (BUNDLE_DIR / "app.py").is_file() else _PACKAGE.parent
"""The folder holding ``app.py``, ``pages/``, ``dashboard/``, ``.streamlit/``, ``sample_data/``."""

APP = APP_ROOT / "app.py"
SAMPLE_DIR = APP_ROOT / "sample_data"
STREAMLIT_CONFIG = APP_ROOT / ".streamlit" / "config.toml"
