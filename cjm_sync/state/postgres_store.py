"""The PostgreSQL state store: the portable SQL of :class:`SqlStateStore` over psycopg 3 and a pool.

Open it with ``[state] url = "postgresql://user@host/db"`` or ``CJM_STATE_URL``. The password never
belongs in the URL of a config file: libpq reads ``PGPASSWORD``, ``~/.pgpass`` or a service file.
Each store borrows one connection from a per-process pool (:mod:`psycopg_pool`) and gives it back on
:meth:`PostgresStateStore.close`, so a worker running many jobs reuses a few connections. Journey
locks are session-level advisory locks on a connection of their own (:mod:`cjm_sync.state.pg_lock`):
a killed worker's lock is released by the server the moment its connection drops.

Raises :class:`~cjm_sync.errors.ConfigError` (server unreachable, authentication failed, not a
cjm-sync database) with the URL's password removed from every message.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import errors as pg_errors
from psycopg_pool import ConnectionPool, PoolTimeout

from cjm_sync.errors import CjmSyncError, ConfigError, LockedError, StateUnavailable, redact, register_secret
from cjm_sync.state._codec import Row
from cjm_sync.state.migrations import LATEST_VERSION, migrate
from cjm_sync.state.pg_lock import MIGRATION_KEY, NAMESPACE, AdvisoryJourneyLock
from cjm_sync.state.sql_store import Clock, DBConnection, Dialect, SqlStateStore

POSTGRES = Dialect("postgresql", "format")
POOL_MAX = 8
"""Connections one process keeps open to one database, at least (see :func:`reserve_connections`)."""

_STREAM_BATCH = 500
_cursor_ids = itertools.count(1)
_pools: dict[str, ConnectionPool[Any]] = {}
_pools_guard = threading.Lock()
_pool_max = POOL_MAX


def safe_location(url: str) -> str:
    """``url`` without its password (``postgresql://user:***@host/db``), for messages and run records."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def libpq_url(url: str) -> str:
    """The URL libpq accepts: SQLAlchemy-style driver suffixes (``postgresql+psycopg://``) dropped."""
    scheme, sep, rest = url.partition("://")
    return f"postgresql{sep}{rest}" if scheme.split("+")[0] in {"postgresql", "postgres"} else url


def _pool(url: str, timeout: float) -> ConnectionPool[Any]:
    """The process's pool for ``url``; the first use connects once directly, so a wrong host or password
    fails at once with the server's own message instead of after the pool's reconnect attempts."""
    with _pools_guard:
        pool = _pools.get(url)
        if pool is None:
            psycopg.connect(url, connect_timeout=max(1, int(timeout))).close()
            pool = ConnectionPool(
                url,
                min_size=0,
                max_size=_pool_max,
                kwargs={"autocommit": True, "application_name": "cjm-sync"},
                timeout=timeout,
                open=True,
                name="cjm-sync-state",
            )
            _pools[url] = pool
        return pool


def reserve_connections(count: int) -> None:
    """Let this process's pools hold ``count`` connections at least (a worker running N jobs at once
    holds N stores: a smaller pool would make the N+1st wait and fail with a pool timeout)."""
    global _pool_max  # noqa: PLW0603 - the pools are process-wide
    with _pools_guard:
        _pool_max = max(_pool_max, count)
        for pool in _pools.values():
            if pool.max_size < _pool_max:
                pool.resize(min_size=pool.min_size, max_size=_pool_max)


def close_pools() -> None:
    """Close every pooled connection of this process (at worker shutdown; safe to call twice)."""
    with _pools_guard:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.close()


class PostgresStateStore(SqlStateStore):
    """State in a PostgreSQL database. Transactions are explicit ``BEGIN``/``COMMIT`` on an autocommit
    connection; migrations run under a session advisory lock so concurrent workers migrate once."""

    dialect = POSTGRES

    def __init__(
        self,
        conn: psycopg.Connection[Any],
        url: str,
        pool: ConnectionPool[Any] | None,
        *,
        clock: Clock | None = None,
        connect_timeout: float = 10.0,
    ) -> None:
        super().__init__(cast(DBConnection, conn), safe_location(url), clock=clock)
        self.url = url
        self._pg = conn
        self._pool_of_conn = pool
        self._connect_timeout = connect_timeout

    @classmethod
    def open(
        cls,
        url: str,
        *,
        clock: Clock | None = None,
        connect_timeout: float = 10.0,
        upto: int = LATEST_VERSION,
        pooled: bool = True,
    ) -> PostgresStateStore:
        """Connect to ``url`` (migrating as needed); ``upto`` is for tests; ``pooled=False`` opens a
        private connection. Raises :class:`ConfigError` when the server cannot be used."""
        dsn = libpq_url(url)
        parts = urlsplit(dsn)
        register_secret(parts.password)
        pool: ConnectionPool[Any] | None = None
        try:
            if pooled:
                pool = _pool(dsn, connect_timeout)
                conn = pool.getconn()
            else:
                conn = psycopg.connect(dsn, autocommit=True, connect_timeout=max(1, int(connect_timeout)))
        except (psycopg.Error, PoolTimeout) as exc:
            raise _connect_error(url, exc) from exc
        store = cls(conn, dsn, pool, clock=clock, connect_timeout=connect_timeout)
        try:
            store._check_database()
            with store._migration_lock():
                migrate(store, upto=upto)
        except BaseException:
            store.close()
            raise
        return store

    def close(self) -> None:
        """Give the connection back to the pool (rolled back if a transaction was left open)."""
        if self._pool_of_conn is not None:
            pool, self._pool_of_conn = self._pool_of_conn, None
            pool.putconn(self._pg)
        elif not self._pg.closed:
            self._pg.close()

    def _check_database(self) -> None:
        """Refuse a database holding someone else's tables (the task queue's own tables are expected)."""
        query = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        tables = {name for (name,) in self._query(query) if not str(name).startswith("procrastinate_")}
        if tables and "schema_migrations" not in tables:
            raise ConfigError(
                f"{self.location} is a PostgreSQL database with other tables, not a cjm-sync state store",
                hint="create an empty database (or schema) for cjm-sync and point [state] url at it",
            )

    @contextmanager
    def _migration_lock(self) -> Iterator[None]:
        """A session advisory lock around migrating, so two workers starting at once migrate once."""
        self._query("SELECT pg_advisory_lock(?, ?)", (NAMESPACE, MIGRATION_KEY))
        try:
            yield
        finally:
            self._query("SELECT pg_advisory_unlock(?, ?)", (NAMESPACE, MIGRATION_KEY))

    def _stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Row]:
        """Rows through a server-side cursor (``WITH HOLD``, 500 rows a fetch): a client-side cursor would
        load a whole CRM record cache into memory before the first row."""
        with self._guard():
            cursor = self._pg.cursor(name=f"cjm_stream_{next(_cursor_ids)}", withhold=True)
            cursor.itersize = _STREAM_BATCH
            cursor.execute(self.dialect.sql(sql), tuple(params))
        try:
            while True:
                with self._guard():
                    batch = cursor.fetchmany(_STREAM_BATCH)
                if not batch:
                    return
                yield from (tuple(row) for row in batch)
        finally:
            with suppress(psycopg.Error):
                cursor.close()

    def _driver_errors(self) -> tuple[type[Exception], ...]:
        return (psycopg.Error,)

    def _translate(self, exc: Exception) -> Exception | None:
        if isinstance(exc, psycopg.errors.IntegrityError | psycopg.ProgrammingError | psycopg.DataError):
            return None  # a bug in the caller, not the user's problem to fix
        if isinstance(exc, pg_errors.SerializationFailure | pg_errors.DeadlockDetected | pg_errors.LockNotAvailable):
            return LockedError(
                f"state database {self.location} was busy: {redact(str(exc))}",
                hint="another cjm-sync process is writing to it; try again",
            )
        kind = StateUnavailable if _transient(exc) else ConfigError
        return kind(
            f"state database {self.location} failed: {redact(str(exc)).strip()}",
            hint="check that the server is up and the database user can create tables in it",
        )

    def acquire_lock(
        self, journey: str, owner: str, *, wait: bool = False, timeout: float | None = None
    ) -> AdvisoryJourneyLock:
        """Take the run lock of ``journey``: a session advisory lock on a connection of its own."""
        try:
            conn = psycopg.connect(self.url, autocommit=True, connect_timeout=max(1, int(self._connect_timeout)))
        except psycopg.Error as exc:
            raise _connect_error(self.url, exc) from exc
        return AdvisoryJourneyLock.acquire(conn, journey, owner, wait=wait, timeout=timeout)


_CONFIG_SQLSTATES = frozenset({"28000", "28P01", "3D000", "3F000", "42501"})
"""Answers a person must fix: bad authorisation or password, no such database or schema, no privilege."""
_CONFIG_TEXTS = (
    "resolve",
    "name or service not known",
    "nodename",
    "password",
    "authentication",
    "does not exist",
    "pg_hba.conf",
    "permission denied",
)
"""The same in libpq's (English) connect messages, which carry no SQLSTATE: a host name that does not
resolve, a wrong password, role or database, a rule refusing the user."""


def _transient(exc: BaseException) -> bool:
    """Whether a database error may pass by itself: the pool ran dry, or the connection failed or broke
    (class 08, the server shutting down or starting: 57P0x; no SQLSTATE at all: refused, timed out —
    but not a host name that does not resolve)."""
    if isinstance(exc, PoolTimeout):
        return True
    if not isinstance(exc, psycopg.OperationalError):
        return False
    state = getattr(exc, "sqlstate", None)
    if state is None:  # libpq's connect errors carry no SQLSTATE: refused or timed out may pass, the rest not
        return not any(text in str(exc).lower() for text in _CONFIG_TEXTS)
    return state not in _CONFIG_SQLSTATES and state[:2] in {"08", "57"}


def _connect_error(url: str, exc: BaseException) -> CjmSyncError:
    text = redact(str(exc)).strip().splitlines()
    detail = text[0] if text else type(exc).__name__
    kind = StateUnavailable if _transient(exc) else ConfigError
    return kind(
        f"cannot connect to the state database {safe_location(url)}: {detail}",
        hint="check [state] url / CJM_STATE_URL; the password comes from PGPASSWORD or ~/.pgpass, never the URL",
    )
