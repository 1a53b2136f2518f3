"""Item operations shared by the HTTP handlers and the human-edit API: create, update, move, delete."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import ApiError, FieldError, invalid
from .store import Board, Item, Stamp, Store
from .validation import POSITION_UPDATE, check_item

__all__ = [
    "absolute_position",
    "create_item",
    "delete_item",
    "detach_from_frame",
    "ensure_type",
    "move_item",
    "update_item",
    "validate_create",
]

STICKY_SIZE = {"square": (199.0, 228.0), "rectangle": (350.0, 228.0)}
TEXT_WIDTH_PER_FONT_PX = 1.7


@dataclass(frozen=True)
class _Defaults:
    data: dict[str, Any]
    style: dict[str, Any]
    geometry: dict[str, float]


DEFAULTS = {
    "sticky_note": _Defaults(
        {"content": "", "shape": "square"},
        {"fillColor": "light_yellow", "textAlign": "center", "textAlignVertical": "top"},
        {},
    ),
    "card": _Defaults({"title": ""}, {"cardTheme": "#2d9bf0"}, {"width": 320.0, "height": 94.0, "rotation": 0.0}),
    "app_card": _Defaults(
        {"title": "sample app card item", "status": "disconnected", "fields": []},
        {"fillColor": "#2d9bf0"},
        {"width": 320.0, "height": 94.0, "rotation": 0.0},
    ),
    "shape": _Defaults(
        {"content": "", "shape": "rectangle"},
        {
            "fillColor": "#ffffff",
            "fillOpacity": "1.0",
            "fontFamily": "arial",
            "fontSize": "14",
            "borderColor": "#1a1a1a",
            "borderWidth": "2.0",
            "borderOpacity": "1.0",
            "borderStyle": "normal",
            "textAlign": "center",
            "textAlignVertical": "top",
            "color": "#1a1a1a",
        },
        {"width": 200.0, "height": 200.0, "rotation": 0.0},
    ),
    "text": _Defaults(
        {},
        {"color": "#1a1a1a", "fillOpacity": "1.0", "fontFamily": "arial", "fontSize": "14", "textAlign": "left"},
        {"width": 320.0, "height": 50.0, "rotation": 0.0},
    ),
    "frame": _Defaults(
        {"title": "Sample frame title", "format": "custom", "type": "freeform", "showContent": True},
        {"fillColor": "#ffffff"},
        {"width": 1000.0, "height": 1000.0},
    ),
}


def validate_create(board: Board, item_type: str, payload: Any, prefix: str = "") -> list[FieldError]:
    """Every reason ``payload`` cannot create an item of ``item_type`` on ``board``."""
    errors = check_item(item_type, payload, create=True, prefix=prefix)
    if errors:
        return errors
    errors += _parent_errors(board, payload, prefix)
    style = {**DEFAULTS[item_type].style, **payload.get("style", {})}
    return errors + _text_width_errors(item_type, payload.get("geometry", {}), style, prefix)


def create_item(store: Store, board: Board, item_type: str, payload: Any, stamp: Stamp) -> Item:
    """Validate and add an item; raises a 400 :class:`ApiError` if ``payload`` is invalid."""
    errors = validate_create(board, item_type, payload, "")
    if errors:
        raise invalid(errors)
    defaults = DEFAULTS[item_type]
    data = {**defaults.data, **payload.get("data", {})}
    geometry = _geometry(item_type, data, dict(defaults.geometry), payload.get("geometry", {}))
    position = payload.get("position", {})
    item = Item(
        id=store.new_id(),
        type=item_type,
        data=data,
        style={**defaults.style, **payload.get("style", {})},
        geometry=geometry,
        x=float(position.get("x", 0.0)),
        y=float(position.get("y", 0.0)),
        parent_id=payload.get("parent", {}).get("id"),
        created_at=stamp.at,
        created_by=stamp.actor,
        modified_at=stamp.at,
        modified_by=stamp.actor,
    )
    board.items[item.id] = item
    return item


def update_item(board: Board, item: Item, payload: Any, stamp: Stamp) -> Item:
    """Apply a per-type PATCH body (partial ``data``/``style``/``geometry``/``position``/``parent``)."""
    errors = check_item(item.type, payload, create=False)
    if errors:
        raise invalid(errors)
    style = {**item.style, **payload.get("style", {})}
    errors = _parent_errors(board, payload, "", moving=item) + _text_width_errors(
        item.type, payload.get("geometry", {}), style, ""
    )
    if errors:
        raise invalid(errors)
    item.data.update(payload.get("data", {}))
    item.style = style
    if "geometry" in payload:
        item.geometry = _geometry(item.type, item.data, item.geometry, payload["geometry"])
    elif "data" in payload and item.type == "sticky_note":
        item.geometry = _geometry(item.type, item.data, {}, {"width": item.geometry["width"]})
    _place(board, item, payload.get("position"), payload.get("parent", {}).get("id"))
    item.touch(stamp)
    return item


def move_item(board: Board, item: Item, payload: Any, stamp: Stamp) -> Item:
    """Apply the generic ``PATCH /items/{id}`` body ``{parent:{id}, position:{x,y}}``."""
    errors = POSITION_UPDATE(payload, "") or _parent_errors(board, payload, "", moving=item)
    if errors:
        raise invalid(errors)
    _place(board, item, payload.get("position"), payload.get("parent", {}).get("id"))
    item.touch(stamp)
    return item


def detach_from_frame(board: Board, item: Item, stamp: Stamp) -> Item:
    """Move a frame child back onto the canvas, keeping where it is on screen."""
    item.x, item.y = absolute_position(board, item)
    item.parent_id = None
    item.touch(stamp)
    return item


def delete_item(board: Board, item: Item) -> None:
    """Remove an item and its connectors; a deleted frame's children stay on the canvas."""
    for child in [i for i in board.items.values() if i.parent_id == item.id]:
        child.x, child.y = absolute_position(board, child)
        child.parent_id = None
    del board.items[item.id]
    for connector in list(board.connectors.values()):
        if item.id in (connector.start["id"], connector.end["id"]):
            del board.connectors[connector.id]


def absolute_position(board: Board, item: Item) -> tuple[float, float]:
    """The item centre in canvas coordinates (frames never nest, so one hop is enough)."""
    if item.parent_id is None:
        return item.x, item.y
    left, top = _frame_top_left(board.items[item.parent_id])
    return left + item.x, top + item.y


def _frame_top_left(frame: Item) -> tuple[float, float]:
    return frame.x - frame.geometry["width"] / 2, frame.y - frame.geometry["height"] / 2


def _place(board: Board, item: Item, position: dict[str, float] | None, parent_id: str | None) -> None:
    if parent_id is not None and parent_id != item.parent_id:
        abs_x, abs_y = absolute_position(board, item)
        left, top = _frame_top_left(board.items[parent_id])
        item.x, item.y, item.parent_id = abs_x - left, abs_y - top, parent_id
    if position:
        item.x = float(position.get("x", item.x))
        item.y = float(position.get("y", item.y))


def _parent_errors(board: Board, payload: dict[str, Any], prefix: str, moving: Item | None = None) -> list[FieldError]:
    parent_id = payload.get("parent", {}).get("id")
    if parent_id is None:
        return []
    field = f"{prefix}.parent.id" if prefix else "parent.id"
    parent = board.items.get(parent_id)
    if moving is not None and moving.type == "frame":
        return [FieldError(field, "frames cannot have a parent")]
    if parent is None:
        return [FieldError(field, "parent item not found")]
    if parent.type != "frame" or (moving is not None and parent.id == moving.id):
        return [FieldError(field, "parent must be a frame")]
    return []


def _text_width_errors(item_type: str, geometry: Any, style: dict[str, Any], prefix: str) -> list[FieldError]:
    if item_type != "text" or "width" not in geometry:
        return []
    minimum = TEXT_WIDTH_PER_FONT_PX * float(style["fontSize"])
    if geometry["width"] >= minimum:
        return []
    field = f"{prefix}.geometry.width" if prefix else "geometry.width"
    return [FieldError(field, f"must be at least {minimum:g} (1.7 x fontSize)")]


def _geometry(
    item_type: str, data: dict[str, Any], current: dict[str, float], given: dict[str, float]
) -> dict[str, float]:
    if item_type != "sticky_note":
        return {**current, **{k: float(v) for k, v in given.items()}}
    base_w, base_h = STICKY_SIZE[data["shape"]]
    if "height" in given:
        scale = float(given["height"]) / base_h
    elif "width" in given:
        scale = float(given["width"]) / base_w
    else:
        scale = current.get("width", base_w) / base_w
    return {"width": round(base_w * scale, 2), "height": round(base_h * scale, 2)}


def ensure_type(item: Item, item_type: str) -> Item:
    """The item if it has ``item_type`` (per-type endpoints 404 on other types, like Miro)."""
    if item.type != item_type:
        raise ApiError(404, "notFound", f"Item is a {item.type}, not a {item_type}")
    return item
