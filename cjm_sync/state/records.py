"""Records the state store returns (frozen dataclasses) and the small enums they use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

JSONValue = Any
"""A JSON-serialisable value."""

Snapshot = dict[str, dict[str, JSONValue]]
"""A base snapshot: entity key → ``{field: value}``."""


class Side(StrEnum):
    """Which side a change was written to, or where a deletion happened."""

    FILE = "file"
    BOARD = "board"


class RunOutcome(StrEnum):
    """How a run ended."""

    OK = "ok"
    CONFLICTS = "conflicts"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


class JournalState(StrEnum):
    """Life cycle of a write-ahead journal entry: ``pending`` → ``done`` | ``failed``."""

    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class ConflictStatus(StrEnum):
    """Whether a conflict still waits for a decision."""

    OPEN = "open"
    RESOLVED = "resolved"


class Resolution(StrEnum):
    """Which value won a resolved conflict."""

    FILE = "file"
    BOARD = "board"
    BASE = "base"


@dataclass(frozen=True)
class Tombstone:
    """An entity deleted on purpose; the engine never re-creates it."""

    journey: str
    key: str
    side: Side
    author: str | None
    deleted_at: datetime


@dataclass(frozen=True)
class Cursor:
    """Incremental-read position of one CRM stream."""

    journey: str
    connector: str
    stream: str
    value: str
    updated_at: datetime


@dataclass(frozen=True)
class JournalEntry:
    """One external write, recorded before it is sent and marked when it returned."""

    run_id: str
    seq: int
    connector: str
    target: str
    op: dict[str, JSONValue]
    state: JournalState
    external_id: str | None
    error: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Change:
    """A change about to be logged (input of :meth:`StateStore.record_changes`).

    ``field`` is ``None`` for entity-level changes (create/delete); ``author`` made the winning change;
    ``reason`` says why this value won (``merge``, ``policy:crm-owned``, ``conflict-resolved`` …).
    """

    key: str
    field: str | None
    side: Side
    old: JSONValue
    new: JSONValue
    author: str | None
    reason: str
    target: str | None = None


def blank_change(old: Any, new: Any) -> bool:
    """Whether a logged change shows nothing: no value on either side (``None``, ``[]``, ``{}``, ``""``), or
    an unset flag that became ``false`` — e.g. the default fields of a touchpoint created on the board.
    ``cjm-sync log`` leaves such rows out and the engine does not record them."""
    return _blank(old) and (_blank(new) or new is False)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, list | dict | str) and not value)


@dataclass(frozen=True)
class ChangeRecord:
    """A logged change; ``old`` is the overwritten value that can be restored by ``id``."""

    id: str
    run_id: str
    ts: datetime
    journey: str
    target: str | None
    key: str
    field: str | None
    side: Side
    old: JSONValue
    new: JSONValue
    author: str | None
    reason: str


@dataclass(frozen=True)
class RunRecord:
    """One sync/plan/resolve run; ``ended_at``/``outcome`` are ``None`` while it runs (or if it crashed)."""

    run_id: str
    journey: str
    command: str
    started_at: datetime
    ended_at: datetime | None
    outcome: RunOutcome | None
    api_calls: dict[str, JSONValue]
    changes: dict[str, int]
    error: str | None


@dataclass(frozen=True)
class ConflictRecord:
    """A conflict waiting for (or settled by) a human decision.

    ``field`` is ``None`` for an entity-level conflict (deleted on one side, modified on the other);
    a value of ``None`` then means "deleted".
    """

    id: str
    journey: str
    target: str
    key: str
    field: str | None
    base: JSONValue
    file: JSONValue
    board: JSONValue
    file_author: str | None
    file_at: datetime | None
    board_author: str | None
    board_at: datetime | None
    created_at: datetime
    resolved_at: datetime | None
    resolution: Resolution | None
    status: ConflictStatus


@dataclass(frozen=True)
class ConflictInput:
    """A conflict found by the merge (input of :meth:`StateStore.open_conflict`)."""

    journey: str
    target: str
    key: str
    field: str | None
    base: JSONValue
    file: JSONValue
    board: JSONValue
    file_author: str | None = None
    file_at: datetime | None = None
    board_author: str | None = None
    board_at: datetime | None = None


@dataclass(frozen=True)
class SyncCommit:
    """Everything a successful sync commits at once (see :meth:`StateStore.commit_sync`)."""

    journey: str
    connector: str
    target: str
    run_id: str
    base: Snapshot
    id_map: dict[str, str]
    memo: dict[str, JSONValue]
    outcome: RunOutcome = RunOutcome.OK
    api_calls: dict[str, JSONValue] | None = None
    changes: dict[str, int] | None = None
