"""Fixtures for the Dynamics connector and its Dataverse sandbox: a small deterministic environment."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from dynamics_support import ANCHOR, BASE

from connectors.dynamics.sandbox import DataverseSandbox


@pytest.fixture
def sandbox() -> DataverseSandbox:
    return DataverseSandbox(records=3000, seed=11, anchor=ANCHOR, now=lambda: ANCHOR)


@pytest.fixture
def http(sandbox: DataverseSandbox) -> Iterator[httpx.Client]:
    with httpx.Client(
        transport=sandbox.transport(), base_url=BASE, headers={"Authorization": "Bearer test-token"}
    ) as client:
        yield client
