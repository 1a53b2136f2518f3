"""Connector endpoints (the item list never contains connectors)."""

from __future__ import annotations

from urllib.parse import urlencode

from ..connectors import create_connector, update_connector
from ..context import Context, Reply
from ..errors import FieldError, invalid
from ..render import connector_json

__all__ = ["create", "delete", "get", "list_connectors", "update"]


def create(ctx: Context) -> Reply:
    """``POST /connectors`` (the spec documents 200 for this create)."""
    board = ctx.board()
    return Reply(200, connector_json(ctx.base, board, create_connector(ctx.store, board, ctx.body(), ctx.stamp)))


def list_connectors(ctx: Context) -> Reply:
    """``GET /connectors``: cursor-paged, ``limit`` 10-50 (default 10); the cursor is the next id."""
    board = ctx.board()
    limit = ctx.int_query("limit", 10, 10, 50)
    connectors = list(board.connectors.values())
    cursor = ctx.request.query.get("cursor")
    if cursor is not None and not cursor.isdigit():
        raise invalid([FieldError("cursor", "is not a cursor returned by this API")])
    start = next((n for n, c in enumerate(connectors) if int(c.id) >= int(cursor)), len(connectors)) if cursor else 0
    page = connectors[start : start + limit]
    url = ctx.url
    links = {"self": f"{url}?{urlencode(dict(ctx.request.query))}" if ctx.request.query else url}
    body: dict[str, object] = {
        "data": [connector_json(ctx.base, board, c) for c in page],
        "total": len(connectors),
        "size": len(page),
        "limit": limit,
        "links": links,
    }
    if start + limit < len(connectors):
        body["cursor"] = next_id = connectors[start + limit].id
        links["next"] = f"{url}?{urlencode({'limit': limit, 'cursor': next_id})}"
    return Reply(200, body)


def get(ctx: Context) -> Reply:
    """``GET /connectors/{connector_id}``."""
    board = ctx.board()
    return Reply(200, connector_json(ctx.base, board, board.connector(ctx.params["connector_id"])))


def update(ctx: Context) -> Reply:
    """``PATCH /connectors/{connector_id}``."""
    board = ctx.board()
    connector = update_connector(board, board.connector(ctx.params["connector_id"]), ctx.body(), ctx.stamp)
    return Reply(200, connector_json(ctx.base, board, connector))


def delete(ctx: Context) -> Reply:
    """``DELETE /connectors/{connector_id}``."""
    board = ctx.board()
    del board.connectors[board.connector(ctx.params["connector_id"]).id]
    return Reply(204)
