"""Shared HubSpot test helpers (a uniquely named module: two ``conftest`` modules must never be imported
by name)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from hubspot_contract import HubSpotSpecTransport

from connectors.hubspot.connector import HubSpotConnector
from connectors.hubspot.sandbox import HubSpotSandbox, RateLimits

ANCHOR = datetime(2026, 11, 1, tzinfo=UTC)
"""The generated portals end here; tests use it as --as-of."""

ConnectorFactory = Callable[..., tuple[HubSpotConnector, HubSpotSpecTransport]]


def unthrottled(sandbox: HubSpotSandbox) -> HubSpotSandbox:
    """The sandbox without rate limits (tests that are not about limits)."""
    sandbox.limits = RateLimits(burst=10**9, search_per_second=10**9)
    return sandbox
