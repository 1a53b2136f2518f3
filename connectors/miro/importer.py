"""Import a CJM board the tool did not make (e.g. one drawn from Miro's journey-map template).

Stage headers are the shapes or texts along the top, lane labels those down the left side; the
stickies and cards in between fall into cells by their centre. A lane's kind is guessed from its
label (``Pain points``, ``Touchpoints``, ``Back stage`` …): stickies become touchpoints, pain points
or opportunities in the matching lanes and notes elsewhere. Whatever cannot be placed is reported.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

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
from connectors.miro.reading import describe
from connectors.miro.richtext import data_text

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


def import_board(client: MiroClient, board_id: str) -> tuple[Journey, ImportReport]:
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
    labelled = [i for i in inside if i.type in _LABEL_TYPES and _text(i)]
    top = min((i.canvas_rect.y0 for i in labelled), default=0.0)
    left = min((i.canvas_rect.x0 for i in labelled), default=0.0)
    in_top = {i.id for i in labelled if i.canvas_rect.y0 <= top + max(40.0, i.height / 2)}
    in_left = {i.id for i in labelled if i.canvas_rect.x0 <= left + max(40.0, i.width / 2)}
    headers = sorted((i for i in labelled if i.id in in_top and i.id not in in_left), key=lambda i: i.cx)
    labels = sorted((i for i in labelled if i.id in in_left and i.id not in in_top), key=lambda i: i.cy)
    corner = [i for i in labelled if i.id in in_top and i.id in in_left]
    title = _text(corner[0]) if corner else str(frame.data.get("title") if frame else "") or "Imported board"

    taken: set[str] = set()

    def new_id(text: str, fallback: str) -> str:
        ident = slugify(text, taken, fallback=fallback)
        taken.add(ident)
        return ident

    stages = [Stage(id=new_id(_text(h), "stage"), title=_text(h)) for h in headers]
    lanes: list[Lane] = []
    for label in labels:
        kind = lane_kind(_text(label))
        if kind is None:
            report.guesses.append(f"lane {_text(label)!r}: kind not recognised, taken as actions")
        lanes.append(Lane(id=new_id(_text(label), "lane"), kind=kind or LaneKind.ACTIONS, title=_text(label)))
    report.stages, report.lanes = len(stages), len(lanes)
    journey = Journey(
        id=slugify(title, fallback="journey"),
        title=title,
        map_type=MapType.SERVICE_BLUEPRINT if _BLUEPRINT & {lane.kind for lane in lanes} else MapType.CURRENT_STATE,
        stages=stages,
        lanes=lanes,
    )
    if not stages or not lanes:
        report.unplaced += [f"{describe(i)}: no stage headers or lane labels found" for i in inside]
        return journey, report
    columns = _bands([h.cx for h in headers])
    rows = _bands([label.cy for label in labels])
    grid_left = min(h.canvas_rect.x0 for h in headers)
    grid_top = min(label.canvas_rect.y0 for label in labels)
    structural = {i.id for i in (*headers, *labels, *corner)}
    for item in sorted(inside, key=lambda i: (i.cy, i.cx)):
        if item.id in structural:
            continue
        text = _text(item)
        if item.type not in _CONTENT_TYPES or not text or item.cx < grid_left or item.cy < grid_top:
            report.unplaced.append(f"{describe(item)}: not in a cell")
            continue
        stage, lane = stages[_index(columns, item.cx)], lanes[_index(rows, item.cy)]
        if lane.kind is LaneKind.TOUCHPOINTS:
            journey.touchpoints.append(Touchpoint(id=new_id(text, "touchpoint"), title=text, stage=stage.id))
        elif lane.kind is LaneKind.PAIN_POINTS:
            journey.pain_points.append(PainPoint(id=new_id(text, "pain-point"), title=text, stage=stage.id))
        elif lane.kind is LaneKind.OPPORTUNITIES:
            journey.opportunities.append(Opportunity(id=new_id(text, "opportunity"), title=text, stage=stage.id))
        else:
            journey.notes.append(Note(id=new_id(text, "note"), lane=lane.id, stage=stage.id, text=text))
        report.placed += 1
    return journey, report
