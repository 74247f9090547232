"""`auditor … --help` explains every option with its default, shows an example per subcommand and
the exit codes; bad `auditor serve` arguments are one line on stderr and exit code 2."""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys

import pytest

from auditor import cli
from auditor.cli_help import EXAMPLES, subcommands

PARSER = cli.build_parser()
COMMANDS = subcommands(PARSER)


def test_every_subcommand_has_an_example():
    missing = sorted(set(COMMANDS) - set(EXAMPLES))
    assert not missing, f"add an example for {missing} to EXAMPLES in auditor/cli_help.py"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_help_explains_every_option_with_its_default_and_the_exit_codes(name):
    command = COMMANDS[name]
    text = command.format_help()
    undocumented = [
        "/".join(action.option_strings)
        for action in command._actions
        if action.option_strings
        and action.default is not argparse.SUPPRESS
        and not (action.help and action.help.strip())
    ]
    assert not undocumented, (
        f"'auditor {name}' options without help: {undocumented}: give them help= where they are "
        "defined (or an entry in MISSING_HELP in auditor/cli_help.py)"
    )
    for action in command._actions:
        if not action.option_strings or action.default is argparse.SUPPRESS:
            continue
        shown = command._get_formatter()._expand_help(action)
        assert "default" in shown, f"'auditor {name}' {action.option_strings}: no default shown"
    assert "example" in text and f"auditor {name}" in text.split("example", 1)[1]
    assert "exit codes:" in text and "2  usage" in text


def test_the_top_level_help_lists_the_exit_codes():
    text = PARSER.format_help()
    for code in ("0  ran", "1  a policy check failed", "2  usage", "3  no check failed"):
        assert code in text


@pytest.mark.parametrize(
    "arguments, needle",
    [
        (["--port", "99999"], "99999 is not a port number"),
        (["--port", "0"], "0 is not a port number"),
        (["--port", "-5"], "-5"),
        (["--port", "http"], "'http' is not a port number"),
        (["--sample", "nope"], "invalid choice: 'nope'"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_bad_serve_arguments_are_one_line_and_exit_2(arguments, needle, capsys, monkeypatch):
    import os

    monkeypatch.setattr(os, "execvp", lambda *a: pytest.fail("the server must not start"))
    assert cli.main(["serve", *arguments]) == 2
    captured = capsys.readouterr()
    assert needle in captured.err
    assert len(captured.err.strip().splitlines()) == 1, captured.err
    assert "Traceback" not in captured.err and captured.out == ""


def test_a_port_in_use_is_refused_before_streamlit_starts(capsys, monkeypatch):
    import os

    monkeypatch.setattr(os, "execvp", lambda *a: pytest.fail("the server must not start"))
    with socket.socket() as taken:
        taken.bind(("", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert cli.main(["serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"port {port} is not available" in err and "--port" in err
    assert len(err.strip().splitlines()) == 1


def test_the_console_command_prints_no_traceback_for_port_99999():
    done = subprocess.run(
        [sys.executable, "-m", "auditor", "serve", "--port", "99999"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "auditor serve: argument --port: 99999 is not a port number: use 1–65535 "
        "(see 'auditor serve --help')"
    )


def test_serve_passes_the_dashboard_settings_as_options(monkeypatch):
    """Streamlit reads .streamlit/config.toml only from the current folder: pass it explicitly."""
    import os

    calls = []
    monkeypatch.setattr(os, "execvp", lambda program, argv: calls.append(argv))
    monkeypatch.delenv("AUDITOR_SAMPLE", raising=False)
    with socket.socket() as probe:
        probe.bind(("", 0))
        port = probe.getsockname()[1]
    assert cli.main(["serve", "--port", str(port)]) == 0
    (argv,) = calls
    options = dict(zip(argv[5::2], argv[6::2], strict=False))
    assert options["--client.disableDataExport"] == "true"
    assert options["--server.maxUploadSize"] == "1024"
    assert options["--browser.gatherUsageStats"] == "false"
    assert options["--server.fileWatcherType"] == "none"
    assert argv[-2:] == ["--server.port", str(port)]
