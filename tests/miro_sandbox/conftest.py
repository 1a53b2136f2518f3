"""Fixtures: a sandbox on a manual clock and an httpx client wired to it in-process."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from connectors.miro.sandbox import ManualClock, MiroSandbox

BASE_URL = "https://api.miro.com"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sandbox(clock: ManualClock) -> MiroSandbox:
    return MiroSandbox(clock=clock)


@pytest.fixture
def client(sandbox: MiroSandbox) -> Iterator[httpx.Client]:
    with httpx.Client(
        transport=sandbox.transport(), base_url=BASE_URL, headers={"Authorization": "Bearer test-token"}
    ) as http:
        yield http
