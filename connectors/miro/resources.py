"""Declarations of the Miro item types the connector writes: endpoint, taggability, geometry rules."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ItemType:
    """One Miro item type as the connector uses it."""

    name: str
    path: str
    taggable: bool = False
    width_only: bool = False
    in_bulk: bool = True


ITEM_TYPES: dict[str, ItemType] = {
    t.name: t
    for t in (
        ItemType("sticky_note", "sticky_notes", taggable=True, width_only=True),
        ItemType("card", "cards", taggable=True),
        ItemType("app_card", "app_cards"),
        ItemType("shape", "shapes"),
        ItemType("text", "texts", width_only=True),
        ItemType("frame", "frames", in_bulk=False),
    )
}
"""Types the connector creates or updates; frames are created alone since their children need the id."""

LIST_LIMIT = 50
"""Page size for the cursor lists (items, connectors) and the offset-paged tag lists."""

BULK_LIMIT = 20
"""Most items one ``items/bulk`` call may create."""


def type_path(item_type: str) -> str:
    """The per-type collection segment, e.g. ``sticky_notes``."""
    return ITEM_TYPES[item_type].path
