"""The package version: one home, read by the metadata (pyproject), the CLI and every JSON."""

__version__ = "0.1.0"
