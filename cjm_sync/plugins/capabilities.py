"""What a connector declares it can do; the engine checks these instead of catching NotImplementedError."""

from __future__ import annotations

from enum import StrEnum

from cjm_sync.errors import UsageError


class Capability(StrEnum):
    """One thing a connector can do."""

    READ = "read"
    WRITE = "write"
    INCREMENTAL = "incremental"
    METRICS = "metrics"
    DISCOVER = "discover"
    PEOPLE = "people"
    """The board can name the people who edit it (``WhiteboardConnector.people``)."""


class ConnectorKind(StrEnum):
    """Which side of the sync a connector sits on."""

    WHITEBOARD = "whiteboard"
    CRM = "crm"


def require(name: str, declared: frozenset[Capability], needed: Capability, action: str) -> None:
    """Raise a usage error when connector ``name`` lacks the capability ``needed`` for ``action``."""
    if needed not in declared:
        have = ", ".join(sorted(declared)) or "nothing"
        raise UsageError(f"connector '{name}' cannot {action}: it declares {have}, not '{needed}'")
