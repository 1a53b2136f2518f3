"""Fixtures: a sandbox on a manual clock behind a spec-checking transport."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from openapi_contract import SpecCheckingTransport

from connectors.miro.sandbox import ManualClock, MiroSandbox


@pytest.fixture
def sandbox() -> MiroSandbox:
    return MiroSandbox(clock=ManualClock())


@pytest.fixture
def checking(sandbox: MiroSandbox) -> SpecCheckingTransport:
    return SpecCheckingTransport(sandbox.transport())


@pytest.fixture
def client(checking: SpecCheckingTransport) -> Iterator[httpx.Client]:
    with httpx.Client(
        transport=checking, base_url="https://api.miro.com", headers={"Authorization": "Bearer test-token"}
    ) as http:
        yield http
