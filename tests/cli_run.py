"""Run the ``auditor`` command line in this process: its exit code, stdout and stderr.

A subprocess pays for Python's start and the import of pandas, SciPy and DuckDB (2-3 s each on
a quiet machine, 10-20 s on a busy one) before it reads a byte. ``auditor.cli.main`` is the
whole command line — the console script and ``python -m auditor`` call it and pass its return
value to ``sys.exit`` — and it turns every error into one line on stderr and a return code, so
the exit code, stdout and stderr are the same in this process. Tests of the process boundary
itself (the console script, ``python -m auditor``, a signal, a killed writer, warnings printed by
a fresh interpreter) keep a real subprocess: see :func:`run_process`.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from dataclasses import dataclass

from auditor.cli import main


@dataclass(frozen=True)
class CliRun:
    """What a run of the command line left: ``returncode``, ``stdout`` and ``stderr``."""

    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: object, env: dict[str, str] | None = None) -> CliRun:
    """``auditor ARGS…`` in this process; ``env`` is set for the run only."""
    out, err = io.StringIO(), io.StringIO()
    saved = {name: os.environ.get(name) for name in env or {}}
    os.environ.update(env or {})
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main([str(a) for a in args])
            except SystemExit as stop:  # argparse's --help and --version end the program
                code = stop.code if isinstance(stop.code, int) else 1
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return CliRun(code, out.getvalue(), err.getvalue())


def run_process(*args: object, env: dict[str, str] | None = None, timeout: float = 120) -> CliRun:
    """``python -m auditor ARGS…`` as a real subprocess (for tests of the process boundary)."""
    done = subprocess.run(
        [sys.executable, "-m", "auditor", *(str(a) for a in args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )
    return CliRun(done.returncode, done.stdout, done.stderr)
