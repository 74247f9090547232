"""A release's noise drawn before the release is asked for, handed to that one release only.

OpenDP's noise does not depend on the data: its integer Laplace and Gaussian measurements on
``vector_domain(atom_domain(T=int))`` output each count plus an independent draw of the same
distribution (in Rust: the count as a big integer, plus ``sample_discrete_laplace`` /
``sample_discrete_gaussian``, saturated back to ``i32``). So the noise of a planned release
can be drawn while the user is still deciding — the dashboard starts it when ε is chosen —
by invoking *the same* OpenDP measurements, whose privacy maps are checked as for any release
(:func:`~auditor.privacy.release.draw_release`), on a vector of zeros of the release's
length: the output is the noise alone. The release then outputs each exact count plus its
noise, saturated to ``i32`` as OpenDP does (:func:`~auditor.privacy.release.add_drawn_noise`):
for every input, exactly the output OpenDP's measurement gives with that noise, so the
release has the law of the measurement invoked on the counts, and its accounting is
OpenDP's map of that measurement. (Only a draw itself beyond the ``i32`` range would be
saturated once more: at any scale below 2·10⁶ — the supported ε and the workload's smallest
share give at most ≈ 2·10⁵ — its probability is below e⁻¹⁰⁰⁰.)

Rules that keep it private (each is tested in ``tests/test_privacy_noise_ahead.py``):

- a :class:`NoiseAhead` is handed out **at most once** (:meth:`NoiseAhead.take`, under a
  lock; a second take, or a take after :meth:`NoiseAhead.discard`, gets nothing) and keeps
  no reference to the noise afterwards;
- it is used only by a release of exactly the plan it was drawn for (the same noise
  specifications and measurement sets, hence the same OpenDP measurements); otherwise it is
  discarded and the release draws its own noise;
- only for the integer mechanisms and a domain known before the release (every attribute's
  values declared): OpenDP's float mechanism rounds the noisy count, and partition
  selection's domain is itself a random outcome of the release;
- the draw runs in one background thread per process (a forked process starts its own), with
  OpenDP's secure generator, one thread for the draws (a core stays free for the pages).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np

from ..errors import AuditorError
from ..thread_pools import process_pool
from .mechanisms import NoiseSpec
from .workload import MeasurementPlan

__all__ = ["NoiseAhead", "draw_ahead"]


def _executor() -> ThreadPoolExecutor:
    """One drawing thread per process (a forked child has none of its parent's threads)."""
    return process_pool("opendp-ahead")


class NoiseAhead:
    """The noise of one planned release, being drawn in the background; handed out once.

    ``request`` is what the release was planned from (ε, δ, mechanism, declared values,
    workload), for the caller to tell whether it still fits; the release itself checks the
    plan (:meth:`take`).
    """

    def __init__(self, future: Future, request: Mapping[str, Any]) -> None:
        self._future: Future | None = future
        self._lock = threading.Lock()
        self.request = dict(request)

    @property
    def used(self) -> bool:
        """Whether it was taken or discarded (it will never hand out noise again)."""
        with self._lock:
            return self._future is None

    def take(self, plan: MeasurementPlan, spec: NoiseSpec) -> list[np.ndarray] | None:
        """The noise (one vector per measurement of ``plan``), for the caller's one release.

        ``None`` — the caller draws its own noise — when it was already taken or discarded,
        when it was drawn for another plan, when drawing failed, or when the draw has not
        started yet (then it is cancelled: drawing in the caller is as fast). Waits for a
        draw under way. Whatever it returns, this object never hands out noise again.
        """
        with self._lock:
            future, self._future = self._future, None
        if future is None or future.cancel():
            return None
        try:
            drawn_spec, drawn_plan, noise = future.result()
        except Exception:  # noqa: BLE001 - a failed draw: the release draws (and reports) itself
            return None
        if drawn_spec != spec or drawn_plan != plan:
            return None
        return noise

    def discard(self) -> None:
        """Never hand this noise out (e.g. the user chose another ε)."""
        with self._lock:
            future, self._future = self._future, None
        if future is not None:
            future.cancel()


def draw_ahead(
    cube,
    *,
    epsilon: float,
    delta: float | None = None,
    mechanism: str = "laplace",
    categories: Mapping[str, Iterable[str]] | None = None,
    workload: str = "marginals",
    intersections: bool = True,
) -> NoiseAhead | None:
    """Start drawing, in the background, the noise :func:`~auditor.privacy.release_cube`
    would draw for ``cube`` with these arguments; ``None`` when it cannot be drawn ahead (an
    attribute not declared, fractional counts, or arguments the release would refuse — the
    release then reports them). Returns at once; nothing is spent or recorded.
    """
    from .release import WORKLOADS, _finest_cells, _fractional, _resolve

    attributes = tuple(cube.attributes)
    try:
        if workload not in WORKLOADS or categories is None:
            return None
        if any(name not in categories for name in attributes) or cube.cells is None:
            return None
        declared = {name: [str(v) for v in categories[name]] for name in attributes}
        mech, cells_epsilon, cells_delta, _, _ = _resolve(
            epsilon=epsilon, delta=delta, mechanism=mechanism, declared=True
        )
        if _fractional(_finest_cells(cube)):
            return None
    except AuditorError:
        return None
    request = {
        "epsilon": float(epsilon),
        "delta": delta,
        "mechanism": mech,
        "categories": declared,
        "workload": workload,
        "intersections": bool(intersections),
    }
    future = _executor().submit(
        _draw, attributes, declared, mech, cells_epsilon, cells_delta, workload, intersections
    )
    return NoiseAhead(future, request)


def _draw(attributes, categories, mechanism, epsilon, delta, workload, intersections):
    """(spec, plan, noise): the plan :func:`release_cube` makes for a declared domain, and
    its OpenDP measurements invoked on zeros in one thread."""
    from .domain import combined_domain
    from .mechanisms import noise_spec
    from .release import draw_release
    from .workload import plan_measurements

    spec = noise_spec(mechanism, epsilon=epsilon, delta=delta)
    domain = combined_domain(attributes, categories, selected=())
    plan = plan_measurements(
        attributes,
        [len(domain.levels[name]) for name in attributes],
        workload=workload,
        spec=spec,
        pairs=intersections,
    )
    zeros = np.zeros(domain.cells, dtype=np.int64)
    return spec, plan, draw_release(plan, spec, zeros, threads=1)
