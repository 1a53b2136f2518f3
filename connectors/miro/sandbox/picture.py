"""A picture of a sandbox board as SVG (the whole board, or one frame and everything in it), so a person
can see the map the sync drew without a Miro account.

Drawn from the emulator's own state (the same items the REST API serves): sticky notes in their Miro
colours, shapes, cards and app cards with their fields, text items, tag chips, and connectors with
their captions, each at its position and size. Positions are Miro's: an item's ``x``/``y`` is its
centre, relative to the frame's top-left corner for items inside a frame. The drawing is built with
:mod:`xml.etree.ElementTree`, which escapes every text, so board content can never become markup.
"""

from __future__ import annotations

import dataclasses
import math
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import Any

from connectors.miro.richtext import to_text

from .store import Board, Connector, Item

__all__ = ["STICKY_COLOURS", "board_svg"]

STICKY_COLOURS = {
    "gray": "#f5f6f8",
    "light_yellow": "#fff9b1",
    "yellow": "#f5d128",
    "orange": "#ff9d48",
    "light_green": "#d5f692",
    "green": "#c9df56",
    "dark_green": "#93d275",
    "cyan": "#67c6c0",
    "light_pink": "#ffcee0",
    "pink": "#ea94bb",
    "violet": "#be88c7",
    "red": "#f16c7f",
    "light_blue": "#a6ccf5",
    "blue": "#6cd8fa",
    "dark_blue": "#9ea9ff",
    "black": "#1a1a1a",
}
"""Miro's sticky-note palette (the API's ``fillColor`` names), as the web board shows them."""

_MARGIN = 40.0
_TITLE = 48.0
_FONT = "Arial, 'Noto Sans', 'Noto Sans CJK SC', sans-serif"


def _colour(value: Any, default: str) -> str:
    text = str(value or "")
    if text.startswith("#"):
        return text
    return STICKY_COLOURS.get(text, default)


def _dark(hex_colour: str) -> bool:
    """Whether white text reads better on ``hex_colour`` (relative luminance below one half)."""
    digits = hex_colour.lstrip("#")
    if len(digits) != 6:
        return False
    red, green, blue = (int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue < 0.5


def _wrap(text: str, width: float, size: float, max_lines: int) -> list[str]:
    """``text`` broken into lines of at most ``width`` px at font ``size`` (an average glyph is
    0.55 em; CJK and emoji count as one em), cut to ``max_lines`` with an ellipsis."""

    def extent(word: str) -> float:
        return sum(size if ord(ch) > 0x2E7F else size * 0.55 for ch in word)

    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split(" ") if " " in paragraph else [paragraph]:
            candidate = f"{current} {word}" if current else word
            if extent(candidate) <= width or not current:
                while extent(candidate) > width and len(candidate) > 1:  # one long word (or CJK): hard breaks
                    cut = len(candidate)
                    while cut > 1 and extent(candidate[:cut]) > width:
                        cut -= 1
                    lines.append(candidate[:cut])
                    candidate = candidate[cut:]
                current = candidate
            else:
                lines.append(current)
                current = word
        lines.append(current)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], lines[max_lines - 1].rstrip() + "…"]
    return lines


class _Canvas:
    def __init__(self, width: float, height: float, title: str) -> None:
        self.root = ET.Element(
            "svg",
            {
                "xmlns": "http://www.w3.org/2000/svg",
                "width": f"{width + 2 * _MARGIN:.0f}",
                "height": f"{height + 2 * _MARGIN + _TITLE:.0f}",
                "viewBox": f"{-_MARGIN:.0f} {-_MARGIN - _TITLE:.0f} {width + 2 * _MARGIN:.0f} "
                f"{height + 2 * _MARGIN + _TITLE:.0f}",
                "font-family": _FONT,
            },
        )
        ET.SubElement(self.root, "title").text = title
        defs = ET.SubElement(self.root, "defs")
        marker = ET.SubElement(
            defs,
            "marker",
            {"id": "arrow", "viewBox": "0 0 10 10", "refX": "9", "refY": "5", "markerWidth": "8", "markerHeight": "8"},
        )
        marker.set("orient", "auto-start-reverse")
        ET.SubElement(marker, "path", {"d": "M 0 0 L 10 5 L 0 10 z", "fill": "#1a1a1a"})
        self.background = ET.SubElement(self.root, "g", {"id": "frame"})
        self.lines = ET.SubElement(self.root, "g", {"id": "connectors"})
        self.items = ET.SubElement(self.root, "g", {"id": "items"})

    def text(
        self,
        parent: ET.Element,
        lines: Iterable[str],
        x: float,
        y: float,
        size: float,
        *,
        anchor: str = "middle",
        colour: str = "#1a1a1a",
        bold: bool = False,
    ) -> None:
        node = ET.SubElement(
            parent,
            "text",
            {"x": f"{x:.1f}", "y": f"{y:.1f}", "font-size": f"{size:.0f}", "fill": colour, "text-anchor": anchor},
        )
        if bold:
            node.set("font-weight", "bold")
        for index, line in enumerate(lines):
            span = ET.SubElement(node, "tspan", {"x": f"{x:.1f}", "dy": "0" if index == 0 else f"{size * 1.25:.1f}"})
            span.text = line


def _box(item: Item) -> tuple[float, float, float, float]:
    """(left, top, width, height) of ``item`` in frame coordinates."""
    width = float(item.geometry.get("width") or 100.0)
    height = float(item.geometry.get("height") or width)
    return item.x - width / 2, item.y - height / 2, width, height


def _draw_item(canvas: _Canvas, item: Item, tags: dict[str, str]) -> None:
    left, top, width, height = _box(item)
    group = ET.SubElement(canvas.items, "g", {"data-id": item.id, "data-type": item.type})
    rotation = float(item.geometry.get("rotation") or 0.0)
    if rotation:
        group.set("transform", f"rotate({rotation:.1f} {item.x:.1f} {item.y:.1f})")
    rect = {"x": f"{left:.1f}", "y": f"{top:.1f}", "width": f"{width:.1f}", "height": f"{height:.1f}"}
    style, data = item.style, item.data
    if item.type == "sticky_note":
        fill = _colour(style.get("fillColor"), STICKY_COLOURS["light_yellow"])
        ET.SubElement(group, "rect", {**rect, "fill": fill, "stroke": "#00000022"})
        size = 14.0
        lines = _wrap(to_text(data.get("content")), width - 12, size, max(1, int((height - 12) / (size * 1.25))))
        ink = "#ffffff" if _dark(fill) else "#1a1a1a"
        canvas.text(group, lines, item.x, top + 8 + size, size, colour=ink)
    elif item.type in {"card", "app_card"}:
        theme = _colour(style.get("cardTheme") or style.get("fillColor"), "#2d9bf0")
        ET.SubElement(group, "rect", {**rect, "rx": "6", "fill": "#ffffff", "stroke": "#c3c6d4"})
        ET.SubElement(group, "rect", {**rect, "width": "6", "rx": "3", "fill": theme})
        size = 13.0
        title = _wrap(to_text(data.get("title")), width - 20, size, 2)
        canvas.text(group, title, left + 12, top + 6 + size, size, anchor="start", bold=True)
        fields = [f"{f.get('tooltip') or ''}: {f.get('value') or ''}".strip(": ") for f in data.get("fields") or []]
        room = max(0, int((height - 12 - len(title) * size * 1.25) / 12.5))
        if fields and room:
            small = _wrap("\n".join(fields), width - 20, 10.0, room)
            canvas.text(group, small, left + 12, top + 10 + (len(title) + 0.6) * size * 1.25, 10.0, anchor="start")
    elif item.type == "text":
        size = float(style.get("fontSize") or 14)
        lines = _wrap(to_text(data.get("content")), width, size, 6)
        canvas.text(group, lines, item.x, top + size, size, colour=_colour(style.get("color"), "#1a1a1a"))
    else:  # shape (and anything else: an outlined box)
        fill = _colour(style.get("fillColor"), "#ffffff")
        border = _colour(style.get("borderColor"), "#1a1a1a")
        attributes = {**rect, "fill": fill, "stroke": border, "stroke-width": str(style.get("borderWidth") or "1")}
        kind = str(data.get("shape") or "rectangle")
        if kind == "circle":
            ET.SubElement(
                group,
                "ellipse",
                {"cx": f"{item.x:.1f}", "cy": f"{item.y:.1f}", "rx": f"{width / 2:.1f}", "ry": f"{height / 2:.1f}"}
                | {k: v for k, v in attributes.items() if k not in rect},
            )
        else:
            ET.SubElement(group, "rect", {**attributes, "rx": "12" if kind == "round_rectangle" else "0"})
        text = to_text(data.get("content"))
        size = min(float(style.get("fontSize") or 16), 22.0)
        longest = max((len(word) for word in text.split()), default=0)
        if longest:  # small shapes (emotion dots): shrink the font until the longest word fits
            size = max(7.0, min(size, (width - 8) / (longest * 0.55)))
        lines = _wrap(text, width - 8, size, max(1, int((height - 4) / (size * 1.25))))
        ink = _colour(style.get("color"), "#ffffff" if _dark(fill) else "#1a1a1a")
        first = item.y - (len(lines) - 1) * size * 1.25 / 2 + size * 0.35
        canvas.text(group, lines, item.x, first, size, colour=ink)
    chip_x = left
    for tag_id in item.tag_ids:
        tag = tags.get(tag_id)
        if not tag:
            continue
        chip = min(len(tag) * 6.0 + 12, width)
        ET.SubElement(
            group,
            "rect",
            {
                "x": f"{chip_x:.1f}",
                "y": f"{top + height + 3:.1f}",
                "width": f"{chip:.1f}",
                "height": "15",
                "rx": "7",
                "fill": "#e6e6ff",
            },
        )
        canvas.text(group, [tag], chip_x + chip / 2, top + height + 14, 10.0)
        chip_x += chip + 4


def _anchor(item: Item, towards: tuple[float, float], snap: str | None) -> tuple[float, float]:
    """Where a connector meets ``item``: the named side's middle, else the box edge facing ``towards``."""
    left, top, width, height = _box(item)
    sides = {
        "left": (left, item.y),
        "right": (left + width, item.y),
        "top": (item.x, top),
        "bottom": (item.x, top + height),
    }
    if snap in sides:
        return sides[snap]
    dx, dy = towards[0] - item.x, towards[1] - item.y
    if dx == 0 and dy == 0:
        return item.x, item.y
    scale = min(width / 2 / abs(dx) if dx else math.inf, height / 2 / abs(dy) if dy else math.inf)
    return item.x + dx * scale, item.y + dy * scale


def _draw_connector(canvas: _Canvas, line: Connector, inside: dict[str, Item]) -> None:
    start, end = inside.get(str(line.start.get("id"))), inside.get(str(line.end.get("id")))
    if start is None or end is None:
        return
    a = _anchor(start, (end.x, end.y), line.start.get("snapTo"))
    b = _anchor(end, (start.x, start.y), line.end.get("snapTo"))
    style = line.style
    attributes = {
        "fill": "none",
        "stroke": _colour(style.get("strokeColor"), "#1a1a1a"),
        "stroke-width": str(style.get("strokeWidth") or "1"),
    }
    if style.get("strokeStyle") in {"dashed", "dotted"}:
        attributes["stroke-dasharray"] = "6 4" if style["strokeStyle"] == "dashed" else "2 3"
    if style.get("endStrokeCap", "stealth") != "none":
        attributes["marker-end"] = "url(#arrow)"
    if style.get("startStrokeCap", "none") != "none":
        attributes["marker-start"] = "url(#arrow)"
    if line.shape == "curved":
        bend = (b[0] - a[0]) / 2
        path = (
            f"M {a[0]:.1f} {a[1]:.1f} C {a[0] + bend:.1f} {a[1]:.1f} {b[0] - bend:.1f} {b[1]:.1f} {b[0]:.1f} {b[1]:.1f}"
        )
    elif line.shape == "elbowed":
        middle = (a[0] + b[0]) / 2
        path = f"M {a[0]:.1f} {a[1]:.1f} H {middle:.1f} V {b[1]:.1f} H {b[0]:.1f}"
    else:
        path = f"M {a[0]:.1f} {a[1]:.1f} L {b[0]:.1f} {b[1]:.1f}"
    group = ET.SubElement(canvas.lines, "g", {"data-id": line.id, "data-type": "connector"})
    ET.SubElement(group, "path", {"d": path, **attributes})
    for caption in line.captions:
        text = to_text(caption.get("content"))
        if not text:
            continue
        where = float(str(caption.get("position", "50%")).rstrip("%") or 50) / 100
        x, y = a[0] + (b[0] - a[0]) * where, a[1] + (b[1] - a[1]) * where
        lines = _wrap(text, 220, 11.0, 3)
        ET.SubElement(
            group,
            "rect",
            {
                "x": f"{x - 112:.1f}",
                "y": f"{y - 11:.1f}",
                "width": "224",
                "height": f"{len(lines) * 13.75 + 4:.1f}",
                "fill": "#ffffff",
                "opacity": "0.85",
            },
        )
        canvas.text(group, lines, x, y, 11.0)


def _on_board(board: Board) -> dict[str, Item]:
    """Every item with its centre in board coordinates (a frame's children are frame-relative)."""
    frames = {i.id: i for i in board.items.values() if i.type == "frame"}
    placed: dict[str, Item] = {}
    for item in board.items.values():
        parent = frames.get(item.parent_id) if item.parent_id else None
        if parent is None:
            placed[item.id] = item
        else:
            left, top, _, _ = _box(parent)
            placed[item.id] = dataclasses.replace(item, x=left + item.x, y=top + item.y)
    return placed


def _draw_frame(canvas: _Canvas, frame: Item, title: str) -> None:
    left, top, width, height = _box(frame)
    fill = _colour(frame.style.get("fillColor"), "#ffffff")
    attributes = {"x": f"{left:.1f}", "y": f"{top:.1f}", "width": f"{width:.1f}", "height": f"{height:.1f}"}
    ET.SubElement(canvas.background, "rect", {**attributes, "fill": fill, "stroke": "#c3c6d4", "data-id": frame.id})
    canvas.text(canvas.background, [title], left, top - 16, 24.0, anchor="start", bold=True)


def board_svg(board: Board, frame_id: str | None = None) -> str:
    """SVG of ``board``: with ``frame_id``, that frame and every item and connector inside it; without,
    the whole board (every frame with its items, and the items outside frames). Returns the SVG
    document as text. Raises ``KeyError`` for a ``frame_id`` that is not a frame of the board."""
    if frame_id is not None:
        frame = board.items[frame_id]
        if frame.type != "frame":
            raise KeyError(frame_id)
        placed = {i.id: i for i in board.items.values() if i.parent_id == frame.id}
        frames = [dataclasses.replace(frame, x=frame.x - _box(frame)[0], y=frame.y - _box(frame)[1])]
        title = to_text(frame.data.get("title")) or board.name
    else:
        placed = _on_board(board)
        frames = [i for i in placed.values() if i.type == "frame"]
        title = to_text(frames[0].data.get("title")) if frames else board.name
    boxes = [_box(i) for i in placed.values() if i.type == "frame" or i.parent_id is None or frame_id is not None]
    boxes += [_box(f) for f in frames]
    boxes = boxes or [(0.0, 0.0, 1000.0, 1000.0)]
    left, top = min(b[0] for b in boxes), min(b[1] for b in boxes)
    width = max(b[0] + b[2] for b in boxes) - left
    height = max(b[1] + b[3] for b in boxes) - top
    canvas = _Canvas(width, height, title or board.name)
    if (left, top) != (0.0, 0.0):
        for group in (canvas.background, canvas.lines, canvas.items):
            group.set("transform", f"translate({-left:.1f} {-top:.1f})")
    for frame in frames:
        _draw_frame(canvas, frame, to_text(frame.data.get("title")) or board.name)
    tags = {tag.id: tag.title for tag in board.tags.values()}
    for line in board.connectors.values():
        _draw_connector(canvas, line, placed)
    for item in placed.values():
        if item.type != "frame":
            _draw_item(canvas, item, tags)
    ET.indent(canvas.root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(canvas.root, encoding="unicode") + "\n"
