"""Persistent sync state: id maps, connector memos, base snapshots, tombstones, CRM cursors, the
write-ahead operation journal, the change log, run history and open conflicts.

Open a store with :func:`open_store`, which picks the backend from its argument:

* a filesystem path, or ``sqlite:///relative/path.db`` / ``sqlite:////absolute/path.db`` (SQLAlchemy's
  convention: three slashes then the path) → :class:`SQLiteStateStore`;
* ``postgresql://…`` (or ``postgres://``, ``postgresql+psycopg://``) → :class:`PostgresStateStore`
  (psycopg 3, the ``postgres`` extra); the password comes from ``PGPASSWORD``/``~/.pgpass``.

The store never receives secrets; error texts it keeps pass through :func:`~cjm_sync.errors.redact`.
"""

from __future__ import annotations

import os
from pathlib import Path

from cjm_sync.errors import ConfigError
from cjm_sync.state.journal import StoreJournal, op_to_json
from cjm_sync.state.lock import FileJourneyLock
from cjm_sync.state.migrations import LATEST_VERSION, MIGRATIONS, Migration
from cjm_sync.state.records import (
    Change,
    ChangeRecord,
    ConflictInput,
    ConflictRecord,
    ConflictStatus,
    Cursor,
    JournalEntry,
    JournalState,
    Resolution,
    RunOutcome,
    RunRecord,
    Side,
    Snapshot,
    SyncCommit,
    Tombstone,
)
from cjm_sync.state.sql_store import Clock, Dialect, SqlStateStore
from cjm_sync.state.sqlite_store import SQLiteStateStore
from cjm_sync.state.store import JourneyLock, StateStore

__all__ = [
    "LATEST_VERSION",
    "MIGRATIONS",
    "Change",
    "ChangeRecord",
    "Clock",
    "ConflictInput",
    "ConflictRecord",
    "ConflictStatus",
    "Cursor",
    "Dialect",
    "FileJourneyLock",
    "JournalEntry",
    "JournalState",
    "JourneyLock",
    "Migration",
    "Resolution",
    "RunOutcome",
    "RunRecord",
    "SQLiteStateStore",
    "Side",
    "Snapshot",
    "SqlStateStore",
    "StateStore",
    "StoreJournal",
    "SyncCommit",
    "Tombstone",
    "op_to_json",
    "open_store",
    "sqlite_path",
]

_POSTGRES_SCHEMES = ("postgresql", "postgres")


def sqlite_path(url_or_path: str | os.PathLike[str]) -> Path | None:
    """The file of a SQLite state store (a plain path or ``sqlite:///path``); None for other URLs.

    Raises :class:`ConfigError` for ``sqlite:///`` without a file.
    """
    text = os.fspath(url_or_path)
    scheme, sep, rest = text.partition("://")
    if not sep:
        return Path(text)
    if scheme.lower() != "sqlite":
        return None
    path = rest[1:] if rest.startswith("/") else rest
    if not path:
        raise ConfigError("state URL 'sqlite:///' names no file", hint="use sqlite:///path/to/state.db")
    return Path(path)


def open_store(url_or_path: str | os.PathLike[str], *, clock: Clock | None = None) -> StateStore:
    """Open the state store at a path or URL (see the module docstring)."""
    text = os.fspath(url_or_path)
    path = sqlite_path(text)
    if path is not None:
        return SQLiteStateStore.open(path, clock=clock)
    scheme = text.partition("://")[0].lower()
    if scheme.split("+")[0] in _POSTGRES_SCHEMES:  # never echo the URL: it may carry a password
        try:
            from cjm_sync.state.postgres_store import PostgresStateStore  # noqa: PLC0415 - optional extra
        except ImportError as exc:
            raise ConfigError(
                "a PostgreSQL state store needs psycopg 3, which is not installed",
                hint="pip install 'cjm-sync[postgres]'",
            ) from exc
        return PostgresStateStore.open(text, clock=clock)
    raise ConfigError(
        f"unsupported state store URL scheme {scheme!r}", hint="use a file path or sqlite:///path/to/state.db"
    )
