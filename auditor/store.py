"""A persistent DuckDB file: audit history and the privacy-budget ledger.

The budget belongs to the **data set**, not to a report nor to the file's encoding:

- every differentially private release is recorded against a data set *name* (declared by the
  curator, or chosen by the store the first time unnamed content is released);
- the content released is recognised by a canonical fingerprint of the rows' audited content
  (:func:`auditor.privacy.content_fingerprint`: the same rows as CSV, gzip or Parquet, in any
  row or column order, with any surrounding whitespace, give the same fingerprint). The store
  keeps only ``HMAC-SHA256(store secret, fingerprint)``, with a random secret created in the
  store itself, so nothing that leaves the store can be tested against a guessed data set;
- content already known under one name cannot be released under another (refused with a
  message that names the data set it belongs to);
- a release that would take the spent ε past the data set's total is refused
  (:class:`~auditor.errors.BudgetExceededError`).

What the ledger cannot stop: a *different* data set — e.g. a copy with one row added, removed
or altered, or the same rows audited with other columns — has other content and so another
fingerprint; unless the curator releases it under the same name, it gets its own budget.
The ledger protects against accidents and re-exports, not against a curator who sets out
to overspend.

Crash and concurrency safety:

- a release is recorded in **one transaction** that checks the budget, inserts the spend and
  stores the released noisy cells (:meth:`AuditStore.commit_release`); the caller draws the
  noise in memory first and publishes it only after the commit, so an interrupted audit never
  records a spend it did not make, nor makes a release it did not record;
- every write is **serialised** across threads (a lock per store file in this process) and
  across processes (an advisory ``flock`` on ``<store>.lock``): DuckDB's optimistic
  transactions do not conflict on two inserts of different releases, so without the lock two
  sessions of one dashboard could both pass the budget check;
- DuckDB lets one process at a time open a file for writing, so every operation opens a
  short-lived connection and closes it; a lock held by another process is retried with
  exponential backoff for up to ``timeout`` seconds;
- ids are chosen before the first attempt and inserted with ``ON CONFLICT DO NOTHING``, so a
  retried operation never writes a record twice.

A release whose output was lost can be re-issued from the store (:meth:`AuditStore.release`
returns its noisy cells; :func:`auditor.reissue` rebuilds the audit) without a new spend.

Example
-------
>>> from auditor.store import AuditStore
>>> with AuditStore("/tmp/audits.duckdb") as store:          # doctest: +SKIP
...     audit_id = store.record_audit(result.to_dict())
...     store.budget("compas-2016").remaining
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import hmac
import json
import os
import random
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, TypeVar

import duckdb

from .engine import connect
from .errors import AuditorError, BudgetExceededError, InputError, PrivacyError

__all__ = [
    "AuditStore",
    "AuditSummary",
    "BudgetState",
    "LedgerEntry",
    "LedgerOverview",
    "ReleaseRecord",
    "StoreLockedError",
    "checked_dataset_name",
]

T = TypeVar("T")

DEFAULT_TIMEOUT = 30.0
_TOLERANCE = 1e-9

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS audits (
        id VARCHAR PRIMARY KEY, created_at VARCHAR NOT NULL, source VARCHAR,
        sha256 VARCHAR, mode VARCHAR NOT NULL, passed BOOLEAN, document VARCHAR NOT NULL)""",
    # Added later: when an entry was saved, and whether a user saved it or a release recorded it.
    "ALTER TABLE audits ADD COLUMN IF NOT EXISTS saved_at VARCHAR",
    "ALTER TABLE audits ADD COLUMN IF NOT EXISTS kind VARCHAR DEFAULT 'saved'",
    """CREATE TABLE IF NOT EXISTS ledger_secret (
        id INTEGER PRIMARY KEY, secret VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS ledger_datasets (
        name VARCHAR PRIMARY KEY, total_epsilon DOUBLE NOT NULL, created_at VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS ledger_contents (
        content_hmac VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, created_at VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS ledger_releases (
        id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, content_hmac VARCHAR NOT NULL,
        created_at VARCHAR NOT NULL, mechanism VARCHAR NOT NULL, epsilon DOUBLE NOT NULL,
        delta DOUBLE NOT NULL, cells VARCHAR NOT NULL, details VARCHAR NOT NULL)""",
)
_MAX_NAME = 200
_LEGACY_RELEASES = "releases"
"""The table an earlier version kept releases in, keyed by the file's SHA-256."""

_PROCESS_LOCKS: dict[str, threading.Lock] = {}
_PROCESS_LOCKS_GUARD = threading.Lock()
_READY: set[str] = set()
"""Store files whose tables this process has created (or found)."""


class StoreLockedError(AuditorError):
    """Another process held the store's file lock for longer than the timeout."""


@dataclass(frozen=True)
class AuditSummary:
    """One audit in the history (the full document is :meth:`AuditStore.load_audit`)."""

    id: str
    created_at: str
    source: str | None
    sha256: str | None
    mode: str
    passed: bool | None
    saved_at: str | None = None
    """When this entry was written (``created_at`` is when the audit itself ran)."""
    kind: str = "saved"
    """``"saved"`` (a user saved it) or ``"release"`` (the automatic record of a DP release)."""


@dataclass(frozen=True)
class BudgetState:
    """A data set's privacy ledger: total ε, what has been spent, what is left."""

    dataset: str
    total: float | None
    spent_epsilon: float
    spent_delta: float
    releases: int

    @property
    def remaining(self) -> float | None:
        """ε still available (``None`` when no total has been declared)."""
        if self.total is None:
            return None
        return max(0.0, self.total - self.spent_epsilon)


@dataclass(frozen=True)
class LedgerEntry:
    """One recorded release as the ledger's table lists it: what it spent, not its cells."""

    id: str
    dataset: str
    created_at: str
    mechanism: str
    epsilon: float
    delta: float


@dataclass(frozen=True)
class ReleaseRecord(LedgerEntry):
    """One recorded release: its ledger entry and the noisy cells it published."""

    cells: list[dict[str, Any]] = field(repr=False)
    details: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class LedgerOverview:
    """What a page shows of the ledger for some rows, read in one transaction."""

    known_name: str | None
    """The name these rows were released under (``None``: never released)."""
    name: str | None
    """The data set read: ``known_name``, else the name asked for (``None``: neither)."""
    budget: BudgetState | None
    """That data set's budget (``None`` without a name)."""
    entries: tuple[LedgerEntry, ...] = ()
    """Its releases, oldest first, without their cells."""


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="microseconds")


def _is_lock_error(error: Exception) -> bool:
    text = str(error).lower()
    return isinstance(error, duckdb.IOException | duckdb.ConnectionException) and (
        "lock" in text or "conflicting" in text or "resource temporarily unavailable" in text
    )


class AuditStore:
    """Audit history and privacy-budget ledger in the DuckDB file at ``path``.

    Usable as a context manager; no connection is held between operations, so any number of
    processes may use the same file (they take turns).
    """

    def __init__(self, path: str | os.PathLike, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.path = Path(path)
        self.timeout = float(timeout)
        if self.path.exists() and self.path.is_dir():
            raise InputError(f"store '{self.path}' is a directory: give the path of a DuckDB file")

    def __enter__(self) -> AuditStore:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def __repr__(self) -> str:
        return f"AuditStore({str(self.path)!r})"

    # -- connection handling ---------------------------------------------------------------

    def _run(self, operation: Callable[[duckdb.DuckDBPyConnection], T], *, write: bool) -> T:
        """Run ``operation`` in one transaction on a fresh connection, retrying lock errors.

        Writes hold the store's write lock (this process's threads and other processes) for
        the whole transaction, so a check-then-insert is never interleaved with another.
        """
        self._ensure_schema()
        if write:
            with self._write_lock():
                return self._attempt(operation, write=True)
        return self._attempt(operation, write=False)

    def _ensure_schema(self) -> None:
        """Create the tables once per file and process, under the write lock.

        (Concurrent ``CREATE TABLE IF NOT EXISTS`` in two threads is a catalog write-write
        conflict in DuckDB, so it is never left to each operation.)
        """
        key = os.path.realpath(self.path)
        if key in _READY and self.path.exists():
            return
        with self._write_lock():

            def create(con: duckdb.DuckDBPyConnection) -> None:
                for statement in _SCHEMA:
                    con.execute(statement)

            self._attempt(create, write=True)
        _READY.add(key)

    @contextlib.contextmanager
    def _write_lock(self) -> Iterator[None]:
        """Exclusive across threads (a lock per file) and processes (``flock`` on a side file)."""
        key = os.path.realpath(self.path)
        with _PROCESS_LOCKS_GUARD:
            thread_lock = _PROCESS_LOCKS.setdefault(key, threading.Lock())
        if not thread_lock.acquire(timeout=self.timeout):
            raise StoreLockedError(
                f"store '{self.path}' stayed busy with another release in this process for "
                f"{self.timeout:g} s: try again when it has finished"
            )
        try:
            with _file_lock(Path(key + ".lock"), timeout=self.timeout, store=self.path):
                yield
        finally:
            thread_lock.release()

    def _attempt(self, operation: Callable[[duckdb.DuckDBPyConnection], T], *, write: bool) -> T:
        deadline = time.monotonic() + self.timeout
        attempt = 0
        while True:
            try:
                con = connect(database=str(self.path))
            except (duckdb.IOException, duckdb.ConnectionException) as error:
                if not _is_lock_error(error):
                    raise InputError(f"store '{self.path}' cannot be opened: {error}") from None
                attempt += 1
                pause = min(0.5, 0.005 * 2**attempt) * (0.5 + random.random())
                if time.monotonic() + pause > deadline:
                    raise StoreLockedError(
                        f"store '{self.path}' stayed locked by another process for "
                        f"{self.timeout:g} s: try again when the other audit has finished"
                    ) from None
                time.sleep(pause)
                continue
            try:
                con.execute("BEGIN TRANSACTION")
                try:
                    value = operation(con)
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
                con.execute("COMMIT" if write else "ROLLBACK")
                return value
            finally:
                con.close()

    # -- audit history ---------------------------------------------------------------------

    def record_audit(
        self,
        document: Mapping[str, Any],
        *,
        sha256: str | None = None,
        kind: Literal["saved", "release"] = "saved",
    ) -> str:
        """Store an audit JSON document; returns its id.

        ``sha256`` files a DP document (which carries no hash) under the file it was released
        from, for the store's own history; it stays in the store, not in the document.
        ``kind`` tells a user's save from the automatic record of a private release; the entry
        also keeps the time it was saved, besides the time the audit ran.
        """
        if kind not in ("saved", "release"):
            raise ValueError(f"kind must be 'saved' or 'release', not {kind!r}")
        dataset = document.get("dataset") or {}
        privacy = document.get("privacy") or {}
        policy = document.get("policy")
        audit_id = uuid.uuid4().hex
        row = (
            audit_id,
            str(document.get("created_at") or _now()),
            dataset.get("source"),
            sha256 or dataset.get("sha256"),
            str(privacy.get("mode", "exact")),
            None if not policy else bool(policy.get("passed")),
            json.dumps(document, ensure_ascii=False, allow_nan=False),
            _now(),
            kind,
        )

        def insert(con: duckdb.DuckDBPyConnection) -> str:
            con.execute(
                "INSERT INTO audits (id, created_at, source, sha256, mode, passed, document, "
                "saved_at, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                row,
            )
            return audit_id

        return self._run(insert, write=True)

    def list_audits(self, *, sha256: str | None = None) -> list[AuditSummary]:
        """Every recorded audit, newest first (optionally of one data set)."""
        query = (
            "SELECT id, created_at, source, sha256, mode, passed, saved_at, "
            "coalesce(kind, 'saved') FROM audits"
        )
        params: list[Any] = []
        if sha256 is not None:
            query += " WHERE sha256 = ?"
            params.append(sha256)
        query += " ORDER BY coalesce(saved_at, created_at) DESC, id"
        rows = self._run(lambda con: con.execute(query, params).fetchall(), write=False)
        return [AuditSummary(*row) for row in rows]

    def load_audit(self, audit_id: str) -> dict[str, Any]:
        """The JSON document of one audit."""
        row = self._run(
            lambda con: con.execute(
                "SELECT document FROM audits WHERE id = ?", [audit_id]
            ).fetchone(),
            write=False,
        )
        if row is None:
            raise InputError(
                f"no audit with id {audit_id!r} in store '{self.path}': list them with list_audits()"
            )
        return json.loads(row[0])

    # -- privacy ledger ----------------------------------------------------------------------

    @staticmethod
    def _refuse_legacy(con: duckdb.DuckDBPyConnection) -> None:
        """A store with releases keyed by file hashes (an earlier version) cannot be trusted."""
        found = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
            [_LEGACY_RELEASES],
        ).fetchone()[0]
        if not found:
            return
        spends = con.execute(f"SELECT count(*) FROM {_LEGACY_RELEASES}").fetchone()[0]
        if spends:
            raise PrivacyError(
                f"this store holds {spends} release(s) recorded by an earlier version of the "
                "auditor, keyed by each file's SHA-256, which cannot be matched to data sets by "
                "content: keep it as a record and use a new store file for new releases"
            )

    @staticmethod
    def _secret(con: duckdb.DuckDBPyConnection, *, create: bool) -> bytes | None:
        row = con.execute("SELECT secret FROM ledger_secret WHERE id = 1").fetchone()
        if row is None and create:
            con.execute(
                "INSERT INTO ledger_secret VALUES (1, ?) ON CONFLICT DO NOTHING",
                [secrets.token_hex(32)],
            )
            row = con.execute("SELECT secret FROM ledger_secret WHERE id = 1").fetchone()
        return None if row is None else bytes.fromhex(row[0])

    def _content_key(
        self, con: duckdb.DuckDBPyConnection, content: str, *, create: bool
    ) -> str | None:
        """``HMAC-SHA256(store secret, content fingerprint)``: the only form the store keeps."""
        if not content:
            raise PrivacyError(
                "this release has no content fingerprint, so its privacy budget cannot be "
                "tracked: release through auditor.audit or release_cube, or leave out the store"
            )
        secret = self._secret(con, create=create)
        if secret is None:
            return None
        return hmac.new(secret, content.encode("utf-8"), hashlib.sha256).hexdigest()

    def _resolve_dataset(
        self,
        con: duckdb.DuckDBPyConnection,
        content: str,
        name: str | None,
        *,
        create: bool,
    ) -> tuple[str | None, str | None]:
        """(data set name, content key); refuses content already known under another name."""
        self._refuse_legacy(con)
        key = self._content_key(con, content, create=create)
        known = None
        if key is not None:
            row = con.execute(
                "SELECT name FROM ledger_contents WHERE content_hmac = ?", [key]
            ).fetchone()
            known = None if row is None else row[0]
        if name is not None:
            name = checked_dataset_name(name)
            if known is not None and known != name:
                raise PrivacyError(
                    f"these rows were already released as data set '{known}' in store "
                    f"'{self.path}', so their privacy budget is that data set's: release them "
                    f"under the name '{known}' (--dataset-name '{known}'), not '{name}'"
                )
            return name, key
        if known is not None:
            return known, key
        if not create:
            return None, key
        return f"dataset-{secrets.token_hex(4)}", key

    @staticmethod
    def _budget(con: duckdb.DuckDBPyConnection, name: str | None) -> BudgetState:
        total = con.execute(
            "SELECT total_epsilon FROM ledger_datasets WHERE name = ?", [name]
        ).fetchone()
        spent = con.execute(
            "SELECT coalesce(sum(epsilon), 0), coalesce(sum(delta), 0), count(*) "
            "FROM ledger_releases WHERE name = ?",
            [name],
        ).fetchone()
        return BudgetState(
            dataset=name or "(new data set)",
            total=None if total is None else float(total[0]),
            spent_epsilon=float(spent[0]),
            spent_delta=float(spent[1]),
            releases=int(spent[2]),
        )

    def budget(self, dataset: str) -> BudgetState:
        """The ledger of the data set with this name."""
        return self._run(lambda con: self._budget(con, dataset), write=False)

    def dataset_of(self, content: str) -> str | None:
        """The name of the data set these rows were released as (``None`` if never released)."""

        def find(con: duckdb.DuckDBPyConnection) -> str | None:
            return self._resolve_dataset(con, content, None, create=False)[0]

        return self._run(find, write=False)

    def datasets(self) -> list[BudgetState]:
        """The ledger of every data set in the store, by name."""

        def every(con: duckdb.DuckDBPyConnection) -> list[BudgetState]:
            names = con.execute(
                "SELECT name FROM ledger_datasets UNION SELECT name FROM ledger_releases ORDER BY 1"
            ).fetchall()
            return [self._budget(con, n) for (n,) in names]

        return self._run(every, write=False)

    def set_budget(self, dataset: str, total: float) -> BudgetState:
        """Declare a data set's total ε (once; it cannot be changed afterwards)."""
        name = checked_dataset_name(dataset)
        return self._run(lambda con: self._declare(con, name, total), write=True)

    def _declare(
        self,
        con: duckdb.DuckDBPyConnection,
        name: str | None,
        total: float | None,
        *,
        record: bool = True,
    ) -> BudgetState:
        """The budget of ``name`` with ``total`` declared, recorded when ``record`` (a write
        transaction, under the write lock); an early check (a read) only computes it: two
        threads' checks recording the same new name at once collided on its key."""
        state = self._budget(con, name)
        if total is None:
            return state
        if not (isinstance(total, int | float) and total > 0 and total < float("inf")):
            raise PrivacyError(f"privacy budget must be a positive finite ε, not {total!r}")
        if name is None:  # an early check on rows never released: nothing to record yet
            return BudgetState(
                dataset=state.dataset,
                total=float(total),
                spent_epsilon=0.0,
                spent_delta=0.0,
                releases=0,
            )
        if state.total is None and not record:  # an early check: the total as declared
            return replace(state, total=float(total))
        if state.total is None:
            con.execute(
                "INSERT INTO ledger_datasets VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                [name, float(total), _now()],
            )
            return self._budget(con, name)
        if abs(state.total - float(total)) > _TOLERANCE:
            raise PrivacyError(
                f"data set '{name}' already has a total privacy budget of ε={state.total:g} "
                f"in store '{self.path}'; it cannot be changed to {float(total):g}: "
                "leave out --privacy-budget or pass the same total"
            )
        return state

    def _check(
        self,
        con: duckdb.DuckDBPyConnection,
        name: str | None,
        epsilon: float,
        total: float | None,
        *,
        record: bool = True,
    ) -> BudgetState:
        state = self._declare(con, name, total, record=record)
        label = f"data set '{name}'" if name else "this new data set"
        if state.total is None:
            raise PrivacyError(
                f"store '{self.path}' has no privacy budget for {label}: "
                "declare its total once with --privacy-budget TOTAL"
            )
        if state.spent_epsilon + epsilon > state.total + _TOLERANCE:
            raise BudgetExceededError(
                f"privacy budget exceeded for {label}: this release "
                f"needs ε={epsilon:g} but only ε={state.remaining:g} of the total "
                f"ε={state.total:g} remains (ε={state.spent_epsilon:g} spent in "
                f"{state.releases} release{'s' if state.releases != 1 else ''}); "
                "ask for a smaller --epsilon or re-issue an earlier release"
            )
        return state

    def check_release(
        self,
        *,
        content: str,
        epsilon: float,
        dataset: str | None = None,
        total: float | None = None,
    ) -> BudgetState:
        """Raise as :meth:`commit_release` would, without recording anything (an early check)."""

        def check(con: duckdb.DuckDBPyConnection) -> BudgetState:
            name, _ = self._resolve_dataset(con, content, dataset, create=False)
            return self._check(con, name, epsilon, total, record=False)

        return self._run(check, write=False)

    def commit_release(
        self,
        *,
        content: str,
        epsilon: float,
        delta: float,
        mechanism: str,
        cells: Sequence[Mapping[str, Any]],
        details: Mapping[str, Any] | None = None,
        dataset: str | None = None,
        total: float | None = None,
        release_id: str | None = None,
    ) -> tuple[ReleaseRecord, BudgetState]:
        """Check the budget, record the spend and store the released cells — one transaction.

        ``content`` is the rows' canonical fingerprint (kept only as an HMAC with the store's
        secret); ``dataset`` the curator's name for the data set (default: the name these rows
        were released under before, or a new random one). ``total`` declares the data set's
        total ε if none is recorded yet. Raises :class:`~auditor.errors.BudgetExceededError`
        (recording nothing) when the release would exceed the total, and
        :class:`~auditor.errors.PrivacyError` when no total was ever declared or the rows
        belong to a data set of another name.
        """
        release_id = release_id or uuid.uuid4().hex
        created_at = _now()
        cells_json = json.dumps(list(cells), ensure_ascii=False, default=_plain)
        details_json = json.dumps(dict(details or {}), ensure_ascii=False, default=_plain)

        def spend(con: duckdb.DuckDBPyConnection) -> tuple[ReleaseRecord, BudgetState]:
            done = con.execute(
                "SELECT name FROM ledger_releases WHERE id = ?", [release_id]
            ).fetchone()
            if done is not None:  # a retried commit: recorded already, nothing more to spend
                return self._record(con, release_id), self._budget(con, done[0])
            name, key = self._resolve_dataset(con, content, dataset, create=True)
            self._check(con, name, epsilon, total)
            con.execute(
                "INSERT INTO ledger_contents VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                [key, name, created_at],
            )
            con.execute(
                "INSERT INTO ledger_releases VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                [
                    release_id,
                    name,
                    key,
                    created_at,
                    mechanism,
                    float(epsilon),
                    float(delta),
                    cells_json,
                    details_json,
                ],
            )
            return self._record(con, release_id), self._budget(con, name)

        return self._run(spend, write=True)

    def commit_joint_release(
        self,
        *,
        charges: Sequence[tuple[str, str | None, str]],
        epsilon: float,
        delta: float,
        mechanism: str,
        cells: Sequence[Mapping[str, Any]],
        details: Mapping[str, Any] | None = None,
        total: float | None = None,
        release_id: str | None = None,
        record: bool = True,
    ) -> tuple[ReleaseRecord | None, list[BudgetState]]:
        """One release of a sum of data sets (merged cubes), charged ε to **every** one of
        them — checked, and recorded, in one serialised transaction.

        ``charges`` holds, per input, ``(content fingerprint, declared name or None, a
        description for messages)``. Each input is resolved to its data set as
        :meth:`commit_release` does; the release is refused as a whole (nothing recorded)
        if any data set lacks a total or the budget for it, and the message names every such
        input. Inputs that resolve to the same data set are charged once each (their people
        are counted once per input in the sum). The release is recorded once per input: the
        first row has ``release_id`` (what the output carries, and what re-issues it), the
        others ``release_id.2``, ``release_id.3``…, each with the same cells, so every data
        set's list of releases shows it. ``record=False`` checks without recording.
        """
        release_id = release_id or uuid.uuid4().hex
        created_at = _now()
        cells_json = json.dumps(list(cells), ensure_ascii=False, default=_plain)
        details_json = json.dumps(
            {**dict(details or {}), "joint_release": release_id},
            ensure_ascii=False,
            default=_plain,
        )
        row_ids = [release_id] + [f"{release_id}.{i}" for i in range(2, len(charges) + 1)]

        def spend(con: duckdb.DuckDBPyConnection) -> tuple[ReleaseRecord | None, list[BudgetState]]:
            if record:
                done = con.execute(
                    "SELECT name FROM ledger_releases WHERE id = ?", [release_id]
                ).fetchone()
                if done is not None:  # a retried commit: recorded already
                    names = con.execute(
                        "SELECT DISTINCT name FROM ledger_releases WHERE id = ? OR id LIKE ? "
                        "ORDER BY 1",
                        [release_id, f"{release_id}.%"],
                    ).fetchall()
                    return self._record(con, release_id), [self._budget(con, n) for (n,) in names]
            resolved: list[tuple[str | None, str | None]] = []
            by_key: dict[str, str | None] = {}
            for content, name, description in charges:
                try:
                    found, key = self._resolve_dataset(con, content, name, create=record)
                except PrivacyError as error:
                    raise type(error)(f"input {description}: {error}") from None
                if key is not None and name is None and key in by_key:
                    found = by_key[key]  # the same new content twice: one data set
                if key is not None:
                    by_key.setdefault(key, found)
                resolved.append((found, key))
            # Data sets, each with the inputs charged to it (a new, unnamed content is its own).
            groups: dict[Any, tuple[str | None, list[str]]] = {}
            for (found, key), (_, _, description) in zip(resolved, charges, strict=True):
                group = found if found is not None else ("new", key or description)
                groups.setdefault(group, (found, []))[1].append(description)
            refusals: list[tuple[PrivacyError, str]] = []
            states = []
            for found, descriptions in groups.values():
                try:
                    states.append(self._check(con, found, epsilon * len(descriptions), total))
                except PrivacyError as error:
                    refusals.append((error, ", ".join(descriptions)))
            if refusals:
                kind = (
                    BudgetExceededError
                    if all(isinstance(e, BudgetExceededError) for e, _ in refusals)
                    else PrivacyError
                )
                raise kind(
                    f"the merged release is charged ε={epsilon:g} to every input's data set "
                    "and is refused as a whole: "
                    + "; ".join(f"input {names}: {error}" for error, names in refusals)
                )
            if not record:
                return None, states
            for row_id, (found, key) in zip(row_ids, resolved, strict=True):
                con.execute(
                    "INSERT INTO ledger_contents VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    [key, found, created_at],
                )
                con.execute(
                    "INSERT INTO ledger_releases VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT DO NOTHING",
                    [
                        row_id,
                        found,
                        key,
                        created_at,
                        mechanism,
                        float(epsilon),
                        float(delta),
                        cells_json,
                        details_json,
                    ],
                )
            names = dict.fromkeys(found for found, _ in resolved)
            return self._record(con, release_id), [self._budget(con, n) for n in names]

        return self._run(spend, write=record)

    _RELEASE_COLUMNS = "id, name, created_at, mechanism, epsilon, delta, cells, details"

    @staticmethod
    def _to_record(row: Sequence[Any]) -> ReleaseRecord:
        return ReleaseRecord(
            **_entry_fields(row), cells=json.loads(row[6]), details=json.loads(row[7])
        )

    def _record(self, con: duckdb.DuckDBPyConnection, release_id: str) -> ReleaseRecord:
        row = con.execute(
            f"SELECT {self._RELEASE_COLUMNS} FROM ledger_releases WHERE id = ?", [release_id]
        ).fetchone()
        if row is None:
            raise PrivacyError(
                f"no release with id {release_id!r} in store '{self.path}': the release ids "
                "are listed in the ledger (releases(dataset)) and in each release's JSON"
            )
        return self._to_record(row)

    def release(self, release_id: str) -> ReleaseRecord:
        """One recorded release (its noisy cells and details), e.g. to re-issue a lost output."""
        return self._run(lambda con: self._record(con, str(release_id)), write=False)

    def releases(self, dataset: str) -> list[ReleaseRecord]:
        """Every release recorded for a data set, oldest first."""
        rows = self._run(
            lambda con: con.execute(
                f"SELECT {self._RELEASE_COLUMNS} FROM ledger_releases WHERE name = ? "
                "ORDER BY created_at, id",
                [dataset],
            ).fetchall(),
            write=False,
        )
        return [self._to_record(r) for r in rows]

    def ledger_entries(self, dataset: str) -> list[LedgerEntry]:
        """Every release recorded for a data set, oldest first, without its cells and
        details: what the ledger's table shows (:meth:`releases` reads every release's
        noisy cells, ~70 ms a release for 12,000 cells)."""
        return self._run(lambda con: self._entries(con, dataset), write=False)

    def ledger_overview(self, content: str, dataset: str | None = None) -> LedgerOverview:
        """In one read transaction (one connection, ~20–30 ms each): the name the rows with
        this content fingerprint were released under, and the budget and entries of that
        data set — else of ``dataset``, the name a user is about to give them."""

        def read(con: duckdb.DuckDBPyConnection) -> LedgerOverview:
            known = self._resolve_dataset(con, content, None, create=False)[0]
            name = known or dataset or None
            if name is None:
                return LedgerOverview(known_name=None, name=None, budget=None)
            return LedgerOverview(
                known_name=known,
                name=name,
                budget=self._budget(con, name),
                entries=tuple(self._entries(con, name)),
            )

        return self._run(read, write=False)

    @staticmethod
    def _entries(con: duckdb.DuckDBPyConnection, dataset: str) -> list[LedgerEntry]:
        rows = con.execute(
            "SELECT id, name, created_at, mechanism, epsilon, delta FROM ledger_releases "
            "WHERE name = ? ORDER BY created_at, id",
            [dataset],
        ).fetchall()
        return [LedgerEntry(**_entry_fields(r)) for r in rows]


def _entry_fields(row: Sequence[Any]) -> dict[str, Any]:
    """A :class:`LedgerEntry`'s fields from a row that starts with id, name, created_at,
    mechanism, epsilon and delta."""
    return {
        "id": row[0],
        "dataset": row[1],
        "created_at": row[2],
        "mechanism": row[3],
        "epsilon": float(row[4]),
        "delta": float(row[5]),
    }


def checked_dataset_name(name: str) -> str:
    """A curator's data-set name: printable text of at most 200 characters, trimmed."""
    if not isinstance(name, str) or not name.strip():
        raise PrivacyError(f"a data-set name must be non-empty text, not {name!r}")
    cleaned = name.strip()
    if len(cleaned) > _MAX_NAME or not cleaned.isprintable():
        raise PrivacyError(
            f"data-set name {cleaned[:40]!r}… must be printable text of at most {_MAX_NAME} "
            "characters: choose a short name such as 'compas-2016'"
        )
    return cleaned


@contextlib.contextmanager
def _file_lock(path: Path, *, timeout: float, store: Path) -> Iterator[None]:
    """An exclusive advisory lock on ``path`` (``flock``), polled until ``timeout``."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: DuckDB's own file lock remains
        yield
        return
    handle = open(path, "a+b")  # noqa: SIM115 - held for the duration of the lock
    try:
        deadline = time.monotonic() + timeout
        attempt = 0
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                attempt += 1
                pause = min(0.05, 0.001 * 2**attempt) * (0.5 + random.random())
                if time.monotonic() + pause > deadline:
                    raise StoreLockedError(
                        f"store '{store}' stayed locked by another process for {timeout:g} s: "
                        "try again when the other release has finished"
                    ) from None
                time.sleep(pause)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()


def _plain(value: Any) -> Any:
    """JSON fallback for numpy scalars."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
