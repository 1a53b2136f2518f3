"""The "Importance × Performance" frame beside the journey: the IPA 2×2 matrix, its crosshairs and one
labelled marker per placed touchpoint, drawn from the touchpoints' annotations (docs/analysis.md).

Display only: nothing here is read back (its items are keyed ``ipa-…`` and skipped by the reader).
Planned like the journey frame — the fewest writes: an unchanged matrix costs nothing; a moved marker is
one PATCH; items of touchpoints no longer placed are deleted. People may move the frame: its position is
theirs, only its size and title are kept.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any, Final

from cjm_sync.plugins.whiteboard import BoardOp, FieldChange, OpKind
from cjm_sync.schema import IpaQuadrant, Journey, PlacementStatus
from connectors.miro.board import Item, Snapshot
from connectors.miro.inbox import inbox_right
from connectors.miro.mapping import MATRIX_PREFIX, QUADRANT_COLOURS, QUADRANT_LABELS, is_matrix_key
from connectors.miro.planner import ref
from connectors.miro.richtext import data_text, normalise, to_html

PREFIX: Final = MATRIX_PREFIX
TITLE: Final = "Importance × Performance"
FRAME_W, FRAME_H = 1500.0, 1200.0
PLOT_X, PLOT_Y, PLOT_W, PLOT_H = 160.0, 140.0, 1240.0, 900.0
_MARGIN: Final = 400.0
_TOLERANCE: Final = 1.0
_DOT: Final = 28.0
_LABEL_W: Final = 240.0
_INK: Final = "#1f2933"
_QUADRANT_FILLS: Mapping[IpaQuadrant, str] = {
    IpaQuadrant.CONCENTRATE_HERE: "#fbe3e2",
    IpaQuadrant.KEEP_UP_THE_GOOD_WORK: "#e0f2e9",
    IpaQuadrant.LOW_PRIORITY: "#efefef",
    IpaQuadrant.POSSIBLE_OVERKILL: "#fcf1d9",
}


@dataclass(frozen=True)
class _Want:
    key: str
    type: str
    data: dict[str, Any]
    style: dict[str, Any]
    x: float
    y: float
    w: float
    h: float | None  # None: width only (text)


def _shape(key: str, content: str, style: dict[str, Any], rect: tuple[float, float, float, float]) -> _Want:
    x0, y0, x1, y1 = rect
    shape = "circle" if key.startswith(f"{PREFIX}marker:") else "rectangle"
    return _Want(
        key,
        "shape",
        {"content": to_html(content), "shape": shape},
        style,
        (x0 + x1) / 2,
        (y0 + y1) / 2,
        max(x1 - x0, 1.0),
        max(y1 - y0, 1.0),
    )


def _text(key: str, content: str, x: float, y: float, width: float, size: int = 16) -> _Want:
    return _Want(key, "text", {"content": to_html(content)}, {"fontSize": str(size), "color": _INK}, x, y, width, None)


def wanted(journey: Journey) -> list[_Want]:
    """The matrix items for ``journey`` (frame-relative centres), empty when no touchpoint is placed."""
    placed = [
        (tp, tp.annotations)
        for tp in journey.touchpoints
        if tp.annotations is not None
        and tp.annotations.status is PlacementStatus.PLACED
        and tp.annotations.importance is not None
        and tp.annotations.performance is not None
        and tp.annotations.crosshair is not None
        and tp.annotations.ipa_quadrant is not None
    ]
    if not placed:
        return []
    cross = placed[0][1].crosshair
    assert cross is not None
    scale = journey.rating_scale
    pad = (scale.max - scale.min) * 0.05
    lo, hi = scale.min - pad, scale.max + pad

    def px(performance: float) -> float:
        return PLOT_X + (min(max(performance, lo), hi) - lo) / (hi - lo) * PLOT_W

    def py(importance: float) -> float:
        return PLOT_Y + PLOT_H - (min(max(importance, lo), hi) - lo) / (hi - lo) * PLOT_H

    cx, cy = px(cross.performance), py(cross.importance)
    left, top, right, bottom = PLOT_X, PLOT_Y, PLOT_X + PLOT_W, PLOT_Y + PLOT_H
    items: list[_Want] = []
    regions = {
        IpaQuadrant.CONCENTRATE_HERE: ((left, top, cx, cy), "left", "top"),
        IpaQuadrant.KEEP_UP_THE_GOOD_WORK: ((cx, top, right, cy), "right", "top"),
        IpaQuadrant.LOW_PRIORITY: ((left, cy, cx, bottom), "left", "bottom"),
        IpaQuadrant.POSSIBLE_OVERKILL: ((cx, cy, right, bottom), "right", "bottom"),
    }
    for quadrant, (rect, h_align, v_align) in regions.items():
        if rect[2] - rect[0] < 2 or rect[3] - rect[1] < 2:
            continue
        style = {
            "fillColor": _QUADRANT_FILLS[quadrant],
            "color": QUADRANT_COLOURS[quadrant],
            "fontSize": "28",
            "textAlign": h_align,
            "textAlignVertical": v_align,
            "borderWidth": "1",
            "borderColor": "#ffffff",
        }
        items.append(_shape(f"{PREFIX}quadrant:{quadrant.value}", QUADRANT_LABELS[quadrant].capitalize(), style, rect))
    line = {"fillColor": _INK, "borderWidth": "1", "borderColor": _INK}
    items.append(_shape(f"{PREFIX}crosshair:importance", "", line, (left, cy - 2, right, cy + 2)))
    items.append(_shape(f"{PREFIX}crosshair:performance", "", line, (cx - 2, top, cx + 2, bottom)))
    policy = {"data": "means of the placed touchpoints", "scale": "scale midpoint", "fixed": "fixed values"}
    items += [
        _text(f"{PREFIX}axis:performance", "Performance →", PLOT_X + PLOT_W / 2, bottom + 50, 300, 20),
        _text(f"{PREFIX}axis:importance", "↑ Importance", PLOT_X + 80, top - 40, 200, 20),
        _text(f"{PREFIX}axis:min", f"{scale.min:g}", px(scale.min), bottom + 20, 60),
        _text(f"{PREFIX}axis:max", f"{scale.max:g}", px(scale.max), bottom + 20, 60),
        _text(f"{PREFIX}axis:imin", f"{scale.min:g}", left - 30, py(scale.min), 60),
        _text(f"{PREFIX}axis:imax", f"{scale.max:g}", left - 30, py(scale.max), 60),
        _text(
            f"{PREFIX}crosshair:caption",
            f"Crosshair ({cross.policy}: {policy.get(cross.policy, cross.policy)}): importance "
            f"{cross.importance:g}, performance {cross.performance:g}; a value on a line counts as high",
            PLOT_X + PLOT_W / 2,
            bottom + 100,
            PLOT_W,
            14,
        ),
    ]
    seen: dict[tuple[int, int], int] = {}
    for tp, ann in placed:
        assert ann.importance is not None
        assert ann.performance is not None
        assert ann.ipa_quadrant is not None
        x, y = px(ann.performance), py(ann.importance)
        spot = (round(x), round(y))
        stacked = seen.get(spot, 0)
        seen[spot] = stacked + 1
        colour = QUADRANT_COLOURS[ann.ipa_quadrant]
        dot = {"fillColor": colour, "borderColor": "#ffffff", "borderWidth": "2"}
        r = _DOT / 2
        items.append(_shape(f"{PREFIX}marker:{tp.id}", "", dot, (x - r, y - r, x + r, y + r)))
        label = f"{tp.title} ({ann.importance:g}, {ann.performance:g})"
        items.append(_text(f"{PREFIX}label:{tp.id}", label, x + r + 6 + _LABEL_W / 2, y + stacked * 26, _LABEL_W, 14))
    return items


def _journey_right(snapshot: Snapshot, id_map: Mapping[str, str], journey_ops: list[BoardOp]) -> float:
    """Right edge of the journey frame after ``journey_ops`` (or of everything, without a frame); the inbox
    frames beside it are kept clear of separately (:func:`~connectors.miro.inbox.inbox_right`)."""
    for op in journey_ops:
        if (
            op.item_type == "frame"
            and op.key.startswith("frame:")
            and op.kind in (OpKind.CREATE, OpKind.UPDATE)
            and "position" in op.payload
        ):
            pos, geo = op.payload["position"], op.payload.get("geometry")
            if isinstance(pos, Mapping) and isinstance(geo, Mapping):
                return float(pos["x"]) + float(geo["width"]) / 2
    frames = [snapshot.items[v] for k, v in id_map.items() if k.startswith("frame:") and v in snapshot.items]
    rects = [f.canvas_rect for f in frames] or [i.canvas_rect for i in snapshot.items.values()]
    return max((r.x1 for r in rects), default=0.0)


def _same_text(item: Item, want: _Want) -> bool:
    return normalise(data_text(item.type, item.data)) == normalise(data_text(want.type, want.data))


def _style_diff(item: Item, want: _Want) -> dict[str, Any]:
    return {k: v for k, v in want.style.items() if str(item.style.get(k, "")).lower() != str(v).lower()}


def plan_matrix(
    journey: Journey, snapshot: Snapshot, id_map: MutableMapping[str, str], journey_ops: list[BoardOp]
) -> list[BoardOp]:
    """The writes that make the matrix frame show ``journey``'s placements (after ``journey_ops``)."""
    items = wanted(journey)
    frame_key = f"{PREFIX}frame:{journey.id}"
    frame = snapshot.items.get(id_map.get(frame_key, ""))
    if frame is not None and frame.type != "frame":
        frame = None
    ops: list[BoardOp] = []
    keep = {w.key for w in items} | ({frame_key} if items else set())
    if items and frame is None:
        right = max(_journey_right(snapshot, id_map, journey_ops), inbox_right(snapshot, id_map, journey_ops, None))
        left = right + _MARGIN
        ops.append(
            BoardOp(
                OpKind.CREATE,
                frame_key,
                "frame",
                payload={
                    "data": {"title": f"{TITLE} · {journey.title}", "format": "custom", "type": "freeform"},
                    "style": {"fillColor": "#ffffff"},
                    "position": {"x": left + FRAME_W / 2, "y": FRAME_H / 2},
                    "geometry": {"width": FRAME_W, "height": FRAME_H},
                },
                summary=f"create frame '{TITLE}'",
            )
        )
    elif items and frame is not None:
        ops += _frame_update(frame, frame_key, f"{TITLE} · {journey.title}")
        right = max(
            _journey_right(snapshot, id_map, journey_ops),
            inbox_right(snapshot, id_map, journey_ops, frame.canvas_rect.x0),
        )
        ops += _clear_of_journey(frame, frame_key, snapshot, right)
    for want in items:
        item = snapshot.items.get(id_map.get(want.key, "")) if frame is not None else None
        if item is None or item.type != want.type or item.parent_id != (frame.id if frame else None):
            ops.append(_create(want, frame_key))
            continue
        ops += _update(item, want, frame)
    for entity, item_id in sorted(id_map.items()):
        if is_matrix_key(entity) and entity not in keep and item_id in snapshot.items:
            item_type = snapshot.items[item_id].type
            ops.append(BoardOp(OpKind.DELETE, entity, item_type, item_id, summary=f"delete {item_type} {entity}"))
    return ops


def _clear_of_journey(frame: Item, key: str, snapshot: Snapshot, right: float) -> list[BoardOp]:
    """Move the matrix frame right when the journey frame grew under it — unless a person moved it."""
    if frame.id in snapshot.changed or frame.canvas_rect.x0 >= right + _MARGIN / 2:
        return []
    x = right + _MARGIN + frame.width / 2
    change = FieldChange("position", [frame.cx, frame.cy], [x, frame.cy])
    return [
        BoardOp(OpKind.MOVE, key, "frame", frame.id, (change,), {"position": {"x": x, "y": frame.cy}}, f"move {key}")
    ]


def _frame_update(frame: Item, key: str, title: str) -> list[BoardOp]:
    changes: dict[str, Any] = {}
    fields: list[FieldChange] = []
    if str(frame.data.get("title") or "") != title:
        changes["data"] = {"title": title}
        fields.append(FieldChange("title", frame.data.get("title"), title))
    if abs(frame.width - FRAME_W) > _TOLERANCE or abs(frame.height - FRAME_H) > _TOLERANCE:
        changes["geometry"] = {"width": FRAME_W, "height": FRAME_H}
        fields.append(FieldChange("geometry", [frame.width, frame.height], [FRAME_W, FRAME_H]))
    if not changes:
        return []
    return [BoardOp(OpKind.UPDATE, key, "frame", frame.id, tuple(fields), changes, f"update frame {key}")]


def _geometry(want: _Want) -> dict[str, float]:
    return {"width": want.w} if want.h is None else {"width": want.w, "height": want.h}


def _create(want: _Want, frame_key: str) -> BoardOp:
    payload = {
        "type": want.type,
        "data": want.data,
        "style": want.style,
        "position": {"x": want.x, "y": want.y},
        "geometry": _geometry(want),
        "parent": {"id": ref(frame_key)},
    }
    return BoardOp(OpKind.CREATE, want.key, want.type, payload=payload, summary=f"create {want.type} {want.key}")


def _update(item: Item, want: _Want, frame: Item | None) -> list[BoardOp]:
    assert frame is not None
    changes: dict[str, Any] = {}
    fields: list[FieldChange] = []
    if not _same_text(item, want):
        changes["data"] = want.data
        fields.append(FieldChange("data.content", data_text(item.type, item.data), data_text(want.type, want.data)))
    style = _style_diff(item, want)
    if style:
        changes["style"] = style
        fields += [FieldChange(f"style.{k}", item.style.get(k), v) for k, v in style.items()]
    x0, y0 = item.local(frame)
    if abs(x0 - want.x) > _TOLERANCE or abs(y0 - want.y) > _TOLERANCE:
        changes["position"] = {"x": want.x, "y": want.y}
        fields.append(FieldChange("position", [x0, y0], [want.x, want.y]))
    grew = abs(item.width - want.w) > _TOLERANCE or (want.h is not None and abs(item.height - want.h) > _TOLERANCE)
    if grew:
        changes["geometry"] = _geometry(want)
        fields.append(FieldChange("geometry", [item.width, item.height], [want.w, want.h]))
    if not changes:
        return []
    return [
        BoardOp(OpKind.UPDATE, want.key, want.type, item.id, tuple(fields), changes, f"update {want.type} {want.key}")
    ]
