"""A/B of the dashboard's ε change in one process: an earlier commit's ``auditor`` against today's.

The ``auditor`` package of ``BEFORE`` (a commit of this repository, extracted with
``git archive``) is imported as ``auditor_before`` next to the working tree's ``auditor``; both
audit the same file of ``benchmarks/generate.py``, then change ε alternately, run by run, so
that both see the same load. The ε change is what ``dashboard.views.private_view`` does: the
release from the cached exact cube (OpenDP noise, no store) and every figure recomputed
(``evaluate_cube`` with the noise-aware intervals).

Run: ``python benchmarks/ab_epsilon_change.py BEFORE [--rows 1e6] [--repeat 10]``
(the package only uses relative imports, so it imports under another name).
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import generate  # noqa: E402


def _package(commit: str) -> str:
    """Extract ``auditor`` of ``commit`` as ``auditor_before`` and return the folder holding it."""
    folder = Path(tempfile.gettempdir()) / f"auditor-ab-{commit}"
    if not (folder / "auditor_before").exists():
        folder.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "-C", str(HERE.parent), "archive", commit, "auditor"],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
        (folder / "auditor").rename(folder / "auditor_before")
    return str(folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", help="the commit to compare with (e.g. c7bf609)")
    parser.add_argument("--rows", default="1e6")
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    sys.path.insert(0, _package(args.before))
    packages = {
        f"before ({args.before})": importlib.import_module("auditor_before"),
        "after (working tree)": importlib.import_module("auditor"),
    }
    rows = generate.parse_rows(args.rows)[0]
    path = generate.generate(rows, "parquet")
    common = dict(label="label", prediction="prediction", protected=list(generate.PROTECTED))
    changes = {name: _epsilon_change(package, path, common) for name, package in packages.items()}
    for change in changes.values():
        change()  # warm: the split of the budget and the pooled cells are cached per ε
    timings: dict[str, list[tuple[float, float]]] = {name: [] for name in changes}
    for _ in range(args.repeat):
        for name, change in changes.items():
            start, used = time.perf_counter(), time.process_time()
            change()
            timings[name].append((time.perf_counter() - start, time.process_time() - used))
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"file: {path.name}; {args.repeat} runs each, alternating; load (1, 5, 15 min): {load}")
    for name, values in timings.items():
        wall = sorted(v[0] for v in values)
        cpu = sorted(v[1] for v in values)
        middle = len(values) // 2
        print(
            f"{name:24} wall best {1000 * wall[0]:7.1f} median {1000 * wall[middle]:7.1f} ms"
            f" | CPU best {1000 * cpu[0]:7.1f} median {1000 * cpu[middle]:7.1f} ms"
        )


def _epsilon_change(package, path, common):
    """``private_view`` of ``package``: release the cached cube at ε = 0.5, every figure."""
    exact = package.audit(path, **common)
    categories = {
        name: [str(v) for v in exact.cube.counts((name,))[name]] for name in generate.PROTECTED
    }
    evaluate_cube = importlib.import_module(f"{package.__name__}.audit").evaluate_cube
    privacy = importlib.import_module(f"{package.__name__}.privacy")

    def change():
        noisy, document = privacy.release_cube(exact.cube, epsilon=0.5, categories=categories)
        overall, breakdowns, verdicts = evaluate_cube(
            noisy,
            min_group_size=exact.options["min_group_size"],
            intervals=privacy.NoisyIntervals(noisy.release, confidence=0.95),
        )
        return dataclasses.replace(
            exact,
            cube=noisy,
            overall=overall,
            breakdowns=breakdowns,
            policy=verdicts,
            privacy=document,
            scores=None,
        )

    return change


if __name__ == "__main__":
    main()
