"""Item endpoints: the generic ``/items`` family, the per-type families and bulk create."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from ..context import Context, Handler, Reply
from ..errors import FieldError, invalid
from ..items import create_item, delete_item, ensure_type, move_item, update_item, validate_create
from ..render import item_json
from ..store import Board, Item
from .paging import offset_page, page_url

__all__ = [
    "bulk_create",
    "delete_generic",
    "get_generic",
    "list_items",
    "move_generic",
    "typed_create",
    "typed_delete",
    "typed_get",
    "typed_update",
]

LISTABLE_TYPES = (
    "text", "shape", "sticky_note", "image", "document", "card", "app_card", "preview", "frame", "embed",
    "doc_format", "data_table_format",
)  # fmt: skip
BULK_TYPES = ("app_card", "text", "shape", "sticky_note", "image", "document", "card", "frame", "embed")
MAX_BULK = 20


def list_items(ctx: Context) -> Reply:
    """``GET /items``: cursor-paged, filtered by ``type`` and ``parent_item_id``; ``tag_id`` is offset-paged."""
    board = ctx.board()
    if "tag_id" in ctx.request.query:
        return _list_by_tag(ctx, board)
    limit = ctx.int_query("limit", 10, 10, 50)
    item_type = ctx.request.query.get("type")
    if item_type is not None and item_type not in LISTABLE_TYPES:
        raise invalid([FieldError("type", f"must be one of: {', '.join(LISTABLE_TYPES)}")])
    parent_id = ctx.request.query.get("parent_item_id")
    if parent_id is not None:
        board.item(parent_id)
    matching = [
        i
        for i in board.items.values()
        if (item_type is None or i.type == item_type) and (parent_id is None or i.parent_id == parent_id)
    ]
    start = _cursor_start(ctx.request.query.get("cursor"), matching)
    page = matching[start : start + limit]
    query = {k: v for k, v in ctx.request.query.items() if k != "cursor"}
    self_url = ctx.url
    body: dict[str, Any] = {
        "data": [item_json(ctx.base, board, i) for i in page],
        "total": len(matching),
        "size": len(page),
        "limit": limit,
        "links": {"self": page_url(self_url, ctx.request.query)},
    }
    if start + limit < len(matching):
        body["cursor"] = _encode_cursor(matching[start + limit].id)
        body["links"]["next"] = page_url(self_url, {**query, "cursor": body["cursor"]})
    return Reply(200, body)


def _list_by_tag(ctx: Context, board: Board) -> Reply:
    tag = board.tag(ctx.request.query["tag_id"])
    tagged = [i for i in board.items.values() if tag.id in i.tag_ids]
    return offset_page(ctx, tagged, lambda item: item_json(ctx.base, board, item))


def get_generic(ctx: Context) -> Reply:
    """``GET /items/{item_id}``."""
    board = ctx.board()
    return Reply(200, item_json(ctx.base, board, board.item(ctx.params["item_id"])))


def move_generic(ctx: Context) -> Reply:
    """``PATCH /items/{item_id}``: move and/or re-parent."""
    board = ctx.board()
    item = move_item(board, board.item(ctx.params["item_id"]), ctx.body(), ctx.stamp)
    return Reply(200, item_json(ctx.base, board, item))


def delete_generic(ctx: Context) -> Reply:
    """``DELETE /items/{item_id}``."""
    board = ctx.board()
    delete_item(board, board.item(ctx.params["item_id"]))
    return Reply(204)


def typed_create(item_type: str) -> Handler:
    """``POST /<type>s``."""

    def handler(ctx: Context) -> Reply:
        board = ctx.board()
        item = create_item(ctx.store, board, item_type, ctx.body(), ctx.stamp)
        return Reply(201, item_json(ctx.base, board, item))

    return handler


def typed_get(item_type: str) -> Handler:
    """``GET /<type>s/{item_id}``."""

    def handler(ctx: Context) -> Reply:
        board = ctx.board()
        return Reply(200, item_json(ctx.base, board, _typed(ctx, board, item_type)))

    return handler


def typed_update(item_type: str) -> Handler:
    """``PATCH /<type>s/{item_id}``."""

    def handler(ctx: Context) -> Reply:
        board = ctx.board()
        item = update_item(board, _typed(ctx, board, item_type), ctx.body(), ctx.stamp)
        return Reply(200, item_json(ctx.base, board, item))

    return handler


def typed_delete(item_type: str) -> Handler:
    """``DELETE /<type>s/{item_id}``."""

    def handler(ctx: Context) -> Reply:
        board = ctx.board()
        delete_item(board, _typed(ctx, board, item_type))
        return Reply(204)

    return handler


def bulk_create(ctx: Context) -> Reply:
    """``POST /items/bulk``: 1-20 items, all or nothing."""
    board = ctx.board()
    payload = ctx.body()
    if not isinstance(payload, list) or not 1 <= len(payload) <= MAX_BULK:
        raise invalid([FieldError("body", f"must be an array of 1 to {MAX_BULK} items")])
    errors: list[FieldError] = []
    for index, entry in enumerate(payload):
        errors += _bulk_entry_errors(board, index, entry)
    if errors:
        raise invalid(errors, "Bulk create failed: no items were created")
    created = [create_item(ctx.store, board, e["type"], _without_type(e), ctx.stamp) for e in payload]
    return Reply(201, {"type": "bulk-list", "data": [item_json(ctx.base, board, i) for i in created]})


def _bulk_entry_errors(board: Board, index: int, entry: Any) -> list[FieldError]:
    prefix = str(index)
    if not isinstance(entry, dict):
        return [FieldError(prefix, "must be an object")]
    item_type = entry.get("type")
    if item_type not in BULK_TYPES:
        return [FieldError(f"{prefix}.type", f"must be one of: {', '.join(BULK_TYPES)}")]
    if item_type not in ("app_card", "text", "shape", "sticky_note", "card", "frame"):
        return [FieldError(f"{prefix}.type", f"{item_type} items are not supported by the sandbox")]
    return validate_create(board, item_type, _without_type(entry), prefix)


def _without_type(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if k != "type"}


def _typed(ctx: Context, board: Board, item_type: str) -> Item:
    return ensure_type(board.item(ctx.params["item_id"]), item_type)


def _encode_cursor(item_id: str) -> str:
    return base64.urlsafe_b64encode(f"after:{item_id}".encode()).decode().rstrip("=")


def _cursor_start(cursor: str | None, items: list[Item]) -> int:
    if cursor is None:
        return 0
    try:
        decoded = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, item_id = decoded.partition(":")
        if prefix != "after":
            raise ValueError(decoded)
        boundary = int(item_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise invalid([FieldError("cursor", "is not a cursor returned by this API")]) from None
    return next((n for n, i in enumerate(items) if int(i.id) >= boundary), len(items))
