"""Outputs are written atomically: a failure leaves no partial file under the final name."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from auditor.atomic import atomic_output, write_atomic
from auditor.cli import main

AUDIT = [
    "audit",
    "sample_data/compas_predictions.csv",
    "--label",
    "two_year_recid",
    "--prediction",
    "high_risk",
    "--protected",
    "race",
]


def test_a_failed_write_keeps_the_previous_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("previous, complete")
    with pytest.raises(RuntimeError), atomic_output(target) as handle:
        handle.write(b"half of the new")
        raise RuntimeError("the disk filled up")
    assert target.read_text() == "previous, complete"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_a_successful_write_replaces_the_file_with_ordinary_permissions(tmp_path):
    target = tmp_path / "out.json"
    write_atomic(target, "new")
    assert target.read_text() == "new"
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_a_killed_cli_leaves_no_partial_json(tmp_path):
    # Kill the CLI while it writes: the final name holds the whole document or nothing.
    out = tmp_path / "audit.json"
    script = (
        "import os, signal, auditor.atomic as a\n"
        "real = a.os.replace\n"
        "def die(*args):\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "a.os.replace = die\n"
        "from auditor.cli import main\n"
        f"main({[*AUDIT, '--json', str(out)]!r})\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=300)
    assert run.returncode == -9
    assert not out.exists()


def test_cli_json_to_an_unwritable_folder_is_exit_2_and_no_file(tmp_path, capsys):
    out = tmp_path / "missing" / "audit.json"
    assert main([*AUDIT, "--json", str(out)]) == 2
    assert "Traceback" not in capsys.readouterr().err
    assert not out.exists()
