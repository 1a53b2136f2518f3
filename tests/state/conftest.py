"""Fixtures for the state-store tests: a store on a temp file with a deterministic clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cjm_sync.state import SQLiteStateStore


class TickingClock:
    """Returns a new, later instant on every call, so orderings are deterministic."""

    def __init__(self) -> None:
        self.now = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "cjm.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[SQLiteStateStore]:
    s = SQLiteStateStore.open(db_path, clock=TickingClock())
    yield s
    s.close()
