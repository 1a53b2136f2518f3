"""A worker process: runs sync jobs from the queue, defers each journey's scheduled runs, and hands a
dead worker's jobs to the living.

* **Schedules.** Every ``[[journeys]]`` entry with ``schedule = "<cron>"`` becomes a procrastinate
  periodic task (periodic id = the journey's path). Every worker runs the periodic deferrer, and the
  queue's unique ``(task, periodic id, tick)`` row means each tick is deferred once, however many
  workers there are; the journey's queueing lock drops a tick while the previous one still waits.
* **Dead workers.** Workers send heartbeats; every :attr:`WorkerSettings.stalled_check` seconds each
  worker asks for jobs still ``doing`` on a worker whose heartbeat is older than
  :attr:`WorkerSettings.stalled_after` seconds and puts them back to ``todo`` for anyone to take.
* **Retries.** A transient failure (exit 1) is retried with exponential backoff up to
  :attr:`WorkerSettings.attempts` times; a refused job (exit 2) is not; exit 3 is a success that needs
  a human (``cjm-sync status --all`` shows it).
* **Jobs in threads.** Each job runs the sync engine in this process (:mod:`.runner`) on a thread of
  a pool as large as :attr:`WorkerSettings.concurrency`; the state store's connection pool is sized
  to match, and log records carry the job's journey.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import procrastinate
from procrastinate import RetryStrategy

from cjm_sync.config import Config
from cjm_sync.state.postgres_store import reserve_connections
from cjm_sync.workers.checkout import GitCheckout
from cjm_sync.workers.queue import QUEUE, TASK_NAME, ensure_schema, journey_lock, make_app
from cjm_sync.workers.runner import JourneyField, SyncJob, SyncJobFailed, run_sync

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerSettings:
    """How one worker process runs (``cjm-sync worker`` flags)."""

    concurrency: int = 4
    until_empty: bool = False
    """Exit once the queue is drained (tests, benchmarks, one-shot batch runs); no schedules then."""
    sandbox: bool = False
    attempts: int = 5
    """Runs of a job at most, the first included (a transient failure is retried ``attempts - 1`` times)."""
    backoff: float = 2.0
    """Retry n waits ``backoff ** (n + 1)`` seconds."""
    stalled_after: float = 30.0
    stalled_check: float = 10.0
    heartbeat: float = 5.0
    git: bool = False


def journey_key(config: Config, path: Path) -> str:
    """A journey's queue name: its path relative to the config's folder, with ``/`` separators."""
    resolved = path if path.is_absolute() else config.base_dir / path
    try:
        return resolved.resolve().relative_to(config.base_dir.resolve()).as_posix()
    except ValueError:
        return resolved.resolve().as_posix()


def build_app(url: str, config: Config, config_path: Path, settings: WorkerSettings) -> procrastinate.App:
    """The procrastinate app with the sync task and one periodic task per scheduled journey."""
    app = make_app(url)
    job = SyncJob(config=config_path.resolve(), sandbox=settings.sandbox)
    checkout = GitCheckout(config.base_dir.resolve()) if settings.git else None
    # procrastinate's max_attempts counts retries after the first run (and 0 means "no limit")
    retry: RetryStrategy | bool = (
        RetryStrategy(
            max_attempts=settings.attempts - 1,
            exponential_wait=int(settings.backoff),
            retry_exceptions={SyncJobFailed},
        )
        if settings.attempts > 1
        else False
    )

    async def sync_journey(journey: str, timestamp: int | None = None) -> str:
        path = config.base_dir.resolve() / journey
        if checkout is None:
            return (await run_sync(job, path, key=journey)).value
        async with checkout.turn():
            await checkout.pull()
            outcome = await run_sync(job, path, key=journey)
            await checkout.publish(path, f"cjm-sync: sync {journey} ({outcome.value})")
            return outcome.value

    task = app.task(name=TASK_NAME, queue=QUEUE, retry=retry)(sync_journey)
    for entry in config.journeys:
        if entry.schedule:
            key = journey_key(config, entry.path)
            app.periodic_registry.register_task(
                task=task,  # type: ignore[arg-type]  # periodic tasks get `timestamp`, which sync_journey takes
                cron=entry.schedule,
                periodic_id=key,
                configure_kwargs={
                    "task_kwargs": {"journey": key},
                    "lock": journey_lock(key),
                    "queueing_lock": journey_lock(key),
                },
            )
    return app


async def _retry_stalled(app: procrastinate.App, settings: WorkerSettings) -> None:
    while True:
        await asyncio.sleep(settings.stalled_check)
        try:
            stalled = await app.job_manager.get_stalled_jobs(
                task_name=TASK_NAME, seconds_since_heartbeat=settings.stalled_after
            )
            for job in stalled:
                log.warning("job %s (%s) was running on a dead worker: retrying it", job.id, job.task_kwargs)
                with contextlib.suppress(Exception):  # another worker may have retried it first
                    await app.job_manager.retry_job(job)
        except Exception:
            log.warning("could not check for stalled jobs", exc_info=True)


async def run_worker(url: str, config: Config, config_path: Path, settings: WorkerSettings) -> None:
    """Run a worker until it is stopped (SIGINT/SIGTERM finish the running jobs first) or, with
    :attr:`WorkerSettings.until_empty`, until the queue is empty."""
    app = build_app(url, config, config_path, settings)
    await ensure_schema(app, url)
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(max_workers=settings.concurrency + 2, thread_name_prefix="cjm-sync-job")
    )
    reserve_connections(settings.concurrency + 2)
    _tag_log_records()
    options: dict[str, Any] = {
        "queues": [QUEUE],
        "concurrency": settings.concurrency,
        "wait": not settings.until_empty,
        "update_heartbeat_interval": settings.heartbeat,
        "stalled_worker_timeout": settings.stalled_after,
        "fetch_job_polling_interval": 1.0,
    }
    async with app.open_async():
        sweeper = asyncio.create_task(_retry_stalled(app, settings))
        try:
            await app.run_worker_async(**options)
        finally:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper


def _tag_log_records() -> None:
    """Give cjm-sync's log handlers the running job's journey (``journey`` in JSON log lines)."""
    for name in ("cjm_sync", "connectors", ""):
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, JourneyField) for f in handler.filters):
                handler.addFilter(JourneyField())
