"""`pip install .` (a wheel, not -e) gives a working `auditor serve --sample compas` from any folder.

Builds the wheel from a copy of the source tree, installs it into a fresh virtual environment and
runs it from an unrelated directory. To stay fast, the fresh environment reuses the test
environment's third-party packages through a path entry (not its ``auditor``: the editable
install's finder is not active there), and ``pip check`` confirms they satisfy the wheel's
declared requirements.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from .browser import free_port

ROOT = Path(__file__).resolve().parent.parent
SKIP = {".git", ".venv", "venv", "build", "dist", "__pycache__", ".pytest_cache", ".ruff_cache"}


def _run(*command, cwd: Path, env: dict | None = None, timeout: float = 600) -> str:
    done = subprocess.run(
        [str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"{command} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=lambda folder, names: [n for n in names if n in SKIP or n.endswith(".egg-info")],
    )
    dist = work / "dist"
    started = time.monotonic()
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, source, cwd=work)
    (wheel,) = dist.glob("auditor-*.whl")
    venv = work / "venv"
    _run(sys.executable, "-m", "venv", venv, cwd=work)
    python = venv / "bin" / "python"
    _run(python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel, cwd=work)
    site = Path(
        _run(
            python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=work
        ).strip()
    )
    (site / "zz_test_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    elsewhere = work / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "AUDITOR_SAMPLE")}
    env["HOME"] = str(work)  # the store (~/.auditor) and Streamlit's settings stay in the sandbox
    return {
        "wheel": wheel,
        "venv": venv,
        "python": python,
        "cwd": elsewhere,
        "env": env,
        "seconds_to_install": time.monotonic() - started,
    }


def test_the_wheel_carries_the_dashboard_the_samples_and_the_metadata(installed):
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    for expected in (
        "auditor/py.typed",
        "auditor/_bundle/app.py",
        "auditor/_bundle/pages/home.py",
        "auditor/_bundle/pages/upload.py",
        "auditor/_bundle/dashboard/state.py",
        "auditor/_bundle/dashboard/workspace.py",
        "auditor/_bundle/dashboard/favicon.png",
        "auditor/_bundle/.streamlit/config.toml",
        "auditor/_bundle/sample_data/compas_predictions.csv",
        "auditor/_bundle/sample_data/policy.toml",
    ):
        assert expected in names, f"{expected} is not in the wheel"
    assert not [n for n in names if n.startswith(("tests/", "dashboard/", "pages/"))]
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(installed["wheel"]).read(metadata).decode()
    assert "License: MIT" in text
    assert any(n.endswith(".dist-info/licenses/LICENSE") or n.endswith("/LICENSE") for n in names)
    requires = {
        line.split()[1]
        for line in text.splitlines()
        if line.startswith("Requires-Dist:") and "extra ==" not in line
    }
    assert not requires & {"pypdf", "psutil", "pytest"}, requires


def test_the_installed_package_is_the_wheel_not_the_checkout(installed):
    where = _run(
        installed["python"],
        "-c",
        "import json, auditor, auditor.bundle as b; print(json.dumps([auditor.__file__, str(b.APP_ROOT)]))",
        cwd=installed["cwd"],
        env=installed["env"],
    )
    package, app_root = json.loads(where)
    assert Path(package).is_relative_to(installed["venv"]), package
    assert Path(app_root).is_relative_to(installed["venv"]), app_root
    _run(installed["python"], "-m", "pip", "check", cwd=installed["cwd"], env=installed["env"])


def test_auditor_serve_sample_compas_starts_from_another_folder_and_loads_the_sample(installed):
    port = free_port()
    auditor = installed["venv"] / "bin" / "auditor"
    log = installed["cwd"] / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [auditor, "serve", "--sample", "compas", "--port", str(port)],
            cwd=installed["cwd"],
            env=installed["env"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 90
        health = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/_stcore/health", timeout=2
                ) as r:
                    health = r.read().decode()
                    break
            except OSError:
                time.sleep(0.5)
        assert health == "ok", f"no health from the installed server:\n{log.read_text()[-3000:]}"
        # The server runs the installed app.py: the sample loads in a session of that same app.
        check = (
            "import os, sys\n"
            "from streamlit.testing.v1 import AppTest\n"
            "import auditor.bundle as b\n"
            "os.environ['AUDITOR_SAMPLE'] = 'compas'\n"
            "at = AppTest.from_file(str(b.APP), default_timeout=120).run()\n"
            "assert not at.exception, [e.value for e in at.exception]\n"
            "print('|'.join(c.value for c in at.sidebar.caption))\n"
        )
        caption = _run(installed["python"], "-c", check, cwd=installed["cwd"], env=installed["env"])
        assert "COMPAS" in caption and "6,172 rows audited" in caption, caption
    finally:
        server.terminate()
        server.wait(timeout=30)
