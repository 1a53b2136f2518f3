"""Connector operations: both ends required, never a frame, never the same item twice."""

from __future__ import annotations

from typing import Any

from .errors import FieldError, invalid
from .store import Board, Connector, Stamp, Store
from .validation import CONNECTOR_CREATE, CONNECTOR_UPDATE

__all__ = ["create_connector", "update_connector"]

DEFAULT_STYLE = {
    "color": "#1a1a1a",
    "endStrokeCap": "stealth",
    "fontSize": "14",
    "startStrokeCap": "none",
    "strokeColor": "#000000",
    "strokeStyle": "normal",
    "strokeWidth": "1.0",
    "textOrientation": "horizontal",
}


def create_connector(store: Store, board: Board, payload: Any, stamp: Stamp) -> Connector:
    """Validate and add a connector (default shape ``curved``)."""
    errors = CONNECTOR_CREATE(payload, "")
    if not errors:
        errors = _endpoint_errors(board, payload["startItem"], payload["endItem"])
    if errors:
        raise invalid(errors)
    connector = Connector(
        id=store.new_id(),
        start=dict(payload["startItem"]),
        end=dict(payload["endItem"]),
        shape=payload.get("shape", "curved"),
        captions=list(payload.get("captions", [])),
        style={**DEFAULT_STYLE, **payload.get("style", {})},
        created_at=stamp.at,
        created_by=stamp.actor,
        modified_at=stamp.at,
        modified_by=stamp.actor,
    )
    board.connectors[connector.id] = connector
    return connector


def update_connector(board: Board, connector: Connector, payload: Any, stamp: Stamp) -> Connector:
    """Apply a partial connector update; the resulting ends must still be valid."""
    errors = CONNECTOR_UPDATE(payload, "")
    start = payload.get("startItem", connector.start) if isinstance(payload, dict) else connector.start
    end = payload.get("endItem", connector.end) if isinstance(payload, dict) else connector.end
    if not errors:
        errors = _endpoint_errors(board, start, end)
    if errors:
        raise invalid(errors)
    connector.start, connector.end = dict(start), dict(end)
    connector.shape = payload.get("shape", connector.shape)
    connector.captions = list(payload.get("captions", connector.captions))
    connector.style = {**connector.style, **payload.get("style", {})}
    connector.touch(stamp)
    return connector


def _endpoint_errors(board: Board, start: dict[str, Any], end: dict[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    for name, end_point in (("startItem", start), ("endItem", end)):
        item = board.items.get(end_point.get("id", ""))
        if item is None:
            errors.append(FieldError(f"{name}.id", "item not found"))
        elif item.type == "frame":
            errors.append(FieldError(f"{name}.id", "frames cannot be connected"))
        if "position" in end_point and "snapTo" in end_point:
            errors.append(FieldError(name, "set either position or snapTo, not both"))
    if not errors and start["id"] == end["id"]:
        errors.append(FieldError("endItem.id", "startItem and endItem must be different items"))
    return errors
