"""A persistent DuckDB file: audit history and the privacy-budget ledger.

The budget belongs to the data set, not to a report: every differentially private release
is recorded against the data set's SHA-256, and a release that would take the spent ε past
the data set's total is refused (:class:`~auditor.errors.BudgetExceededError`).

Crash and concurrency safety:

- a release is recorded in **one transaction** that checks the budget, inserts the spend and
  stores the released noisy cells (:meth:`AuditStore.commit_release`); the caller draws the
  noise in memory first and publishes it only after the commit, so an interrupted audit never
  records a spend it did not make, nor makes a release it did not record;
- DuckDB lets one process at a time open a file for writing, so every operation opens a
  short-lived connection and closes it; a lock held by another process is retried with
  exponential backoff for up to ``timeout`` seconds;
- ids are chosen before the first attempt and inserted with ``ON CONFLICT DO NOTHING``, so a
  retried operation never writes a record twice.

Example
-------
>>> from auditor.store import AuditStore
>>> with AuditStore("/tmp/audits.duckdb") as store:          # doctest: +SKIP
...     audit_id = store.record_audit(result.to_dict())
...     store.budget(result.dataset.sha256).remaining
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import random
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from .engine import connect
from .errors import AuditorError, BudgetExceededError, InputError, PrivacyError

__all__ = ["AuditStore", "AuditSummary", "BudgetState", "ReleaseRecord", "StoreLockedError"]

T = TypeVar("T")

DEFAULT_TIMEOUT = 30.0
_TOLERANCE = 1e-9

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS audits (
        id VARCHAR PRIMARY KEY, created_at VARCHAR NOT NULL, source VARCHAR,
        sha256 VARCHAR, mode VARCHAR NOT NULL, passed BOOLEAN, document VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS budgets (
        sha256 VARCHAR PRIMARY KEY, total_epsilon DOUBLE NOT NULL, created_at VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS releases (
        id VARCHAR PRIMARY KEY, sha256 VARCHAR NOT NULL, created_at VARCHAR NOT NULL,
        mechanism VARCHAR NOT NULL, epsilon DOUBLE NOT NULL, delta DOUBLE NOT NULL,
        cells VARCHAR NOT NULL, details VARCHAR NOT NULL)""",
)


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


@dataclass(frozen=True)
class BudgetState:
    """A data set's privacy ledger: total ε, what has been spent, what is left."""

    sha256: str
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
class ReleaseRecord:
    """One recorded release: what it spent and the noisy cells it published."""

    id: str
    sha256: str
    created_at: str
    mechanism: str
    epsilon: float
    delta: float
    cells: list[dict[str, Any]] = field(repr=False)
    details: dict[str, Any] = field(repr=False)


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
        """Run ``operation`` in one transaction on a fresh connection, retrying lock errors."""
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
                for statement in _SCHEMA:
                    con.execute(statement)
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

    def record_audit(self, document: Mapping[str, Any]) -> str:
        """Store an audit JSON document; returns its id."""
        dataset = document.get("dataset") or {}
        privacy = document.get("privacy") or {}
        policy = document.get("policy")
        audit_id = uuid.uuid4().hex
        row = (
            audit_id,
            str(document.get("created_at") or _now()),
            dataset.get("source"),
            dataset.get("sha256"),
            str(privacy.get("mode", "exact")),
            None if not policy else bool(policy.get("passed")),
            json.dumps(document, ensure_ascii=False, allow_nan=False),
        )

        def insert(con: duckdb.DuckDBPyConnection) -> str:
            con.execute(
                "INSERT INTO audits VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", row
            )
            return audit_id

        return self._run(insert, write=True)

    def list_audits(self, *, sha256: str | None = None) -> list[AuditSummary]:
        """Every recorded audit, newest first (optionally of one data set)."""
        query = "SELECT id, created_at, source, sha256, mode, passed FROM audits"
        params: list[Any] = []
        if sha256 is not None:
            query += " WHERE sha256 = ?"
            params.append(sha256)
        query += " ORDER BY created_at DESC, id"
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
    def _budget(con: duckdb.DuckDBPyConnection, sha256: str) -> BudgetState:
        total = con.execute(
            "SELECT total_epsilon FROM budgets WHERE sha256 = ?", [sha256]
        ).fetchone()
        spent = con.execute(
            "SELECT coalesce(sum(epsilon), 0), coalesce(sum(delta), 0), count(*) "
            "FROM releases WHERE sha256 = ?",
            [sha256],
        ).fetchone()
        return BudgetState(
            sha256=sha256,
            total=None if total is None else float(total[0]),
            spent_epsilon=float(spent[0]),
            spent_delta=float(spent[1]),
            releases=int(spent[2]),
        )

    def budget(self, sha256: str) -> BudgetState:
        """The ledger of the data set with this SHA-256."""
        return self._run(lambda con: self._budget(con, sha256), write=False)

    def set_budget(self, sha256: str, total: float) -> BudgetState:
        """Declare a data set's total ε (once; it cannot be changed afterwards)."""
        return self._run(lambda con: self._declare(con, sha256, total), write=True)

    def _declare(
        self, con: duckdb.DuckDBPyConnection, sha256: str, total: float | None
    ) -> BudgetState:
        state = self._budget(con, sha256)
        if total is None:
            return state
        if not total > 0:
            raise PrivacyError(f"privacy budget must be a positive ε, not {total!r}")
        if state.total is None:
            con.execute(
                "INSERT INTO budgets VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                [sha256, float(total), _now()],
            )
            return self._budget(con, sha256)
        if abs(state.total - float(total)) > _TOLERANCE:
            raise PrivacyError(
                f"data set {sha256[:12]}… already has a total privacy budget of ε={state.total:g} "
                f"in store '{self.path}'; it cannot be changed to {float(total):g}: "
                "leave out --privacy-budget or pass the same total"
            )
        return state

    def _check(
        self, con: duckdb.DuckDBPyConnection, sha256: str, epsilon: float, total: float | None
    ) -> BudgetState:
        state = self._declare(con, sha256, total)
        if state.total is None:
            raise PrivacyError(
                f"store '{self.path}' has no privacy budget for data set {sha256[:12]}…: "
                "declare its total once with --privacy-budget TOTAL"
            )
        if state.spent_epsilon + epsilon > state.total + _TOLERANCE:
            raise BudgetExceededError(
                f"privacy budget exceeded for data set {sha256[:12]}…: this release "
                f"needs ε={epsilon:g} but only ε={state.remaining:g} of the total "
                f"ε={state.total:g} remains (ε={state.spent_epsilon:g} spent in "
                f"{state.releases} release{'s' if state.releases != 1 else ''}); "
                "ask for a smaller --epsilon or publish the earlier results"
            )
        return state

    def check_release(
        self, *, sha256: str, epsilon: float, total: float | None = None
    ) -> BudgetState:
        """Raise as :meth:`commit_release` would, without recording anything (an early check)."""
        return self._run(lambda con: self._check(con, sha256, epsilon, total), write=False)

    def commit_release(
        self,
        *,
        sha256: str,
        epsilon: float,
        delta: float,
        mechanism: str,
        cells: Sequence[Mapping[str, Any]],
        details: Mapping[str, Any] | None = None,
        total: float | None = None,
        release_id: str | None = None,
    ) -> tuple[ReleaseRecord, BudgetState]:
        """Check the budget, record the spend and store the released cells — one transaction.

        ``total`` declares the data set's total ε if none is recorded yet. Raises
        :class:`~auditor.errors.BudgetExceededError` (recording nothing) when the release
        would exceed the total, and :class:`~auditor.errors.PrivacyError` when no total
        has ever been declared for the data set.
        """
        if not sha256:
            raise PrivacyError(
                "this data set has no SHA-256 fingerprint, so its privacy budget cannot be "
                "tracked: audit a file, or leave out the store"
            )
        release_id = release_id or uuid.uuid4().hex
        created_at = _now()
        cells_json = json.dumps(list(cells), ensure_ascii=False, default=_plain)
        details_json = json.dumps(dict(details or {}), ensure_ascii=False, default=_plain)

        def spend(con: duckdb.DuckDBPyConnection) -> tuple[ReleaseRecord, BudgetState]:
            done = con.execute("SELECT 1 FROM releases WHERE id = ?", [release_id]).fetchone()
            if done is None:
                self._check(con, sha256, epsilon, total)
                con.execute(
                    "INSERT INTO releases VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    [
                        release_id,
                        sha256,
                        created_at,
                        mechanism,
                        float(epsilon),
                        float(delta),
                        cells_json,
                        details_json,
                    ],
                )
            record = ReleaseRecord(
                id=release_id,
                sha256=sha256,
                created_at=created_at,
                mechanism=mechanism,
                epsilon=float(epsilon),
                delta=float(delta),
                cells=json.loads(cells_json),
                details=json.loads(details_json),
            )
            return record, self._budget(con, sha256)

        return self._run(spend, write=True)

    def releases(self, sha256: str) -> list[ReleaseRecord]:
        """Every release recorded for a data set, oldest first."""
        rows = self._run(
            lambda con: con.execute(
                "SELECT id, sha256, created_at, mechanism, epsilon, delta, cells, details "
                "FROM releases WHERE sha256 = ? ORDER BY created_at, id",
                [sha256],
            ).fetchall(),
            write=False,
        )
        return [
            ReleaseRecord(
                id=r[0],
                sha256=r[1],
                created_at=r[2],
                mechanism=r[3],
                epsilon=r[4],
                delta=r[5],
                cells=json.loads(r[6]),
                details=json.loads(r[7]),
            )
            for r in rows
        ]


def _plain(value: Any) -> Any:
    """JSON fallback for numpy scalars."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
