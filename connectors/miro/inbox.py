"""The "Unassigned (from <vendor>)" areas beside the journey frame: the journey's inbox on the board.

One frame per CRM (``inbox-frame:<connector>``) to the right of the journey frame, clear of everything
already on the board, holding one app card per inbox item that is not dismissed (``inbox:<source key>``:
the item's entity key, so the id map ties card and item) — title the item's text, fields its key and its
volume — and a line of help (``inbox-hint:<connector>``). Cards are placed in a grid of slots; a card keeps
its place once drawn (people may rearrange them, or drag one elsewhere), new cards take free slots, the
frame grows to fit and never shrinks.

A card whose entry left the inbox (its key placed on the map, dismissed in the file, gone from the CRM) is
deleted when cjm-sync drew it, even if people moved it: it stands for nothing any more. What people do
with the cards is read back by :mod:`connectors.miro.inbox_reading` (drag into a stage:
a new touchpoint; delete: dismissed). The frame and the help line are display only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from cjm_sync.plugins.whiteboard import BoardOp, FieldChange, OpKind
from cjm_sync.schema import InboxItem, Journey, inbox_title
from connectors.miro.board import Item, Snapshot
from connectors.miro.inbox_reading import CARD_PREFIX, FRAME_PREFIX, HINT_PREFIX, card_key
from connectors.miro.layout import Rect
from connectors.miro.mapping import CARD_WIDTH
from connectors.miro.planner import ref
from connectors.miro.richtext import field_text, to_html

HINT: Final = "Drag a card into a stage of the map to add it as a touchpoint; delete a card to dismiss it."
COLUMNS: Final = 2
MAX_COLUMNS: Final = 4
"""A new frame has 2 columns of cards, up to 4 for long inboxes (about 6 rows each); once drawn, its width
(people may resize it) decides how many columns new cards fill."""
SLOT_W, SLOT_H = 280.0, 200.0
PAD_X, PAD_TOP, PAD_BOTTOM = 40.0, 140.0, 40.0
MARGIN: Final = 400.0
"""Space between the journey frame and an inbox frame (and between frames side by side)."""
CARD_COLOUR: Final = "#9aa5b1"
"""Fill of an inbox card (grey: not on the map yet); an adopted card takes the touchpoint colours."""
_TOLERANCE: Final = 1.0


def _volume_text(item: InboxItem) -> str:
    if item.volume is None:
        return "volume not counted yet"
    return f"{item.volume} in the window" if item.volume else "no records in the window"


def card_data(item: InboxItem) -> dict[str, Any]:
    """The app card's ``data`` for an inbox item: its text, no description, its key and volume as fields."""
    return {
        "title": to_html(item.text),
        "description": to_html(""),
        "fields": [
            {"value": item.key, "tooltip": "CRM source key"},
            {"value": _volume_text(item), "tooltip": "Records in the window of the last CRM pull"},
        ],
    }


def _slot(index: int, columns: int) -> tuple[float, float]:
    """Frame-relative centre of card slot ``index`` (row by row)."""
    row, col = divmod(index, columns)
    return PAD_X + col * SLOT_W + SLOT_W / 2, PAD_TOP + row * SLOT_H + SLOT_H / 2


def _frame_size(slots: int, columns: int = COLUMNS) -> tuple[float, float]:
    rows = max(1, math.ceil(slots / columns))
    return 2 * PAD_X + columns * SLOT_W, PAD_TOP + rows * SLOT_H + PAD_BOTTOM


def journey_rect(snapshot: Snapshot, id_map: Mapping[str, str], ops: Sequence[BoardOp]) -> Rect | None:
    """Canvas box of the journey frame after ``ops`` (``None`` without one)."""
    for op in ops:
        if op.item_type == "frame" and op.key.startswith("frame:") and "position" in op.payload:
            pos, geo = op.payload["position"], op.payload.get("geometry")
            if isinstance(pos, Mapping) and isinstance(geo, Mapping):
                return Rect.around(float(pos["x"]), float(pos["y"]), float(geo["width"]), float(geo["height"]))
    for key, item_id in id_map.items():
        item = snapshot.items.get(item_id)
        if key.startswith("frame:") and item is not None and item.type == "frame":
            return item.canvas_rect
    return None


def inbox_right(snapshot: Snapshot, id_map: Mapping[str, str], ops: Sequence[BoardOp], left_of: float | None) -> float:
    """Right edge of the inbox frames after ``ops`` that lie left of x = ``left_of`` (all with ``None``);
    ``-inf`` when there are none. Other areas placed beside the journey keep clear of it."""
    rects: dict[str, Rect] = {}
    for key, item_id in id_map.items():
        item = snapshot.items.get(item_id)
        if key.startswith(FRAME_PREFIX) and item is not None and item.type == "frame":
            rects[key] = item.canvas_rect
    for op in ops:
        if op.item_type == "frame" and op.key.startswith(FRAME_PREFIX) and "position" in op.payload:
            old = rects.get(op.key)
            pos, geo = op.payload["position"], op.payload.get("geometry") or {}
            width = float(geo.get("width", old.width if old else 0.0))
            height = float(geo.get("height", old.height if old else 0.0))
            rects[op.key] = Rect.around(float(pos["x"]), float(pos["y"]), width, height)
    return max((r.x1 for r in rects.values() if left_of is None or r.x0 < left_of), default=-math.inf)


@dataclass
class _Plan:
    snapshot: Snapshot
    id_map: MutableMapping[str, str]
    created: frozenset[str]
    journey: Rect | None
    frames: dict[str, list[float]] = field(default_factory=dict)
    """Connector → ``[x0, y0, width, height]`` of its frame as planned (``memo["inbox_frames"]``), so a
    frame a person deleted is drawn again where it was."""
    ops: list[BoardOp] = field(default_factory=list)
    placed: list[Rect] = field(default_factory=list)
    """Frames this plan creates or moves (canvas), so the next one keeps clear of them."""

    def item(self, key: str, item_type: str) -> Item | None:
        item = self.snapshot.items.get(self.id_map.get(key, ""))
        return item if item is not None and item.type == item_type else None

    def free_left(self, left: float, top: float, width: float, height: float, skip: str | None = None) -> float:
        """The first x ≥ ``left`` where a frame of this size at ``top`` overlaps nothing on the board."""
        obstacles = [
            i.canvas_rect for i in self.snapshot.items.values() if i.parent_id is None and i.id != skip
        ] + self.placed
        if self.journey is not None:
            obstacles.append(self.journey)
        for _ in range(len(obstacles) + 1):
            rect = Rect(left, top, left + width, top + height)
            hit = [o for o in obstacles if o.overlaps(rect)]
            if not hit:
                break
            left = max(o.x1 for o in hit) + MARGIN
        return left


def plan_inbox(
    journey: Journey,
    snapshot: Snapshot,
    id_map: MutableMapping[str, str],
    memo: MutableMapping[str, Any],
    ops: list[BoardOp],
) -> list[BoardOp]:
    """The writes that make the board show ``journey``'s inbox, planned after the journey's ``ops``;
    ``memo["inbox_frames"]`` keeps where each frame is (see :class:`_Plan`)."""
    plan = _Plan(
        snapshot, id_map, frozenset(str(i) for i in memo.get("created", [])), journey_rect(snapshot, id_map, ops)
    )
    plan.frames = {str(k): [float(x) for x in v] for k, v in (memo.get("inbox_frames") or {}).items()}
    shown: dict[str, list[InboxItem]] = {}
    for entry in journey.inbox:
        if not entry.dismissed:
            shown.setdefault(entry.connector, []).append(entry)
    for connector, entries in shown.items():
        _area(plan, connector, entries)
    wanted = {card_key(e.key) for entries in shown.values() for e in entries}
    for key, item_id in sorted(id_map.items()):
        item = snapshot.items.get(item_id)
        if not key.startswith(CARD_PREFIX) or key in wanted or item is None:
            continue
        if item_id in plan.created:  # ours, and its entry left the inbox: even a card people moved goes
            plan.ops.append(BoardOp(OpKind.DELETE, key, item.type, item_id, summary=f"delete {item.type} {key}"))
    memo["inbox_frames"] = plan.frames
    return plan.ops


def _area(plan: _Plan, connector: str, entries: Sequence[InboxItem]) -> None:
    frame_key, title = f"{FRAME_PREFIX}{connector}", inbox_title(connector)
    frame = plan.item(frame_key, "frame")
    cards = [(e, plan.item(card_key(e.key), "app_card")) for e in entries]
    new = [e for e, card in cards if card is None]
    for entry, card in cards:
        if card is not None:
            plan.ops += _card_update(card, entry)
    if frame is None and connector in plan.frames:
        _recreate(plan, connector, cards)
        return
    if frame is None:
        columns = max(COLUMNS, min(MAX_COLUMNS, math.ceil(len(new) / 6)))
        width, height = _frame_size(len(new), columns)
        top = plan.journey.y0 if plan.journey is not None else 0.0
        start = plan.journey.x1 + MARGIN if plan.journey is not None else 0.0
        left = plan.free_left(start, top, width, height)
        plan.frames[connector] = [left, top, width, height]
        payload = {
            "data": {"title": title, "format": "custom", "type": "freeform"},
            "style": {"fillColor": "#f5f6f8"},
            "position": {"x": left + width / 2, "y": top + height / 2},
            "geometry": {"width": width, "height": height},
        }
        plan.ops.append(BoardOp(OpKind.CREATE, frame_key, "frame", payload=payload, summary=f"create frame '{title}'"))
        plan.placed.append(Rect(left, top, left + width, top + height))
        plan.ops.append(_hint(connector, frame_key, width))
        for index, entry in enumerate(new):
            plan.ops.append(_card_create(entry, ref(frame_key), _slot(index, columns)))
        return
    plan.ops += _frame_update(plan, frame, frame_key, title, new)


def _recreate(plan: _Plan, connector: str, cards: Sequence[tuple[InboxItem, Item | None]]) -> None:
    """A person deleted the frame (its cards stay on the canvas): draw it again where it was, put the cards
    and the help line left inside its area back into it, and add the missing cards in free slots."""
    frame_key, title = f"{FRAME_PREFIX}{connector}", inbox_title(connector)
    left, top, width, height = plan.frames[connector]
    area = Rect(left, top, left + width, top + height)
    hint = plan.item(f"{HINT_PREFIX}{connector}", "text")
    back = [
        (key, item)
        for key, item in [(f"{HINT_PREFIX}{connector}", hint), *((card_key(e.key), c) for e, c in cards)]
        if item is not None and item.parent_id is None and area.contains(item.cx, item.cy)
    ]
    inside = [Rect.around(item.cx - left, item.cy - top, item.width, item.height) for _, item in back]
    columns = max(1, math.floor((width - 2 * PAD_X) / SLOT_W + 1e-6))
    spots: list[tuple[float, float]] = []
    index = 0
    for _ in (e for e, card in cards if card is None):
        while True:
            x, y = _slot(index, columns)
            index += 1
            if not any(Rect.around(x, y, SLOT_W - 20, SLOT_H - 20).overlaps(r) for r in inside):
                break
        spots.append((x, y))
    height = max([height] + [y + SLOT_H / 2 + PAD_BOTTOM for _, y in spots])
    payload = {
        "data": {"title": title, "format": "custom", "type": "freeform"},
        "style": {"fillColor": "#f5f6f8"},
        "position": {"x": left + width / 2, "y": top + height / 2},
        "geometry": {"width": width, "height": height},
    }
    plan.ops.append(
        BoardOp(OpKind.CREATE, frame_key, "frame", payload=payload, summary=f"re-create deleted frame '{title}'")
    )
    plan.placed.append(Rect(left, top, left + width, top + height))
    plan.frames[connector] = [left, top, width, height]
    for key, item in back:
        x, y = item.cx - left, item.cy - top
        body = {"parent": {"id": ref(frame_key)}, "position": {"x": x, "y": y}}
        change = FieldChange("parent", None, frame_key)
        plan.ops.append(BoardOp(OpKind.MOVE, key, item.type, item.id, (change,), body, f"move {item.type} {key}"))
    if hint is None:
        plan.ops.append(_hint(connector, frame_key, width))
    new = [e for e, card in cards if card is None]
    plan.ops += [_card_create(entry, ref(frame_key), spot) for entry, spot in zip(new, spots, strict=True)]


def _hint(connector: str, frame_key: str, width: float) -> BoardOp:
    payload = {
        "type": "text",
        "data": {"content": to_html(HINT)},
        "style": {"fontSize": "14", "color": "#1f2933"},
        "position": {"x": width / 2, "y": PAD_TOP / 2},
        "geometry": {"width": width - 2 * PAD_X},
        "parent": {"id": ref(frame_key)},
    }
    key = f"{HINT_PREFIX}{connector}"
    return BoardOp(OpKind.CREATE, key, "text", payload=payload, summary=f"create text {key}")


def _card_create(entry: InboxItem, parent: str, pos: tuple[float, float]) -> BoardOp:
    """A new card at frame position ``pos`` in ``parent`` (a frame id, or a reference to one planned)."""
    key = card_key(entry.key)
    payload = {
        "type": "app_card",
        "data": card_data(entry),
        "style": {"fillColor": CARD_COLOUR},
        "position": {"x": pos[0], "y": pos[1]},
        "geometry": {"width": CARD_WIDTH},
        "parent": {"id": parent},
    }
    return BoardOp(OpKind.CREATE, key, "app_card", payload=payload, summary=f"create app_card {key}")


def _fields(value: Any) -> list[tuple[Any, Any]]:
    return [(f.get("value"), f.get("tooltip")) for f in value or [] if isinstance(f, Mapping)]


def _card_update(card: Item, entry: InboxItem) -> list[BoardOp]:
    """Text and fields of a drawn card (its place and colour are the people's)."""
    want = card_data(entry)
    changes: dict[str, Any] = {}
    fields: list[FieldChange] = []
    shown = field_text("app_card", "title", card.data.get("title"))
    if shown != entry.text:
        changes["title"] = want["title"]
        fields.append(FieldChange("data.title", shown, entry.text))
    if _fields(card.data.get("fields")) != _fields(want["fields"]):
        changes["fields"] = want["fields"]
        fields.append(FieldChange("data.fields", _fields(card.data.get("fields")), _fields(want["fields"])))
    if not changes:
        return []
    key = card_key(entry.key)
    return [
        BoardOp(OpKind.UPDATE, key, "app_card", card.id, tuple(fields), {"data": changes}, f"update app_card {key}")
    ]


def _frame_update(plan: _Plan, frame: Item, key: str, title: str, new: Sequence[InboxItem]) -> list[BoardOp]:
    """Title, room for the new cards (the frame grows down, never shrinks), and a move right when the
    journey frame grew under a frame nobody moved."""
    ops: list[BoardOp] = []
    columns = max(1, math.floor((frame.width - 2 * PAD_X) / SLOT_W + 1e-6))
    taken = [Rect.around(*i.local(frame), i.width, i.height) for i in plan.snapshot.children(frame)]
    spots: list[tuple[float, float]] = []
    index = 0
    while len(spots) < len(new):
        x, y = _slot(index, columns)
        slot = Rect.around(x, y, SLOT_W - 20, SLOT_H - 20)
        if not any(slot.overlaps(t) for t in taken):
            spots.append((x, y))
        index += 1
    bottom = max([PAD_TOP + SLOT_H + PAD_BOTTOM] + [y + SLOT_H / 2 + PAD_BOTTOM for _, y in spots])
    changes: dict[str, Any] = {}
    fields: list[FieldChange] = []
    if str(frame.data.get("title") or "") != title:
        changes["data"] = {"title": title}
        fields.append(FieldChange("title", frame.data.get("title"), title))
    left, top = frame.top_left
    if bottom > frame.height + _TOLERANCE:
        changes["geometry"] = {"width": frame.width, "height": bottom}
        changes["position"] = {"x": frame.cx, "y": top + bottom / 2}
        fields.append(FieldChange("geometry", [frame.width, frame.height], [frame.width, bottom]))
    journey = plan.journey
    if journey is not None and frame.id not in plan.snapshot.changed and left < journey.x1 + MARGIN / 2:
        height = max(bottom, frame.height)
        x0 = plan.free_left(journey.x1 + MARGIN, top, frame.width, height, skip=frame.id)
        changes["position"] = {"x": x0 + frame.width / 2, "y": top + height / 2}
        fields.append(FieldChange("position", [frame.cx, frame.cy], [x0 + frame.width / 2, top + height / 2]))
        plan.placed.append(Rect(x0, top, x0 + frame.width, top + height))
    else:
        plan.placed.append(frame.canvas_rect)
    final = plan.placed[-1]
    plan.frames[key[len(FRAME_PREFIX) :]] = [final.x0, final.y0, final.width, max(final.height, bottom)]
    if changes:
        ops.append(BoardOp(OpKind.UPDATE, key, "frame", frame.id, tuple(fields), changes, f"update frame {key}"))
    ops += [_card_create(entry, frame.id, pos) for entry, pos in zip(new, spots, strict=True)]
    return ops
