"""The board as read: items with canvas and frame-relative geometry, connectors and tags.

Miro gives a frame child's ``position`` relative to the frame's top-left corner
(``relativeTo: parent_top_left``) and everything else relative to the canvas centre. Items here keep
both: ``cx``/``cy`` on the canvas, and :meth:`Item.local` in the coordinates of a given frame.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.miro.layout import Rect


@dataclass(frozen=True)
class Tag:
    """A board tag."""

    id: str
    title: str
    color: str


@dataclass
class Item:
    """One board item; ``cx``/``cy`` is its centre on the canvas."""

    id: str
    type: str
    data: dict[str, Any]
    style: dict[str, Any]
    cx: float
    cy: float
    width: float
    height: float
    parent_id: str | None
    modified_at: str | None
    modified_by: str | None
    tags: list[str] = field(default_factory=list)
    created_by: str | None = None
    rotation: float = 0.0
    """Clockwise, in degrees (``geometry.rotation``)."""

    @property
    def canvas_rect(self) -> Rect:
        """Bounding box on the canvas."""
        return Rect.around(self.cx, self.cy, self.width, self.height)

    def local(self, frame: Item) -> tuple[float, float]:
        """Centre in ``frame``'s coordinates (origin at its top-left corner)."""
        left, top = frame.top_left
        return self.cx - left, self.cy - top

    @property
    def top_left(self) -> tuple[float, float]:
        """Top-left corner on the canvas."""
        return self.cx - self.width / 2, self.cy - self.height / 2


@dataclass(frozen=True)
class Connector:
    """A line between two items."""

    id: str
    start_id: str | None
    end_id: str | None
    captions: tuple[str, ...]
    style: Mapping[str, Any]
    shape: str | None
    modified_at: str | None
    modified_by: str | None


@dataclass
class Snapshot:
    """Everything read from one board; ``changed`` holds the ids modified since the last sync."""

    items: dict[str, Item]
    connectors: dict[str, Connector]
    tags: dict[str, Tag]
    changed: frozenset[str] = frozenset()

    def tag_by_title(self, title: str) -> Tag | None:
        """The board tag with this exact title."""
        return next((t for t in self.tags.values() if t.title == title), None)

    def children(self, frame: Item) -> list[Item]:
        """Items inside ``frame``: its children, and parentless items whose centre lies within it."""
        rect = frame.canvas_rect
        return [
            i
            for i in self.items.values()
            if i.id != frame.id
            and i.type != "frame"
            and (i.parent_id == frame.id or (i.parent_id is None and rect.contains(i.cx, i.cy)))
        ]


def _user(raw: Any) -> str | None:
    return str(raw["id"]) if isinstance(raw, dict) and "id" in raw else None


def parse_items(raw_items: Iterable[Mapping[str, Any]], tagged: Mapping[str, list[str]]) -> dict[str, Item]:
    """Items from the list endpoint's JSON, positions converted to the canvas; ``tagged`` maps item id → tag ids."""
    raws = list(raw_items)
    frames: dict[str, tuple[float, float, float, float]] = {}
    for raw in raws:
        if raw.get("type") == "frame":
            geo, pos = raw.get("geometry") or {}, raw.get("position") or {}
            frames[str(raw["id"])] = (
                pos.get("x", 0.0),
                pos.get("y", 0.0),
                geo.get("width", 0.0),
                geo.get("height", 0.0),
            )
    items: dict[str, Item] = {}
    for raw in raws:
        item_id = str(raw["id"])
        pos, geo = raw.get("position") or {}, raw.get("geometry") or {}
        x, y = float(pos.get("x", 0.0)), float(pos.get("y", 0.0))
        parent = raw.get("parent") or {}
        parent_id = str(parent["id"]) if parent.get("id") is not None else None
        if parent_id in frames and pos.get("relativeTo", "parent_top_left") == "parent_top_left":
            fx, fy, fw, fh = frames[parent_id]
            x, y = fx - fw / 2 + x, fy - fh / 2 + y
        items[item_id] = Item(
            id=item_id,
            type=str(raw.get("type")),
            data=dict(raw.get("data") or {}),
            style=dict(raw.get("style") or {}),
            cx=x,
            cy=y,
            width=float(geo.get("width", 0.0)),
            height=float(geo.get("height", geo.get("width", 0.0))),
            parent_id=parent_id,
            modified_at=raw.get("modifiedAt"),
            modified_by=_user(raw.get("modifiedBy")),
            tags=list(tagged.get(item_id, [])),
            created_by=_user(raw.get("createdBy")),
            rotation=float(geo.get("rotation") or 0.0),
        )
    return items


def parse_connector(raw: Mapping[str, Any]) -> Connector:
    """A connector from its JSON."""
    start, end = raw.get("startItem") or {}, raw.get("endItem") or {}
    return Connector(
        id=str(raw["id"]),
        start_id=str(start["id"]) if start.get("id") else None,
        end_id=str(end["id"]) if end.get("id") else None,
        captions=tuple(str(c.get("content", "")) for c in raw.get("captions") or []),
        style=dict(raw.get("style") or {}),
        shape=raw.get("shape"),
        modified_at=raw.get("modifiedAt"),
        modified_by=_user(raw.get("modifiedBy")),
    )
