"""Connector plugin contracts and discovery."""

from cjm_sync.plugins.capabilities import Capability, ConnectorKind, require
from cjm_sync.plugins.registry import (
    ENTRY_POINT_GROUP,
    available_connectors,
    load_connector,
    register_connector,
)
from cjm_sync.plugins.whiteboard import (
    ApplyResult,
    Authorship,
    BoardOp,
    BoardRead,
    ConnectorState,
    FieldChange,
    Journal,
    OpKind,
    WhiteboardConnector,
    entity_key,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "ApplyResult",
    "Authorship",
    "BoardOp",
    "BoardRead",
    "Capability",
    "ConnectorKind",
    "ConnectorState",
    "FieldChange",
    "Journal",
    "OpKind",
    "WhiteboardConnector",
    "available_connectors",
    "entity_key",
    "load_connector",
    "register_connector",
    "require",
]
