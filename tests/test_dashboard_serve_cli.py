"""`auditor serve --sample NAME`: the CLI starts the dashboard with a bundled sample loaded."""

from __future__ import annotations

import os

import pytest

from auditor import cli
from auditor.samples import SAMPLES


def test_serve_passes_the_sample_to_streamlit_through_the_environment(monkeypatch):
    calls = []
    monkeypatch.setenv("AUDITOR_SAMPLE", "")  # restored (removed) after the test
    monkeypatch.delenv("AUDITOR_SAMPLE")
    monkeypatch.setattr(os, "execvp", lambda program, argv: calls.append(argv))
    assert cli.main(["serve", "--sample", "compas", "--port", "8765"]) == 0
    (argv,) = calls
    assert argv[1:4] == ["-m", "streamlit", "run"]
    assert argv[4].endswith("app.py") and os.path.exists(argv[4])
    assert argv[-2:] == ["--server.port", "8765"]
    assert os.environ["AUDITOR_SAMPLE"] == "compas"


def test_serve_refuses_an_unknown_sample(capsys):
    assert cli.main(["serve", "--sample", "nope"]) == 2
    assert "nope" in capsys.readouterr().err


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_definitions_point_at_bundled_files(name):
    sample = SAMPLES[name]
    assert sample.path.exists()
    header = sample.path.read_text(encoding="utf-8").splitlines()[0].split(",")
    for column in (sample.label, sample.prediction, sample.score, *sample.protected):
        assert column in header
