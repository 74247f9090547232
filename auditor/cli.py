"""Command line: ``auditor audit``, ``auditor baseline``, ``auditor serve``.

Exit codes: 0 the audit ran and every policy check passed (or no policy was given);
1 a policy check failed; 2 a usage or input error (one line on stderr, no traceback);
3 no check failed but at least one could not be evaluated (never reads as a pass in CI).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .atomic import write_atomic
from .cli_help import document_parser
from .errors import AuditorError
from .narrative import VOCABULARIES, VOCABULARY_DECISION_FAVOURABLE
from .samples import SAMPLES
from .serve import DEFAULT_PORT, check_port_free, streamlit_command
from .serve import port as serve_port
from .textsafety import visible

__all__ = ["main"]

EXIT_PASSED = 0
EXIT_POLICY_FAILED = 1
EXIT_USAGE = 2
EXIT_NOT_EVALUABLE = 3

_EXIT_CODES_HELP = (
    "exit codes: 0 every policy check passed (or no policy); 1 a policy check failed; "
    "2 usage or input error; 3 no check failed but at least one is not evaluable "
    "(an undefined value, no group with enough data, or a label-dependent metric "
    "without --label)"
)


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


class _UsageError(Exception):
    pass


_POSITIVE_PREDICTION_HELP = (
    "the prediction's positive class when it is written in other words than the label's, "
    "e.g. --positive-label good --positive-prediction approved (default: --positive-label)"
)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive finite number")
    return value


def _finite_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number")
    return value


MAX_SEED = 2**32 - 1


def _seed(text: str) -> int:
    """A seed for numpy and scikit-learn: a whole number from 0 to 2**32 - 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"{text!r} must be a whole number from 0 to {MAX_SEED}")
    return value


def _columns(text: str) -> list[str]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise argparse.ArgumentTypeError("name at least one column, e.g. --protected race,sex")
    return names


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="auditor", description="Audit a model's outputs for group fairness.")
    parser.add_argument("--version", action="version", version=f"auditor {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    audit = commands.add_parser(
        "audit", help="audit a prediction file", description=_EXIT_CODES_HELP
    )
    audit.add_argument(
        "file",
        nargs="+",
        help="CSV (optionally gzip), Parquet or JSON-lines file; or saved cubes to sum",
    )
    audit.add_argument(
        "--label",
        help="column with the true outcome (optional: without it the audit has selection "
        "rates, impact ratios, intervals, tests and selection-rate verdicts)",
    )
    audit.add_argument("--prediction", help="column with the model's decision")
    audit.add_argument("--score", help="column with the model's score")
    audit.add_argument("--threshold", type=_finite_float, help="score >= T is predicted positive")
    audit.add_argument(
        "--protected",
        type=_columns,
        action="extend",
        default=[],
        help="COL[,COL...], or repeat the option (required unless --bisg)",
    )
    audit.add_argument("--positive-label", help="the favourable/flagged class, if not 0/1")
    audit.add_argument("--positive-prediction", help=_POSITIVE_PREDICTION_HELP)
    audit.add_argument(
        "--reference", action="append", default=[], metavar="COL=VALUE", help="reference group"
    )
    audit.add_argument("--min-group-size", type=int, default=30, help="smaller groups are flagged")
    audit.add_argument("--no-intersections", action="store_true", help="skip attribute pairs")
    audit.add_argument(
        "--epsilon", type=_positive_float, help="release with ε-differential privacy"
    )
    audit.add_argument("--delta", type=_positive_float, help="δ for (ε, δ)-DP")
    audit.add_argument("--mechanism", choices=("laplace", "gaussian"))
    audit.add_argument(
        "--dp-workload",
        choices=("marginals", "attributes", "finest"),
        default="marginals",
        help="DP: 'marginals' (default) measures the finest table, each attribute and each pair "
        "with a split budget and fits one consistent table by least squares; 'attributes' does "
        "the same with a split that favours single attributes over pairs; 'finest' releases "
        "the finest table alone (see docs/privacy.md)",
    )
    audit.add_argument("--categories", help="TOML file declaring each protected attribute's values")
    audit.add_argument("--store", help="DuckDB file with the audit history and privacy ledger")
    audit.add_argument("--privacy-budget", type=_positive_float, help="total ε for this data set")
    audit.add_argument(
        "--dataset-name",
        action="append",
        help="the data set's name in the privacy ledger (its budget's key); for merged cubes, "
        "once per cube, in order",
    )
    audit.add_argument("--seed", type=_seed, help="seeded noise for tests: output is NOT private")
    audit.add_argument("--policy", help="output specification (TOML)")
    audit.add_argument("--json", dest="json_out", metavar="OUT|-", help="write the audit JSON")
    audit.add_argument("--pdf", dest="pdf_out", metavar="OUT", help="write the audit PDF")
    audit.add_argument(
        "--vocabulary",
        choices=sorted(VOCABULARIES),
        default="generic",
        help="words for the PDF's sentences, e.g. 'compas': defendants who re-offended, "
        "flagged high-risk (default: generic); the --*-name options below replace them",
    )
    _add_word_arguments(audit)
    audit.add_argument(
        "--bin",
        action="append",
        default=[],
        metavar="COL=EDGES|quartiles",
        help="count a numeric protected attribute in bands, computed in the DuckDB query: inner "
        "edges (age=25,40,60 gives <25, 25-39, 40-59, 60+) or tertiles, quartiles, quintiles, "
        "deciles from the data (not with --epsilon); repeat for more (default: one group per value)",
    )
    audit.add_argument(
        "--group-order",
        action="append",
        default=[],
        metavar="COL=V1,V2,…",
        help="the order of a protected attribute's groups in tables, charts and the PDF; repeat "
        "for more (default: ordered buckets such as <25, 25-39, 60+ in their natural order, "
        "detected; other values as counted)",
    )
    audit.add_argument(
        "--bisg",
        metavar="surname=COL,zip=COL[,first_name=COL]",
        help="estimate race from surname and ZIP code (BISG; BIFSG with a first name) with the "
        "2010 Census tables; adds the protected attribute 'race', marked estimated",
    )
    audit.add_argument(
        "--bisg-estimator",
        choices=("weighted", "threshold", "both"),
        default="weighted",
        help="weighted soft counts (default; tend to understate disparities), threshold "
        "assignment at 0.8 (tends to overstate them), or both",
    )
    audit.add_argument(
        "--engagement",
        metavar="FILE.toml",
        help="engagement details for the JSON and the PDF cover (organisation, case_reference, "
        'auditor, audited_party, model, report_date = "YYYY-MM-DD"); the cover then has a '
        "signature block (default: none)",
    )
    audit.add_argument("--quiet", action="store_true", help="no summary on stderr")
    audit.add_argument(
        "--template",
        choices=("ll144", "ugesp"),
        help="add a regulatory template: NYC Local Law 144 bias-audit tables (ll144) or the "
        "EEOC/OFCCP adverse-impact battery (ugesp)",
    )
    audit.add_argument(
        "--ll144-exclude-under",
        type=_positive_float,
        metavar="SHARE",
        help="LL144: leave categories under this share of applicants (e.g. 0.02) out of the "
        "impact-ratio calculation; they stay in the table, marked excluded",
    )
    audit.add_argument(
        "--tool-distribution-date", metavar="YYYY-MM-DD", help="LL144: the tool's distribution date"
    )
    audit.add_argument(
        "--strata",
        action="append",
        default=[],
        metavar="COL",
        help="UGESP: a stratum column (job group, location, year); repeat for more",
    )

    reissue = commands.add_parser(
        "reissue", help="re-issue a recorded DP release (same noisy counts, no new spend)"
    )
    reissue.add_argument("release_id", help="the release id (in the release's JSON and ledger)")
    reissue.add_argument("--store", required=True, help="the DuckDB store holding the release")
    reissue.add_argument(
        "--reference", action="append", default=[], metavar="COL=VALUE", help="reference group"
    )
    reissue.add_argument("--policy", help="output specification (TOML)")
    reissue.add_argument("--json", dest="json_out", metavar="OUT|-", help="write the audit JSON")
    reissue.add_argument("--pdf", dest="pdf_out", metavar="OUT", help="write the audit PDF")
    reissue.add_argument(
        "--vocabulary", choices=sorted(VOCABULARIES), default="generic", help="words for the PDF"
    )
    reissue.add_argument("--quiet", action="store_true", help="no summary on stderr")

    _add_engine_arguments(audit)
    audit.add_argument(
        "--cube", action="store_true", help="the FILEs are cubes saved by 'auditor cube': sum them"
    )

    cube = commands.add_parser("cube", help="count files into a count cube (Parquet) to merge")
    cube.add_argument("file", nargs="+", help="prediction files (or paths/globs with Spark)")
    cube.add_argument("--out", required=True, metavar="CUBE.parquet", help="where to write it")
    cube.add_argument("--label", required=True, help="column with the true outcome")
    cube.add_argument("--prediction", help="column with the model's decision")
    cube.add_argument("--score", help="column with the model's score")
    cube.add_argument("--threshold", type=_finite_float, help="score >= T is predicted positive")
    cube.add_argument(
        "--protected",
        required=True,
        type=_columns,
        action="extend",
        help="COL[,COL...], or repeat the option",
    )
    cube.add_argument("--positive-label", help="the favourable/flagged class, if not 0/1")
    cube.add_argument("--positive-prediction", help=_POSITIVE_PREDICTION_HELP)
    cube.add_argument("--quiet", action="store_true", help="no summary on stderr")
    _add_engine_arguments(cube)

    baseline = commands.add_parser("baseline", help="input-restriction study on training data")
    baseline.add_argument(
        "file", help="training data: CSV (optionally gzip), Parquet or JSON lines"
    )
    baseline.add_argument("--target", required=True, help="column with the outcome to predict")
    baseline.add_argument("--protected", required=True, help="the protected attribute (one column)")
    baseline.add_argument("--positive-label", help="the favourable class, if not 0/1")
    baseline.add_argument(
        "--exclude",
        type=_columns,
        default=[],
        metavar="COL[,COL...]",
        help="columns not to use as features",
    )
    baseline.add_argument(
        "--constraint",
        dest="constraint_method",
        default="threshold_optimizer",
        choices=("threshold_optimizer", "exponentiated_gradient"),
        help="fairlearn method of the output-constrained model",
    )
    baseline.add_argument("--json", dest="json_out", metavar="OUT|-", help="write the study JSON")
    baseline.add_argument("--pdf", dest="pdf_out", metavar="OUT", help="write the study PDF")
    baseline.add_argument("--seed", type=_seed, default=0, help="seed of the split and the models")
    baseline.add_argument("--quiet", action="store_true", help="no conclusion on stderr")

    from .compare.cli import add_compare_parser

    add_compare_parser(commands, columns=_columns, finite_float=_finite_float, seed=_seed)

    serve = commands.add_parser("serve", help="start the dashboard")
    serve.add_argument(
        "--port",
        type=serve_port,
        default=DEFAULT_PORT,
        help="TCP port the dashboard listens on, 1–65535 (default: %(default)s)",
    )
    serve.add_argument(
        "--sample",
        choices=sorted(SAMPLES),
        help="load this bundled sample in every new browser session (default: none, start "
        "on the Home page)",
    )
    return document_parser(parser)


def _add_engine_arguments(command: argparse.ArgumentParser) -> None:
    """--engine and the Spark options (see docs/spark.md)."""
    command.add_argument(
        "--engine",
        choices=("duckdb", "spark"),
        default="duckdb",
        help="who counts the cube: embedded DuckDB (default) or Apache Spark",
    )
    command.add_argument("--spark-master", metavar="URL", help="e.g. local[4], spark://host:7077")
    command.add_argument(
        "--spark-conf",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a Spark setting, e.g. spark.executor.memory=4g (repeatable)",
    )
    command.add_argument(
        "--spark-fingerprint",
        choices=("content", "listing"),
        default="content",
        help="hash every input file's bytes in the cluster (default), or only the listing",
    )


def _engine_options(args: argparse.Namespace) -> dict[str, Any]:
    if args.engine != "spark":
        if args.spark_master or args.spark_conf:
            raise AuditorError("--spark-master and --spark-conf need --engine spark")
        return {}
    return {
        "engine": "spark",
        "spark_master": args.spark_master,
        "spark_conf": args.spark_conf,
        "spark_fingerprint": args.spark_fingerprint,
    }


def _write_json(document: dict[str, Any], target: str) -> None:
    text = json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False)
    if target == "-":
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    else:
        write_atomic(target, text + "\n")


def _read_categories(path: str | None) -> dict[str, list[str]] | None:
    if path is None:
        return None
    import tomllib

    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AuditorError(f"categories file '{path}' does not exist: check the path") from None
    except tomllib.TOMLDecodeError as error:
        raise AuditorError(f"categories file '{path}' is not valid TOML: {error}") from None
    table = data.get("categories", data)
    if not isinstance(table, dict) or not all(isinstance(v, list) for v in table.values()):
        raise AuditorError(
            f"categories file '{path}' must map each protected column to a list of values, "
            'e.g. race = ["African-American", "Caucasian"]'
        )
    return {str(k): [str(v) for v in values] for k, values in table.items()}


def _progress_printer(quiet: bool):
    if quiet or not sys.stderr.isatty():
        return None

    def show(fraction: float, message: str) -> None:
        width = 24
        filled = int(width * max(0.0, min(1.0, fraction)))
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {message:<40}")
        if fraction >= 1.0:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def _summary_lines(result) -> list[str]:
    lines = [
        f"audited {result.dataset.source}: {result.dataset.rows_used} rows used"
        + (f", {result.dataset.rows_excluded} excluded" if result.dataset.rows_excluded else "")
        if not result.is_private
        else f"audited {result.dataset.source} with differential privacy "
        f"(ε={result.privacy.get('epsilon')})"
    ]
    for breakdown in result.breakdowns:
        if len(breakdown.by) != 1:
            continue
        summary = breakdown.summary
        dpr = summary.get("demographic_parity_ratio")
        estimate = result.estimated.get(breakdown.by[0])
        if estimate is not None:
            lines.append(
                f"  {breakdown.by[0]} is ESTIMATED ({estimate['method']}, {estimate['estimator']} "
                f"estimator, {estimate['vintage']} tables): {estimate['known_bias']}"
                + (f" {estimate['intervals']}" if result.is_private else "")
            )
        line = (
            f"  {breakdown.by[0]}{' (estimated)' if estimate else ''}: demographic parity ratio "
            f"{'n/a' if dpr is None else f'{dpr:.3f}'}"
        )
        if "equalized_odds_difference" in summary:  # absent without a label
            eod = summary["equalized_odds_difference"]
            line += f", equalized odds difference {'n/a' if eod is None else f'{eod:.3f}'}"
        lines.append(line)
    comparison = result.extra.get("bisg_comparison")
    if comparison:
        for breakdown in comparison["breakdowns"]:
            if breakdown["by"] == ["race"]:
                dpr = breakdown["summary"].get("demographic_parity_ratio")
                lines.append(
                    "  race (estimated, threshold estimator): demographic parity ratio "
                    f"{'n/a' if dpr is None else f'{dpr:.3f}'} — "
                    + comparison["estimated"]["known_bias"]
                )
    if result.policy is not None:
        for check in result.policy.checks:
            value = "n/a" if check.value is None else f"{check.value:.3f}"
            outcome = check.outcome.replace("_", " ").upper()
            lines.append(
                f"  {outcome:<4} {check.check.describe()} [{', '.join(check.by)}]: {value}"
            )
        lines.append(
            "policy: "
            + {"pass": "PASSED", "fail": "FAILED", "not_evaluable": "NOT EVALUABLE"}[
                result.policy.outcome
            ]
        )
    return lines


def _audit_inputs(args: argparse.Namespace) -> tuple[Any, dict[str, Any]]:
    """The source and mapping of ``auditor audit``: a file (or Spark paths), or saved cubes,
    whose mapping fills in what the command line leaves out."""
    from .cubefile import is_cube_file, read_cube

    files = args.file
    mapping = {
        "label": args.label,
        "prediction": args.prediction,
        "score": args.score,
        "threshold": args.threshold,
        "protected": args.protected,
        "positive_label": args.positive_label,
        "positive_prediction": args.positive_prediction,
    }
    cubes = [name for name in files if is_cube_file(name)]
    if args.cube and len(cubes) < len(files):
        not_cube = next(name for name in files if name not in cubes)
        raise AuditorError(f"'{not_cube}' is not a count cube written by 'auditor cube'")
    if cubes and len(cubes) == len(files):
        saved = read_cube(files[0]).mapping
        given = {k: v for k, v in mapping.items() if v not in (None, [])}
        mapping = {
            "label": saved.label,
            "prediction": saved.prediction,
            "score": saved.score,
            "threshold": saved.threshold,
            "protected": list(saved.protected),
            "positive_label": saved.positive_label,
            "positive_prediction": saved.positive_prediction,
            **given,
        }
        return files, mapping
    return (files[0] if len(files) == 1 else files), mapping


def _run_cube(args: argparse.Namespace) -> int:
    from .cubefile import count_cube, write_cube

    counted = count_cube(
        args.file,
        label=args.label,
        prediction=args.prediction,
        score=args.score,
        threshold=args.threshold,
        protected=args.protected,
        positive_label=args.positive_label,
        positive_prediction=args.positive_prediction,
        **_engine_options(args),
    )
    write_cube(counted, args.out)
    if not args.quiet:
        print(
            f"counted {counted.cube.rows} rows of {counted.source} into "
            f"{len(counted.cube.cells)} cells: {args.out}",
            file=sys.stderr,
        )
    return EXIT_PASSED


def _run_audit(args: argparse.Namespace) -> int:
    from .audit import audit
    from .cubefile import is_cube_file
    from .engagement import load_engagement, with_engagement

    # read before the audit runs, so a bad file fails at once
    engagement = load_engagement(args.engagement) if args.engagement else None

    cubes_only = all(is_cube_file(name) for name in args.file)
    if not args.protected and not args.bisg and not cubes_only and not args.cube:
        raise _UsageError(
            "auditor audit: name the protected attributes with --protected COL[,COL...], or "
            "estimate race with --bisg surname=COL,zip=COL (see 'auditor audit --help')"
        )
    run = audit
    if args.template is not None:
        from functools import partial

        from .templates.run import template_audit

        run = partial(
            template_audit,
            template=args.template,
            strata=args.strata,
            exclude_under=args.ll144_exclude_under,
            tool_distribution_date=args.tool_distribution_date,
        )
    elif args.strata or args.ll144_exclude_under or args.tool_distribution_date:
        raise AuditorError(
            "--strata, --ll144-exclude-under and --tool-distribution-date go with "
            "--template ugesp|ll144: add the template"
        )
    source, mapping = _audit_inputs(args)
    result = run(
        source,
        **mapping,
        reference=args.reference,
        policy=args.policy,
        min_group_size=args.min_group_size,
        intersections=not args.no_intersections,
        epsilon=args.epsilon,
        delta=args.delta,
        mechanism=args.mechanism,
        dp_workload=args.dp_workload,
        categories=_read_categories(args.categories),
        store=args.store,
        privacy_budget=args.privacy_budget,
        dataset_name=(
            args.dataset_name[0]
            if args.dataset_name and len(args.dataset_name) == 1
            else args.dataset_name
        ),
        seed=args.seed,
        progress=_progress_printer(args.quiet),
        bisg=args.bisg,
        bisg_estimator=args.bisg_estimator,
        vocabulary=_vocabulary(args),
        decision_favourable=_decision_favourable(args),
        bins=args.bin or None,
        group_order=_group_order(args.group_order),
        **_engine_options(args),
    )
    document = with_engagement(result.to_dict(), engagement)
    if args.json_out:
        _write_json(document, args.json_out)
    if args.pdf_out:
        from .report import write_audit_pdf

        write_audit_pdf(document, args.pdf_out, vocabulary=_vocabulary(args))
    if args.store:
        from .store import AuditStore

        with AuditStore(args.store) as store:
            store.record_audit(document)
    if not args.quiet:
        from .templates.text import template_summary_lines

        for line in _summary_lines(result) + template_summary_lines(result):
            print(line, file=sys.stderr)
    return result.exit_code


def _add_word_arguments(audit: argparse.ArgumentParser) -> None:
    """The domain's words: every sentence, header and chart of the JSON and PDF uses them."""
    words = audit.add_argument_group(
        "the domain's words (sentences, headers and charts of the JSON and PDF read in them)"
    )
    words.add_argument(
        "--decision-name",
        metavar="WORDS",
        help="what the positive decision does to a person, e.g. 'approved', 'hired', 'flagged "
        "high risk' (default: 'predicted positive')",
    )
    words.add_argument(
        "--decision-opposite",
        metavar="WORDS",
        help="the other decision, e.g. 'denied' (default: 'not' + the decision name)",
    )
    words.add_argument(
        "--outcome-name",
        metavar="WORDS",
        help="the positive true outcome, e.g. 'repaid', 'good credit', 're-offended' (default: "
        "'the positive outcome')",
    )
    words.add_argument(
        "--outcome-opposite",
        metavar="WORDS",
        help="the other outcome, e.g. 'bad credit' (default: 'not' + the outcome name)",
    )
    words.add_argument(
        "--people-name",
        metavar="WORDS",
        help="who the rows are, e.g. 'applicants', 'defendants' (default: 'people')",
    )
    words.add_argument(
        "--decision-direction",
        choices=("favourable", "unfavourable"),
        default=None,
        help="whether the positive decision favours the person (approved, hired: default) or "
        "harms them (flagged high risk, denied; the default with --vocabulary compas); when "
        "unfavourable, impact ratios and the four-fifths rule are computed on the favourable "
        "complement (not flagged)",
    )


def _decision_favourable(args: argparse.Namespace) -> bool:
    """The stated direction, else the preset vocabulary's (COMPAS: flagging harms), else
    favourable."""
    if args.decision_direction is not None:
        return args.decision_direction == "favourable"
    return VOCABULARY_DECISION_FAVOURABLE[args.vocabulary]


def _group_order(items: list[str]) -> dict[str, list[str]] | None:
    """``["age=<25,25-39,60+"]`` → ``{"age": ["<25", "25-39", "60+"]}``."""
    order = {}
    for item in items:
        if "=" not in item:
            raise _UsageError(
                f"--group-order {item!r} is not of the form COL=V1,V2,…, "
                "e.g. --group-order age_band=<25,25-39,40-59,60+"
            )
        column, values = item.split("=", 1)
        order[column.strip()] = [v.strip() for v in values.split(",") if v.strip()]
    return order or None


def _vocabulary(args: argparse.Namespace):
    """The words the options name, else the named --vocabulary."""
    from .vocabulary import vocabulary_from_names

    names = {
        "decision": args.decision_name,
        "not_decision": args.decision_opposite,
        "outcome": args.outcome_name,
        "not_outcome": args.outcome_opposite,
        "people": args.people_name,
    }
    if any(names.values()):
        return vocabulary_from_names(**names)
    return VOCABULARIES[args.vocabulary]


def _run_baseline(args: argparse.Namespace) -> int:
    from .baselines import run_study

    study = run_study(
        args.file,
        target=args.target,
        protected=args.protected,
        positive_label=args.positive_label,
        exclude=args.exclude,
        constraint_method=args.constraint_method,
        seed=args.seed,
        progress=_progress_printer(args.quiet),
    )
    document = study.to_dict()
    if args.json_out:
        _write_json(document, args.json_out)
    if args.pdf_out:
        from .report import write_baseline_pdf

        write_baseline_pdf(document, args.pdf_out)
    if not args.quiet:
        print(study.conclusion, file=sys.stderr)
    return EXIT_PASSED


def _run_serve(args: argparse.Namespace) -> int:
    command = streamlit_command(sys.executable, port=args.port)
    check_port_free(args.port)
    if args.sample:
        os.environ["AUDITOR_SAMPLE"] = args.sample  # read by app.py in each new session
    os.execvp(sys.executable, command)
    return EXIT_PASSED  # pragma: no cover - execvp does not return


def _one_line(message: str) -> str:
    """A message for stderr: names from the data may hold escape sequences or line breaks."""
    return visible(message, keep_whitespace=False)


def _run_reissue(args: argparse.Namespace) -> int:
    from .reissue import reissue

    result = reissue(args.store, args.release_id, reference=args.reference, policy=args.policy)
    if args.json_out:
        _write_json(result.to_dict(), args.json_out)
    if args.pdf_out:
        from .report import write_audit_pdf

        write_audit_pdf(result.to_dict(), args.pdf_out, vocabulary=args.vocabulary)
    if not args.quiet:
        for line in _summary_lines(result):
            print(line, file=sys.stderr)
    return result.exit_code


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``auditor`` console script; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command == "audit":
            return _run_audit(args)
        if args.command == "cube":
            return _run_cube(args)
        if args.command == "baseline":
            return _run_baseline(args)
        if args.command == "compare":
            from .compare.cli import run_compare

            return run_compare(args, write_json=_write_json)
        if args.command == "reissue":
            return _run_reissue(args)
        return _run_serve(args)
    except _UsageError as error:
        print(_one_line(str(error)), file=sys.stderr)
        return EXIT_USAGE
    except AuditorError as error:
        print(f"auditor: error: {_one_line(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("auditor: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_USAGE
    except OSError as error:
        print(
            f"auditor: error: {error.strerror or error}: {getattr(error, 'filename', '')}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    except Exception as error:  # noqa: BLE001 - the contract: one line, exit 2, no traceback
        if os.environ.get("AUDITOR_DEBUG"):
            raise
        detail = _one_line(" ".join(str(error).split())[:300])
        print(
            f"auditor: internal error: {type(error).__name__}: {detail} "
            "(this is a bug; rerun with AUDITOR_DEBUG=1 for the traceback and report it)",
            file=sys.stderr,
        )
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
