"""Session state shared by the dashboard's pages: the loaded audit, its views, the workspace.

Only Streamlit plumbing lives here; every number comes from :mod:`auditor`. Each browser
session has its own :class:`dashboard.workspace.Workspace` (temporary folder + DuckDB connection)
in ``st.session_state``; only the bundled samples are cached across sessions.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import streamlit as st

import auditor
from auditor.narrative import VOCABULARIES, Vocabulary
from auditor.samples import SAMPLE_DIR, SAMPLES, get_sample
from dashboard.janitor import WorkspaceJanitor
from dashboard.plaintext import md
from dashboard.policy_text import policy_from_text
from dashboard.workspace import Workspace

AUDIT = "audit"
DATASET = "dataset"
REFERENCES = "references"
POLICY_TEXT = "policy_text"
VIEWS = "views"
THRESHOLD_VIEW = "threshold_view"
WORKSPACE = "workspace"
SEEN_DATASETS = "seen_datasets"

DEFAULT_POLICY_PATH = SAMPLE_DIR / "policy.toml"
ENTERED_VIA_APP = "entered_via_app"
RESUME_PAGE = "resume_page"


def mark_entrypoint() -> None:
    """Called by ``app.py`` before it runs a page: navigation and state are set up."""
    st.session_state[ENTERED_VIA_APP] = True


def require_entrypoint(page_file: str) -> None:
    """Hand over to ``app.py`` if a page runs without it.

    On a fresh server Streamlit serves a deep link into ``pages/`` the legacy way (the page
    file alone) until some session has run ``st.navigation``; ``app.py`` sets that up, loads
    the sample and draws the sidebar, so a page opened that way switches to it first.
    """
    if not st.session_state.get(ENTERED_VIA_APP):
        st.session_state[RESUME_PAGE] = f"pages/{Path(page_file).name}"
        st.switch_page("app.py")


def resume_deep_link() -> None:
    """In ``app.py``: go on to the page a deep link asked for before navigation existed."""
    target = st.session_state.pop(RESUME_PAGE, None)
    if target is not None:
        st.switch_page(target)


def default_policy_text() -> str:
    """The bundled policy (four-fifths rule and equalized odds) as TOML text."""
    if DEFAULT_POLICY_PATH.exists():
        return DEFAULT_POLICY_PATH.read_text(encoding="utf-8")
    return (
        'name = "Four-fifths rule"\n\n[[checks]]\nmetric = "selection_rate"\n'
        'rule = "ratio_at_least"\nbound = 0.8\n'
    )


def workspace() -> Workspace:
    """This session's private folder and DuckDB connection (created on first use).

    The janitor deletes it once the browser session has ended (see :mod:`dashboard.janitor`).
    """
    if WORKSPACE not in st.session_state or st.session_state[WORKSPACE].closed:
        st.session_state[WORKSPACE] = Workspace()
        session_id = _session_id()
        if session_id is not None:
            _janitor().register(session_id, st.session_state[WORKSPACE])
    return st.session_state[WORKSPACE]


def _session_id() -> str | None:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx()
    return None if context is None else context.session_id


def _session_is_alive(session_id: str) -> bool:
    """Whether the server still has the browser session (a missing runtime: assume so)."""
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return True
    return Runtime.instance().is_active_session(session_id)


@st.cache_resource(show_spinner=False)
def _janitor() -> WorkspaceJanitor:
    """One per server process: deletes ended sessions' uploads within a bounded time."""
    grace = float(
        os.environ.get("AUDITOR_UPLOAD_GRACE_SECONDS")
        or st.get_option("server.disconnectedSessionTTL")
    )
    janitor = WorkspaceJanitor(
        is_alive=_session_is_alive,
        grace_seconds=grace,
        interval_seconds=min(30.0, max(0.5, grace / 4)),
    )
    janitor.start()
    return janitor


@st.cache_data(show_spinner="Auditing the bundled sample…", max_entries=4)
def _sample_audit(name: str) -> auditor.AuditResult:
    # Safe to share: bundled files only; st.cache_data hands each session its own copy.
    return get_sample(name).audit()


def set_audit(
    result: auditor.AuditResult,
    *,
    name: str,
    vocabulary: str = "generic",
    sample: str | None = None,
) -> None:
    """Make ``result`` the session's audit; references and cached views start afresh."""
    st.session_state[AUDIT] = result
    st.session_state[DATASET] = {"name": name, "vocabulary": vocabulary, "sample": sample}
    # Every attribute gets an explicit reference (the requested one, else its largest group), so
    # the intersections' reference cell follows them (e.g. Caucasian × Male).
    st.session_state[REFERENCES] = {
        **{b.by[0]: str(b.reference[b.by[0]]) for b in result.breakdowns if len(b.by) == 1},
        **dict(result.options.get("reference") or {}),
    }
    st.session_state[VIEWS] = {}
    st.session_state.pop(THRESHOLD_VIEW, None)
    st.session_state.pop(CHARTS, None)
    st.session_state.pop("private_result", None)
    st.session_state.pop("dp_cost_table", None)
    ahead = st.session_state.pop(NOISE_AHEAD, None)
    if ahead is not None:
        ahead[1].discard()
    seen = st.session_state.setdefault(SEEN_DATASETS, [])
    if result.dataset.sha256 and result.dataset.sha256 not in seen:
        seen.append(result.dataset.sha256)
    for key in [k for k in st.session_state if str(k).startswith("reference_")]:
        del st.session_state[key]
    st.session_state.setdefault(POLICY_TEXT, default_policy_text())
    draw_status()
    settle_heap()


def settle_heap() -> None:
    """Keep what lives as long as the loaded audit out of later full garbage collections
    (:mod:`dashboard.heap`); called when an audit is loaded. The charts' libraries are
    imported first (every audit page draws with them): their ~80,000 objects are frozen too."""
    from auditor import charts  # noqa: F401 - imported for its objects, see above
    from dashboard import heap, unchecked_charts  # noqa: F401

    heap.settle()


def load_sample(name: str) -> None:
    """Load a bundled sample into this session."""
    sample = get_sample(name)
    set_audit(_sample_audit(name), name=sample.title, vocabulary=sample.vocabulary, sample=name)


def load_sample_from_environment() -> None:
    """``auditor serve --sample NAME`` sets ``AUDITOR_SAMPLE``: load it once per session."""
    name = os.environ.get("AUDITOR_SAMPLE")
    if not name or st.session_state.get("_env_sample_loaded"):
        return
    st.session_state["_env_sample_loaded"] = True
    if AUDIT not in st.session_state and name in SAMPLES:
        load_sample(name)


def base_audit() -> auditor.AuditResult | None:
    return st.session_state.get(AUDIT)


def require_audit() -> auditor.AuditResult:
    """The loaded audit, or a pointer to the Home and Upload pages (and stop the page)."""
    result = base_audit()
    if result is None:
        st.info("No data is loaded yet. Load a bundled sample on the Home page, or upload a file.")
        st.page_link("pages/home.py", label="Home: load a sample", icon=":material/home:")
        st.page_link("pages/upload.py", label="Upload & map a file", icon=":material/upload:")
        st.stop()
    return result


def dataset() -> dict[str, Any]:
    return st.session_state.get(DATASET, {"name": "data", "vocabulary": "generic", "sample": None})


def vocabulary() -> Vocabulary:
    """The loaded audit's words (named at mapping time, or the sample's)."""
    result = base_audit()
    if result is not None and result.vocabulary != Vocabulary():
        return result.vocabulary
    return VOCABULARIES.get(dataset().get("vocabulary", "generic"), VOCABULARIES["generic"])


def references() -> dict[str, str]:
    return dict(st.session_state.get(REFERENCES, {}))


def set_reference(attribute: str, value: str) -> None:
    chosen = references()
    chosen[attribute] = value
    st.session_state[REFERENCES] = chosen


def policy_text() -> str:
    return st.session_state.get(POLICY_TEXT) or default_policy_text()


POLICY_ERROR = "_policy_error"


def apply_edited_policy(editor_key: str) -> None:
    """Button callback: make the editor's text the session's policy if it parses, else keep
    the error for the page to show (:func:`policy_error`). As a callback it runs before the
    page, so the page is drawn once, with the new verdicts (not once more after a rerun)."""
    text = st.session_state.get(editor_key, "")
    try:
        policy_from_text(text)
    except auditor.AuditorError as error:
        st.session_state[POLICY_ERROR] = str(error)
    else:
        st.session_state.pop(POLICY_ERROR, None)
        st.session_state[POLICY_TEXT] = text


def policy_error() -> str | None:
    """The error of the last policy the user tried to apply (shown once)."""
    return st.session_state.pop(POLICY_ERROR, None)


def policy() -> auditor.Policy:
    """The session's output specification (the default if the edited one does not parse)."""
    try:
        return policy_from_text(policy_text())
    except auditor.AuditorError:
        return policy_from_text(default_policy_text(), source=str(DEFAULT_POLICY_PATH))


def current() -> tuple[auditor.AuditResult, dict[str, Any]]:
    """The audit with the chosen references and policy, and its JSON document.

    Recomputed from the cached count cube (``auditor.reaudit``), never from the data; memoised
    per session by (references, policy). Each new view is derived from the previous one of the
    same audit, so that ``reaudit`` recomputes only the breakdowns whose reference changed (a
    policy edit recomputes none) — from the loaded audit, every explicit reference would
    differ from its default request and all breakdowns would be recomputed on every click.
    The document likewise reuses the JSON of the breakdowns that did not change.
    """
    result = require_audit()
    key = (tuple(sorted(references().items())), policy_text())
    views = st.session_state.setdefault(VIEWS, {})
    if key not in views:
        previous, previous_document = next(iter(views.values()), (None, None))
        derived = previous is not None and previous.cube is result.cube
        source = previous if derived else result
        view = auditor.reaudit(source, reference=references(), policy=policy())
        # breakdowns the change did not touch keep their JSON from the previous document
        document = view.to_dict(reuse=(previous, previous_document) if derived else None)
        views.clear()  # keep one view: memory stays bounded per session
        views[key] = (view, document)
    return views[key]


def threshold_view(threshold: float, attribute: str) -> auditor.AuditResult:
    """The audit at a moved score threshold, with the chosen references and policy, and
    intervals and significance tests for the groups of ``attribute`` (what the Scores page
    shows; the other breakdowns carry what the verdicts read) —
    memoised per session (one view) by (threshold, attribute, references, policy), so that a
    rerun of the Scores page that changes none of them (coming back to the page, another
    chart) does not evaluate every breakdown again."""
    from dashboard.views import threshold_view as evaluate_at

    result = require_audit()
    key = (
        id(result.cube),
        float(threshold),
        attribute,
        tuple(sorted(references().items())),
        policy_text(),
    )
    cached = st.session_state.get(THRESHOLD_VIEW)
    if cached is None or cached[0] != key:
        view = evaluate_at(
            result, threshold, reference=references(), policy=policy(), shown=(attribute,)
        )
        st.session_state[THRESHOLD_VIEW] = cached = [key, view, result, None]
    return cached[1]


def threshold_document(threshold: float, attribute: str) -> tuple[auditor.AuditResult, dict]:
    """:func:`threshold_view` and the parts of its JSON the Scores page shows for
    ``attribute`` (:func:`dashboard.scores.page_document`), written once per view (coming
    back to the page does not serialise the groups again)."""
    from dashboard.scores import page_document

    view = threshold_view(threshold, attribute)
    cached = st.session_state[THRESHOLD_VIEW]
    if cached[3] is None:
        cached[3] = page_document(view, attribute)
    return view, cached[3]


CHARTS = "_charts"


def page_chart(slot: str, build, *args, layout: str = "rows", height: int | None = None, **kwargs):
    """``charts.sized_for_page(build(*args, **kwargs))`` for a page, kept in the session until
    one of the arguments changes (see :mod:`dashboard.chart_memo`): a rerun that changes no
    chart (a policy edit, coming back to the page) does not build its charts again."""
    from dashboard.chart_memo import memoised_chart

    store = st.session_state.setdefault(CHARTS, {})
    return memoised_chart(store, slot, _sized_chart, build, layout, height, *args, **kwargs)


def _sized_chart(build, layout: str, height: int | None, *args, **kwargs):
    from auditor import charts
    from dashboard.unchecked_charts import built_unchecked

    sizes = {} if height is None else {"height": height}
    return built_unchecked(
        lambda: charts.sized_for_page(build(*args, **kwargs), layout=layout, **sizes)
    )


def module_available(name: str, *attributes: str) -> bool:
    """Whether an optional part of the auditor (built by others) is installed with these names."""
    try:
        if importlib.util.find_spec(name) is None:
            return False
        module = importlib.import_module(name)
    except Exception:  # noqa: BLE001 - a half-written module counts as not available
        return False
    return all(hasattr(module, attribute) for attribute in attributes)


STATUS_SLOT = "_status_slot"


def set_status_slot(slot: Any) -> None:
    """``app.py``: the sidebar placeholder that shows which data is loaded (one per run)."""
    st.session_state[STATUS_SLOT] = slot


def draw_status() -> None:
    """Show the loaded data set (or that none is) in the sidebar placeholder."""
    slot = st.session_state.get(STATUS_SLOT)
    if slot is None:
        return
    result = base_audit()
    slot.caption("No data loaded." if result is None else dataset_caption(result))


def dataset_caption(result: auditor.AuditResult) -> str:
    info = dataset()
    mode = "differentially private" if result.is_private else "exact counts"
    estimated = getattr(result, "estimated", None) or {}
    protected = [f"{a} (estimated)" if a in estimated else a for a in result.mapping.protected]
    return (
        f"**{md(info['name'])}** · {result.dataset.rows_used:,} rows audited · "
        f"protected: {md(', '.join(protected))} · {mode}"
    )


def repo_path(*parts: str) -> Path:
    return Path(__file__).resolve().parent.parent.joinpath(*parts)


PRIVATE = "private_result"


def store_path() -> Path:
    """The dashboard's store (history and privacy ledger), shared by all sessions."""
    from dashboard.workspace import default_store_path

    return default_store_path()


def release(
    *,
    epsilon: float,
    delta: float | None,
    mechanism: str,
    privacy_budget: float | None,
    categories: dict[str, list[str]] | None = None,
    dataset_name: str | None = None,
    workload: str = "marginals",
) -> auditor.AuditResult:
    """Release the session's exact audit with DP (spends ε in the ledger) and record it."""
    from auditor.store import AuditStore
    from dashboard.views import private_view

    result = require_audit()
    # the noise drawn while ε was chosen: handed to this release, never to another one
    ahead = st.session_state.pop(NOISE_AHEAD, None)
    with AuditStore(store_path()) as store:
        released = private_view(
            result,
            epsilon=epsilon,
            delta=delta,
            mechanism=mechanism,
            store=store,
            privacy_budget=privacy_budget,
            reference=references(),
            policy=policy(),
            categories=categories,
            dataset_name=dataset_name,
            workload=workload,
            noise_ahead=None if ahead is None else ahead[1],
        )
    # The spend is committed (private_view's ledger transaction). The release's record in the
    # store's own history, filed under the session's file (not in the document), is written
    # by a background thread: its JSON is ~2.4 MB for 765 groups, 250–500 ms to store, and
    # nothing on this page needs it (the History page waits for it: wait_for_history).
    # The same document is what the pages read (written once per release).
    document = released.to_dict()
    pending = _history_writer().submit(
        _record_release, store_path(), document, result.dataset.sha256
    )
    st.session_state.setdefault(HISTORY_WRITES, []).append(pending)
    st.session_state[PRIVATE] = (result.dataset.sha256, released)
    st.session_state[PRIVATE_DOCUMENT] = (released, document)
    return released


HISTORY_WRITES = "_history_writes"


def _history_writer() -> ThreadPoolExecutor:
    """One thread per server process writes release records, in order (a forked process
    makes its own). Its pending writes finish before the process exits (the thread is joined
    at exit)."""
    from auditor.thread_pools import process_pool

    return process_pool("release-history")


def _record_release(path: Path, document: dict[str, Any], sha256: str | None) -> str:
    from auditor.store import AuditStore

    with AuditStore(path) as store:
        return store.record_audit(document, sha256=sha256, kind="release")


def wait_for_history() -> list[str]:
    """Wait for this session's release records being written in the background; the errors
    of those that could not be written (the releases themselves stand: their spend and
    noisy counts are in the ledger)."""
    errors = []
    for pending in st.session_state.pop(HISTORY_WRITES, []):
        try:
            pending.result()
        except Exception as error:  # noqa: BLE001 - reported on the History page
            errors.append(str(error))
    return errors


NOISE_AHEAD = "_noise_ahead"


def draw_noise_ahead(
    *,
    epsilon: float,
    delta: float | None,
    mechanism: str,
    categories: dict[str, list[str]] | None,
    workload: str,
) -> None:
    """Start drawing the noise of the release the Privacy page would make now, in the
    background (:func:`auditor.privacy.noise_ahead.draw_ahead`), so that the click on
    "Release" does not wait for OpenDP's draws. A new draw only when the choices changed or
    the last one was used; the one drawn for earlier choices is discarded. Spends nothing."""
    from auditor.privacy.noise_ahead import draw_ahead

    result = base_audit()
    if result is None or result.is_private:
        return
    key = (
        id(result.cube),
        float(epsilon),
        delta,
        mechanism,
        None if categories is None else tuple((k, tuple(v)) for k, v in categories.items()),
        workload,
    )
    current = st.session_state.get(NOISE_AHEAD)
    if current is not None and current[0] == key and not current[1].used:
        return
    if current is not None:
        current[1].discard()
    ahead = draw_ahead(
        result.cube,
        epsilon=epsilon,
        delta=delta,
        mechanism=mechanism,
        categories=categories,
        workload=workload,
        intersections=bool(result.options.get("intersections", True)),
    )
    if ahead is None:
        st.session_state.pop(NOISE_AHEAD, None)
    else:
        st.session_state[NOISE_AHEAD] = (key, ahead)


def private_result() -> auditor.AuditResult | None:
    stored = st.session_state.get(PRIVATE)
    base = base_audit()
    if not stored or base is None or stored[0] != base.dataset.sha256:
        return None
    return stored[1]


PRIVATE_DOCUMENT = "_private_document"


def private_document() -> dict[str, Any] | None:
    """The private release's audit JSON, written once per release: the Privacy and Report
    pages read it on every rerun (~70 ms to write for 765 groups). Treat it as read-only."""
    private = private_result()
    if private is None:
        return None
    cached = st.session_state.get(PRIVATE_DOCUMENT)
    if cached is None or cached[0] is not private:
        cached = st.session_state[PRIVATE_DOCUMENT] = (private, private.to_dict())
    return cached[1]


def seen_datasets() -> list[str]:
    return list(st.session_state.get(SEEN_DATASETS, []))


def record(document: dict[str, Any]) -> str:
    """Save an audit document in the store; returns its id."""
    from auditor.store import AuditStore

    with AuditStore(store_path()) as store:
        return store.record_audit(document)


def download_stem(*, private_epsilon: float | None = None) -> str:
    """A file name stem for downloads, e.g. 'audit-compas' or 'audit-compas-private-eps1'."""
    from dashboard.export import download_stem as stem

    info = dataset()
    return stem(
        info.get("sample") or str(info.get("name", "data")), private_epsilon=private_epsilon
    )


@st.cache_data(show_spinner=False, max_entries=2)
def _adult_study(_progress=None) -> dict[str, Any]:
    # Safe to share: bundled training data only. (_progress is not part of the cache key.)
    from auditor.baselines import run_study

    sample = SAMPLES["adult"]
    return run_study(
        sample.raw_path,
        target=sample.raw_target,
        protected=sample.raw_protected,
        positive_label=sample.positive_label,
        seed=0,
        progress=_progress,
        source_name=sample.raw_path.name,
    ).to_dict()


def baseline_document() -> dict[str, Any] | None:
    return st.session_state.get("baseline_document")


def run_baseline(*, progress=None) -> dict[str, Any]:
    """The Adult input-restriction study (cached across sessions once computed)."""
    if progress is not None:
        progress(0.0, "Training four models on the Adult data (about ten seconds)…")
    document = _adult_study(progress)
    if progress is not None:
        progress(1.0, "Done")
    st.session_state["baseline_document"] = document
    return document
