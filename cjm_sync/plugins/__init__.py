"""Connector plugin contracts and discovery."""

from cjm_sync.plugins.capabilities import Capability, ConnectorKind, require
from cjm_sync.plugins.crm import (
    CrmConnector,
    DiscoveredStage,
    DiscoveredTouchpoint,
    DiscoverRequest,
    Discovery,
    MetricFact,
    PullRequest,
    PullResult,
    RecordCache,
    SourceLink,
    links_for,
)
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
from cjm_sync.plugins.window import Window, parse_as_of, parse_window

__all__ = [
    "ENTRY_POINT_GROUP",
    "ApplyResult",
    "Authorship",
    "BoardOp",
    "BoardRead",
    "Capability",
    "ConnectorKind",
    "ConnectorState",
    "CrmConnector",
    "DiscoverRequest",
    "DiscoveredStage",
    "DiscoveredTouchpoint",
    "Discovery",
    "FieldChange",
    "Journal",
    "MetricFact",
    "OpKind",
    "PullRequest",
    "PullResult",
    "RecordCache",
    "SourceLink",
    "WhiteboardConnector",
    "Window",
    "available_connectors",
    "entity_key",
    "links_for",
    "load_connector",
    "parse_as_of",
    "parse_window",
    "register_connector",
    "require",
]
