"""Fixtures for the resilience suite: a working directory on tmpfs where there is one."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

FAST_TMP = "/dev/shm" if Path("/dev/shm").is_dir() else None
"""SQLite syncs every commit to disk; on tmpfs the many runs of the suite are several times faster."""


@pytest.fixture
def workdir(tmp_path: Path) -> Iterator[Path]:
    if FAST_TMP is None:
        yield tmp_path
        return
    with tempfile.TemporaryDirectory(dir=FAST_TMP, prefix="cjm-resilience-") as tmp:
        yield Path(tmp)
