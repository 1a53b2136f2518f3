"""One run per journey at a time: an OS file lock on ``<db>.<journey>.lock``, through ``filelock``.

``filelock`` takes ``flock`` on POSIX and ``msvcrt.locking`` on Windows. The kernel drops either when
its holder dies, however it dies (crash, ``kill -9``, power loss), so a stale lock can never block the
next run and no heartbeat or pid-liveness guess is needed. The holder writes its pid, host, owner and
start time into ``<lock>.holder`` beside it, only to explain who holds it (the lock file itself is
truncated by every attempt to take it). Locks are per host: a PostgreSQL store uses a session advisory
lock instead.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from filelock import FileLock, Timeout

from cjm_sync.errors import LockedError

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")
_POLL = 0.05


def lock_path(db_path: Path, journey: str) -> Path:
    """``<db>.<journey>.lock``; journey ids unfit for a file name are replaced by a hash."""
    name = journey if _SAFE_NAME.match(journey) else "h-" + hashlib.sha256(journey.encode()).hexdigest()[:16]
    return db_path.with_name(f"{db_path.name}.{name}.lock")


def _holder_path(path: Path) -> Path:
    return path.with_name(path.name + ".holder")


def _holder_text(path: Path, journey: str) -> str:
    try:
        info = json.loads(_holder_path(path).read_text(encoding="utf-8"))
        who = f"pid {info['pid']} ({info['owner']} on {info['host']})"
        return f"journey {journey!r} is being synced by {who} since {info['since']}"
    except (OSError, ValueError, KeyError, TypeError):
        return f"journey {journey!r} is being synced by another process"


class FileJourneyLock:
    """A held journey lock; :meth:`release` it or use it as a context manager."""

    def __init__(self, path: Path, journey: str, owner: str, lock: FileLock) -> None:
        self.path = path
        self.journey = journey
        self.owner = owner
        self._lock: FileLock | None = lock

    @classmethod
    def acquire(
        cls, path: Path, journey: str, owner: str, *, wait: bool = False, timeout: float | None = None
    ) -> FileJourneyLock:
        """Lock ``journey``; raise :class:`LockedError` if held (after waiting up to ``timeout`` seconds,
        forever when None, if ``wait``)."""
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        lock = FileLock(str(path), mode=0o600, thread_local=False)
        try:
            lock.acquire(timeout=(-1 if timeout is None else timeout) if wait else 0, poll_interval=_POLL)
        except Timeout:
            waited = f" (waited {timeout:g}s)" if wait and timeout is not None else ""
            raise LockedError(
                f"{_holder_text(path, journey)}{waited}",
                hint="use --wait to wait for it" if not wait else "try again later",
            ) from None
        try:
            info = {
                "journey": journey,
                "owner": owner,
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "since": datetime.now(UTC).isoformat(timespec="seconds"),
            }
            holder = _holder_path(path)
            fd = os.open(holder, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(json.dumps(info))
        except BaseException:
            lock.release(force=True)
            raise
        return cls(path, journey, owner, lock)

    @property
    def held(self) -> bool:
        """Whether this object still holds the lock."""
        return self._lock is not None

    def release(self) -> None:
        """Give the lock up (idempotent). The lock file stays: deleting it would race with waiters."""
        lock, self._lock = self._lock, None
        if lock is None:
            return
        try:
            _holder_path(self.path).unlink(missing_ok=True)
        finally:
            lock.release(force=True)

    def __enter__(self) -> FileJourneyLock:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
