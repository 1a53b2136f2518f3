"""One run per journey across machines: a PostgreSQL session-level advisory lock.

The lock lives on a connection of its own, held for the run. PostgreSQL releases a session's advisory
locks when the session ends, however it ends (clean exit, crash, ``kill -9``, a dropped network), so a
dead worker never holds a journey for longer than the server takes to notice the closed connection.
The key is the two-``int4`` form ``(NAMESPACE, hash(journey))``; who holds a lock is read back from
``pg_locks`` joined with ``pg_stat_activity`` (the holder names itself in ``application_name``).
"""

from __future__ import annotations

import hashlib
import os
import socket
import time
from types import TracebackType
from typing import Any

import psycopg

from cjm_sync.errors import LockedError

NAMESPACE = 0x636A6D73
"""First advisory-lock key for everything cjm-sync locks ('cjms')."""
MIGRATION_KEY = 0
"""Second key of the lock taken while migrating the schema (journey keys are never 0)."""
_MAX_POLL = 0.2
_APP_NAME_MAX = 63  # PostgreSQL's NAMEDATALEN - 1


def journey_key(journey: str) -> int:
    """The signed 32-bit second key of ``journey``'s lock (never :data:`MIGRATION_KEY`)."""
    value = int.from_bytes(hashlib.sha256(journey.encode("utf-8")).digest()[:4], "big", signed=True)
    return value or 1


def _unsigned(key: int) -> int:
    return key & 0xFFFFFFFF


def _holder_text(conn: psycopg.Connection[Any], journey: str) -> str:
    rows = conn.execute(
        "SELECT a.application_name, a.client_addr::text, a.state_change FROM pg_locks l "
        "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
        "AND l.classid::int8 = %s AND l.objid::int8 = %s AND l.objsubid = 2",
        (_unsigned(NAMESPACE), _unsigned(journey_key(journey))),
    ).fetchall()
    if not rows:
        return f"journey {journey!r} is being synced by another process"
    name, addr, since = rows[0]
    where = f" from {addr}" if addr else ""
    when = f" since {since.isoformat(timespec='seconds')}" if since else ""
    return f"journey {journey!r} is being synced by {name or 'another session'}{where}{when}"


class AdvisoryJourneyLock:
    """A held journey lock on its own connection; :meth:`release` it or use it as a context manager."""

    def __init__(self, conn: psycopg.Connection[Any], journey: str, owner: str) -> None:
        self.journey = journey
        self.owner = owner
        self._conn: psycopg.Connection[Any] | None = conn

    @classmethod
    def acquire(
        cls,
        conn: psycopg.Connection[Any],
        journey: str,
        owner: str,
        *,
        wait: bool = False,
        timeout: float | None = None,
    ) -> AdvisoryJourneyLock:
        """Lock ``journey`` on ``conn`` (which the lock then owns and closes on release).

        Raises :class:`LockedError` naming the holder if the lock is held (after ``timeout`` seconds
        when ``wait``; ``wait`` without a timeout waits until it is free).
        """
        label = f"cjm-sync {owner} pid {os.getpid()}@{socket.gethostname()}"
        deadline = None if timeout is None else time.monotonic() + timeout
        delay = 0.005
        try:
            conn.execute("SELECT set_config('application_name', %s, false)", (label[:_APP_NAME_MAX],))
            while True:
                row = conn.execute("SELECT pg_try_advisory_lock(%s, %s)", (NAMESPACE, journey_key(journey))).fetchone()
                if row is not None and row[0]:
                    break
                remaining = None if deadline is None else deadline - time.monotonic()
                if not wait or (remaining is not None and remaining <= 0):
                    waited = f" (waited {timeout:g}s)" if wait else ""
                    raise LockedError(
                        f"{_holder_text(conn, journey)}{waited}",
                        hint="use --wait to wait for it" if not wait else "try again later",
                    )
                time.sleep(delay if remaining is None else min(delay, remaining))
                delay = min(delay * 2, _MAX_POLL)
        except BaseException:
            conn.close()
            raise
        return cls(conn, journey, owner)

    @property
    def held(self) -> bool:
        """Whether this object still holds the lock."""
        return self._conn is not None

    def release(self) -> None:
        """Give the lock up (idempotent): closing the session releases it even if the unlock fails."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if not conn.closed:
                conn.execute("SELECT pg_advisory_unlock(%s, %s)", (NAMESPACE, journey_key(self.journey)))
        except psycopg.Error:
            pass  # the connection is gone, and the server released the lock with it
        finally:
            conn.close()

    def __enter__(self) -> AdvisoryJourneyLock:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
