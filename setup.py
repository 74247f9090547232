"""Build hook: put the dashboard and the bundled samples into the wheel (see auditor/bundle.py).

``app.py``, ``pages/``, ``dashboard/``, ``.streamlit/config.toml`` and the sample data stay where
a checkout runs them (the repository's root); a wheel gets copies under ``auditor/_bundle/`` so
that an installed ``auditor serve`` finds them. Everything else is in ``pyproject.toml``.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
BUNDLED = [
    "app.py",
    "pages/*.py",
    "dashboard/*.py",
    "dashboard/*.png",
    ".streamlit/config.toml",
    "sample_data/*.csv",
    "sample_data/*.csv.gz",
    "sample_data/*.toml",
    "sample_data/README.md",
]


class BuildWithDashboard(build_py):
    """``build_py`` that also copies the dashboard and the samples into ``auditor/_bundle``."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install runs them from the checkout
        target = Path(self.build_lib) / "auditor" / "_bundle"
        for pattern in BUNDLED:
            for source in sorted(ROOT.glob(pattern)):
                destination = target / source.relative_to(ROOT)
                destination.parent.mkdir(parents=True, exist_ok=True)
                self.copy_file(str(source), str(destination))


setup(cmdclass={"build_py": BuildWithDashboard})
