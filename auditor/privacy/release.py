"""Release a count cube once with differential privacy; everything else is post-processing.

Privacy unit: one row (one person). Neighbouring data sets differ by **adding or removing one
row**. A row falls in exactly one cell of the finest table (protected values × y × ŷ), so the
whole table is one vector query with L1 (and L2) sensitivity 1. It is released once; every
marginal, pair, rate, interval, flag and verdict is computed from the released counts.

What a DP audit does *not* publish: exact counts of any kind (``dataset.rows`` and the
excluded-row counts are left out, ``rows_used`` is the noisy total), the file size, and the
score section (score bins are data-dependent values; the score analysis is omitted in DP
mode), nor anything else computed from the rows without noise: no hash or fingerprint of the
data, no detected encoding or delimiter, no path. The budget ledger recognises the data by a
canonical content fingerprint kept only in the store (as an HMAC); the output carries a
random release id (:func:`reissue_release` rebuilds a release from the store by that id).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

import numpy as np
import pandas as pd

from ..cube import CountCube
from ..errors import PrivacyError
from .domain import OTHER, GroupDomain, combined_domain, declared_levels, pool_cells
from .fingerprint import content_fingerprint
from .intervals import not_estimable_metrics
from .mechanisms import (
    Mechanism,
    NoiseSpec,
    SeededSampler,
    gaussian_rho,
    noise_spec,
    opendp_noise,
    opendp_threshold,
    opendp_zcdp_noise,
    partition_threshold,
)
from .record import Release
from .workload import WORKLOADS, MeasurementPlan, Workload, plan_from_description, plan_measurements

__all__ = [
    "DEFAULT_SELECTION_DELTA",
    "SELECTION_SHARE",
    "mark_not_estimable",
    "reissue_release",
    "release_cube",
]

DEFAULT_SELECTION_DELTA = 1e-6
"""δ spent on partition selection when no categories are declared and no δ is given."""
SELECTION_SHARE = 0.25
"""Share of ε spent on partition selection when no categories are declared."""


class NoiseAhead(Protocol):
    """Noise drawn for a release before it was asked for (:class:`~auditor.privacy.
    noise_ahead.NoiseAhead`): handed out once, for the plan it was drawn for."""

    def take(self, plan: MeasurementPlan, spec: NoiseSpec) -> list[np.ndarray] | None: ...

    def discard(self) -> None: ...


def _finest_cells(cube: CountCube) -> pd.DataFrame:
    """The exact finest cells (attributes…, y, yhat, n), summed over score bins; computed once
    per cube (kept in the exact cube's own cache, next to the exact cells it came from)."""
    return cube.kept("dp_finest_cells", lambda: _sum_finest_cells(cube))


def _pooled_cells(cube: CountCube, exact: pd.DataFrame, domain: GroupDomain) -> pd.DataFrame:
    """:func:`pool_cells` of the exact finest cells over ``domain``, once per cube and domain
    (the dashboard releases the same cube at every ε it is moved to). Read-only."""
    return cube.kept(("dp_pooled_cells", _domain_key(domain)), lambda: pool_cells(exact, domain))


def _domain_key(domain: GroupDomain) -> tuple:
    return tuple((name, tuple(values)) for name, values in domain.levels.items())


def _sum_finest_cells(cube: CountCube) -> pd.DataFrame:
    if cube.cells is None:
        raise PrivacyError(
            "this data set has too many groups for one finest count table, which a DP release "
            "needs (the whole table is released once): audit fewer protected attributes, or "
            "bin attributes with many values into fewer groups"
        )
    attributes = list(cube.attributes)
    return cube.cells.groupby([*attributes, "y", "yhat"], as_index=False, observed=True)["n"].sum()


def _select_domain(
    cells: pd.DataFrame,
    attributes: tuple[str, ...],
    *,
    categories: Mapping[str, Iterable[str]] | None,
    epsilon: float,
    delta: float,
    sampler: SeededSampler | None,
) -> tuple[GroupDomain, dict[str, Any]]:
    """DP partition selection over the undeclared attributes' (attribute, value) keys.

    Rows are first restricted to the declared domain of the declared attributes (a public
    rule), then OpenDP's threshold mechanism chooses the values of the others.
    """
    declared = declared_levels(attributes, categories or {})
    for name, values in declared.items():
        if OTHER not in values:
            cells = cells[cells[name].astype(str).isin(set(values))]
    undeclared = tuple(name for name in attributes if name not in declared)
    counts: dict[str, int] = {}
    for name in undeclared:
        totals = cells.groupby(name, observed=True)["n"].sum()
        for value, total in totals.items():
            counts[json.dumps([name, str(value)])] = int(total)
    k = len(undeclared)
    scale = k / epsilon  # l1 distance of one row over the (attribute, value) keys is k
    threshold = partition_threshold(scale=scale, delta=delta, attributes=k)
    if sampler is None:
        kept = opendp_threshold(counts, scale=scale, threshold=threshold)
    else:
        kept = sampler.threshold(counts, scale=scale, threshold=threshold)
    domain = combined_domain(
        attributes, categories, selected=(tuple(json.loads(key)) for key in kept)
    )
    details = {
        "mechanism": "laplace threshold (OpenDP make_laplace_threshold)",
        "attributes": list(undeclared),
        "epsilon": epsilon,
        "delta": delta,
        "scale": scale,
        "threshold": threshold,
        "selected_values": {name: len(domain.levels[name]) - 1 for name in undeclared},
        "suppressed": (
            f"values whose noisy count fell below the threshold are pooled into '{OTHER}'; "
            "their names and number are data-dependent and not reported; the noisy size "
            f"of each '{OTHER}' group is reported with the other groups"
        ),
    }
    return domain, details


MIN_EPSILON = 1e-3
MAX_EPSILON = 100.0
MIN_DELTA = 1e-15  # below it OpenDP's calibration search finds no bound


@contextlib.contextmanager
def _opendp_errors():
    """OpenDP's own refusals (e.g. a calibration it cannot make) become one clear PrivacyError."""
    from opendp.mod import OpenDPException

    try:
        yield
    except OpenDPException as error:
        detail = str(error).strip().splitlines()
        raise PrivacyError(
            "OpenDP could not make this release"
            + (f" ({detail[0][:200]})" if detail else "")
            + ": try a larger epsilon or declare the groups with --categories"
        ) from None


def _resolve(
    *, epsilon: float, delta: float | None, mechanism: str | None, declared: bool
) -> tuple[Mechanism, float, float | None, float, float]:
    """(mechanism, ε for cells, δ for cells, ε for selection, δ for selection)."""
    mechanism = mechanism or "laplace"
    if mechanism not in ("laplace", "gaussian"):
        raise PrivacyError(f"mechanism {mechanism!r} is not known: use 'laplace' or 'gaussian'")
    if not (isinstance(epsilon, int | float) and math.isfinite(epsilon) and epsilon > 0):
        raise PrivacyError(f"epsilon must be a positive finite number, not {epsilon!r}")
    if not MIN_EPSILON <= epsilon <= MAX_EPSILON:
        raise PrivacyError(
            f"epsilon {epsilon:g} is outside the supported range {MIN_EPSILON:g} to "
            f"{MAX_EPSILON:g}: below it the noise swamps every count, above it the release "
            "protects no one; choose an epsilon in that range"
        )
    if delta is not None and not 0 < delta < 1:
        raise PrivacyError(f"delta must be between 0 and 1 (e.g. 1e-6), not {delta!r}")
    if delta is not None and delta < MIN_DELTA:
        raise PrivacyError(
            f"delta {delta:g} is below the smallest supported {MIN_DELTA:g}: OpenDP cannot "
            "calibrate the noise that far out; choose a delta from 1e-15 up (e.g. 1e-6)"
        )
    if mechanism == "gaussian" and delta is None:
        raise PrivacyError(
            "the gaussian mechanism needs --delta (e.g. --delta 1e-6); "
            "use --mechanism laplace for pure ε-DP"
        )
    if declared:
        return mechanism, epsilon, delta if mechanism == "gaussian" else None, 0.0, 0.0
    select_epsilon = epsilon * SELECTION_SHARE
    cells_epsilon = epsilon - select_epsilon
    if mechanism == "gaussian":
        return mechanism, cells_epsilon, delta / 2, select_epsilon, delta / 2
    return mechanism, cells_epsilon, None, select_epsilon, delta or DEFAULT_SELECTION_DELTA


def release_cube(
    cube: CountCube,
    *,
    epsilon: float,
    delta: float | None = None,
    mechanism: Mechanism | None = None,
    categories: Mapping[str, Iterable[str]] | None = None,
    dataset_name: str | Sequence[str] | None = None,
    store: Any = None,
    privacy_budget: float | None = None,
    seed: int | None = None,
    request: Mapping[str, Any] | None = None,
    fingerprint: Any = None,
    inputs: Sequence[tuple[CountCube, str]] | None = None,
    workload: Workload = "marginals",
    intersections: bool = True,
    noise_ahead: NoiseAhead | None = None,
) -> tuple[CountCube, dict[str, Any]]:
    """Release ``cube``'s finest counts once with (ε, δ)-DP; return the noisy cube and its JSON.

    Parameters
    ----------
    epsilon, delta, mechanism
        The privacy loss of the whole release. ``laplace`` (default) is pure ε-DP;
        ``gaussian`` needs δ. When some attribute's values are not declared, a quarter of ε
        and δ (default δ = 1e-6 for Laplace, half of δ for Gaussian) go to partition
        selection of that attribute's values.
    categories
        The public values of some or all protected attributes (a promise that they are
        public). A declared attribute's rows with other values are not counted, unless
        ``"(other)"`` is declared too.
    dataset_name
        The curator's name for the data set: the budget is charged to it. Rows already
        released under another name are refused (the message names it).
    store, privacy_budget
        A DuckDB ledger (path or :class:`~auditor.store.AuditStore`) and the data set's
        total ε. The noise is drawn in memory; the budget check, the spend and the released
        cells are committed in one serialised transaction before anything is returned.
    seed
        Seeded (reproducible, **not private**) noise for tests; the output says so.
    request
        What was audited (column names, options): stored with the release so that
        :func:`reissue_release` can rebuild it.
    fingerprint
        Ignored (the ledger used to be keyed by the file's SHA-256; it is now keyed by the
        content of the cube, see :func:`~auditor.privacy.content_fingerprint`).
    inputs
        When ``cube`` is the sum of several data sets (merged cube files): each one's exact
        cube and a description (its path, for messages only). One person is one row of one
        input, so the one release of the sum is ε-DP for each input's data set and is
        charged ε to **every** one of them, in one ledger transaction; ``dataset_name`` is
        then one name per input, in order (or none). The release is refused as a whole if
        any input's data set lacks the budget (the message names each such input).
    workload
        ``"marginals"`` (default): the cells' budget is split over the finest table, each
        attribute and each pair, and the measurements are combined by weighted least squares
        into one consistent table (:mod:`~auditor.privacy.workload`); ``"attributes"``: the
        same sets with a split favouring single attributes; ``"finest"``: the finest table
        alone, every breakdown a sum of its noisy cells.
    intersections
        Whether the audit publishes pairs of attributes: only then are pairs measured.
    noise_ahead
        Noise drawn for this release before it was asked for (:func:`~auditor.privacy.
        noise_ahead.draw_ahead`, the dashboard's ε slider): used by this release only, and
        only if it was drawn by the same OpenDP measurements for exactly this plan; else
        discarded, and the noise drawn now. The release is the same either way.

    Examples
    --------
    >>> noisy, privacy = release_cube(cube, epsilon=1.0, categories={"sex": ["F", "M"]})  # doctest: +SKIP
    >>> privacy["neighbours"]                                                              # doctest: +SKIP
    'add/remove one row'
    """
    del fingerprint
    if workload not in WORKLOADS:
        raise PrivacyError(
            f"DP workload {workload!r} is not known: use 'marginals' (measure the finest table, "
            "each attribute and each pair), 'attributes' (the same, favouring single "
            "attributes) or 'finest' (the finest table alone)"
        )
    if categories is not None:
        declared_levels(cube.attributes, categories)  # validate before any spend
    everything_declared = categories is not None and all(
        name in categories for name in cube.attributes
    )
    mech, cells_epsilon, cells_delta, select_epsilon, select_delta = _resolve(
        epsilon=epsilon, delta=delta, mechanism=mechanism, declared=everything_declared
    )
    if privacy_budget is not None and store is None:
        raise PrivacyError(
            "a privacy budget needs a ledger to be kept in: pass --store DB with --privacy-budget"
        )
    if dataset_name is not None and store is None:
        raise PrivacyError(
            "a data-set name is the key of the privacy ledger: pass --store DB with it"
        )
    exact = _finest_cells(cube)
    fractional = _fractional(exact)
    if fractional and not everything_declared:
        raise PrivacyError(
            "estimated (fractional) group counts need declared groups for a DP release: "
            "pass --categories FILE.toml with the values of every protected attribute"
        )
    ledger = None
    content = None
    charges = _charges(inputs, dataset_name) if store is not None else None
    if store is not None:
        from ..store import AuditStore

        ledger = store if isinstance(store, AuditStore) else AuditStore(store)
        # Early refusal (nothing recorded); the authoritative check is in the commit.
        if charges is not None:
            ledger.commit_joint_release(
                charges=charges,
                epsilon=float(epsilon),
                delta=0.0,
                mechanism=mech,
                cells=[],
                total=privacy_budget,
                record=False,
            )
        else:
            content = content_fingerprint(cube)
            ledger.check_release(
                content=content, dataset=dataset_name, epsilon=float(epsilon), total=privacy_budget
            )

    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise PrivacyError(f"seed must be a whole number of 0 or more, not {seed!r}")
    with _opendp_errors():
        spec = noise_spec(mech, epsilon=cells_epsilon, delta=cells_delta, fractional=fractional)
        sampler = SeededSampler(seed) if seed is not None else None
        selection = None
        if everything_declared:
            domain = combined_domain(cube.attributes, categories, selected=())
        else:
            domain, selection = _select_domain(
                exact,
                cube.attributes,
                categories=categories,
                epsilon=select_epsilon,
                delta=select_delta,
                sampler=sampler,
            )
        pooled = _pooled_cells(cube, exact, domain)
        counts = pooled["n"].to_numpy(dtype=float if fractional else np.int64)
        plan = plan_measurements(
            cube.attributes,
            [len(domain.levels[name]) for name in cube.attributes],
            workload=workload,
            spec=spec,
            pairs=intersections,
        )
        noisy = _measure(plan, spec, counts, sampler, noise_ahead)
    released = pooled.assign(n=noisy)
    del pooled, counts, exact

    total_delta = (cells_delta or 0.0) + (select_delta if not everything_declared else 0.0)
    release = Release(
        spec=spec,
        domain=domain,
        epsilon=float(epsilon),
        delta=float(total_delta),
        private=sampler is None,
        selection=selection,
        plan=plan,
    )
    privacy = release.describe()
    release_id = uuid.uuid4().hex
    privacy["release_id"] = release_id
    if ledger is not None:
        # what every ledger record of this release holds, whoever it is charged to
        spend = dict(
            epsilon=float(epsilon),
            delta=float(total_delta),
            mechanism=mech,
            cells=ledger_cells(released),
            details={
                "privacy": privacy,
                "attributes": list(cube.attributes),
                "request": dict(request or {}),
            },
            total=privacy_budget,
            release_id=release_id,
        )
    if ledger is not None and charges is not None:
        _, states = ledger.commit_joint_release(charges=charges, **spend)
        privacy["ledger"] = _joint_ledger_section(release_id, states, inputs=len(charges))
    elif ledger is not None:
        record, state = ledger.commit_release(content=content, dataset=dataset_name, **spend)
        privacy["ledger"] = _ledger_section(record.dataset, release_id, state)
    else:
        privacy["ledger"] = None
    noisy_cube = _noisy_cube(cube, released, release)
    # every release of this domain has the same cells in the same order (only their counts
    # differ): which cells each group sums is worked out once, kept with the exact cube
    noisy_cube.share_group_layouts(cube.kept(("dp_layouts", _domain_key(domain)), dict))
    return noisy_cube, privacy


def _measure(
    plan: MeasurementPlan,
    spec: NoiseSpec,
    counts: np.ndarray,
    sampler: SeededSampler | None,
    ahead: NoiseAhead | None = None,
) -> np.ndarray:
    """The released finest table: one measurement of it as it is, several combined by
    weighted least squares into the consistent finest table.

    ``ahead``: noise drawn for this plan before the release (:mod:`.noise_ahead`); it is
    taken (used by this release only) when it was drawn for exactly this plan, else discarded
    and the noise is drawn now. Seeded (test) releases never take it.
    """
    noisy = None
    if ahead is not None:
        drawn = ahead.take(plan, spec) if sampler is None else ahead.discard()
        if drawn is not None:
            noisy = add_drawn_noise(plan, spec, counts, drawn)
    if noisy is None:
        noisy = draw_release(plan, spec, counts, sampler)
    return combine_measurements(plan, noisy)


def combine_measurements(plan: MeasurementPlan, noisy: Sequence[np.ndarray]) -> np.ndarray:
    """The released finest table from the noisy measurements of ``plan``: the one
    measurement of it as it is, several combined by weighted least squares."""
    return noisy[0] if len(plan.measurements) == 1 else plan.estimate(noisy)


def draw_release(
    plan: MeasurementPlan,
    spec: NoiseSpec,
    counts: np.ndarray,
    sampler: SeededSampler | None = None,
    *,
    threads: int | None = None,
) -> list[np.ndarray]:
    """Every noisy measurement of one release of the finest ``counts``: the finest table
    alone through ``spec``'s own OpenDP measurement, or each set of the workload
    (:func:`draw_measurements`). ``threads``: at most this many threads draw."""
    if len(plan.measurements) == 1:
        if sampler is None:
            return [opendp_noise(spec, counts, threads=threads)]
        return [counts + sampler.noise(spec, len(counts))]
    return draw_measurements(plan, spec, counts, sampler, threads=threads)


def exact_measurements(plan: MeasurementPlan, counts: np.ndarray) -> list[np.ndarray]:
    """The exact count vector of each measurement of ``plan``, as :func:`draw_release` hands
    them to OpenDP (whole numbers as ``int64``; fractional counts as they are)."""
    if len(plan.measurements) == 1:
        return [np.asarray(counts)]
    fractional = not np.issubdtype(np.asarray(counts).dtype, np.integer)
    return [m if fractional else np.rint(m).astype(np.int64) for m in plan.measure(counts)]


_I32 = np.iinfo(np.int32)


def add_drawn_noise(
    plan: MeasurementPlan, spec: NoiseSpec, counts: np.ndarray, drawn: Sequence[np.ndarray]
) -> list[np.ndarray] | None:
    """Each measurement's exact counts plus its noise drawn ahead — what OpenDP's integer
    measurement outputs for them with that noise (its output is the count plus the noise,
    saturated to ``i32``); ``None`` when it cannot be the same (fractional counts, whose
    float mechanism rounds the noisy count; counts OpenDP's ``i32`` domain refuses)."""
    if spec.fractional:
        return None
    exact = exact_measurements(plan, counts)
    if any(
        values.dtype == object
        or not np.issubdtype(values.dtype, np.integer)
        or (values.size and (values.min() < _I32.min or values.max() > _I32.max))
        for values in exact
    ):
        return None
    if [len(values) for values in exact] != [len(noise) for noise in drawn]:
        return None
    return [
        np.clip(values.astype(np.int64) + noise, _I32.min, _I32.max)
        for values, noise in zip(exact, drawn, strict=True)
    ]


def draw_measurements(
    plan: MeasurementPlan,
    spec: NoiseSpec,
    counts: np.ndarray,
    sampler: SeededSampler | None = None,
    *,
    threads: int | None = None,
) -> list[np.ndarray]:
    """Every measurement of ``plan`` on the finest ``counts``, through OpenDP (or the seeded
    test sampler).

    The budget is checked as composed: the measurements' own ε (Laplace) add up to at most
    the cells' ε; their ρ (Gaussian) add up to at most the ρ whose (ε, δ) conversion is the
    cells' (ε, δ). Each measurement's own OpenDP privacy map is checked again when it draws.
    """
    spent = sum(m.budget for m in plan.measurements)
    allowed = (
        spec.epsilon
        if spec.mechanism == "laplace"
        else gaussian_rho(spec.scale, fractional=spec.fractional)
    )
    if spent > allowed * (1 + 1e-9):
        raise PrivacyError(
            f"internal error: the measurements would spend {spent}, more than {allowed}"
        )
    noisy = []
    for measurement, exact in zip(plan.measurements, plan.measure(counts), strict=True):
        exact = exact if spec.fractional else np.rint(exact).astype(np.int64)
        if sampler is not None:
            noisy.append(exact + sampler.noise(measurement.spec, len(exact)))
        elif spec.mechanism == "laplace":
            noisy.append(opendp_noise(measurement.spec, exact, threads=threads))
        else:
            noisy.append(
                opendp_zcdp_noise(measurement.spec, exact, rho=measurement.budget, threads=threads)
            )
    return noisy


def ledger_cells(released: pd.DataFrame) -> list[dict[str, Any]]:
    """The released cells as the ledger stores them: ``released.to_dict(orient="records")``
    (the same Python values), built column by column (pandas' row-wise conversion took
    ~90 ms for 12,000 cells)."""
    names = list(released.columns)
    columns = [released[name].tolist() for name in names]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def _ledger_section(dataset: str, release_id: str, state: Any) -> dict[str, Any]:
    """The ledger facts a DP output may carry: the declared name and the budget's arithmetic."""
    return {
        "dataset": dataset,
        "release_id": release_id,
        "total_epsilon": state.total,
        "spent_epsilon": state.spent_epsilon,
        "remaining_epsilon": state.remaining,
        "spent_delta": state.spent_delta,
        "releases": state.releases,
        "keyed_by": (
            "the data-set name, and an HMAC of the rows' content kept only in the store; "
            "no fingerprint of the data is published"
        ),
    }


def _charges(
    inputs: Sequence[tuple[CountCube, str]] | None, dataset_name: str | Sequence[str] | None
) -> list[tuple[str, str | None, str]] | None:
    """(content fingerprint, declared name, description) per input of a merged release;
    ``None`` for a release of one data set."""
    if inputs is None or len(inputs) < 2:
        if dataset_name is not None and not isinstance(dataset_name, str):
            raise PrivacyError(
                f"{len(list(dataset_name))} data-set names for one data set: pass one name"
            )
        return None
    if dataset_name is None:
        names: list[str | None] = [None] * len(inputs)
    elif isinstance(dataset_name, str) or len(dataset_name) != len(inputs):
        given = 1 if isinstance(dataset_name, str) else len(dataset_name)
        raise PrivacyError(
            f"a merged release is charged to the data set of each of its {len(inputs)} inputs: "
            f"pass {len(inputs)} data-set names in the order of the inputs "
            f"(--dataset-name A --dataset-name B …), not {given}, or none to let the ledger "
            "recognise each input by its content"
        )
    else:
        names = list(dataset_name)
    return [
        (content_fingerprint(part), name, f"'{description}'")
        for (part, description), name in zip(inputs, names, strict=True)
    ]


def _joint_ledger_section(release_id: str, states: Sequence[Any], *, inputs: int) -> dict:
    """The ledger facts of a release charged to several data sets, one entry per data set."""
    return {
        "dataset": " + ".join(state.dataset for state in states),
        "release_id": release_id,
        "charged_to": [
            {
                "dataset": state.dataset,
                "total_epsilon": state.total,
                "spent_epsilon": state.spent_epsilon,
                "remaining_epsilon": state.remaining,
                "spent_delta": state.spent_delta,
                "releases": state.releases,
            }
            for state in states
        ],
        "accounting": (
            f"one release of the sum of {inputs} inputs, each person one row of one input: "
            "ε-DP for each input's data set, so ε is charged to every one of them"
        ),
        "keyed_by": (
            "the data-set names, and an HMAC of each input's content kept only in the store; "
            "no fingerprint of the data is published"
        ),
    }


def _fractional(cells: pd.DataFrame) -> bool:
    """Whether the cube has fractional (soft) counts, e.g. from estimated group membership
    (BISG). They are released with OpenDP's float mechanisms: one person's probabilities sum
    to 1, so the L1 sensitivity is still 1 (see :func:`~auditor.privacy.mechanisms.noise_spec`)."""
    values = cells["n"].to_numpy()
    return not np.issubdtype(values.dtype, np.integer) and not np.all(values == np.round(values))


def _noisy_cube(cube: CountCube, released: pd.DataFrame, release: Release) -> CountCube:
    noisy_total = round(float(released["n"].sum()))
    return dataclasses.replace(
        cube.with_cells(released, release=release),
        rows=noisy_total,
        rows_excluded=0,
        exclusions={},
        has_score=False,
        score_column=None,
    )


def reissue_release(store: Any, release_id: str) -> tuple[CountCube, dict[str, Any], dict]:
    """Rebuild a recorded release from the store: the same noisy counts, **no new spend**.

    For an output lost after its spend was recorded. Returns the noisy cube, the ``privacy``
    section (with the ledger's current state and ``"reissued": true``) and the request that
    was stored with the release (column names and options).
    """
    from ..store import AuditStore

    ledger = store if isinstance(store, AuditStore) else AuditStore(store)
    record = ledger.release(release_id)
    details = record.details
    saved = dict(details.get("privacy") or {})
    attributes = tuple(details.get("attributes") or ())
    if not saved or not attributes:
        raise PrivacyError(
            f"release {release_id!r} was recorded without the details needed to re-issue it"
        )
    domain_doc = saved["group_domain"]
    domain = GroupDomain(
        levels={name: tuple(domain_doc["levels"][name]) for name in attributes},
        source=domain_doc.get("source", "declared"),
        declared=tuple(domain_doc.get("declared_attributes") or ()),
    )
    spec = noise_spec(
        saved["mechanism"], epsilon=saved["cells_epsilon"], delta=saved.get("cells_delta")
    )
    release = Release(
        spec=spec,
        domain=domain,
        epsilon=float(saved["epsilon"]),
        delta=float(saved["delta"]),
        private=bool(saved.get("private", True)),
        selection=saved.get("partition_selection"),
    )
    plan = None
    if saved.get("measurements"):
        plan = plan_from_description(
            saved,
            attributes,
            [len(domain.levels[name]) for name in attributes],
            spec=spec,
        )
    release = dataclasses.replace(release, plan=plan)
    released = pd.DataFrame(record.cells, columns=[*attributes, "y", "yhat", "n"])
    for name in attributes:
        released[name] = released[name].astype(str)
    released[["y", "yhat"]] = released[["y", "yhat"]].astype("int64")
    combined = plan is not None and len(plan.measurements) > 1
    released["n"] = released["n"].astype("float64" if combined else "int64")
    base = CountCube(
        attributes=attributes,
        cells=released,
        rows=int(released["n"].sum()),
        rows_excluded=0,
        exclusions={},
    )
    privacy = release.describe()
    privacy["release_id"] = record.id
    privacy["reissued"] = True
    privacy["ledger"] = _ledger_section(record.dataset, record.id, ledger.budget(record.dataset))
    return _noisy_cube(base, released, release), privacy, dict(details.get("request") or {})


def mark_not_estimable(breakdown: Any) -> Any:
    """DP post-processing of a breakdown (or one group): flag and discount noise-swamped values.

    A group with a rate interval too wide to say anything gets the ``not_estimable`` flag
    (which metrics: :func:`~auditor.privacy.not_estimable_metrics`). A breakdown's summary
    (max − min, min / max over groups) is recomputed without the values that are not
    estimable: otherwise a group made of pure noise (a declared value with no rows, an empty
    ``(other)``) would decide the summary — and the policy verdicts built on it — by chance.
    """
    from ..metrics import _summary  # the same summary definitions as exact mode

    if not hasattr(breakdown, "groups"):
        return _flag_not_estimable(breakdown, _not_estimable(breakdown))
    groups, estimable, sufficient = [], [], []
    for group in breakdown.groups:
        hidden = _not_estimable(group)
        marked = _flag_not_estimable(group, hidden)
        groups.append(marked)
        # what the summary reads of the group: its metrics without the hidden ones
        shown = (
            _SummaryView({m: (None if m in hidden else v) for m, v in group.metrics.items()})
            if hidden
            else marked
        )
        estimable.append(shown)
        if "insufficient_data" not in marked.flags and "empty" not in marked.flags:
            sufficient.append(shown)
    return dataclasses.replace(
        breakdown,
        groups=tuple(groups),
        summary=_summary(estimable),
        summary_sufficient_data=_summary(sufficient),
    )


@dataclasses.dataclass(frozen=True)
class _SummaryView:
    """A group as the breakdown summary reads it: its metrics, not-estimable ones hidden."""

    metrics: Mapping[str, float | None]


def _not_estimable(group: Any) -> set[str]:
    return set(not_estimable_metrics(group.metrics, group.intervals))


def _flag_not_estimable(group: Any, hidden: set[str]) -> Any:
    if not hidden or "not_estimable" in group.flags:
        return group
    return dataclasses.replace(group, flags=(*group.flags, "not_estimable"))
