"""The SQLite state store: a private (0600) file in WAL mode, safe to share between processes."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from filelock import FileLock, Timeout

from cjm_sync.errors import ConfigError, LockedError
from cjm_sync.state.lock import FileJourneyLock, lock_path
from cjm_sync.state.migrations import LATEST_VERSION, migrate
from cjm_sync.state.sql_store import Clock, Dialect, SqlStateStore

SQLITE = Dialect("sqlite", "qmark", begin="BEGIN IMMEDIATE")
_CORRUPT_HINT = "move the file aside to start from an empty state (the next sync re-reads both sides)"


def _create_private(path: Path) -> None:
    """Create the parent directory and an empty 0600 file (an existing file keeps its mode)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise ConfigError(f"cannot open state database {path}: {exc.strerror or exc}") from exc
    os.close(fd)


class SQLiteStateStore(SqlStateStore):
    """State in one SQLite file. ``BEGIN IMMEDIATE`` transactions serialise writers across processes."""

    dialect = SQLITE

    def __init__(self, conn: sqlite3.Connection, path: Path, *, clock: Clock | None = None) -> None:
        super().__init__(conn, str(path), clock=clock)
        self.path = path

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        clock: Clock | None = None,
        busy_timeout: float = 10.0,
        upto: int = LATEST_VERSION,
    ) -> SQLiteStateStore:
        """Open (creating and migrating as needed) the state file at ``path``; ``upto`` is for tests."""
        db_path = Path(path).expanduser()
        _create_private(db_path)
        try:
            # check_same_thread off: a connector's write threads journal through StoreJournal, which
            # serialises every use of the connection while they run.
            conn = sqlite3.connect(db_path, timeout=busy_timeout, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise ConfigError(f"cannot open state database {db_path}: {exc}") from exc
        store = cls(conn, db_path, clock=clock)
        try:
            # one opener at a time (threads of a worker, processes): switching a fresh file to WAL and
            # migrating it answer "database is locked" at once to a second opener, without waiting
            with FileLock(f"{db_path}.open.lock", timeout=busy_timeout):
                store._configure(busy_timeout)
                migrate(store, upto=upto)
        except Timeout as exc:
            conn.close()
            raise LockedError(f"state database {db_path} stayed busy while opening", hint="try again") from exc
        except BaseException:
            conn.close()
            raise
        return store

    def _configure(self, busy_timeout: float) -> None:
        self._exec(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        self._exec("PRAGMA foreign_keys = ON")
        ((mode,),) = self._query("PRAGMA journal_mode = WAL")
        if str(mode).lower() != "wal":
            raise ConfigError(f"state database {self.location} cannot use WAL mode (got {mode!r})")
        self._exec("PRAGMA synchronous = FULL")  # journal entries must survive a power cut
        tables = {name for (name,) in self._query("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables and "schema_migrations" not in tables:
            raise ConfigError(
                f"{self.location} is an SQLite database but not a cjm-sync state file",
                hint="point the state setting at another file",
            )

    def _driver_errors(self) -> tuple[type[Exception], ...]:
        return (sqlite3.DatabaseError,)

    def _translate(self, exc: Exception) -> Exception | None:
        if isinstance(exc, sqlite3.IntegrityError | sqlite3.ProgrammingError | sqlite3.NotSupportedError):
            return None  # a bug in the caller, not the user's problem to fix
        text = str(exc)
        if isinstance(exc, sqlite3.OperationalError):
            if "locked" in text or "busy" in text:
                return LockedError(
                    f"state database {self.location} stayed busy: {text}",
                    hint="another cjm-sync process is writing to it; try again",
                )
            return ConfigError(
                f"state database {self.location} failed: {text}",
                hint="check the file's permissions and free disk space; " + _CORRUPT_HINT,
            )
        return ConfigError(f"state database {self.location} is corrupt or not a database: {text}", hint=_CORRUPT_HINT)

    def acquire_lock(
        self, journey: str, owner: str, *, wait: bool = False, timeout: float | None = None
    ) -> FileJourneyLock:
        """Take the run lock of ``journey`` via ``flock`` on ``<db>.<journey>.lock``."""
        return FileJourneyLock.acquire(lock_path(self.path, journey), journey, owner, wait=wait, timeout=timeout)
