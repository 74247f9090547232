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


# A full disk, for real: the child process may write at most FULL_DISK bytes per file
# (RLIMIT_FSIZE; SIGXFSZ ignored so the write fails with EFBIG instead of killing it).
FULL_DISK = 2000
_FULL_DISK_PRELUDE = (
    "import resource, signal, sys\n"
    "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
    f"resource.setrlimit(resource.RLIMIT_FSIZE, ({FULL_DISK}, {FULL_DISK}))\n"
)


def _on_a_full_disk(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", _FULL_DISK_PRELUDE + code],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_cube_that_does_not_fit_on_disk_leaves_the_previous_file_and_no_partial(tmp_path):
    out = tmp_path / "cube.parquet"
    out.write_bytes(b"previous, complete")
    argv = [*AUDIT[:-1], "race,sex,age_cat", "--out", str(out), "--quiet"]
    argv[0] = "cube"
    run = _on_a_full_disk(f"from auditor.cli import main\nsys.exit(main({argv!r}))\n")
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr, run.stderr
    assert f"cannot write the cube to '{out}': the disk is full" in run.stderr
    assert out.read_bytes() == b"previous, complete"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cube.parquet"]
    # the same command with room on the disk writes the whole cube
    assert main(argv) == 0
    assert out.stat().st_size > FULL_DISK


def test_a_comparison_pdf_that_does_not_fit_leaves_no_partial_file(tmp_path):
    out = tmp_path / "compare.pdf"
    run = _on_a_full_disk(
        "from auditor.cli import main\n"
        "sys.exit(main(['compare', 'sample_data/compas_predictions.csv', '--label',"
        " 'two_year_recid', '--protected', 'race', '--score', 'decile_score',"
        " '--baseline-threshold', '5', '--candidate-threshold', '7', '--replicates', '200',"
        f" '--pdf', {str(out)!r}, '--quiet']))\n"
    )
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr and "PDF" in run.stderr, run.stderr
    assert sorted(tmp_path.iterdir()) == []
