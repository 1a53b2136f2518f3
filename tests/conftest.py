"""Suite-wide test set-up: shared helper folders on the import path, no real retry waits."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from pg_cluster import PgCluster, start_cluster

from cjm_sync.http import retry

sys.path.insert(0, str(Path(__file__).parent / "contract"))

# Hypothesis profiles. "dev" (default): random examples, failures kept in .hypothesis/ and replayed
# first on the next run. "ci" (selected by the CI environment variable, or HYPOTHESIS_PROFILE=ci):
# three times the examples, still bounded, and derandomized: every CI run tries the same examples, so a
# failure CI reports reproduces with the same command anywhere; the falsifying example is printed
# with its @reproduce_failure blob. Tests that set max_examples themselves (slow, whole-sync ones)
# keep their own bound.
settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile(
    "ci",
    max_examples=300,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(autouse=True)
def _no_retry_waits() -> Iterator[None]:
    retry.set_testing(True)
    yield
    retry.set_testing(False)


_PRISTINE_LOGGERS = {
    name: (logging.getLogger(name).handlers[:], logging.getLogger(name).level, logging.getLogger(name).propagate)
    for name in ("cjm_sync", "connectors")
}
"""Taken at import, before any (module-scoped) fixture ran the CLI, which configures these loggers."""


@pytest.fixture(autouse=True)
def _restore_loggers() -> Iterator[None]:
    """CLI runs configure the package loggers for the process; undo it so caplog sees records again."""
    yield
    logging.captureWarnings(False)  # `--log-format json` routes Python warnings into the log
    root = logging.getLogger()  # ... and other libraries' records through its JSON handler
    root.handlers[:] = [h for h in root.handlers if not getattr(h, "_cjm_sync_handler", False)]
    for name, (handlers, level, propagate) in _PRISTINE_LOGGERS.items():
        logger = logging.getLogger(name)
        logger.handlers[:], logger.level, logger.propagate = handlers[:], level, propagate


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """A real PostgreSQL server for the session, started on first use (``tests/pg_cluster.py``)."""
    cluster = start_cluster()
    if isinstance(cluster, str):
        if os.environ.get("CJM_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required here: {cluster}")
        pytest.skip(cluster)
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: PgCluster) -> str:
    """An empty database of its own on the test server."""
    return pg_cluster.new_database()
