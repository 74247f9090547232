"""How much a private audit costs over the exact one, and how fast the dashboard changes ε.

On the synthetic 4-attribute file of ``benchmarks/generate.py`` (765 groups over the four
attributes and their pairs), in one run:

1. the exact audit (``auditor.audit``, all breakdowns and pairs);
2. the DP audit (ε = 1, declared groups, discrete Laplace) of the same file;
3. changing ε in the dashboard: the release from the cached exact cube plus every figure
   recomputed (``dashboard.views.private_view``, OpenDP noise, no store), as the Privacy page
   does;
4. of the ε change, OpenDP's noise draws alone, and both with the draws split over the cores
   (as released: ``auditor.privacy.mechanisms.draw_threads``) against one thread,
   alternating in this process.

Prints the two ratios issue #16 sets targets for: DP ÷ exact ≤ 1.5, and the ε change in ms
(< 100 ms). Best of ``--repeat`` runs each.

Run: ``python benchmarks/dp_speed.py [--rows 1e6] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import generate  # noqa: E402

import auditor  # noqa: E402


def _best(task, repeat: int) -> tuple[float, object]:
    """(best wall time, last value); the best CPU time of the process is kept in ``_CPU``."""
    times, cpu, value = [], [], None
    for _ in range(repeat):
        start, used = time.perf_counter(), time.process_time()
        value = task()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - used)
    _CPU[task] = min(cpu)
    return min(times), value


_CPU: dict = {}
"""CPU time of the process (all its threads: DuckDB's too) per task: under load, the wall time
includes waiting for a core; the CPU time is the work done."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1e6")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--format", default="parquet", choices=("parquet", "csv"))
    args = parser.parse_args()
    rows = generate.parse_rows(args.rows)[0]
    path = generate.generate(rows, args.format)
    common = dict(label="label", prediction="prediction", protected=list(generate.PROTECTED))

    exact_task = lambda: auditor.audit(path, **common)  # noqa: E731
    exact_s, exact = _best(exact_task, args.repeat)
    categories = {
        name: [str(v) for v in exact.cube.counts((name,))[name]] for name in generate.PROTECTED
    }
    groups = sum(len(b.groups) for b in exact.breakdowns)
    dp_task = lambda: auditor.audit(path, **common, epsilon=1.0, categories=categories)  # noqa: E731
    dp_s, _ = _best(dp_task, args.repeat)

    from dashboard.views import private_view

    change_task = lambda: private_view(exact, epsilon=0.5, categories=categories)  # noqa: E731
    change_s, _ = _best(change_task, args.repeat)
    threads = _threads_against_one(exact, categories, args.repeat)
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"file: {path.name} ({rows:,} rows, {groups} groups over the breakdowns)")
    print(f"load average (1, 5, 15 min): {load}")
    exact_cpu, dp_cpu, change_cpu = _CPU[exact_task], _CPU[dp_task], _CPU[change_task]
    print(f"best of {args.repeat}; wall time, and CPU time of the process")
    print(f"exact audit            {exact_s:8.3f} s wall {exact_cpu:8.3f} s CPU")
    print(
        f"DP audit (ε = 1)       {dp_s:8.3f} s wall {dp_cpu:8.3f} s CPU   ratio DP / exact = "
        f"{dp_s / exact_s:.2f} wall, {dp_cpu / exact_cpu:.2f} CPU (target ≤ 1.5)"
    )
    print(
        f"change ε (dashboard)   {1000 * change_s:8.1f} ms wall {1000 * change_cpu:6.1f} ms CPU"
        "   target < 100 ms"
    )
    print(
        f"of which OpenDP's noise draws ({threads['cells']:,} cells), and the ε change, with the "
        f"draws in {threads['threads']} threads (as released) and in 1, interleaved:"
    )
    for name in ("draws", "change"):
        for count in (threads["threads"], 1):
            wall, cpu = threads[(name, count)]
            label = f"{'OpenDP draws' if name == 'draws' else 'change ε'}, {count} thread(s)"
            print(f"  {label:28} {1000 * wall:8.1f} ms wall {1000 * cpu:6.1f} ms CPU")


def _threads_against_one(exact, categories, repeat: int) -> dict:
    """The ε change and its OpenDP draws alone, with the draws split over the cores (as
    released) and in one thread, alternating in this process (best of ``repeat`` each)."""
    from auditor.privacy import mechanisms, release_cube
    from auditor.privacy.release import _finest_cells, _pooled_cells, draw_measurements
    from dashboard.views import private_view

    noisy, _ = release_cube(exact.cube, epsilon=0.5, categories=categories)
    plan, spec = noisy.release.plan, noisy.release.spec
    counts = _pooled_cells(exact.cube, _finest_cells(exact.cube), noisy.release.domain)["n"]
    counts = counts.to_numpy()
    tasks = {
        "draws": lambda: draw_measurements(plan, spec, counts),
        "change": lambda: private_view(exact, epsilon=0.5, categories=categories),
    }
    real = mechanisms.draw_threads
    settings = {real(): real, 1: lambda: 1}
    timings: dict = {}
    try:
        for _ in range(repeat):
            for name, task in tasks.items():
                for count, setting in settings.items():
                    mechanisms.draw_threads = setting
                    start, used = time.perf_counter(), time.process_time()
                    task()
                    wall, cpu = time.perf_counter() - start, time.process_time() - used
                    best = timings.get((name, count), (math.inf, math.inf))
                    timings[(name, count)] = (min(best[0], wall), min(best[1], cpu))
    finally:
        mechanisms.draw_threads = real
    timings["threads"] = real()
    timings["cells"] = sum(m.cells for m in plan.measurements)
    return timings


if __name__ == "__main__":
    main()
