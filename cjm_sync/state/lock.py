"""One run per journey at a time: an OS file lock (``flock``) on ``<db>.<journey>.lock``.

The kernel drops a ``flock`` when its holder dies, however it dies (crash, ``kill -9``, power loss),
so a stale lock can never block the next run and no heartbeat or pid-liveness guess is needed. The
holder writes its pid, host, owner and start time into the file, only to explain who holds it.
Locks are per host: a PostgreSQL store would use a session advisory lock instead.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import socket
import time
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from cjm_sync.errors import LockedError

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")
_MAX_POLL = 0.2


def lock_path(db_path: Path, journey: str) -> Path:
    """``<db>.<journey>.lock``; journey ids unfit for a file name are replaced by a hash."""
    name = journey if _SAFE_NAME.match(journey) else "h-" + hashlib.sha256(journey.encode()).hexdigest()[:16]
    return db_path.with_name(f"{db_path.name}.{name}.lock")


def _holder_text(path: Path, journey: str) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        who = f"pid {info['pid']} ({info['owner']} on {info['host']})"
        return f"journey {journey!r} is being synced by {who} since {info['since']}"
    except (OSError, ValueError, KeyError, TypeError):
        return f"journey {journey!r} is being synced by another process"


class FileJourneyLock:
    """A held journey lock; :meth:`release` it or use it as a context manager."""

    def __init__(self, path: Path, journey: str, owner: str, fd: int) -> None:
        self.path = path
        self.journey = journey
        self.owner = owner
        self._fd: int | None = fd

    @classmethod
    def acquire(
        cls, path: Path, journey: str, owner: str, *, wait: bool = False, timeout: float | None = None
    ) -> FileJourneyLock:
        """Lock ``journey``; raise :class:`LockedError` if held (after waiting up to ``timeout`` if ``wait``)."""
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = None if timeout is None else time.monotonic() + timeout
        delay = 0.005
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if not wait or (remaining is not None and remaining <= 0):
                        waited = f" (waited {timeout:g}s)" if wait else ""
                        raise LockedError(
                            f"{_holder_text(path, journey)}{waited}",
                            hint="use --wait to wait for it" if not wait else "try again later",
                        ) from None
                    time.sleep(delay if remaining is None else min(delay, remaining))
                    delay = min(delay * 2, _MAX_POLL)
            info = {
                "journey": journey,
                "owner": owner,
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "since": datetime.now(UTC).isoformat(timespec="seconds"),
            }
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(info).encode(), 0)
        except BaseException:
            os.close(fd)
            raise
        return cls(path, journey, owner, fd)

    @property
    def held(self) -> bool:
        """Whether this object still holds the lock."""
        return self._fd is not None

    def release(self) -> None:
        """Give the lock up (idempotent). The file stays: deleting it would race with waiters."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def __enter__(self) -> FileJourneyLock:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
