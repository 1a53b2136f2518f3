"""Model → Miro JSON, in the shapes of the spec's response schemas."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from .store import Board, Connector, Item, Tag

__all__ = ["board_json", "connector_json", "item_json", "tag_json", "user"]

PATH_SAFE = "=:@!$&'()*+,;"  # RFC 3986 sub-delims and ":@", legal in a path segment
PLURAL = {t: f"{t}s" for t in ("sticky_note", "card", "app_card", "shape", "text", "frame")}


def _path_id(board_id: str) -> str:
    """A board id as it goes into a URL path: percent-encoded exactly once, ``=`` kept as Miro's links show it."""
    return quote(board_id, safe=PATH_SAFE)


def user(user_id: str) -> dict[str, str]:
    """A ``createdBy``/``modifiedBy`` reference."""
    return {"id": user_id, "type": "user"}


def item_json(base: str, board: Board, item: Item) -> dict[str, Any]:
    """An item as ``GET /<type>s/{id}``, the item list and bulk create return it."""
    board_url = f"{base}/v2/boards/{_path_id(board.id)}"
    data = dict(item.data)
    if item.type == "app_card":
        data["owned"] = True
    body: dict[str, Any] = {
        "id": item.id,
        "type": item.type,
        "data": data,
        "style": dict(item.style),
        "position": {
            "x": item.x,
            "y": item.y,
            "origin": "center",
            "relativeTo": "parent_top_left" if item.parent_id else "canvas_center",
        },
        "geometry": dict(item.geometry),
        "createdAt": item.created_at,
        "createdBy": user(item.created_by),
        "modifiedAt": item.modified_at,
        "modifiedBy": user(item.modified_by),
        "links": {"self": f"{board_url}/{PLURAL[item.type]}/{item.id}", "related": f"{board_url}/items/{item.id}"},
    }
    if item.parent_id:
        body["parent"] = {"id": item.parent_id, "links": {"self": f"{board_url}/items/{item.parent_id}"}}
    return body


def tag_json(base: str, board: Board, tag: Tag) -> dict[str, Any]:
    """A tag (``TagWithLinks``)."""
    return {
        "id": tag.id,
        "type": "tag",
        "title": tag.title,
        "fillColor": tag.fill_color,
        "links": {"self": f"{base}/v2/boards/{_path_id(board.id)}/tags/{tag.id}"},
    }


def connector_json(base: str, board: Board, connector: Connector) -> dict[str, Any]:
    """A connector (``ConnectorWithLinks``)."""
    board_url = f"{base}/v2/boards/{_path_id(board.id)}"

    def end(point: dict[str, Any]) -> dict[str, Any]:
        rendered: dict[str, Any] = {"id": point["id"], "links": {"self": f"{board_url}/items/{point['id']}"}}
        if "position" in point:
            rendered["position"] = dict(point["position"])
        return rendered

    return {
        "id": connector.id,
        "type": "connector",
        "shape": connector.shape,
        "startItem": end(connector.start),
        "endItem": end(connector.end),
        "captions": [dict(c) for c in connector.captions],
        "style": dict(connector.style),
        "isSupported": True,
        "createdAt": connector.created_at,
        "createdBy": user(connector.created_by),
        "modifiedAt": connector.modified_at,
        "modifiedBy": user(connector.modified_by),
        "links": {"self": f"{board_url}/connectors/{connector.id}"},
    }


def board_json(base: str, board: Board) -> dict[str, Any]:
    """A board (``BoardWithLinks``)."""
    owner = {"id": board.created_by, "name": f"User {board.created_by}", "type": "user"}
    return {
        "id": board.id,
        "type": "board",
        "name": board.name,
        "description": board.description,
        "team": {"id": "3458764500000000000", "name": "Sandbox team", "type": "team"},
        "owner": owner,
        "currentUserMembership": {**owner, "role": "owner"},
        "createdAt": board.created_at,
        "createdBy": owner,
        "modifiedAt": board.modified_at,
        "modifiedBy": {"id": board.modified_by, "name": f"User {board.modified_by}", "type": "user"},
        "viewLink": f"https://miro.com/app/board/{board.id}",
        "links": {
            "self": f"{base}/v2/boards/{_path_id(board.id)}",
            "related": f"{base}/v2/boards/{_path_id(board.id)}/members",
        },
    }
