"""HubSpot tests: generated portals behind a spec-checking transport, a real SQLite state store."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from hubspot_contract import HubSpotSpecTransport
from hubspot_support import ANCHOR, ConnectorFactory, unthrottled

from cjm_sync.state import SQLiteStateStore, open_store
from connectors.hubspot.connector import HubSpotConnector
from connectors.hubspot.sandbox import HubSpotSandbox


@pytest.fixture(scope="session")
def b2b_portal() -> HubSpotSandbox:
    """A generated B2B SaaS portal (read-only: tests that change records make their own)."""
    return unthrottled(HubSpotSandbox.generate("b2b_saas", 2500, anchor=ANCHOR))


@pytest.fixture(scope="session")
def b2c_portal() -> HubSpotSandbox:
    """A generated B2C retail portal (read-only)."""
    return unthrottled(HubSpotSandbox.generate("b2c_retail", 2500, anchor=ANCHOR))


@pytest.fixture
def connect() -> ConnectorFactory:
    """``connect(sandbox, api_version="2026-09")`` → a connector whose every exchange is spec-checked."""

    def make(sandbox: HubSpotSandbox, **options: object) -> tuple[HubSpotConnector, HubSpotSpecTransport]:
        checking = HubSpotSpecTransport(sandbox.transport())
        connector = HubSpotConnector.from_config(
            {"sandbox": True, "search_per_second": 1000, **options}, transport=checking
        )
        return connector, checking

    return make


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStateStore]:
    opened = open_store(str(tmp_path / "state.db"))
    assert isinstance(opened, SQLiteStateStore)
    yield opened
    opened.close()
