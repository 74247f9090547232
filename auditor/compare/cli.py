"""``auditor compare``: a candidate model against a baseline, paired (one file) or unpaired.

Exit codes as ``auditor audit``: 0 every check passed (or no policy), 1 a check failed,
2 usage or input error, 3 no check failed but at least one is not evaluable.
"""

from __future__ import annotations

import argparse
import sys

from ..errors import InputError

__all__ = ["add_compare_parser", "run_compare"]


def add_compare_parser(commands, *, columns, finite_float, seed=int) -> None:
    """Register ``auditor compare`` on the CLI's subcommands."""
    compare = commands.add_parser(
        "compare",
        help="compare a candidate model with a baseline (release gate)",
        description="Paired: one FILE with two decisions per person (--baseline/--candidate "
        "columns, or --score with two thresholds). Unpaired: two audit JSON files (or two "
        "stored audit ids with --store).",
    )
    compare.add_argument("files", nargs="+", metavar="FILE", help="data file, or two audits")
    compare.add_argument("--label", help="column with the true outcome (paired)")
    compare.add_argument("--protected", type=columns, help="COL[,COL...] (paired)")
    compare.add_argument("--baseline", help="column with the baseline (production) decision")
    compare.add_argument("--candidate", help="column with the candidate model's decision")
    compare.add_argument("--score", help="score column, for threshold models")
    compare.add_argument("--baseline-threshold", type=finite_float, help="baseline: score >= T")
    compare.add_argument("--candidate-threshold", type=finite_float, help="candidate: score >= T")
    compare.add_argument("--positive-label", help="the favourable/flagged class, if not 0/1")
    compare.add_argument("--min-group-size", type=int, help="smaller groups are flagged (30)")
    compare.add_argument("--no-intersections", action="store_true", help="skip attribute pairs")
    compare.add_argument("--confidence", type=finite_float, default=0.95)
    compare.add_argument("--replicates", type=int, default=2000, help="bootstrap replicates")
    compare.add_argument("--seed", type=seed, default=0, help="bootstrap seed (reproducible)")
    compare.add_argument("--store", help="audit store, to compare two stored audits by id")
    compare.add_argument("--policy", help="release gate (TOML)")
    compare.add_argument("--json", dest="json_out", metavar="OUT|-", help="write the JSON")
    compare.add_argument("--pdf", dest="pdf_out", metavar="OUT", help="write the PDF")
    compare.add_argument("--quiet", action="store_true", help="no summary on stderr")


def _summary_lines(result) -> list[str]:
    lines = [
        f"compared {result.candidate.description} (candidate) with "
        f"{result.baseline.description} (baseline), {result.design}"
    ]
    for breakdown in result.breakdowns:
        if len(breakdown.by) != 1:
            continue
        change = breakdown.summary["demographic_parity_difference"]
        if change.change is None:
            continue
        interval = (
            f" [{change.interval[0]:+.3f}, {change.interval[1]:+.3f}]" if change.interval else ""
        )
        lines.append(
            f"  {breakdown.by[0]}: demographic parity difference {change.baseline:.3f} -> "
            f"{change.candidate:.3f} ({change.change:+.3f}{interval})"
        )
    if result.gate is not None:
        for check in result.gate.checks:
            value = "n/a" if check.value is None else f"{check.value:+.3f}"
            label = {"pass": "PASS", "fail": "FAIL", "not_evaluable": "N/E "}[check.outcome]
            lines.append(f"  {label} {check.description} [{', '.join(check.by)}]: {value}")
        lines.append(
            "gate: "
            + {"pass": "PASSED", "fail": "FAILED", "not_evaluable": "NOT EVALUABLE"}[
                result.gate.outcome
            ]
        )
    return lines


def run_compare(args: argparse.Namespace, *, write_json) -> int:
    from .api import compare, compare_audits

    if len(args.files) > 2:
        raise InputError(
            "auditor compare takes one data file (paired) or two audits (unpaired), "
            f"not {len(args.files)} files"
        )
    if len(args.files) == 2:
        paired_only = [
            flag
            for flag, value in (
                ("--label", args.label),
                ("--protected", args.protected),
                ("--baseline", args.baseline),
                ("--candidate", args.candidate),
                ("--score", args.score),
            )
            if value is not None
        ]
        if paired_only:
            raise InputError(
                f"{', '.join(paired_only)} apply to one data file; two files are compared as "
                "audits (JSON or stored ids): leave them out, or give one data file"
            )
        result = compare_audits(
            args.files[0],
            args.files[1],
            policy=args.policy,
            min_group_size=args.min_group_size,
            confidence=args.confidence,
            replicates=args.replicates,
            seed=args.seed,
            store=args.store,
        )
    else:
        missing = [
            flag
            for flag, value in (("--label", args.label), ("--protected", args.protected))
            if value is None
        ]
        if missing:
            raise InputError(
                f"a paired comparison of one data file needs {' and '.join(missing)}; "
                "e.g. auditor compare f.csv --label y --protected race --baseline old --candidate new"
            )
        result = compare(
            args.files[0],
            label=args.label,
            protected=args.protected,
            baseline=args.baseline,
            candidate=args.candidate,
            score=args.score,
            baseline_threshold=args.baseline_threshold,
            candidate_threshold=args.candidate_threshold,
            positive_label=args.positive_label,
            policy=args.policy,
            min_group_size=30 if args.min_group_size is None else args.min_group_size,
            intersections=not args.no_intersections,
            confidence=args.confidence,
            replicates=args.replicates,
            seed=args.seed,
        )
    document = result.to_dict()
    if args.json_out:
        write_json(document, args.json_out)
    if args.pdf_out:
        from ..report.comparison import write_comparison_pdf

        write_comparison_pdf(document, args.pdf_out)
    if not args.quiet:
        for line in _summary_lines(result):
            print(line, file=sys.stderr)
    return result.exit_code
