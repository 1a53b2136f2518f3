"""Tag operations: board tags (≤100, unique case-sensitive titles) and ≤8 tags per card or sticky note."""

from __future__ import annotations

from typing import Any

from .errors import ApiError, FieldError, invalid
from .store import Board, Item, Stamp, Store, Tag
from .validation import TAG_CREATE, TAG_UPDATE

__all__ = ["attach_tag", "create_tag", "delete_tag", "detach_tag", "update_tag"]

MAX_TAGS_PER_BOARD = 100
MAX_TAGS_PER_ITEM = 8
TAGGABLE_TYPES = ("card", "sticky_note")


def create_tag(store: Store, board: Board, payload: Any) -> Tag:
    """Validate and add a tag (default colour ``red``)."""
    errors = TAG_CREATE(payload, "")
    if errors:
        raise invalid(errors)
    _check_unique(board, payload["title"], None)
    if len(board.tags) >= MAX_TAGS_PER_BOARD:
        raise invalid([FieldError("title", f"a board can hold at most {MAX_TAGS_PER_BOARD} tags")])
    tag = Tag(store.new_id(), payload["title"], payload.get("fillColor", "red"))
    board.tags[tag.id] = tag
    return tag


def update_tag(board: Board, tag: Tag, payload: Any) -> Tag:
    """Change a tag's title and/or colour."""
    errors = TAG_UPDATE(payload, "")
    if errors:
        raise invalid(errors)
    if "title" in payload:
        _check_unique(board, payload["title"], tag.id)
        tag.title = payload["title"]
    tag.fill_color = payload.get("fillColor", tag.fill_color)
    return tag


def delete_tag(board: Board, tag: Tag) -> None:
    """Remove a tag from the board and from every item carrying it."""
    for item in board.items.values():
        if tag.id in item.tag_ids:
            item.tag_ids.remove(tag.id)
    del board.tags[tag.id]


def attach_tag(item: Item, tag: Tag, stamp: Stamp) -> None:
    """Attach ``tag`` to a card or sticky note (idempotent)."""
    if item.type not in TAGGABLE_TYPES:
        raise ApiError(
            400, "invalidParameters", f"Tags can only be attached to cards and sticky notes, not {item.type}"
        )
    if tag.id in item.tag_ids:
        return
    if len(item.tag_ids) >= MAX_TAGS_PER_ITEM:
        raise ApiError(400, "invalidParameters", f"An item can have at most {MAX_TAGS_PER_ITEM} tags")
    item.tag_ids.append(tag.id)
    item.touch(stamp)


def detach_tag(item: Item, tag: Tag, stamp: Stamp) -> None:
    """Remove ``tag`` from ``item`` (a no-op if it is not attached)."""
    if tag.id in item.tag_ids:
        item.tag_ids.remove(tag.id)
        item.touch(stamp)


def _check_unique(board: Board, title: str, own_id: str | None) -> None:
    if any(t.title == title and t.id != own_id for t in board.tags.values()):
        raise invalid([FieldError("title", f"a tag titled {title!r} already exists on this board")])
