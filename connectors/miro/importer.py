"""Import a CJM board the tool did not make (e.g. one drawn from Miro's journey-map template).

Stage headers are the shapes or texts along the top, lane labels those down the left side; the
stickies and cards in between fall into cells by their centre. A lane's kind is guessed from its
label (``Pain points``, ``Touchpoints``, ``Back stage`` …): stickies become touchpoints, pain points
or opportunities in the matching lanes and notes elsewhere. Whatever cannot be placed is reported.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from statistics import median
from typing import Any

from cjm_sync.schema import (
    Journey,
    Lane,
    LaneKind,
    MapType,
    Note,
    Opportunity,
    PainPoint,
    Stage,
    Touchpoint,
    slugify,
)
from connectors.miro.board import Item, parse_items
from connectors.miro.client import MiroClient
from connectors.miro.layout import Rect
from connectors.miro.reading import describe
from connectors.miro.richtext import data_text
from connectors.miro.shown import placed_values, shown_values

_KEYWORDS: Sequence[tuple[LaneKind, tuple[str, ...]]] = (
    (LaneKind.PAIN_POINTS, ("pain", "frustrat", "痛点")),
    (LaneKind.OPPORTUNITIES, ("opportunit", "idea", "improve", "机会")),
    (LaneKind.TOUCHPOINTS, ("touchpoint", "touch point", "channel", "触点")),
    (LaneKind.EMOTIONS, ("emotion", "feel", "情绪")),
    (LaneKind.THOUGHTS, ("thought", "think", "想法")),
    (LaneKind.FRONT_STAGE, ("front",)),
    (LaneKind.BACK_STAGE, ("back",)),
    (LaneKind.SUPPORT_PROCESSES, ("support", "process")),
    (LaneKind.EVIDENCE, ("evidence", "physical")),
    (LaneKind.ACTIONS, ("action", "doing", "does", "行为")),
)
_LABEL_TYPES = ("shape", "text")
_CONTENT_TYPES = ("sticky_note", "card", "app_card", "text", "shape")
_ENTITY_KIND: dict[type, str] = {
    Touchpoint: "touchpoint",
    PainPoint: "pain_point",
    Opportunity: "opportunity",
    Note: "note",
}
_BLUEPRINT = {LaneKind.FRONT_STAGE, LaneKind.BACK_STAGE, LaneKind.SUPPORT_PROCESSES}


@dataclass
class ImportReport:
    """What the import made of the board."""

    stages: int = 0
    lanes: int = 0
    placed: int = 0
    unplaced: list[str] = field(default_factory=list)
    guesses: list[str] = field(default_factory=list)


def lane_kind(label: str) -> LaneKind | None:
    """The lane kind a label names, by keyword."""
    text = label.casefold()
    return next((kind for kind, words in _KEYWORDS if any(w in text for w in words)), None)


def _text(item: Item) -> str:
    return data_text(item.type, item.data).strip()


def _bands(centres: list[float]) -> list[tuple[float, float]]:
    """Band edges around sorted centres: halfway between neighbours, open at both ends."""
    edges = [-float("inf"), *((a + b) / 2 for a, b in itertools.pairwise(centres)), float("inf")]
    return list(itertools.pairwise(edges))


def _index(bands: list[tuple[float, float]], v: float) -> int:
    return next(i for i, (lo, hi) in enumerate(bands) if lo <= v < hi)


def _clusters(items: Sequence[Item], centre: Callable[[Item], float], tolerance: float) -> list[list[Item]]:
    """Items grouped by aligned centres: sorted by ``centre``, a new group starts at a gap > ``tolerance``."""
    groups: list[list[Item]] = []
    for item in sorted(items, key=centre):
        if groups and centre(item) - centre(groups[-1][-1]) <= tolerance:
            groups[-1].append(item)
        else:
            groups.append([item])
    return groups


def _mean(values: Iterable[float]) -> float:
    found = list(values)
    return sum(found) / len(found)


@dataclass(frozen=True)
class GridFound:
    """The grid of a hand-made board: stage headers left to right, lane labels top to bottom, the corner."""

    headers: list[Item]
    labels: list[Item]
    corner: Item | None
    above: list[Item]
    """Labelled items above the header row (a title drawn over the grid)."""


def find_grid(labelled: Sequence[Item]) -> GridFound:
    """The header row and the label column among shapes and texts, by alignment of their centres.

    The header row is the topmost group of at least two items whose centres lie on one horizontal line;
    the label column the leftmost group of items below it whose centres lie on one vertical line. Items
    align when their centres differ by at most a quarter of the items' median short side (so a few
    pixels of overlap or gap between neighbours, and rotated labels, do not matter). A corner item
    exists only if it sits in both the header row and the label column.
    """
    if not labelled:
        return GridFound([], [], None, [])
    tolerance = max(8.0, median(min(i.width, i.height) for i in labelled) / 4)
    rows = _clusters(labelled, lambda i: i.cy, tolerance)
    header_row = next((r for r in rows if len(r) >= 2), rows[0])
    row_y = _mean(i.cy for i in header_row)
    below = [i for i in labelled if i.cy > row_y + tolerance]
    columns = _clusters(below, lambda i: i.cx, tolerance)
    label_column = columns[0] if columns else []
    column_x = _mean(i.cx for i in label_column) if label_column else -float("inf")
    corner = next((i for i in header_row if abs(i.cx - column_x) <= tolerance), None)
    headers = sorted((i for i in header_row if i is not corner and i.cx > column_x), key=lambda i: i.cx)
    labels = sorted(label_column, key=lambda i: i.cy)
    above = [i for i in labelled if i.cy < row_y - tolerance]
    return GridFound(headers, labels, corner, above)


def _canvas_bounds(item: Item) -> Rect:
    """Bounding box on the canvas, turned with the item when it is rotated by a quarter turn."""
    quarter = round(item.rotation / 90) % 2 == 1
    width, height = (item.height, item.width) if quarter else (item.width, item.height)
    return Rect.around(item.cx, item.cy, width, height)


@dataclass
class Adoption:
    """What ``import`` found of the team's own board, for the first sync to edit it in place."""

    frame_id: str | None
    id_map: dict[str, str] = field(default_factory=dict)
    """Entity key (``stage:…``, ``lane:…``, ``touchpoint:…``, …) → the team's item id."""
    modified: dict[str, str] = field(default_factory=dict)
    """Item id → ``modifiedAt`` as imported (so the first sync does not take them for fresh edits)."""

    def memo(self, journey: Journey) -> dict[str, Any]:
        """The connector memo a sync starts from (see :class:`~connectors.miro.connector.MiroConnector`):
        the journey, the values as imported, the adopted items and their modification times."""
        return {
            "journey": journey.id,
            "emotion_scale": journey.emotion_scale.model_dump(mode="json"),
            "shown": shown_values(journey),
            "placed": placed_values(journey),
            "adopted": sorted(self.id_map.values()),
            "modified": dict(self.modified),
            "frameless": self.frame_id is None,
        }


def import_board(client: MiroClient, board_id: str) -> tuple[Journey, ImportReport, Adoption]:
    """Build a journey from board ``board_id``'s items (the largest frame, or the whole canvas)."""
    board = client if client.board_id == board_id else MiroClient(board_id, api=client.api)
    items = parse_items(board.items(), {})
    report = ImportReport()
    frames = sorted((i for i in items.values() if i.type == "frame"), key=lambda f: f.width * f.height)
    frame = frames[-1] if frames else None
    inside = [i for i in items.values() if i.type != "frame"]
    if frame is not None:
        rect = frame.canvas_rect
        outside = [i for i in inside if i.parent_id != frame.id and not rect.contains(i.cx, i.cy)]
        report.unplaced += [f"{describe(i)}: outside the frame" for i in outside]
        inside = [i for i in inside if i not in outside]
    found = find_grid([i for i in inside if i.type in _LABEL_TYPES and _text(i)])
    headers, labels, corner = found.headers, found.labels, found.corner
    frame_title = str(frame.data.get("title") or "").strip() if frame else ""
    above = sorted(found.above, key=lambda i: (i.cy, i.cx))
    title = frame_title or (_text(above[0]) if above else "") or (_text(corner) if corner else "") or "Imported board"

    taken: set[str] = set()

    def new_id(text: str, fallback: str) -> str:
        ident = slugify(text, taken, fallback=fallback)
        taken.add(ident)
        return ident

    adoption = Adoption(frame.id if frame else None)
    stages = [Stage(id=new_id(_text(h), "stage"), title=_text(h)) for h in headers]
    adoption.id_map.update({f"stage:{s.id}": h.id for s, h in zip(stages, headers, strict=True)})
    lanes: list[Lane] = []
    for label in labels:
        kind = lane_kind(_text(label))
        if kind is None:
            report.guesses.append(f"lane {_text(label)!r}: kind not recognised, taken as actions")
        lanes.append(Lane(id=new_id(_text(label), "lane"), kind=kind or LaneKind.ACTIONS, title=_text(label)))
        adoption.id_map[f"lane:{lanes[-1].id}"] = label.id
    report.stages, report.lanes = len(stages), len(lanes)
    journey = Journey(
        id=slugify(title, fallback="journey"),
        title=title,
        map_type=MapType.SERVICE_BLUEPRINT if _BLUEPRINT & {lane.kind for lane in lanes} else MapType.CURRENT_STATE,
        stages=stages,
        lanes=lanes,
    )
    if frame is not None:
        adoption.id_map[f"frame:{journey.id}"] = frame.id
    if not stages or not lanes:
        report.unplaced += [f"{describe(i)}: no stage headers or lane labels found" for i in inside]
        adoption.modified = {i: items[i].modified_at or "" for i in adoption.id_map.values() if items[i].modified_at}
        return journey, report, adoption
    columns = _bands([h.cx for h in headers])
    rows = _bands([label.cy for label in labels])
    grid_left = max(_canvas_bounds(label).x1 for label in labels)
    grid_top = max(_canvas_bounds(h).y1 for h in headers)
    structural = {i.id for i in (*headers, *labels, *([corner] if corner else []), *above)}
    for item in sorted(inside, key=lambda i: (i.cy, i.cx)):
        if item.id in structural:
            continue
        text = _text(item)
        if item.type not in _CONTENT_TYPES or not text or item.cx < grid_left or item.cy < grid_top:
            report.unplaced.append(f"{describe(item)}: not in a cell")
            continue
        stage, lane = stages[_index(columns, item.cx)], lanes[_index(rows, item.cy)]
        if lane.kind is LaneKind.TOUCHPOINTS:
            entity: Any = Touchpoint(id=new_id(text, "touchpoint"), title=text, stage=stage.id)
            journey.touchpoints.append(entity)
        elif lane.kind is LaneKind.PAIN_POINTS:
            entity = PainPoint(id=new_id(text, "pain-point"), title=text, stage=stage.id)
            journey.pain_points.append(entity)
        elif lane.kind is LaneKind.OPPORTUNITIES:
            entity = Opportunity(id=new_id(text, "opportunity"), title=text, stage=stage.id)
            journey.opportunities.append(entity)
        else:
            entity = Note(id=new_id(text, "note"), lane=lane.id, stage=stage.id, text=text)
            journey.notes.append(entity)
        adoption.id_map[f"{_ENTITY_KIND[type(entity)]}:{entity.id}"] = item.id
        report.placed += 1
    adoption.modified = {i: items[i].modified_at or "" for i in adoption.id_map.values() if items[i].modified_at}
    return journey, report, adoption
