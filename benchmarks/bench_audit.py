"""Benchmark the audit against the DuckDB floor and fairlearn, on the same synthetic file.

One run times, per size and format:

(a) **floor** — the least any audit must do: one DuckDB ``GROUP BY`` at the finest level
    (every protected attribute × label × prediction, ``count(*)``) on a connection with the
    audit's settings, plus the SHA-256 of the file (every audit records it). The floor is the
    query time plus the hash time. The ``GROUPING SETS`` count over every breakdown (the
    yardstick of earlier runs) is timed too, for reference.
(b) **ours** — ``auditor.audit(...)``: all breakdowns and intersections, intervals,
    significance tests and a policy; exact, then with ``epsilon=1`` (differential privacy).
(c) **fairlearn** — ``MetricFrame`` with the same eleven rates on each breakdown (at 1 M rows
    by default). Reading the rows into pandas is timed separately from ``MetricFrame``.
(d) **interactions** — what the dashboard does from the cached cube: another reference group,
    another policy, another ε.
(e) **metrics** — all metrics, intervals, tests and summaries of every group
    (``compute_breakdown`` over the ten breakdowns, from counts already in memory), and the
    whole ``evaluate_cube`` from a fresh cube (with its pandas sums).

The load average is printed next to every measurement: the machine may be shared.

Every measurement runs in its own child process, so peak memory (``ru_maxrss``, the figure
``/usr/bin/time -v`` prints) belongs to one task only. Small sizes take the best of
``--repeat`` runs (the median is printed too).

Usage::

    python benchmarks/bench_audit.py                      # 1 M rows, Parquet and CSV (~5 min)
    python benchmarks/bench_audit.py --rows 1e6,1e7       # the targets are stated at 10 M
    python benchmarks/bench_audit.py --rows 1e8 --formats parquet --no-fairlearn --repeat 1

Every issue-18 ratio in one run (Parquet at every size, CSV up to ``--csv-max-rows``, 10 M;
fairlearn on all ten breakdowns at 1 M rows; a summary of the targets at the end; the 1 B-row
Parquet file is ~24 GiB, generated once under ``--data``)::

    python benchmarks/bench_audit.py --rows 1e6,1e7,1e8,1e9 --no-dp --fairlearn-all
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

PROTECTED = list(generate.PROTECTED)
POLICY = HERE.parent / "sample_data" / "policy.toml"
FAIRLEARN_MAX_ROWS_DEFAULT = 1_000_000
INTERACTION_TARGET_MS = 50.0
METRICS_TARGET_MS = 50.0

# --------------------------------------------------------------------------- child tasks


def _peak_rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _connection(threads: int | None):
    from auditor.engine import connect

    return connect(threads=threads)


def _source_sql(path: str, *, all_varchar: bool = False) -> str:
    literal = "'" + path.replace("'", "''") + "'"
    if path.endswith(".parquet"):
        return f"read_parquet({literal})"
    return f"read_csv({literal}, header = true{', all_varchar = true' if all_varchar else ''})"


def _grouping_sets_sql(source: str) -> str:
    import itertools

    sets = [(), *((a,) for a in PROTECTED), *itertools.combinations(PROTECTED, 2)]
    clauses = ", ".join("(" + ", ".join([*s, "label", "prediction"]) + ")" for s in sets)
    return (
        f"SELECT {', '.join(PROTECTED)}, label, prediction, count(*) AS n "
        f"FROM {source} GROUP BY GROUPING SETS ({clauses})"
    )


def _sha256(path: str) -> str:
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def _timed(function, repeat: int, *, cpu: list[float] | None = None) -> tuple[list[float], object]:
    """Wall times of ``repeat`` calls (and, into ``cpu``, the process's CPU time of each: every
    thread, DuckDB's included — on a shared machine the fairer figure)."""
    times, value = [], None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        value = function()
        times.append(time.perf_counter() - start)
        if cpu is not None:
            cpu.append(time.process_time() - start_cpu)
    return times, value


def _finest_sql(source: str) -> str:
    columns = ", ".join([*PROTECTED, "label", "prediction"])
    return f"SELECT {columns}, count(*) AS n FROM {source} GROUP BY {columns}"


def task_floor(path: str, repeat: int, threads: int | None) -> dict:
    con = _connection(threads)
    finest = _finest_sql(_source_sql(path))
    query_cpu, hash_cpu = [], []
    query_times, rows = _timed(lambda: len(con.sql(finest).fetchall()), repeat, cpu=query_cpu)
    hash_times, _ = _timed(lambda: _sha256(path), repeat, cpu=hash_cpu)
    grouping_sets = _grouping_sets_sql(_source_sql(path))
    sets_times, _ = _timed(lambda: len(con.sql(grouping_sets).fetchall()), repeat)
    extra = {
        "query": query_times,
        "sha256": hash_times,
        "result_rows": rows,
        "grouping_sets": sets_times,
    }
    total = [q + h for q, h in zip(query_times, hash_times, strict=True)]
    cpu = [q + h for q, h in zip(query_cpu, hash_cpu, strict=True)]
    return {"times": total, "cpu": cpu, **extra}


def task_metrics(path: str, repeat: int, threads: int | None) -> dict:
    """Metrics for every group from counts in memory, and evaluate_cube from a fresh cube."""
    import dataclasses

    import auditor
    from auditor.audit import _groups_of, evaluate_cube
    from auditor.metrics import ExactIntervals, compute_breakdown

    result = auditor.audit(path, connection=_connection(threads), **_audit_kwargs())
    cube = result.cube
    breakdowns = cube.breakdowns(intersections=True)
    inputs = [(by, *_groups_of(cube.counts(by), by)) for by in breakdowns]

    def metrics(significance: bool = True):
        for by, keys, counts in inputs:
            compute_breakdown(
                keys,
                counts,
                by=by,
                min_group_size=30,
                intervals=ExactIntervals(),
                significance=significance,
            )

    def fresh_evaluation():
        evaluate_cube(dataclasses.replace(cube, _cache={}), policy=result.policy.policy)

    runs = max(repeat, 5)
    cpu, untested_cpu, evaluation_cpu = [], [], []
    wall, _ = _timed(metrics, runs, cpu=cpu)
    untested, _ = _timed(lambda: metrics(significance=False), runs, cpu=untested_cpu)
    evaluation, _ = _timed(fresh_evaluation, runs, cpu=evaluation_cpu)
    return {
        "times": wall,
        "cpu": cpu,
        "without_tests": untested,
        "without_tests_cpu": untested_cpu,
        "evaluate_cube": evaluation,
        "evaluate_cube_cpu": evaluation_cpu,
        "groups": sum(len(keys) for _, keys, _ in inputs),
    }


def _audit_kwargs(**extra) -> dict:
    return dict(label="label", prediction="prediction", protected=PROTECTED, policy=POLICY, **extra)


class _FetchSpy:
    """Records the row count of every result fetched from a DuckDB relation."""

    METHODS = ("df", "fetchdf", "fetchall", "fetchnumpy", "arrow", "fetch_arrow_table", "pl")

    def __init__(self) -> None:
        import duckdb

        self.largest = 0
        self.fetches = 0
        self._relation = duckdb.DuckDBPyRelation
        self._saved = {name: getattr(self._relation, name) for name in self.METHODS}
        for name, original in self._saved.items():
            setattr(self._relation, name, self._wrap(original))

    def _wrap(self, original):
        spy = self

        def fetch(relation, *args, **kwargs):
            value = original(relation, *args, **kwargs)
            spy.fetches += 1
            spy.largest = max(spy.largest, _row_count(value))
            return value

        return fetch


def _row_count(value) -> int:
    if hasattr(value, "num_rows"):
        return int(value.num_rows)
    if isinstance(value, dict):
        return max((len(v) for v in value.values()), default=0)
    try:
        return len(value)
    except TypeError:
        return 0


def task_audit(path: str, repeat: int, threads: int | None, *, score: bool = False) -> dict:
    import auditor

    spy = _FetchSpy()
    kwargs = _audit_kwargs(**({"score": "score"} if score else {}))

    def run():
        return auditor.audit(path, connection=_connection(threads), **kwargs)

    cpu: list[float] = []
    times, result = _timed(run, repeat, cpu=cpu)
    return {
        "times": times,
        "cpu": cpu,
        "rows": result.dataset.rows,
        "groups": sum(len(b.groups) for b in result.breakdowns),
        "cube_cells": None if result.cube.cells is None else len(result.cube.cells),
        "largest_fetch_rows": spy.largest,
        "fetches_per_audit": spy.fetches // max(repeat, 1),
    }


def task_audit_dp(path: str, repeat: int, threads: int | None) -> dict:
    import auditor

    def run():
        return auditor.audit(path, connection=_connection(threads), epsilon=1.0, **_audit_kwargs())

    try:
        times, result = _timed(run, repeat)
    except Exception as error:  # noqa: BLE001 - reported, not hidden
        return {"error": f"{type(error).__name__}: {error}"}
    return {"times": times, "privacy_mode": result.privacy.get("mode")}


_FAIRLEARN_METRICS = (
    "selection_rate",
    "base_rate",
    "tpr",
    "fpr",
    "fnr",
    "tnr",
    "ppv",
    "npv",
    "fdr",
    "for",
    "accuracy",
)


def _fairlearn_metrics() -> dict:
    """The audit's eleven rates in fairlearn/scikit-learn terms (undefined → NaN, not 0)."""
    import numpy as np
    from fairlearn.metrics import (
        false_negative_rate,
        false_positive_rate,
        selection_rate,
        true_negative_rate,
        true_positive_rate,
    )
    from sklearn.metrics import accuracy_score, precision_score

    def ppv(y, p):
        return precision_score(y, p, zero_division=np.nan)

    def npv(y, p):
        return precision_score(y, p, pos_label=0, zero_division=np.nan)

    return {
        "selection_rate": selection_rate,
        "base_rate": lambda y, p: float(np.mean(y)),
        "tpr": true_positive_rate,
        "fpr": false_positive_rate,
        "fnr": false_negative_rate,
        "tnr": true_negative_rate,
        "ppv": ppv,
        "npv": npv,
        "fdr": lambda y, p: 1 - ppv(y, p),
        "for": lambda y, p: 1 - npv(y, p),
        "accuracy": accuracy_score,
    }


def task_fairlearn(path: str, repeat: int, threads: int | None, *, every_breakdown: bool) -> dict:
    import itertools

    import pandas as pd
    from fairlearn.metrics import MetricFrame

    columns = [*PROTECTED, "label", "prediction"]

    def load():
        if path.endswith(".parquet"):
            return pd.read_parquet(path, columns=columns)
        return pd.read_csv(path, usecols=columns)

    load_times, frame = _timed(load, repeat)
    metrics = _fairlearn_metrics()
    breakdowns = [[a] for a in PROTECTED] + [list(p) for p in itertools.combinations(PROTECTED, 2)]
    if not every_breakdown:
        # fairlearn 0.15 copies y_true/y_pred element by element (np.stack over a 1-D array)
        # for every metric and group: ~1 min per breakdown at 1 M rows on this machine. One
        # breakdown against our ten makes the ratio a lower bound.
        breakdowns = breakdowns[:1]

    def evaluate():
        groups = 0
        for by in breakdowns:
            result = MetricFrame(
                metrics=metrics,
                y_true=frame["label"],
                y_pred=frame["prediction"],
                sensitive_features=frame[by],
            )
            result.difference(method="between_groups")
            result.ratio(method="between_groups")
            groups += len(result.by_group)
        return groups

    # MetricFrame takes minutes at 1 M rows: one run is representative (and the machine is shared).
    metric_times, groups = _timed(evaluate, 1)
    return {
        "times": metric_times,
        "load": load_times,
        "groups": groups,
        "breakdowns": [" × ".join(by) for by in breakdowns],
    }


def task_interactions(path: str, repeat: int, threads: int | None) -> dict:
    import auditor
    from auditor.audit import evaluate_cube

    result = auditor.audit(path, connection=_connection(threads), **_audit_kwargs())
    stricter = auditor.load_policy(_stricter_policy())
    references = ["Black", "Hispanic", "White", "Asian", "Other"]
    runs = max(repeat, 5)
    out = {}
    out["reference"], _ = _timed(
        _cycling(lambda ref: auditor.reaudit(result, reference={"race": ref}), references), runs
    )
    out["policy"], _ = _timed(lambda: auditor.reaudit(result, policy=stricter), runs)
    try:
        from auditor.privacy import NoisyIntervals, release_cube

        epsilons = [0.5, 1.0, 2.0, 4.0, 8.0]

        def epsilon_change(epsilon):
            noisy, _ = release_cube(result.cube, epsilon=epsilon)
            return evaluate_cube(
                noisy,
                policy=stricter,
                intervals=NoisyIntervals(noisy.release, confidence=0.95),
            )

        out["epsilon"], _ = _timed(_cycling(epsilon_change, epsilons), repeat)
    except Exception as error:  # noqa: BLE001 - reported, not hidden
        out["epsilon_error"] = f"{type(error).__name__}: {error}"
    out["times"] = out["reference"]
    out["groups"] = sum(len(b.groups) for b in result.breakdowns)
    return out


def _cycling(function, values):
    state = {"i": 0}

    def call():
        value = values[state["i"] % len(values)]
        state["i"] += 1
        return function(value)

    return call


def _stricter_policy() -> Path:
    path = Path(tempfile.gettempdir()) / "auditor-bench-policy.toml"
    path.write_text(
        'name = "stricter"\n'
        '[[checks]]\nmetric = "selection_rate"\nrule = "ratio_at_least"\nbound = 0.9\n'
        '[[checks]]\nmetric = "equalized_odds_difference"\nrule = "at_most"\nbound = 0.05\n'
    )
    return path


TASKS = {
    "floor": task_floor,
    "audit": task_audit,
    "audit_score": lambda p, r, t: task_audit(p, r, t, score=True),
    "audit_dp": task_audit_dp,
    "fairlearn": lambda p, r, t: task_fairlearn(p, r, t, every_breakdown=False),
    "fairlearn_all": lambda p, r, t: task_fairlearn(p, r, t, every_breakdown=True),
    "interactions": task_interactions,
    "metrics": task_metrics,
}


def run_child(args: argparse.Namespace) -> None:
    baseline = _peak_rss_mib()
    import duckdb  # noqa: F401

    import auditor  # noqa: F401 - imported before measuring, like any caller

    imported = _peak_rss_mib()
    result = TASKS[args.child](args.path, args.repeat, args.threads)
    result["peak_rss_mib"] = _peak_rss_mib()
    result["rss_after_imports_mib"] = imported
    result["rss_at_start_mib"] = baseline
    print(json.dumps(result))


# --------------------------------------------------------------------------- parent


def spawn(task: str, path: Path, *, repeat: int, threads: int | None, timeout: float) -> dict:
    command = [
        sys.executable,
        __file__,
        "--child",
        task,
        "--path",
        str(path),
        "--repeat",
        str(repeat),
    ]
    if threads:
        command += ["--threads", str(threads)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"exit {done.returncode}: {tail}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def machine_info() -> dict:
    import duckdb
    import fairlearn
    import numpy
    import pandas
    import psutil

    import auditor

    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model or platform.processor(),
        "cores": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "pandas": pandas.__version__,
        "numpy": numpy.__version__,
        "fairlearn": fairlearn.__version__,
        "auditor": auditor.__version__,
        "os": platform.platform(),
    }


def _best(values: list[float] | None) -> float | None:
    return min(values) if values else None


def _median(values: list[float] | None) -> float | None:
    return statistics.median(values) if values else None


def _fmt_s(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f} s"


def _fmt_ms(value: float | None) -> str:
    return "—" if value is None else f"{value * 1000:.1f} ms"


def _fmt_x(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}×"


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b == 0 else a / b


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", default="1e6", help="comma-separated sizes, e.g. 1e6,1e7,1e8")
    parser.add_argument("--formats", default="parquet,csv")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best is used)")
    parser.add_argument(
        "--threads", type=int, default=None, help="DuckDB threads (default: all cores)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--data", type=Path, default=generate.DEFAULT_DIR, help="where files are generated"
    )
    parser.add_argument("--no-fairlearn", action="store_true")
    parser.add_argument(
        "--csv-max-rows",
        type=float,
        default=1e7,
        help="audit the CSV file only up to this many rows (a 1e8-row CSV is ~3 GiB)",
    )
    parser.add_argument(
        "--fairlearn-max-rows",
        type=float,
        default=FAIRLEARN_MAX_ROWS_DEFAULT,
        help="run fairlearn only up to this many rows (it reads every row into pandas)",
    )
    parser.add_argument(
        "--fairlearn-all",
        action="store_true",
        help="give fairlearn all ten breakdowns, like ours (~10 min at 1 M rows); "
        "default: one breakdown, so fairlearn/ours is a lower bound",
    )
    parser.add_argument(
        "--no-dp", action="store_true", help="skip the differentially private audit"
    )
    parser.add_argument("--score", action="store_true", help="also audit with the score column")
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--json", type=Path, help="also write every measurement to this file")
    parser.add_argument("--child", choices=sorted(TASKS), help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        run_child(args)
        return 0

    sizes = generate.parse_rows(args.rows)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    info = machine_info()
    print("machine: " + ", ".join(f"{k} {v}" for k, v in info.items()))
    if info["load_average"][0] > 0.5 * info["cores"]:
        print(
            f"note: the machine is loaded (load average {info['load_average'][0]}): timings are noisy"
        )
    print(
        f"repeat {args.repeat} (best shown, median in brackets); DuckDB threads "
        f"{args.threads or 'default (all cores)'}; one child process per measurement\n"
    )

    records = []
    for rows in sizes:
        repeat = args.repeat if rows <= 10_000_000 else 1
        for fmt in formats:
            if fmt == "csv" and rows > args.csv_max_rows:
                continue
            start = time.perf_counter()
            path = generate.generate(rows, fmt, seed=args.seed, out=args.data)
            made = time.perf_counter() - start
            size_mib = path.stat().st_size / 2**20
            print(f"== {rows:,} rows, {fmt} ({size_mib:,.0f} MiB; ready in {made:.1f} s): {path}")
            record = {"rows": rows, "format": fmt, "path": str(path), "size_mib": size_mib}
            plan = ["floor", "audit"]
            if args.score:
                plan.append("audit_score")
            if not args.no_dp:
                plan.append("audit_dp")
            if not args.no_fairlearn and rows <= args.fairlearn_max_rows:
                plan.append("fairlearn_all" if args.fairlearn_all else "fairlearn")
            if rows <= 10_000_000:
                plan += ["interactions", "metrics"]
            for task in plan:
                outcome = spawn(
                    task, path, repeat=repeat, threads=args.threads, timeout=args.timeout
                )
                record[task] = outcome
                _print_task(task, outcome)
            _print_ratios(record)
            records.append(record)
            print()

    _print_targets(records)
    info["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    print(f"load average at the end: {info['load_average_end']}")
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "results": records}, indent=2))
        print(f"wrote {args.json}")
    return 0


def _print_task(task: str, outcome: dict) -> None:
    load = f"[load {os.getloadavg()[0]:.1f}]"
    if "error" in outcome:
        print(f"  {task:13s} FAILED: {outcome['error']} {load}")
        return
    times = outcome.get("times")
    line = f"  {task:13s} {load} {_fmt_s(_best(times))} [{_fmt_s(_median(times))}]"
    if outcome.get("cpu"):
        line += f" (CPU {_fmt_s(_best(outcome['cpu']))})"
    line += f"  peak RSS {outcome['peak_rss_mib']:,.0f} MiB"
    if task == "floor":
        line += (
            f"  (finest GROUP BY {_fmt_s(_best(outcome['query']))}"
            f" + SHA-256 {_fmt_s(_best(outcome['sha256']))}; for reference, GROUPING SETS over"
            f" the breakdowns {_fmt_s(_best(outcome['grouping_sets']))})"
        )
    elif task == "metrics":
        best = _best(outcome["times"])
        line = (
            f"  {task:13s} {load} ({outcome['groups']} groups) compute_breakdown × all breakdowns "
            f"{_fmt_ms(best)} wall [{_fmt_ms(_median(outcome['times']))}], "
            f"{_fmt_ms(_best(outcome['cpu']))} CPU "
            f"({'ok' if best * 1000 <= METRICS_TARGET_MS else 'over'} the "
            f"{METRICS_TARGET_MS:.0f} ms target); without the significance tests "
            f"{_fmt_ms(_best(outcome.get('without_tests')))} wall, "
            f"{_fmt_ms(_best(outcome.get('without_tests_cpu')))} CPU; evaluate_cube from a "
            f"fresh cube {_fmt_ms(_best(outcome['evaluate_cube']))} wall, "
            f"{_fmt_ms(_best(outcome.get('evaluate_cube_cpu')))} CPU"
        )
    elif task.startswith("audit") and "largest_fetch_rows" in outcome:
        line += (
            f"  ({outcome['groups']} groups; largest result fetched from DuckDB: "
            f"{outcome['largest_fetch_rows']:,} rows)"
        )
    elif task.startswith("fairlearn"):
        line += (
            f"  (+ reading rows into pandas {_fmt_s(_best(outcome['load']))}; "
            f"{len(outcome['breakdowns'])} breakdown(s): {', '.join(outcome['breakdowns'])}; "
            f"{outcome['groups']} groups)"
        )
    elif task == "interactions":
        line = f"  {task:13s} {load} ({outcome['groups']} groups)"
        for name in ("reference", "policy", "epsilon"):
            if name in outcome:
                best = _best(outcome[name])
                verdict = "ok" if best * 1000 < INTERACTION_TARGET_MS else "over target"
                line += f"  {name} {_fmt_ms(best)} [{_fmt_ms(_median(outcome[name]))}] {verdict};"
        if "epsilon_error" in outcome:
            line += f"  epsilon change unavailable: {outcome['epsilon_error']}"
    print(line)


def _print_ratios(record: dict) -> None:
    floor = _best(record.get("floor", {}).get("times"))
    ours = _best(record.get("audit", {}).get("times"))
    target = "1.3×" if record["rows"] <= 10_000_000 else "1.15×"
    parts = [f"ours/(finest GROUP BY + SHA-256) {_fmt_x(_ratio(ours, floor))} (target ≤ {target})"]
    floor_cpu = _best(record.get("floor", {}).get("cpu"))
    ours_cpu = _best(record.get("audit", {}).get("cpu"))
    if floor_cpu and ours_cpu:
        parts.append(f"in CPU time {_fmt_x(_ratio(ours_cpu, floor_cpu))}")
    if "audit_score" in record:
        parts.append(
            f"ours+score/floor {_fmt_x(_ratio(_best(record['audit_score'].get('times')), floor))}"
        )
    if "audit_dp" in record and "times" in record["audit_dp"]:
        parts.append(f"dp/floor {_fmt_x(_ratio(_best(record['audit_dp']['times']), floor))}")
    fair = record.get("fairlearn_all") or record.get("fairlearn") or {}
    if "times" in fair:
        metric_frame = _best(fair["times"])
        with_load = metric_frame + _best(fair["load"])
        bound = "" if len(fair["breakdowns"]) > 1 else " (≥: fairlearn did 1 breakdown, ours 10)"
        parts.append(
            f"fairlearn/ours {_fmt_x(_ratio(metric_frame, ours))} MetricFrame only{bound} (target ≥ 1000×)"
        )
        parts.append(f"{_fmt_x(_ratio(with_load, ours))} with reading the rows")
    print(f"  ratios [load {os.getloadavg()[0]:.1f}]: " + "; ".join(parts))


def _print_targets(records: list[dict]) -> None:
    """Every issue-18 target this run measured, with the figure and whether it is met."""
    lines = []
    for record in records:
        floor = _best(record.get("floor", {}).get("times"))
        ours = _best(record.get("audit", {}).get("times"))
        ratio = _ratio(ours, floor)
        bound = 1.3 if record["rows"] <= 10_000_000 else 1.15
        name = f"{record['rows']:,} rows {record['format']}"
        if ratio is not None and (record["rows"] >= 10_000_000 or record["format"] == "csv"):
            verdict = "met" if ratio <= bound else "NOT met"
            in_cpu = _ratio(_best(record["audit"].get("cpu")), _best(record["floor"].get("cpu")))
            lines.append(
                f"audit / floor, {name}: {ratio:.2f}× (≤ {bound}×: {verdict}; in CPU time "
                f"{_fmt_x(in_cpu)} — under load, the fairer figure)"
            )
        if record["rows"] >= 1_000_000_000 and "audit" in record:
            rss = record["audit"].get("peak_rss_mib")
            if rss is not None:
                verdict = "met" if rss <= 400 else "NOT met"
                lines.append(f"peak RSS, {name}: {rss:,.0f} MiB (≤ 400 MiB: {verdict})")
        metrics = record.get("metrics", {})
        if "times" in metrics:
            wall, cpu = _best(metrics["times"]), _best(metrics["cpu"])
            verdict = "met" if wall * 1000 <= METRICS_TARGET_MS else "NOT met"
            lines.append(
                f"metrics for {metrics['groups']} groups, {name}: {wall * 1000:.0f} ms wall, "
                f"{cpu * 1000:.0f} ms CPU (≤ {METRICS_TARGET_MS:.0f} ms: {verdict})"
            )
        fair = record.get("fairlearn_all") or record.get("fairlearn") or {}
        if "times" in fair and ours:
            times = _ratio(_best(fair["times"]), ours)
            lower = "" if len(fair["breakdowns"]) > 1 else ", a lower bound (1 breakdown)"
            verdict = "met" if times >= 1000 else "not shown"
            lines.append(f"fairlearn / ours, {name}: {times:,.0f}×{lower} (≥ 1000×: {verdict})")
    if lines:
        print(f"issue 18 targets [load {os.getloadavg()[0]:.1f}]:")
        for line in lines:
            print(f"  {line}")


if __name__ == "__main__":
    sys.exit(main())
