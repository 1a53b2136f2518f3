"""Fixtures: a Miro sandbox on a manual clock, reached through the spec-checking transport."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from cjm_sync.plugins.whiteboard import ConnectorState
from connectors.miro.connector import MiroConnector
from connectors.miro.sandbox import ManualClock, MiroSandbox
from connectors.miro.settings import MiroSettings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "contract"))
from miro_helpers import BOARD
from openapi_contract import SpecCheckingTransport


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sandbox(clock: ManualClock) -> MiroSandbox:
    box = MiroSandbox(clock=clock)
    box.create_board("CJM", BOARD)
    return box


@pytest.fixture
def checking(sandbox: MiroSandbox) -> SpecCheckingTransport:
    return SpecCheckingTransport(sandbox.transport())


@pytest.fixture
def connector(checking: SpecCheckingTransport) -> Iterator[MiroConnector]:
    conn = MiroConnector(MiroSettings(access_token=SecretStr("test-token"), board_id=BOARD), transport=checking)
    yield conn
    conn.close()


@pytest.fixture
def state() -> ConnectorState:
    return ConnectorState()
