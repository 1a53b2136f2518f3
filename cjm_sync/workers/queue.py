"""The task queue: procrastinate on the state store's PostgreSQL database.

One ``sync_journey`` task, one job per journey run. Each job carries two procrastinate locks named after
the journey (:func:`journey_lock`): the *queueing lock* keeps at most one waiting job per journey (a
second ``enqueue`` while one waits is a no-op), and the *lock* keeps two jobs of one journey from ever
running at the same time on any worker. The state store's advisory lock guards the run itself as well.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import procrastinate
from procrastinate import exceptions as pq_errors

from cjm_sync.errors import ConfigError, UsageError, redact
from cjm_sync.state.pg_lock import NAMESPACE
from cjm_sync.state.postgres_store import libpq_url, safe_location

TASK_NAME = "cjm_sync.sync_journey"
"""The procrastinate task every sync job runs (``journey`` = path relative to the config's folder)."""
QUEUE = "cjm-sync"
_SCHEMA_KEY = -1  # advisory key (with NAMESPACE) held while installing procrastinate's schema


def journey_lock(journey: str) -> str:
    """The procrastinate lock and queueing lock of a journey (its path relative to the config)."""
    return f"cjm-sync:{journey}"


def require_postgres(url: str) -> str:
    """``url`` for libpq, or :class:`UsageError`: workers share state, so the store must be PostgreSQL."""
    scheme = url.partition("://")[0].split("+")[0].lower()
    if scheme not in {"postgresql", "postgres"}:
        raise UsageError(
            "workers need a PostgreSQL state store shared by every worker",
            hint='set [state] url = "postgresql://user@host/db" in cjm-sync.toml or CJM_STATE_URL',
        )
    return libpq_url(url)


def make_app(url: str) -> procrastinate.App:
    """A procrastinate app whose queue lives in the state database at ``url``."""
    return procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=require_postgres(url)))


async def ensure_schema(app: procrastinate.App, url: str) -> None:
    """Install procrastinate's tables on first use (once, under an advisory lock, whoever starts first)."""
    try:
        async with app.open_async():
            connector = app.connector
            assert isinstance(connector, procrastinate.PsycopgConnector)
            async with connector.pool.connection() as conn:
                await conn.execute("SELECT pg_advisory_lock(%s, %s)", (NAMESPACE, _SCHEMA_KEY))
                try:
                    row = await (await conn.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")).fetchone()
                    if not (row and row[0]):
                        await app.schema_manager.apply_schema_async()
                finally:
                    await conn.execute("SELECT pg_advisory_unlock(%s, %s)", (NAMESPACE, _SCHEMA_KEY))
    except (OSError, pq_errors.ProcrastinateException) as exc:
        raise ConfigError(f"task queue in {safe_location(url)} failed: {redact(str(exc))}") from exc


@dataclass(frozen=True)
class Enqueued:
    """What :func:`enqueue` did for one journey: a new job id, or ``None`` when one was already waiting."""

    journey: str
    job_id: int | None


async def enqueue(app: procrastinate.App, journeys: Sequence[str], *, options: dict[str, Any]) -> list[Enqueued]:
    """Defer one sync job per journey (``options`` are the task's keyword arguments besides ``journey``)."""
    done: list[Enqueued] = []
    async with app.open_async():
        for journey in journeys:
            deferrer = app.configure_task(
                TASK_NAME, queue=QUEUE, lock=journey_lock(journey), queueing_lock=journey_lock(journey)
            )
            try:
                job_id = await deferrer.defer_async(journey=journey, **options)
            except pq_errors.AlreadyEnqueued:
                job_id = None
            done.append(Enqueued(journey, job_id))
    return done


@dataclass(frozen=True)
class JobRow:
    """One job as ``cjm-sync jobs`` shows it."""

    id: int
    journey: str
    status: str
    attempts: int
    scheduled_at: datetime | None
    worker_id: int | None


async def list_jobs(app: procrastinate.App, *, limit: int = 50) -> list[JobRow]:
    """The newest jobs of the sync task, newest first."""
    async with app.open_async():
        connector = app.connector
        assert isinstance(connector, procrastinate.PsycopgConnector)
        async with connector.pool.connection() as conn:
            cursor = await conn.execute(
                "SELECT id, args->>'journey', status::text, attempts, scheduled_at, worker_id "
                "FROM procrastinate_jobs WHERE task_name = %s ORDER BY id DESC LIMIT %s",
                (TASK_NAME, limit),
            )
            rows = await cursor.fetchall()
    return [JobRow(int(r[0]), str(r[1]), str(r[2]), int(r[3]), r[4], None if r[5] is None else int(r[5])) for r in rows]


def run(coro: Any) -> Any:
    """Run a coroutine from a (synchronous) CLI command."""
    return asyncio.run(coro)
