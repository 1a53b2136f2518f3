"""Tag endpoints: board tags (offset-paged), tags of an item, attach and detach."""

from __future__ import annotations

from ..context import Context, Reply
from ..render import tag_json
from ..tags import attach_tag, create_tag, delete_tag, detach_tag, update_tag
from .paging import offset_page

__all__ = ["attach", "create", "delete", "detach", "get", "item_tags", "list_tags", "update"]


def create(ctx: Context) -> Reply:
    """``POST /tags``."""
    board = ctx.board()
    return Reply(201, tag_json(ctx.base, board, create_tag(ctx.store, board, ctx.body())))


def list_tags(ctx: Context) -> Reply:
    """``GET /tags``: offset-paged, ``limit`` 1-50 (default 20)."""
    board = ctx.board()
    return offset_page(ctx, list(board.tags.values()), lambda tag: tag_json(ctx.base, board, tag))


def get(ctx: Context) -> Reply:
    """``GET /tags/{tag_id}``."""
    board = ctx.board()
    return Reply(200, tag_json(ctx.base, board, board.tag(ctx.params["tag_id"])))


def update(ctx: Context) -> Reply:
    """``PATCH /tags/{tag_id}``."""
    board = ctx.board()
    tag = update_tag(board, board.tag(ctx.params["tag_id"]), ctx.body())
    return Reply(200, tag_json(ctx.base, board, tag))


def delete(ctx: Context) -> Reply:
    """``DELETE /tags/{tag_id}`` (also removes it from items)."""
    board = ctx.board()
    delete_tag(board, board.tag(ctx.params["tag_id"]))
    return Reply(204)


def item_tags(ctx: Context) -> Reply:
    """``GET /items/{item_id}/tags``."""
    board = ctx.board()
    item = board.item(ctx.params["item_id"])
    tags = [tag_json(ctx.base, board, board.tags[t]) for t in item.tag_ids]
    return Reply(200, {"tags": [{k: v for k, v in t.items() if k != "links"} for t in tags]})


def attach(ctx: Context) -> Reply:
    """``POST /items/{item_id}?tag_id=``."""
    board = ctx.board()
    attach_tag(board.item(ctx.params["item_id"]), board.tag(ctx.required_query("tag_id")), ctx.stamp)
    return Reply(204)


def detach(ctx: Context) -> Reply:
    """``DELETE /items/{item_id}?tag_id=``."""
    board = ctx.board()
    detach_tag(board.item(ctx.params["item_id"]), board.tag(ctx.required_query("tag_id")), ctx.stamp)
    return Reply(204)
