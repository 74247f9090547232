"""Server-side time of dashboard interactions on the benchmark file, driven by Streamlit's AppTest.

The 1 M-row benchmark file (``benchmarks/generate.py``: 4 protected attributes, 765 groups,
with its score column) is audited once, put into an AppTest session as the Upload page would,
and then every interaction a regulator makes is timed as the rerun it causes — what the
server does between a click and the page being sent (``AppTest.run()``: the page script,
``auditor.reaudit`` from the cached cube, tables, charts; no browser, no network; the page
scripts compiled once, as the server compiles them):

- switching pages (Disparities, Intersections, Scores, back to Disparities);
- another protected attribute, another metric, another reference group (Disparities);
- another attribute pair and metric (Intersections);
- another threshold (Scores);
- an edited policy, applied (Disparities).

Each interaction runs ``--repeat`` times with alternating values (best and median printed),
against the issue's target of 200 ms, with the load average next to every number.

Usage::

    python benchmarks/bench_dashboard.py                 # 1 M rows (~2 min)
    python benchmarks/bench_dashboard.py --rows 1e5      # quicker
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import generate  # noqa: E402

TARGET_MS = 200.0
POLICY_EDIT = (
    'name = "benchmark"\n'
    "[[checks]]\n"
    'metric = "selection_rate"\n'
    'rule = "ratio_at_least"\n'
    "bound = {bound}\n"
)


def _load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def _session(result, store: Path):
    from streamlit.testing.v1 import AppTest

    from dashboard import state

    os.environ["AUDITOR_STORE"] = str(store)
    _compile_pages_once()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600).run()
    _quiet_streamlit()
    at.session_state[state.AUDIT] = result
    at.session_state[state.DATASET] = {"name": "benchmark", "vocabulary": "generic", "sample": None}
    at.session_state[state.REFERENCES] = {
        b.by[0]: str(b.reference[b.by[0]]) for b in result.breakdowns if len(b.by) == 1
    }
    at.session_state[state.VIEWS] = {}
    at.session_state[state.POLICY_TEXT] = state.default_policy_text()
    state.settle_heap()  # as state.set_audit does when an audit is loaded
    return at


def _compile_pages_once() -> None:
    """AppTest compiles the app's scripts anew on every run (a new ``ScriptCache`` per run:
    ~10 ms of each rerun here); the server keeps one cache for its lifetime
    (``Runtime._script_cache``) and compiles a page once. AppTest gets one cache too, so that
    a rerun costs what it costs on the server."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    shared = ScriptCache()
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared


def _quiet_streamlit() -> None:
    """Streamlit logs 'missing ScriptRunContext' for work outside a page run (hundreds of
    lines here): keep its errors only, so the benchmark prints its figures."""
    import logging

    from streamlit import logger

    logger.set_log_level(logging.ERROR)


def _timed(at, action) -> tuple[float, float]:
    """(wall, CPU) seconds of one rerun. AppTest runs the page in a thread of this process,
    so the process's CPU time is the server's work even when other processes share the
    cores (the wall time then includes waiting for a core)."""
    start, cpu = time.perf_counter(), time.process_time()
    action(at).run()
    elapsed, used = time.perf_counter() - start, time.process_time() - cpu
    if at.exception:
        raise RuntimeError([e.value for e in at.exception])
    return elapsed, used


def _page(name: str):
    return lambda at: at.switch_page(f"pages/{name}.py")


def _select(key: str, value: str):
    return lambda at: at.selectbox(key=key).select(value)


def _slide(key: str, value: float):
    return lambda at: at.slider(key=key).set_value(value)


def _policy_edit(bound: float):
    def edit(at):
        at.text_area(key="policy_editor").input(POLICY_EDIT.format(bound=bound))
        return at.button(key="apply_policy").click()

    return edit


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", default="1e6")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, default=generate.DEFAULT_DIR)
    args = parser.parse_args(argv)

    import tempfile

    import auditor

    (rows,) = generate.parse_rows(args.rows)
    path = generate.generate(rows, "parquet", seed=args.seed, out=args.data)
    print(f"machine: {os.cpu_count()} cores, {_load()} at the start")
    start = time.perf_counter()
    result = auditor.audit(
        path,
        label="label",
        prediction="prediction",
        protected=list(generate.PROTECTED),
        score="score",
        threshold=0.5,
    )
    groups = sum(len(b.groups) for b in result.breakdowns)
    print(
        f"audited {rows:,} rows ({path.name}, {groups} groups, with scores) in "
        f"{time.perf_counter() - start:.2f} s [{_load()}]"
    )

    with tempfile.TemporaryDirectory() as scratch:
        at = _session(result, Path(scratch) / "audits.duckdb")
        first, first_cpu = _timed(at, _page("disparities"))
        print(
            f"first visit of Disparities (computes the first view): {first * 1000:.0f} ms wall, "
            f"{first_cpu * 1000:.0f} ms CPU"
        )
        races = [str(g.key["race"]) for g in result.breakdowns[0].groups if g.n > 0]
        attributes = list(generate.PROTECTED)
        interactions: dict[str, list] = {
            "page switch → Disparities": [_page("disparities")],
            "protected attribute": [
                _select("disp_attribute", a) for a in attributes[1:] + attributes[:1]
            ],
            "metric": [_select("disp_metric", m) for m in ("tpr", "selection_rate", "ppv", "fpr")],
            "reference group": [_select("reference_race", r) for r in races],
            "policy edit + apply": [_policy_edit(b) for b in (0.8, 0.85, 0.9)],
            "page switch → Intersections": [_page("intersections")],
            "attribute pair": [],  # filled from the page's options once it is open
            "page switch → Scores": [_page("scores")],
            "threshold": [_slide("threshold", t) for t in (0.4, 0.6, 0.5, 0.7)],
        }
        print(
            f"\ninteraction: wall and CPU time of the rerun, best [median] of {args.repeat}; "
            f"target ≤ {TARGET_MS:.0f} ms"
        )
        worst = worst_cpu = 0.0
        for name, actions in interactions.items():
            if name == "attribute pair":
                pairs = at.selectbox(key="pair").options
                actions = [_select("pair", p) for p in pairs[1:] + pairs[:1]]
            if name == "reference group":
                at.selectbox(key="disp_attribute").select("race").run()
            times = []
            for index in range(args.repeat):
                action = actions[index % len(actions)]
                times.append(_timed(at, action))
                if name.startswith("page switch") and index + 1 < args.repeat:
                    # leave the page so that the next switch is a real switch
                    _timed(at, _page("home"))
            wall = [t[0] for t in times]
            cpu = [t[1] for t in times]
            best, median = min(wall), statistics.median(wall)
            best_cpu, median_cpu = min(cpu), statistics.median(cpu)
            worst = max(worst, best)
            worst_cpu = max(worst_cpu, best_cpu)
            verdict = "ok" if best * 1000 <= TARGET_MS else "OVER"
            verdict_cpu = "ok" if best_cpu * 1000 <= TARGET_MS else "OVER"
            print(
                f"  {name:28s} wall {best * 1000:6.0f} ms [{median * 1000:6.0f}] {verdict:4s}"
                f" CPU {best_cpu * 1000:6.0f} ms [{median_cpu * 1000:6.0f}] {verdict_cpu:4s}"
                f" [{_load()}]"
            )
    print(
        f"\nslowest interaction (best of {args.repeat}): wall {worst * 1000:.0f} ms, "
        f"CPU {worst_cpu * 1000:.0f} ms [{_load()}]"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
