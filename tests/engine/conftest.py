"""Fixtures for the sync-engine tests: a journey synced once with a memory board, on a real SQLite store."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from engine_support import Env, base_journey

FAST_TMP = "/dev/shm" if Path("/dev/shm").is_dir() else None
"""SQLite syncs every commit to disk; on tmpfs the crash and property tests run several times faster."""


@pytest.fixture
def workdir(tmp_path: Path) -> Iterator[Path]:
    """A temporary directory on tmpfs where there is one (else ``tmp_path``)."""
    if FAST_TMP is None:
        yield tmp_path
        return
    with tempfile.TemporaryDirectory(dir=FAST_TMP, prefix="cjm-engine-") as tmp:
        yield Path(tmp)


@pytest.fixture
def fresh(workdir: Path) -> Iterator[Env]:
    """The base journey in a file, an empty board, no state."""
    env = Env(workdir / "env")
    env.write(base_journey())
    yield env
    env.close()


@pytest.fixture
def env(fresh: Env) -> Env:
    """The base journey synced once: file, board and base agree."""
    report = fresh.sync()
    assert report.board_writes == len(fresh.board.items) > 0
    assert not report.conflicts
    return fresh
