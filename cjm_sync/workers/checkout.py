"""Journey files stay the source of record in git when many workers sync them.

Each worker keeps its own clone of the journeys repository. Around every sync job it pulls (rebase, so
history stays linear), and after the job commits the journey file if the sync changed it and pushes; a
push refused as non-fast-forward (another worker pushed first) is followed by another pull and push, up
to :attr:`GitCheckout.push_attempts` times. Jobs of one worker process take turns in the checkout (one
asyncio lock), so a pull never runs while a sync of the same checkout writes a file: scale out with
more worker processes, each with its own clone. Credentials are git's own (SSH agent, credential
helper); nothing here reads or logs them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from cjm_sync.errors import CjmSyncError, redact

log = logging.getLogger(__name__)


class GitError(CjmSyncError):
    """A git command failed (not a push race: those are retried)."""


@dataclass
class GitCheckout:
    """A worker's clone of the journeys repository (``root`` holds ``.git``)."""

    root: Path
    remote: str = "origin"
    branch: str | None = None
    push_attempts: int = 5
    author: str = "cjm-sync worker <cjm-sync@localhost>"
    _turn: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    async def _git(self, *args: str, check: bool = True) -> tuple[int, str]:
        """Run git in the checkout as :attr:`author` (committer too: a rebase during a pull makes commits,
        and a fresh worker machine has no git identity of its own)."""
        name, _, email = self.author.partition(" <")
        proc = await asyncio.create_subprocess_exec(
            "git",
            "-C",
            str(self.root),
            "-c",
            f"user.name={name}",
            "-c",
            f"user.email={email.rstrip('>')}",
            *args,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            stdin=asyncio.subprocess.DEVNULL,
        )
        out, _ = await proc.communicate()
        text = redact(out.decode("utf-8", "replace").strip())
        code = proc.returncode if proc.returncode is not None else 1
        if check and code != 0:
            raise GitError(f"git {' '.join(args[:2])} in {self.root} failed: {text[-400:]}")
        return code, text

    async def _branch(self) -> str:
        if self.branch is None:
            _, name = await self._git("rev-parse", "--abbrev-ref", "HEAD")
            self.branch = name
        return self.branch

    async def pull(self) -> None:
        """Bring the checkout up to date with the remote branch (rebase, keeping local commits)."""
        await self._git("pull", "--rebase", "--quiet", self.remote, await self._branch())

    async def publish(self, path: Path, message: str) -> bool:
        """Commit ``path`` if it changed and push; ``False`` when there was nothing to commit.

        Raises :class:`GitError` when the push still fails after :attr:`push_attempts` pulls.
        """
        relative = str(path.resolve().relative_to(self.root.resolve()))
        await self._git("add", "--", relative)
        code, _ = await self._git("diff", "--cached", "--quiet", "--", relative, check=False)
        if code == 0:
            return False
        await self._git("commit", "--quiet", "-m", message, "--", relative)
        branch = await self._branch()
        for attempt in range(1, self.push_attempts + 1):
            code, text = await self._git("push", "--quiet", self.remote, f"HEAD:{branch}", check=False)
            if code == 0:
                return True
            log.info("push of %s refused (attempt %d): pulling and retrying", relative, attempt)
            await self._git("pull", "--rebase", "--quiet", self.remote, branch)
        raise GitError(f"could not push {relative} after {self.push_attempts} attempts: {text[-300:]}")

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Hold the checkout for one job (pull → sync → publish) of this process."""
        async with self._turn:
            yield
