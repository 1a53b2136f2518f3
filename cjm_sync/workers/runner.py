"""One sync job, run inside the worker process: the engine called directly in a thread, its report or
error mapped to an outcome the queue records.

The mapping keeps ``cjm-sync sync``'s documented exit codes (README, exit codes) as the contract:

=====================================================  ==========  =====================================
the run                                                exit code   the job
=====================================================  ==========  =====================================
applied, no conflicts                                  0           :attr:`Outcome.DONE`
applied, conflicts wait in ``cjm-sync conflicts``      3           :attr:`Outcome.NEEDS_HUMAN`
held: it would delete most of the journey              4           :attr:`Outcome.HELD`
invalid journey/config, missing credentials            2           :class:`SyncJobRejected` (no retry)
vendor unreachable, lock busy, state busy, a bug       1           :class:`SyncJobFailed` (retried)
=====================================================  ==========  =====================================

A job runs on a thread of the worker's pool (:func:`run_sync`), with its own config load, state
store connection, connectors and journey lock, so jobs share nothing but immutable module state and
the thread-safe process-wide pieces audited in docs/decisions.md (issue 13, in-process jobs). Every
exception a sync raises ends in one of the two exceptions above, never in the worker: one job's crash
is that job's retry. A worker killed with SIGKILL takes its threads with it; the journey's advisory
lock dies with its connection and the retried job converges from the journal (kill -9 converges).
"""

from __future__ import annotations

import asyncio
import contextvars
import enum
import logging
from dataclasses import dataclass
from pathlib import Path

from cjm_sync.cli.commands_sync import run_job, run_settings
from cjm_sync.cli.context import AppContext
from cjm_sync.cli.jobs import open_state, select_jobs
from cjm_sync.engine import SyncReport
from cjm_sync.errors import EXIT_USAGE, CjmSyncError, FileAccessError, redact

log = logging.getLogger(__name__)

current_journey: contextvars.ContextVar[str | None] = contextvars.ContextVar("cjm_sync_journey", default=None)
"""The journey (path relative to the config) the running job syncs; log records carry it as ``journey``."""


class Outcome(enum.Enum):
    """How a sync job ended, as the queue records it."""

    DONE = "done"
    NEEDS_HUMAN = "needs a human"
    """Exit 3: the sync finished and conflicts wait in ``cjm-sync conflicts``."""
    HELD = "held: mass delete"
    """Exit 4: nothing applied; a person confirms the deletions with ``--allow-mass-delete``."""


class SyncJobFailed(Exception):
    """A transient failure (the CLI's exit 1): procrastinate retries the job with backoff."""


class SyncJobRejected(Exception):
    """The CLI's exit 2: the journey or config is invalid; the job fails without retries until someone fixes it."""


@dataclass(frozen=True)
class SyncJob:
    """How a worker syncs a journey: what ``cjm-sync --config CONFIG sync --journey F --wait`` does."""

    config: Path
    """The config file, absolute: read afresh for every job (a ``git pull`` may have changed it)."""
    sandbox: bool = False
    wait_timeout: float = 600.0
    """Seconds a job waits for a run of the same journey started elsewhere (``sync --wait``)."""

    def run(self, journey: Path) -> SyncReport:
        """Sync ``journey`` (absolute path) now, blocking; the engine's report, or what it raises."""
        app = AppContext(config_path=self.config, json_output=True, verbosity=-1, log_format="json")
        config = app.config()
        if config is None or all(config.journey_path(e).resolve() != journey.resolve() for e in config.journeys):
            # its board, token and CRMs come from the config: never fall back to defaults (another token)
            raise SyncJobRejected(f"{journey} is no longer in {self.config}: not synced")
        (job,) = select_jobs(app, journey, False, "miro", None)
        run = run_settings(
            app,
            command="sync",
            sandbox=self.sandbox,
            wait=True,
            wait_timeout=self.wait_timeout,
            write_file=True,
            write_board=True,
            dry_run=False,
        )
        store = open_state(app)
        try:
            return run_job(app, store, job, run)
        finally:
            store.close()


def outcome(report: SyncReport) -> Outcome:
    """The outcome of an applied run (exit 4 before exit 3, as ``cjm-sync sync`` decides)."""
    if report.held is not None:
        return Outcome.HELD
    if report.conflicts:
        return Outcome.NEEDS_HUMAN
    return Outcome.DONE


def _classify(journey: Path, error: BaseException) -> SyncJobFailed | SyncJobRejected:
    """The job's exception for an error a sync raised (the CLI's error boundary, as exit codes)."""
    if isinstance(error, SyncJobFailed | SyncJobRejected):
        return error
    if isinstance(error, OSError) and error.filename is not None:
        error = FileAccessError(error.filename, error)
    if isinstance(error, CjmSyncError):
        if error.exit_code == EXIT_USAGE:
            return SyncJobRejected(f"sync of {journey} was refused (exit 2): {error.message}")
        return SyncJobFailed(f"sync of {journey} failed (exit {error.exit_code}): {error.message}")
    if isinstance(error, SystemExit):
        code = error.code if isinstance(error.code, int) else 1
        if code == EXIT_USAGE:
            return SyncJobRejected(f"sync of {journey} was refused (exit 2)")
        return SyncJobFailed(f"sync of {journey} stopped (exit {code})")
    log.error("sync of %s hit an internal error", journey, exc_info=error)  # formatters redact
    return SyncJobFailed(f"sync of {journey} failed (internal error): {redact(str(error)) or type(error).__name__}")


def _sync_in_thread(job: SyncJob, journey: Path) -> Outcome:
    try:
        report = job.run(journey)
    except (Exception, SystemExit) as error:  # the job boundary: every error becomes the job's
        raise _classify(journey, error) from None
    result = outcome(report)
    if result is Outcome.NEEDS_HUMAN:
        log.warning("synced %s with conflicts pending: needs a human (cjm-sync conflicts)", journey)
    elif result is Outcome.HELD:
        log.warning("sync of %s held: it would delete most of the journey; needs a human's yes", journey)
    else:
        log.info("synced %s: %d board write(s), file written: %s", journey, report.board_writes, report.file_written)
    return result


async def run_sync(job: SyncJob, journey: Path, *, key: str | None = None) -> Outcome:
    """Run one sync of ``journey`` on a thread of the running loop's default executor; its outcome, or
    :class:`SyncJobFailed` / :class:`SyncJobRejected` with the error's message (secrets redacted).

    ``key`` names the journey in log records (``journey`` field); default: the path.
    """
    token = current_journey.set(key or str(journey))
    try:
        return await asyncio.to_thread(_sync_in_thread, job, journey)
    finally:
        current_journey.reset(token)


class JourneyField(logging.Filter):
    """Adds ``journey`` (the running job's, else nothing) to every record a handler emits: JSON log lines
    of concurrent jobs say which journey they are about."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Tag ``record``; never drops it."""
        journey = current_journey.get()
        if journey is not None and not hasattr(record, "journey"):
            record.journey = journey
        return True
