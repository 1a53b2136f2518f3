"""Fixtures for the state-store tests: a store with a deterministic clock, on SQLite and on PostgreSQL.

Modules listed in :data:`BOTH_BACKENDS` run every test once per backend; the PostgreSQL server is a real
one the tests start themselves (``tests/pg_cluster.py``). Without server binaries those runs skip,
unless ``CJM_REQUIRE_POSTGRES=1`` (set by ``.ci/run``) makes that a failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cjm_sync.state import SQLiteStateStore, SqlStateStore

BOTH_BACKENDS = frozenset({"test_state_data", "test_state_logs", "test_state_postgres", "test_state_crm"})


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


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    if "backend" in metafunc.fixturenames and module in BOTH_BACKENDS:
        metafunc.parametrize("backend", ["sqlite", "postgresql"])


@pytest.fixture
def backend() -> str:
    """The store's backend: SQLite unless the module runs on both (see :data:`BOTH_BACKENDS`)."""
    return "sqlite"


@pytest.fixture
def store(backend: str, db_path: Path, request: pytest.FixtureRequest) -> Iterator[SqlStateStore]:
    if backend == "postgresql":
        from cjm_sync.state.postgres_store import PostgresStateStore

        s: SqlStateStore = PostgresStateStore.open(request.getfixturevalue("pg_url"), clock=TickingClock())
    else:
        s = SQLiteStateStore.open(db_path, clock=TickingClock())
    yield s
    s.close()
