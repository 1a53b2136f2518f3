"""The state-store interface the sync engine programs against.

Every mutating method is atomic on its own and joins the surrounding :meth:`StateStore.transaction`
when called inside one, so several calls commit or roll back together.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from types import TracebackType
from typing import Protocol

from cjm_sync.state.records import (
    Change,
    ChangeRecord,
    ConflictInput,
    ConflictRecord,
    ConflictStatus,
    Cursor,
    JournalEntry,
    JSONValue,
    Resolution,
    RunOutcome,
    RunRecord,
    Side,
    Snapshot,
    SyncCommit,
    Tombstone,
)


class JourneyLock(Protocol):
    """A held per-journey run lock; release it (or leave the ``with`` block) when the run ends."""

    journey: str
    owner: str

    def release(self) -> None:
        """Give the lock up; calling it twice is harmless."""

    def __enter__(self) -> JourneyLock: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


class StateStore(Protocol):
    """Persistent sync state: id maps, memos, base snapshots, tombstones, cursors, journal, logs."""

    location: str
    """Where the state lives (file path or redacted URL), for messages."""

    def close(self) -> None:
        """Close the connection."""

    def schema_version(self) -> int:
        """The schema version the database is at."""

    def transaction(self) -> AbstractContextManager[None]:
        """Run the block in one transaction (nested blocks join the outer one)."""

    def acquire_lock(
        self, journey: str, owner: str, *, wait: bool = False, timeout: float | None = None
    ) -> JourneyLock:
        """Take the run lock of ``journey``; raise ``LockedError`` if held (after ``timeout`` if ``wait``)."""

    # -- id map and connector memo, per (journey, connector, target) --------------------------------------
    def get_id_map(self, journey: str, connector: str, target: str) -> dict[str, str]:
        """Entity key → external id."""

    def set_id(self, journey: str, connector: str, target: str, key: str, external_id: str) -> None:
        """Map ``key`` to ``external_id`` (replacing the key's old id); ``ValueError`` if the id is taken."""

    def delete_id(self, journey: str, connector: str, target: str, key: str) -> None:
        """Forget the external id of ``key``."""

    def replace_id_map(self, journey: str, connector: str, target: str, id_map: Mapping[str, str]) -> None:
        """Replace the whole id map; ``ValueError`` if two keys share an external id."""

    def get_memo(self, journey: str, connector: str, target: str) -> dict[str, JSONValue]:
        """The connector's memo (empty if none)."""

    def set_memo(self, journey: str, connector: str, target: str, memo: Mapping[str, JSONValue]) -> None:
        """Replace the connector's memo."""

    # -- base snapshot -------------------------------------------------------------------------------------
    def get_base(self, journey: str, connector: str, target: str) -> Snapshot:
        """The last state both sides agreed on."""

    def replace_base(
        self, journey: str, connector: str, target: str, snapshot: Mapping[str, Mapping[str, JSONValue]]
    ) -> None:
        """Replace the base snapshot as a whole."""

    def commit_sync(self, commit: SyncCommit) -> RunRecord:
        """Commit base, id map, memo and the run outcome in one transaction."""

    # -- tombstones ----------------------------------------------------------------------------------------
    def add_tombstone(self, journey: str, key: str, *, side: Side, author: str | None) -> Tombstone:
        """Record that ``key`` was deleted on purpose (keeps the first record if already there)."""

    def tombstones(self, journey: str) -> dict[str, Tombstone]:
        """Entity key → tombstone."""

    def remove_tombstone(self, journey: str, key: str) -> bool:
        """Allow ``key`` to come back; ``False`` if it was not tombstoned."""

    # -- CRM cursors ---------------------------------------------------------------------------------------
    def get_cursor(self, journey: str, connector: str, stream: str) -> Cursor | None:
        """The stream's cursor, if any."""

    def set_cursor(self, journey: str, connector: str, stream: str, value: str) -> Cursor:
        """Advance (or set) the stream's cursor."""

    # -- CRM record cache (see cjm_sync.state.crm_cache) -------------------------------------------------
    def crm_stage_records(
        self,
        run_id: str,
        journey: str,
        connector: str,
        stream: str,
        rows: Iterable[tuple[str, Mapping[str, JSONValue] | None]],
    ) -> int:
        """Stage ``(record_id, values)`` rows (``None`` = delete) for ``run_id``."""

    def crm_stage_stream(
        self,
        run_id: str,
        journey: str,
        connector: str,
        stream: str,
        *,
        clear: bool = False,
        memo: Mapping[str, JSONValue] | None = None,
    ) -> None:
        """Stage clearing a stream and/or replacing its memo."""

    def crm_records(
        self, run_id: str, journey: str, connector: str, stream: str
    ) -> Iterator[tuple[str, dict[str, JSONValue]]]:
        """Records of a stream as ``run_id`` sees them, streamed."""

    def crm_count(self, run_id: str, journey: str, connector: str, stream: str) -> int:
        """Record count of a stream as ``run_id`` sees it."""

    def crm_stream_memo(self, run_id: str, journey: str, connector: str, stream: str) -> dict[str, JSONValue]:
        """A stream's memo as ``run_id`` sees it."""

    def crm_commit(self, run_id: str, journey: str, connector: str, watermarks: Mapping[str, datetime]) -> None:
        """Commit the run's staged rows and memos and set the watermarks (joins the caller's transaction)."""

    def crm_discard(self, run_id: str) -> None:
        """Drop everything ``run_id`` staged."""

    def crm_watermark(self, journey: str, connector: str, stream: str) -> datetime | None:
        """The committed watermark of a stream."""

    # -- run history ---------------------------------------------------------------------------------------
    def start_run(self, journey: str, command: str, *, run_id: str | None = None) -> RunRecord:
        """Record a run as started; generates a sortable ``run_id`` unless given."""

    def finish_run(
        self,
        run_id: str,
        outcome: RunOutcome,
        *,
        api_calls: Mapping[str, JSONValue] | None = None,
        changes: Mapping[str, int] | None = None,
        error: str | None = None,
    ) -> RunRecord:
        """Record how a run ended (``error`` is redacted)."""

    def get_run(self, run_id: str) -> RunRecord | None:
        """One run."""

    def runs(self, journey: str | None = None, *, limit: int = 20) -> list[RunRecord]:
        """Most recent runs first."""

    def unfinished_runs(self, journey: str) -> list[RunRecord]:
        """Runs of ``journey`` that never ended (crashed or killed), oldest first."""

    # -- operation journal ---------------------------------------------------------------------------------
    def journal_append(self, run_id: str, connector: str, target: str, op: Mapping[str, JSONValue]) -> JournalEntry:
        """Record ``op`` as pending before it is sent; assigns the next ``seq`` of the run."""

    def journal_mark_done(self, run_id: str, seq: int, external_id: str | None = None) -> None:
        """Mark an entry done (with the id of a created item)."""

    def journal_mark_failed(self, run_id: str, seq: int, error: str) -> None:
        """Mark an entry failed (``error`` is redacted)."""

    def journal(self, run_id: str) -> list[JournalEntry]:
        """All entries of a run in order."""

    def pending_journal(self, journey: str) -> list[JournalEntry]:
        """Pending entries of the journey's unfinished runs: what crash recovery must check."""

    def unsettled_journal(self, journey: str, connector: str, target: str) -> list[JournalEntry]:
        """Every entry (pending or done) written to ``target`` by runs that did not end well (failed,
        interrupted or never ended) since the last run that committed: writes the base does not know."""

    # -- change log ----------------------------------------------------------------------------------------
    def record_changes(self, run_id: str, changes: Sequence[Change]) -> list[ChangeRecord]:
        """Log synced changes of a run; each gets a short id."""

    def get_change(self, change_id: str) -> ChangeRecord | None:
        """One logged change by id (e.g. to restore the overwritten value)."""

    def changes(
        self, journey: str, *, run_id: str | None = None, key: str | None = None, limit: int | None = None
    ) -> list[ChangeRecord]:
        """Logged changes of a journey, newest first."""

    # -- conflicts -----------------------------------------------------------------------------------------
    def open_conflict(self, conflict: ConflictInput) -> ConflictRecord:
        """Record a conflict; an already open one on the same field keeps its id and gets the new values."""

    def get_conflict(self, conflict_id: str) -> ConflictRecord | None:
        """One conflict by id (case-insensitive)."""

    def conflicts(
        self,
        journey: str | None = None,
        *,
        status: ConflictStatus | None = ConflictStatus.OPEN,
        target: str | None = None,
    ) -> list[ConflictRecord]:
        """Conflicts, oldest first (``status=None`` for all)."""

    def resolve_conflict(self, conflict_id: str, resolution: Resolution) -> ConflictRecord:
        """Settle an open conflict; ``UsageError`` if unknown or already resolved."""
