# ruff: noqa: S608 - SQL text only interpolates module constants and column names; values use placeholders.
"""The state store in portable SQL over a DB-API 2 connection; backends add connecting and locking.

Queries use standard SQL (``INSERT … ON CONFLICT``, ``COALESCE``, ``LIMIT``) with ``?`` placeholders that
:class:`Dialect` rewrites to the driver's style. The connection runs in autocommit mode and
:meth:`SqlStateStore.transaction` issues ``BEGIN``/``COMMIT``/``ROLLBACK`` itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from cjm_sync.errors import UsageError, redact
from cjm_sync.state._codec import (
    CHANGE_COLS,
    CONFLICT_COLS,
    JOURNAL_COLS,
    RUN_COLS,
    Row,
    change_from_row,
    check_unique_ids,
    conflict_from_row,
    dump_json,
    journal_from_row,
    load_json,
    opt_ts_text,
    req_ts,
    run_from_row,
    ts_text,
)
from cjm_sync.state.crm_cache import CrmCacheStore
from cjm_sync.state.ids import (
    CHANGE_PREFIX,
    CONFLICT_PREFIX,
    conflict_seed,
    new_run_id,
    normalize_id,
    short_id,
)
from cjm_sync.state.records import (
    Change,
    ChangeRecord,
    ConflictInput,
    ConflictRecord,
    ConflictStatus,
    Cursor,
    JournalEntry,
    JournalState,
    JSONValue,
    Resolution,
    RunOutcome,
    RunRecord,
    Side,
    Snapshot,
    SyncCommit,
    Tombstone,
)
from cjm_sync.state.store import JourneyLock

Clock = Callable[[], datetime]


class DBCursor(Protocol):
    """The part of a DB-API 2 cursor the store uses."""

    @property
    def rowcount(self) -> int: ...

    def execute(self, sql: str, parameters: Sequence[Any], /) -> object: ...

    def fetchall(self) -> list[Any]: ...

    def fetchmany(self, size: int, /) -> list[Any]: ...


class DBConnection(Protocol):
    """The part of a DB-API 2 connection the store uses (in autocommit mode)."""

    def cursor(self) -> DBCursor: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Dialect:
    """What differs between SQL backends in the queries themselves: the placeholder style."""

    name: str
    paramstyle: Literal["qmark", "format"]
    begin: str = "BEGIN"

    def sql(self, query: str) -> str:
        """``query`` with ``?`` placeholders in this driver's style (queries contain no literal ``?``)."""
        return query if self.paramstyle == "qmark" else query.replace("%", "%%").replace("?", "%s")


class SqlStateStore(CrmCacheStore):
    """:class:`~cjm_sync.state.store.StateStore` in portable SQL. Subclasses connect, lock and map errors.

    Not thread-safe: use one store per thread (the journey lock works across threads and processes).
    """

    dialect: Dialect

    def __init__(self, conn: DBConnection, location: str, *, clock: Clock | None = None) -> None:
        self.location = location
        self._conn = conn
        self._clock: Clock = clock or (lambda: datetime.now(UTC))
        self._depth = 0

    # -- backend hooks -------------------------------------------------------------------------------------
    def _translate(self, exc: Exception) -> Exception | None:
        """A user-facing error for a driver error, or ``None`` to let it through."""
        return None

    def _driver_errors(self) -> tuple[type[Exception], ...]:
        """The driver's exception classes that :meth:`_translate` looks at."""
        return ()

    def acquire_lock(
        self, journey: str, owner: str, *, wait: bool = False, timeout: float | None = None
    ) -> JourneyLock:
        """Take the run lock of ``journey`` (backend-specific)."""
        raise NotImplementedError

    # -- plumbing ------------------------------------------------------------------------------------------
    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except self._driver_errors() as exc:
            translated = self._translate(exc)
            if translated is None:
                raise
            raise translated from exc

    def _exec(self, sql: str, params: Sequence[Any] = ()) -> int:
        with self._guard():
            cur = self._conn.cursor()
            cur.execute(self.dialect.sql(sql), tuple(params))
            return cur.rowcount

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self._guard():
            cur = self._conn.cursor()
            cur.execute(self.dialect.sql(sql), tuple(params))
            return [tuple(r) for r in cur.fetchall()]

    def _stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Row]:
        """Rows of a query fetched in batches on their own cursor (memory stays flat for big results)."""
        with self._guard():
            cur = self._conn.cursor()
            cur.execute(self.dialect.sql(sql), tuple(params))
        while True:
            with self._guard():
                batch = cur.fetchmany(500)
            if not batch:
                return
            yield from (tuple(r) for r in batch)

    def _now(self) -> datetime:
        return self._clock()

    def _now_text(self) -> str:
        return ts_text(self._now())

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block in one transaction; nested blocks join the outer one (no savepoints)."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._exec(self.dialect.begin)
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self._rollback()
            raise
        self._depth = 0
        try:
            self._exec("COMMIT")
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        with suppress(Exception):  # the original error matters more; the driver rolled back anyway
            self._exec("ROLLBACK")

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def schema_version(self) -> int:
        """The schema version the database is at."""
        ((version,),) = self._query("SELECT MAX(version) FROM schema_migrations")
        return int(version or 0)

    # -- id map and memo -----------------------------------------------------------------------------------
    def get_id_map(self, journey: str, connector: str, target: str) -> dict[str, str]:
        """Entity key → external id."""
        rows = self._query(
            "SELECT entity_key, external_id FROM id_map WHERE journey = ? AND connector = ? AND target = ? "
            "ORDER BY entity_key",
            (journey, connector, target),
        )
        return dict(rows)

    def set_id(self, journey: str, connector: str, target: str, key: str, external_id: str) -> None:
        """Map ``key`` to ``external_id`` (replacing the key's old id); ``ValueError`` if the id is taken."""
        with self.transaction():
            rows = self._query(
                "SELECT entity_key FROM id_map WHERE journey = ? AND connector = ? AND target = ? AND external_id = ?",
                (journey, connector, target, external_id),
            )
            if rows and rows[0][0] != key:
                raise ValueError(f"external id {external_id!r} is already mapped to {rows[0][0]!r}")
            self._exec(
                "INSERT INTO id_map (journey, connector, target, entity_key, external_id) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (journey, connector, target, entity_key) "
                "DO UPDATE SET external_id = excluded.external_id",
                (journey, connector, target, key, external_id),
            )

    def delete_id(self, journey: str, connector: str, target: str, key: str) -> None:
        """Forget the external id of ``key``."""
        with self.transaction():
            self._exec(
                "DELETE FROM id_map WHERE journey = ? AND connector = ? AND target = ? AND entity_key = ?",
                (journey, connector, target, key),
            )

    def replace_id_map(self, journey: str, connector: str, target: str, id_map: Mapping[str, str]) -> None:
        """Replace the whole id map; ``ValueError`` if two keys share an external id."""
        check_unique_ids(id_map)
        with self.transaction():
            self._exec(
                "DELETE FROM id_map WHERE journey = ? AND connector = ? AND target = ?",
                (journey, connector, target),
            )
            for key, external_id in id_map.items():
                self._exec(
                    "INSERT INTO id_map (journey, connector, target, entity_key, external_id) VALUES (?, ?, ?, ?, ?)",
                    (journey, connector, target, key, external_id),
                )

    def get_memo(self, journey: str, connector: str, target: str) -> dict[str, JSONValue]:
        """The connector's memo (empty if none)."""
        rows = self._query(
            "SELECT memo FROM connector_memo WHERE journey = ? AND connector = ? AND target = ?",
            (journey, connector, target),
        )
        return dict(load_json(rows[0][0])) if rows else {}

    def set_memo(self, journey: str, connector: str, target: str, memo: Mapping[str, JSONValue]) -> None:
        """Replace the connector's memo."""
        with self.transaction():
            self._exec(
                "INSERT INTO connector_memo (journey, connector, target, memo, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (journey, connector, target) "
                "DO UPDATE SET memo = excluded.memo, updated_at = excluded.updated_at",
                (journey, connector, target, dump_json(dict(memo)), self._now_text()),
            )

    # -- base snapshot -------------------------------------------------------------------------------------
    def get_base(self, journey: str, connector: str, target: str) -> Snapshot:
        """The last state both sides agreed on."""
        rows = self._query(
            "SELECT entity_key, doc FROM base_snapshot WHERE journey = ? AND connector = ? AND target = ? "
            "ORDER BY entity_key",
            (journey, connector, target),
        )
        return {key: load_json(doc) for key, doc in rows}

    def replace_base(
        self, journey: str, connector: str, target: str, snapshot: Mapping[str, Mapping[str, JSONValue]]
    ) -> None:
        """Replace the base snapshot as a whole."""
        with self.transaction():
            self._exec(
                "DELETE FROM base_snapshot WHERE journey = ? AND connector = ? AND target = ?",
                (journey, connector, target),
            )
            for key, doc in snapshot.items():
                self._exec(
                    "INSERT INTO base_snapshot (journey, connector, target, entity_key, doc) VALUES (?, ?, ?, ?, ?)",
                    (journey, connector, target, key, dump_json(dict(doc))),
                )

    def commit_sync(self, commit: SyncCommit) -> RunRecord:
        """Commit base, id map, memo and the run outcome in one transaction."""
        where = (commit.journey, commit.connector, commit.target)
        with self.transaction():
            self.replace_base(*where, commit.base)
            self.replace_id_map(*where, commit.id_map)
            self.set_memo(*where, commit.memo)
            return self.finish_run(commit.run_id, commit.outcome, api_calls=commit.api_calls, changes=commit.changes)

    # -- tombstones ----------------------------------------------------------------------------------------
    def add_tombstone(self, journey: str, key: str, *, side: Side, author: str | None) -> Tombstone:
        """Record that ``key`` was deleted on purpose (keeps the first record if already there)."""
        with self.transaction():
            self._exec(
                "INSERT INTO tombstones (journey, entity_key, side, author, deleted_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (journey, entity_key) DO NOTHING",
                (journey, key, Side(side).value, author, self._now_text()),
            )
            return self.tombstones(journey)[key]

    def tombstones(self, journey: str) -> dict[str, Tombstone]:
        """Entity key → tombstone."""
        rows = self._query(
            "SELECT entity_key, side, author, deleted_at FROM tombstones WHERE journey = ? ORDER BY entity_key",
            (journey,),
        )
        return {k: Tombstone(journey, k, Side(s), a, req_ts(at)) for k, s, a, at in rows}

    def remove_tombstone(self, journey: str, key: str) -> bool:
        """Allow ``key`` to come back; ``False`` if it was not tombstoned."""
        with self.transaction():
            return self._exec("DELETE FROM tombstones WHERE journey = ? AND entity_key = ?", (journey, key)) > 0

    # -- CRM cursors ---------------------------------------------------------------------------------------
    def get_cursor(self, journey: str, connector: str, stream: str) -> Cursor | None:
        """The stream's cursor, if any."""
        rows = self._query(
            "SELECT cursor_value, updated_at FROM crm_cursors WHERE journey = ? AND connector = ? AND stream = ?",
            (journey, connector, stream),
        )
        return Cursor(journey, connector, stream, rows[0][0], req_ts(rows[0][1])) if rows else None

    def set_cursor(self, journey: str, connector: str, stream: str, value: str) -> Cursor:
        """Advance (or set) the stream's cursor."""
        now = self._now()
        with self.transaction():
            self._exec(
                "INSERT INTO crm_cursors (journey, connector, stream, cursor_value, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (journey, connector, stream) "
                "DO UPDATE SET cursor_value = excluded.cursor_value, updated_at = excluded.updated_at",
                (journey, connector, stream, value, ts_text(now)),
            )
        return Cursor(journey, connector, stream, value, now)

    # -- run history ---------------------------------------------------------------------------------------
    def start_run(self, journey: str, command: str, *, run_id: str | None = None) -> RunRecord:
        """Record a run as started; generates a sortable ``run_id`` unless given."""
        now = self._now()
        run = RunRecord(run_id or new_run_id(now), journey, command, now, None, None, {}, {}, None)
        with self.transaction():
            self._exec(
                f"INSERT INTO runs ({RUN_COLS}) VALUES (?, ?, ?, ?, NULL, NULL, ?, ?, NULL)",
                (run.run_id, journey, command, ts_text(now), "{}", "{}"),
            )
        return run

    def finish_run(
        self,
        run_id: str,
        outcome: RunOutcome,
        *,
        api_calls: Mapping[str, JSONValue] | None = None,
        changes: Mapping[str, int] | None = None,
        error: str | None = None,
    ) -> RunRecord:
        """Record how a run ended (``error`` is redacted); ``ValueError`` if unknown or already ended."""
        with self.transaction():
            updated = self._exec(
                "UPDATE runs SET ended_at = ?, outcome = ?, api_calls = ?, changes = ?, error = ? "
                "WHERE run_id = ? AND ended_at IS NULL",
                (
                    self._now_text(),
                    RunOutcome(outcome).value,
                    dump_json(dict(api_calls or {})),
                    dump_json(dict(changes or {})),
                    None if error is None else redact(error),
                    run_id,
                ),
            )
            run = self.get_run(run_id)
            if run is None:
                raise ValueError(f"unknown run {run_id!r}")
            if not updated:
                raise ValueError(f"run {run_id!r} already ended ({run.outcome})")
            return run

    def get_run(self, run_id: str) -> RunRecord | None:
        """One run."""
        rows = self._query(f"SELECT {RUN_COLS} FROM runs WHERE run_id = ?", (run_id,))
        return run_from_row(rows[0]) if rows else None

    def runs(self, journey: str | None = None, *, limit: int = 20) -> list[RunRecord]:
        """Most recent runs first."""
        where, params = ("WHERE journey = ? ", [journey]) if journey is not None else ("", [])
        rows = self._query(
            f"SELECT {RUN_COLS} FROM runs {where}ORDER BY started_at DESC, run_id DESC LIMIT ?",
            [*params, limit],
        )
        return [run_from_row(r) for r in rows]

    def unfinished_runs(self, journey: str) -> list[RunRecord]:
        """Runs of ``journey`` that never ended (crashed or killed), oldest first."""
        rows = self._query(
            f"SELECT {RUN_COLS} FROM runs WHERE journey = ? AND ended_at IS NULL ORDER BY started_at, run_id",
            (journey,),
        )
        return [run_from_row(r) for r in rows]

    # -- operation journal ---------------------------------------------------------------------------------
    def journal_append(self, run_id: str, connector: str, target: str, op: Mapping[str, JSONValue]) -> JournalEntry:
        """Record ``op`` as pending before it is sent (commit before sending!); assigns the next ``seq``."""
        now = self._now()
        with self.transaction():
            ((seq,),) = self._query("SELECT COALESCE(MAX(seq), 0) + 1 FROM op_journal WHERE run_id = ?", (run_id,))
            entry = JournalEntry(
                run_id, int(seq), connector, target, dict(op), JournalState.PENDING, None, None, now, now
            )
            self._exec(
                f"INSERT INTO op_journal ({JOURNAL_COLS}) VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?)",
                (
                    run_id,
                    entry.seq,
                    connector,
                    target,
                    dump_json(entry.op),
                    entry.state.value,
                    ts_text(now),
                    ts_text(now),
                ),
            )
        return entry

    def _set_journal_state(
        self, run_id: str, seq: int, state: JournalState, external_id: str | None, error: str | None
    ) -> None:
        with self.transaction():
            updated = self._exec(
                "UPDATE op_journal SET state = ?, external_id = ?, error = ?, updated_at = ? "
                "WHERE run_id = ? AND seq = ?",
                (state.value, external_id, error, self._now_text(), run_id, seq),
            )
            if not updated:
                raise ValueError(f"no journal entry {run_id}#{seq}")

    def journal_mark_done(self, run_id: str, seq: int, external_id: str | None = None) -> None:
        """Mark an entry done (with the id of a created item)."""
        self._set_journal_state(run_id, seq, JournalState.DONE, external_id, None)

    def journal_mark_failed(self, run_id: str, seq: int, error: str) -> None:
        """Mark an entry failed (``error`` is redacted)."""
        self._set_journal_state(run_id, seq, JournalState.FAILED, None, redact(error))

    def journal(self, run_id: str) -> list[JournalEntry]:
        """All entries of a run in order."""
        rows = self._query(f"SELECT {JOURNAL_COLS} FROM op_journal WHERE run_id = ? ORDER BY seq", (run_id,))
        return [journal_from_row(r) for r in rows]

    def pending_journal(self, journey: str) -> list[JournalEntry]:
        """Pending entries of the journey's unfinished runs: what crash recovery must check."""
        cols = ", ".join(f"j.{c.strip()}" for c in JOURNAL_COLS.split(","))
        rows = self._query(
            f"SELECT {cols} FROM op_journal j JOIN runs r ON r.run_id = j.run_id "
            "WHERE r.journey = ? AND r.ended_at IS NULL AND j.state = ? "
            "ORDER BY r.started_at, j.run_id, j.seq",
            (journey, JournalState.PENDING.value),
        )
        return [journal_from_row(r) for r in rows]

    def unsettled_journal(self, journey: str, connector: str, target: str) -> list[JournalEntry]:
        """Entries written to ``target`` by runs that did not commit, since the last run that did."""
        cols = ", ".join(f"j.{c.strip()}" for c in JOURNAL_COLS.split(","))
        settled = (RunOutcome.OK.value, RunOutcome.CONFLICTS.value)
        rows = self._query(
            f"SELECT {cols} FROM op_journal j JOIN runs r ON r.run_id = j.run_id "
            "WHERE r.journey = ? AND j.connector = ? AND j.target = ? "
            "AND (r.outcome IS NULL OR r.outcome NOT IN (?, ?)) "
            "AND r.started_at > COALESCE((SELECT MAX(s.started_at) FROM runs s "
            "WHERE s.journey = ? AND s.outcome IN (?, ?)), '') "
            "ORDER BY r.started_at, j.run_id, j.seq",
            (journey, connector, target, *settled, journey, *settled),
        )
        return [journal_from_row(r) for r in rows]

    # -- change log ----------------------------------------------------------------------------------------
    def _id_taken(self, table: str, column: str) -> Callable[[str], bool]:
        def taken(candidate: str) -> bool:
            return bool(self._query(f"SELECT 1 FROM {table} WHERE {column} = ?", (candidate,)))

        return taken

    def record_changes(self, run_id: str, changes: Sequence[Change]) -> list[ChangeRecord]:
        """Log synced changes of a run; each gets a short id (``ch-…``)."""
        now = self._now()
        records: list[ChangeRecord] = []
        with self.transaction():
            run = self.get_run(run_id)
            if run is None:
                raise ValueError(f"unknown run {run_id!r}")
            ((first,),) = self._query("SELECT COALESCE(MAX(seq), 0) + 1 FROM change_log WHERE run_id = ?", (run_id,))
            taken = self._id_taken("change_log", "change_id")
            for seq, ch in enumerate(changes, start=int(first)):
                seed = "\x1f".join((run_id, str(seq), ch.key, ch.field or "", ch.side))
                rec = ChangeRecord(
                    short_id(CHANGE_PREFIX, seed, taken, min_len=6),
                    run_id,
                    now,
                    run.journey,
                    ch.target,
                    ch.key,
                    ch.field,
                    Side(ch.side),
                    ch.old,
                    ch.new,
                    ch.author,
                    ch.reason,
                )
                self._exec(
                    f"INSERT INTO change_log ({CHANGE_COLS}, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        rec.id,
                        run_id,
                        ts_text(now),
                        rec.journey,
                        rec.target,
                        rec.key,
                        rec.field or "",
                        rec.side.value,
                        dump_json(rec.old),
                        dump_json(rec.new),
                        rec.author,
                        rec.reason,
                        seq,
                    ),
                )
                records.append(rec)
        return records

    def get_change(self, change_id: str) -> ChangeRecord | None:
        """One logged change by id (case-insensitive), e.g. to restore the overwritten value."""
        rows = self._query(f"SELECT {CHANGE_COLS} FROM change_log WHERE change_id = ?", (normalize_id(change_id),))
        return change_from_row(rows[0]) if rows else None

    def changes(
        self, journey: str, *, run_id: str | None = None, key: str | None = None, limit: int | None = None
    ) -> list[ChangeRecord]:
        """Logged changes of a journey, newest first."""
        where, params = ["journey = ?"], [journey]
        if run_id is not None:
            where.append("run_id = ?")
            params.append(run_id)
        if key is not None:
            where.append("entity_key = ?")
            params.append(key)
        sql = (
            f"SELECT {CHANGE_COLS} FROM change_log WHERE {' AND '.join(where)} ORDER BY ts DESC, run_id DESC, seq DESC"
        )
        args: list[Any] = list(params)
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        return [change_from_row(r) for r in self._query(sql, args)]

    # -- conflicts -----------------------------------------------------------------------------------------
    def open_conflict(self, conflict: ConflictInput) -> ConflictRecord:
        """Record a conflict; an already open one on the same field keeps its id and gets the new values."""
        c = conflict
        values = (
            dump_json(c.base),
            dump_json(c.file),
            dump_json(c.board),
            c.file_author,
            opt_ts_text(c.file_at),
            c.board_author,
            opt_ts_text(c.board_at),
        )
        with self.transaction():
            rows = self._query(
                "SELECT conflict_id FROM conflicts WHERE journey = ? AND target = ? AND entity_key = ? "
                "AND field_name = ? AND status = ?",
                (c.journey, c.target, c.key, c.field or "", ConflictStatus.OPEN.value),
            )
            if rows:
                conflict_id = str(rows[0][0])
                self._exec(
                    "UPDATE conflicts SET base_value = ?, file_value = ?, board_value = ?, file_author = ?, "
                    "file_at = ?, board_author = ?, board_at = ? WHERE conflict_id = ?",
                    (*values, conflict_id),
                )
            else:
                seed = conflict_seed(c.journey, c.target, c.key, c.field)
                conflict_id = short_id(CONFLICT_PREFIX, seed, self._id_taken("conflicts", "conflict_id"))
                self._exec(
                    f"INSERT INTO conflicts ({CONFLICT_COLS}) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?)",
                    (
                        conflict_id,
                        c.journey,
                        c.target,
                        c.key,
                        c.field or "",
                        *values,
                        self._now_text(),
                        ConflictStatus.OPEN.value,
                    ),
                )
            record = self.get_conflict(conflict_id)
        assert record is not None
        return record

    def get_conflict(self, conflict_id: str) -> ConflictRecord | None:
        """One conflict by id (case-insensitive)."""
        rows = self._query(f"SELECT {CONFLICT_COLS} FROM conflicts WHERE conflict_id = ?", (normalize_id(conflict_id),))
        return conflict_from_row(rows[0]) if rows else None

    def conflicts(
        self,
        journey: str | None = None,
        *,
        status: ConflictStatus | None = ConflictStatus.OPEN,
        target: str | None = None,
    ) -> list[ConflictRecord]:
        """Conflicts, oldest first (``status=None`` for all)."""
        where: list[str] = []
        params: list[Any] = []
        for column, value in (("journey", journey), ("status", status), ("target", target)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(str(value))
        clause = f"WHERE {' AND '.join(where)} " if where else ""
        rows = self._query(
            f"SELECT {CONFLICT_COLS} FROM conflicts {clause}ORDER BY created_at, conflict_id",
            params,
        )
        return [conflict_from_row(r) for r in rows]

    def resolve_conflict(self, conflict_id: str, resolution: Resolution) -> ConflictRecord:
        """Settle an open conflict; ``UsageError`` if unknown or already resolved."""
        with self.transaction():
            current = self.get_conflict(conflict_id)
            if current is None:
                raise UsageError(f"no conflict with id {conflict_id!r}", hint="list the open conflicts first")
            if current.status is not ConflictStatus.OPEN:
                raise UsageError(
                    f"conflict {current.id} was already resolved ({current.resolution}) at {current.resolved_at}"
                )
            self._exec(
                "UPDATE conflicts SET status = ?, resolution = ?, resolved_at = ? WHERE conflict_id = ?",
                (ConflictStatus.RESOLVED.value, Resolution(resolution).value, self._now_text(), current.id),
            )
            record = self.get_conflict(current.id)
        assert record is not None
        return record
