"""Fixtures for the HTTP core tests: no real retry waits and a fake clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from http_fakes import FakeClock

from cjm_sync.http import retry


@pytest.fixture(autouse=True)
def _no_retry_waits() -> Iterator[None]:
    retry.set_testing(True)
    yield
    retry.set_testing(False)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def real_waits() -> Iterator[None]:
    """Compute real retry waits (tests still inject a fake sleep, so nothing actually sleeps)."""
    retry.set_testing(False)
    yield
    retry.set_testing(True)
