"""One sync job: ``cjm-sync sync --journey F`` in a child process, its exit code mapped to an outcome.

A child process keeps every job's connectors, sandbox and logging apart, and its exit code is the
documented contract (README, exit codes): 0 done, 3 conflicts wait for a human and 4 a held mass
delete waits for a human's yes (both recorded, not failures: retrying cannot settle them), 2 a usage or
validation error (retrying cannot help: the job fails at once), anything else a
transient failure that procrastinate retries with backoff. On Linux the child dies with its worker
(``PR_SET_PDEATHSIG``), so a killed worker leaves no sync running on its own; the journey's advisory
lock is freed with the child's connection and the retried job starts clean (kill -9 converges).
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import enum
import json
import logging
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cjm_sync.errors import EXIT_CONFLICTS, EXIT_HELD, EXIT_USAGE, redact

log = logging.getLogger(__name__)
_PR_SET_PDEATHSIG = 1


class Outcome(enum.Enum):
    """How a sync job ended, as the queue records it."""

    DONE = "done"
    NEEDS_HUMAN = "needs a human"
    """Exit 3: the sync finished and conflicts wait in ``cjm-sync conflicts``."""
    HELD = "held: mass delete"
    """Exit 4: nothing applied; a person confirms the deletions with ``--allow-mass-delete``."""


class SyncJobFailed(Exception):
    """A transient failure (exit 1, a signal): procrastinate retries the job with backoff."""


class SyncJobRejected(Exception):
    """Exit 2: the journey or config is invalid; the job fails without retries until someone fixes it."""


@dataclass(frozen=True)
class SyncCommand:
    """How a worker runs ``cjm-sync sync`` for a journey."""

    config: Path
    sandbox: bool = False
    wait_timeout: float = 600.0
    """Seconds a job waits for a run of the same journey started elsewhere (``sync --wait``)."""

    def argv(self, journey: Path) -> list[str]:
        """The child's command line."""
        args = [sys.executable, "-m", "cjm_sync", "--config", str(self.config), "--log-format", "json", "--json"]
        args += ["sync", "--journey", str(journey), "--wait", "--wait-timeout", f"{self.wait_timeout:g}"]
        return [*args, "--sandbox"] if self.sandbox else args


def _die_with_parent() -> Callable[[], None] | None:
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)

    def set_pdeathsig() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

    return set_pdeathsig


async def run_sync(command: SyncCommand, journey: Path) -> Outcome:
    """Run one sync of ``journey``; return its outcome or raise :class:`SyncJobFailed` /
    :class:`SyncJobRejected` with the child's error message (secrets redacted)."""
    child = await asyncio.create_subprocess_exec(
        *command.argv(journey),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        stdin=asyncio.subprocess.DEVNULL,
        cwd=command.config.parent,
        env=os.environ.copy(),
        preexec_fn=_die_with_parent(),
    )
    out, err = await child.communicate()
    code = child.returncode
    summary = _summary(out.decode("utf-8", "replace"))
    if code == 0:
        log.info("synced %s: %s", journey, summary)
        return Outcome.DONE
    if code == EXIT_CONFLICTS:
        log.warning("synced %s with conflicts pending: needs a human (cjm-sync conflicts)", journey)
        return Outcome.NEEDS_HUMAN
    if code == EXIT_HELD:
        log.warning("sync of %s held: it would delete most of the journey; needs a human's yes", journey)
        return Outcome.HELD
    message = redact(_error_text(out.decode("utf-8", "replace"), err.decode("utf-8", "replace")))
    if code == EXIT_USAGE:
        raise SyncJobRejected(f"sync of {journey} was refused (exit 2): {message}")
    raise SyncJobFailed(f"sync of {journey} failed (exit {code}): {message}")


def _summary(stdout: str) -> str:
    try:
        data = json.loads(stdout)
    except ValueError:
        return "ok"
    if isinstance(data, dict):
        return f"{data.get('board_writes', 0)} board write(s), file written: {bool(data.get('file_written'))}"
    return "ok"


def _error_text(stdout: str, stderr: str) -> str:
    try:
        data = json.loads(stdout)
        if isinstance(data, dict) and data.get("message"):
            return str(data["message"])
    except ValueError:
        pass
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return lines[-1][:500] if lines else "no message"
