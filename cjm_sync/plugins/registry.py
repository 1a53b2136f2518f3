"""Connector discovery through the ``cjm_sync.connectors`` entry-point group."""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

from cjm_sync.errors import UsageError

ENTRY_POINT_GROUP = "cjm_sync.connectors"

_extra: dict[str, Any] = {}


def register_connector(name: str, factory: Any) -> None:
    """Register a connector class without an installed entry point (tests, embedding)."""
    _extra[name] = factory


def available_connectors() -> dict[str, Any]:
    """Every installed connector class by name (entry points, then explicit registrations)."""
    found: dict[str, Any] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found[ep.name] = ep
    found.update(_extra)
    return found


def load_connector(name: str) -> Any:
    """The connector class registered under ``name``; a clear error naming the installed ones if absent."""
    found = available_connectors()
    if name not in found:
        names = ", ".join(sorted(found)) or "none"
        raise UsageError(f"unknown connector '{name}' (installed: {names})")
    target = found[name]
    return target.load() if hasattr(target, "load") else target
