"""The CLI's help text: every option with its default, an example per subcommand, the exit codes.

:func:`document_parser` runs over the finished parser (``auditor.cli.build_parser``), so the
options stay where they are defined and their explanations here stay in one place. A subcommand
without an example, or an option without help, fails ``tests/test_cli_help.py``.
"""

from __future__ import annotations

import argparse

__all__ = ["EXAMPLES", "EXIT_CODES", "HelpFormatter", "document_parser"]

EXIT_CODES = """\
exit codes:
  0  ran, and every policy check passed (or no policy was given)
  1  a policy check failed
  2  usage or input error (one line on stderr, no traceback)
  3  no check failed, but at least one is not evaluable (undefined value, no group with
     enough data)"""

SERVE_EXIT_CODES = """\
exit codes:
  0  the dashboard was stopped (Ctrl-C)
  2  usage error: bad port, port in use, unknown sample, Streamlit missing (one line on stderr)"""

EXAMPLES = {
    "audit": """\
examples:
  auditor audit sample_data/compas_predictions.csv --label two_year_recid \\
      --prediction high_risk --protected race,sex --policy sample_data/policy.toml \\
      --json audit.json --pdf audit.pdf
  auditor audit decisions.parquet --prediction approved --protected sex \\
      --positive-label yes --epsilon 1 --store audits.duckdb --privacy-budget 4""",
    "baseline": """\
example:
  auditor baseline sample_data/adult.csv.gz --target income --protected sex \\
      --positive-label '>50K' --json study.json --pdf study.pdf""",
    "compare": """\
examples:
  auditor compare predictions.csv --label y --protected race --baseline old_decision \\
      --candidate new_decision --policy sample_data/compare_gate.toml --json compare.json
  auditor compare before.json after.json --pdf compare.pdf""",
    "cube": """\
examples:
  auditor cube shard-1.parquet --label y --prediction approved --protected race,sex \\
      --out cube-1.parquet
  auditor audit cube-1.parquet cube-2.parquet --protected race,sex --json merged.json""",
    "reissue": """\
example:
  auditor reissue 3f9c2a1e --store audits.duckdb --json audit.json --pdf audit.pdf""",
    "serve": """\
examples:
  auditor serve --sample compas        # then open http://localhost:8501
  auditor serve --port 8600""",
}
"""One worked example per subcommand (shown at the end of ``auditor COMMAND --help``)."""

MISSING_HELP = {
    "--mechanism": "noise for the private release: discrete Laplace (pure ε-DP) or discrete "
    "Gaussian (zCDP converted to (ε, δ)-DP)",
    "--confidence": "confidence level of every interval",
}
"""Help for options defined without any."""

UNSET = {
    "--label": "none: selection-rate metrics only",
    "--prediction": "none: use --score with --threshold",
    "--score": "none",
    "--threshold": "none",
    "--positive-label": "1/true/yes when the values say so",
    "--reference": "the largest group of each attribute",
    "--epsilon": "none: exact counts, no privacy",
    "--delta": "none for laplace (1e-6 for partition selection without --categories); "
    "required for gaussian",
    "--mechanism": "laplace",
    "--categories": "none: groups come from the data (exact) or DP partition selection",
    "--store": "none: nothing is recorded",
    "--privacy-budget": "none: the total already declared for this data set, if any",
    "--dataset-name": "none: the ledger is keyed by the rows' content alone",
    "--seed": "none: secure noise",
    "--policy": "none: report only, exit 0",
    "--json": "none: no JSON",
    "--pdf": "none: no PDF",
    "--template": "none",
    "--ll144-exclude-under": "none: keep every category",
    "--tool-distribution-date": "none",
    "--strata": "none",
    "--exclude": "none",
    "--target": "required",
    "--protected": "required",
    "--baseline": "required for a data file",
    "--candidate": "required for a data file",
    "--baseline-threshold": "none",
    "--candidate-threshold": "none",
    "--min-group-size": "30",
    "--sample": "none: start on the Home page",
}
"""What happens when an option whose default is ``None`` is not given."""


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the epilog's line breaks and ends each option's help with its default."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if (
            "%(default)" in text
            or "default:" in text
            or not action.option_strings
            or action.default is argparse.SUPPRESS
        ):
            return text
        if isinstance(action, argparse._StoreTrueAction | argparse._StoreFalseAction):
            return f"{text} (default: off)"
        if action.default is None:
            unset = next((UNSET[o] for o in action.option_strings if o in UNSET), "none")
            return f"{text} (default: {unset})"
        if action.default == []:
            return f"{text} (default: none)"
        return f"{text} (default: %(default)s)"


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The parser's subcommands by name."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def document_parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add defaults, examples and exit codes to every subcommand's help; returns ``parser``."""
    parser.formatter_class = HelpFormatter
    parser.epilog = EXIT_CODES + "\n\nrun 'auditor COMMAND --help' for each command's options"
    for name, command in subcommands(parser).items():
        command.formatter_class = HelpFormatter
        for action in command._actions:
            if not action.help and action.option_strings:
                action.help = next(
                    (MISSING_HELP[o] for o in action.option_strings if o in MISSING_HELP), None
                )
        codes = SERVE_EXIT_CODES if name == "serve" else EXIT_CODES
        parts = [EXAMPLES.get(name, ""), codes]
        command.epilog = "\n\n".join(part for part in parts if part)
    return parser
