"""Board → journey: interpret the items in the journey frame by kind, colour and grid cell.

Items are matched to entities through the id map; stickies and connectors people added get new ids
(``slugify`` of their text, unique) and are added to the map. Anything that cannot be interpreted is
left alone and described in ``unplaced``.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cjm_sync.gcpause import without_gc
from cjm_sync.plugins.whiteboard import Authorship
from cjm_sync.schema import (
    Channel,
    Connection,
    Emotion,
    Journey,
    Lane,
    LaneKind,
    Note,
    Opportunity,
    PainPoint,
    Scale,
    Stage,
    StageKind,
    Touchpoint,
    slugify,
)
from connectors.miro.board import Item, Snapshot
from connectors.miro.inbox_reading import card_key, in_grid_cell, is_inbox_key, read_inbox, vanished_cards
from connectors.miro.layout import GAP, HEADER_H, LABEL_W, SLOT, Band, Grid, Rect, emotion_score, grid_from_board
from connectors.miro.mapping import (
    CHANNEL_TAG_PREFIX,
    LANE_COLOURS,
    MOMENT_OF_TRUTH_TAG,
    NOTE_COLOURS,
    STAGE_COLOURS,
    STICKY_KIND_COLOURS,
    description_of,
    is_matrix_key,
    key,
    lane_label,
    link_key,
    split_key,
)
from connectors.miro.richtext import data_text, field_text, to_text

_STAGE_BY_COLOUR = {v.lower(): k for k, v in STAGE_COLOURS.items()}
_LANE_BY_COLOUR = {v.lower(): k for k, v in LANE_COLOURS.items()}
_NOTE_COLOURS = frozenset(NOTE_COLOURS.values())
_KIND_BY_COLOUR = {v: k for k, v in STICKY_KIND_COLOURS.items()}
_STICKY_KINDS = ("pain_point", "opportunity", "note")
ROLE_OF_ROW: Mapping[LaneKind, str] = {LaneKind.PAIN_POINTS: "pain_point", LaneKind.OPPORTUNITIES: "opportunity"}
"""The entity kind a sticky in a row of this lane kind stands for (the row decides, not the colour)."""


@dataclass
class Interpretation:
    """What the board says, plus the id-map changes reading it implies."""

    journey: Journey
    authors: dict[str, Authorship] = field(default_factory=dict)
    unplaced: list[str] = field(default_factory=list)
    card_texts: dict[str, str] = field(default_factory=dict)
    """Touchpoint id → the whole text of its card's description (the description and the summary); absent
    when the touchpoint is a team's sticky, shape or text, which cannot show a description."""
    doubtful: frozenset[str] = frozenset()
    """Entity keys the board gives no usable value for (an emotion point outside the emotion row with
    no value from the last sync): the engine should take no opinion from the board on them."""
    adopted: dict[str, str] = field(default_factory=dict)
    """Touchpoint id → source key of the inbox cards this read found in a stage and re-keyed."""


@dataclass(frozen=True)
class _Row:
    kind: LaneKind
    lane_id: str | None


def describe(item: Item) -> str:
    """A short human-readable description of an item for ``unplaced``."""
    text = data_text(item.type, item.data)
    label = f" {text[:40]!r}" if text else ""
    return f"{item.type} {item.id}{label} at ({item.cx:.0f}, {item.cy:.0f})"


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def find_frame(snapshot: Snapshot, id_map: Mapping[str, str]) -> tuple[str, Item] | None:
    """The journey frame (``frame:<journey id>`` in the id map) if it is on the board."""
    for entity, item_id in id_map.items():
        item = snapshot.items.get(item_id)
        if entity.startswith("frame:") and item is not None and item.type == "frame":
            return entity, item
    return None


def board_grid(snapshot: Snapshot, frame: Item, id_map: Mapping[str, str]) -> Grid:
    """The grid drawn in ``frame``, from our header and label shapes."""
    headers: dict[str, Rect] = {}
    labels: dict[str, Rect] = {}
    for entity, item_id in id_map.items():
        item = snapshot.items.get(item_id)
        if item is None or item.type not in LABEL_TYPES:
            continue
        x, y = item.local(frame)
        rect = Rect.around(x, y, item.width, item.height)
        if entity.startswith("stage:"):
            headers[entity] = rect
        elif entity.startswith(("lane:", "row:")):
            labels[entity] = rect
    return grid_from_board(headers, labels)


LABEL_TYPES = ("shape", "text")
"""Item types that can be a stage header or a lane label (ours are shapes; a team's may be texts)."""

CARD_TYPES = ("app_card", "card")
TOUCHPOINT_TYPES = (*CARD_TYPES, "sticky_note", "shape", "text")
"""Items a touchpoint can be: our app cards, or a team's own card, sticky, shape or text it adopted."""

STAND_IN = ""
"""Item id of :func:`stand_in_frame`'s frame, which is not on the board."""


def stand_in_frame(snapshot: Snapshot, id_map: Mapping[str, str], title: str = "") -> Item | None:
    """Where the journey frame was, when a person deleted the frame but not the grid in it.

    The frame is layout, not content: the stage headers and lane labels that are still on the canvas
    place the grid (headers sit at the top of the frame, labels at its left edge), so the items around
    them read as before. Returns a frame item with id :data:`STAND_IN` sized to that grid, or None when
    none of the grid's shapes is on the board either.
    """
    shapes = [
        (entity, snapshot.items[item_id])
        for entity, item_id in id_map.items()
        if entity.startswith(("stage:", "lane:", "row:"))
        and item_id in snapshot.items
        and snapshot.items[item_id].type == "shape"
    ]
    headers = [item.canvas_rect for entity, item in shapes if entity.startswith("stage:")]
    labels = [item.canvas_rect for entity, item in shapes if not entity.startswith("stage:")]
    if not headers and not labels:
        return None
    left = min(r.x0 for r in labels) - GAP / 2 if labels else min(r.x0 for r in headers) - GAP / 2 - LABEL_W
    top = min(r.y0 for r in headers) - GAP / 2 if headers else min(r.y0 for r in labels) - GAP / 2 - HEADER_H

    def frame(width: float, height: float) -> Item:
        return Item(
            STAND_IN, "frame", {"title": title}, {}, left + width / 2, top + height / 2, width, height, None, None, None
        )

    grid = board_grid(snapshot, frame(0.0, 0.0), id_map)
    return frame(grid.width, grid.height)


def _unique(text: str, kind: str, taken: set[str]) -> str:
    new = slugify(text, taken, fallback=kind.replace("_", "-"))
    taken.add(new)
    return new


@without_gc
def interpret(
    snapshot: Snapshot,
    id_map: MutableMapping[str, str],
    *,
    journey_id: str,
    emotion_scale: Scale,
    pinned: frozenset[str] = frozenset(),
    settled: Mapping[str, Mapping[str, Any]] | None = None,
    lane_kinds: Mapping[str, str] | None = None,
    frameless: bool = False,
    expected: Journey | None = None,
) -> Interpretation:
    """Read the journey off the board, updating ``id_map`` for added, re-kinded and vanished items.

    Items in ``pinned`` (a grid shift of an interrupted run was half done around them) take their
    stage, lane and emotion score from ``settled`` (entity key → values at the last sync) when it has
    them, not from where they sit. An emotion point outside the emotion row is reported in ``unplaced``
    and keeps its settled score; without one its touchpoint is ``doubtful``. Inbox cards are read by
    :func:`~connectors.miro.inbox_reading.read_inbox` (``expected``: the file's journey, for their labels).
    """
    settled = settled or {}
    doubtful: set[str] = set()
    present = set(snapshot.items) | set(snapshot.connectors)
    vanished = vanished_cards(snapshot, id_map)
    lost_frame = next((k for k, v in id_map.items() if k.startswith("frame:") and v not in snapshot.items), None)
    lost_heads = {k: v for k, v in id_map.items() if k.startswith(("stage:", "lane:")) and v not in snapshot.items}
    for entity in [k for k, v in id_map.items() if v not in present and not k.startswith("tag:")]:
        del id_map[entity]
    found = find_frame(snapshot, id_map)
    stand_in = stand_in_frame(snapshot, id_map, journey_id) if found is None else None
    if found is not None:
        frame_key, frame = found
    elif stand_in is not None:
        frame_key, frame = lost_frame or key("frame", journey_id), stand_in
    else:
        result = Interpretation(Journey(id=journey_id, title=journey_id, emotion_scale=emotion_scale))
        result.unplaced = [describe(i) for i in snapshot.items.values()]
        return result
    grid = board_grid(snapshot, frame, id_map)
    inverse = {v: k for k, v in id_map.items()}
    result = Interpretation(
        Journey(
            id=split_key(frame_key)[1], title=str(frame.data.get("title") or journey_id), emotion_scale=emotion_scale
        ),
    )
    if found is None and not frameless:
        result.unplaced.append("the journey frame was deleted: its items are read where they are; a push re-creates it")
    journey = result.journey

    def author(entity: str, item_id: str, modified_at: str | None, modified_by: str | None) -> None:
        if item_id in snapshot.changed:
            result.authors[entity] = Authorship(modified_by, _when(modified_at))

    stage_of = {b.key: split_key(b.key)[1] for b in grid.columns}
    rows: dict[str, _Row] = {}
    for band in grid.columns:
        item = snapshot.items[id_map[band.key]]
        colour = str(item.style.get("fillColor", "")).lower()
        journey.stages.append(
            Stage(
                id=stage_of[band.key],
                title=to_text(item.data.get("content")),
                kind=_STAGE_BY_COLOUR.get(colour, StageKind.STANDARD),
            )
        )
        author(band.key, item.id, item.modified_at, item.modified_by)
    for band in grid.rows:
        item = snapshot.items[id_map[band.key]]
        text = to_text(item.data.get("content"))
        kind_name, rest = split_key(band.key)
        known = (lane_kinds or {}).get(rest)
        lane_kind = (
            _LANE_BY_COLOUR.get(str(item.style.get("fillColor", "")).lower())
            or (LaneKind(known) if known is not None and known in LaneKind._value2member_map_ else None)
            or next((k for k in LaneKind if lane_label(k).casefold() == text.casefold()), None)
        )
        if kind_name == "row":
            rows[band.key] = _Row(LaneKind(rest), None)
        elif lane_kind is None:
            result.unplaced.append(f"lane label {describe(item)}: unknown lane kind (colour or text)")
        else:
            journey.lanes.append(Lane(id=rest, kind=lane_kind, title=None if text == lane_label(lane_kind) else text))
            rows[band.key] = _Row(lane_kind, rest)
            author(band.key, item.id, item.modified_at, item.modified_by)

    structure = {id_map[b.key] for b in (*grid.columns, *grid.rows)}
    all_ids = {split_key(mapped)[1] for mapped in id_map}
    taken = set(all_ids)

    def order(item: Item) -> tuple[int, int, float, float]:
        x, y = item.local(frame)
        col, row = grid.nearest_column(x), grid.row_at(y)
        column_index = grid.columns.index(col) if col else 0
        row_index = grid.rows.index(row) if row else len(grid.rows)
        return column_index, row_index, (y - row.start) // SLOT if row else y, x

    inside = {i.id for i in snapshot.children(frame)} | {frame.id}
    known_outside = [
        i
        for i in snapshot.items.values()
        if i.id not in inside
        and i.id in inverse
        and i.id not in structure
        and not is_matrix_key(inverse[i.id])
        and not is_inbox_key(inverse[i.id])
    ]
    result.unplaced += [
        f"{describe(i)}: outside the journey frame"
        for i in snapshot.items.values()
        if i.id not in inside and i.id not in inverse
    ]
    cards: dict[str, Item] = {}
    badges: dict[str, Item] = {}
    dots: dict[str, Item] = {}
    stickies: list[tuple[Item, str | None]] = []

    def parked(item: Item) -> bool:
        """A known item outside the frame, or inside it but in no cell of the grid: it keeps its entity
        and the stage and lane it had (people park things off the grid; that is not a deletion)."""
        if item.id not in inside:
            return True
        x, y = item.local(frame)
        return grid.column_at(x) is None or (item.type == "sticky_note" and grid.row_at(y) is None)

    def where_parked(item: Item, entity: str, stage: str) -> str:
        place = "outside the grid" if item.id in inside else "outside the journey frame"
        return f"{describe(item)}: {place}; still {entity} (stage {stage!r}), not deleted"

    for item in sorted([*snapshot.children(frame), *known_outside], key=order):
        if item.id in structure or is_inbox_key(inverse.get(item.id, "")):
            continue
        mapped_key = inverse.get(item.id)
        kind, ident = split_key(mapped_key) if mapped_key else ("", "")
        if kind == "touchpoint" and item.type in TOUCHPOINT_TYPES:
            cards[ident] = item
        elif kind == "badge" and item.type == "sticky_note":
            badges[ident] = item
        elif kind == "emotion" and item.type == "shape":
            dots[ident] = item
        elif item.type == "sticky_note" and (mapped_key is None or kind in _STICKY_KINDS):
            stickies.append((item, mapped_key))
        else:
            result.unplaced.append(describe(item))

    def column_of(item: Item) -> Band | None:
        return grid.nearest_column(item.local(frame)[0])

    # a deleted stage header or lane label is layout: items still in its column or row keep it
    stage_ids = set(stage_of.values()) | {split_key(k)[1] for k in lost_heads if k.startswith("stage:")}
    lane_ids = {r.lane_id for r in rows.values() if r.lane_id} | {
        split_key(k)[1] for k in lost_heads if k.startswith("lane:")
    }

    def prior(item: Item, entity: str, name: str, allowed: set[str] | None = None) -> Any:
        """The value at the last sync of a pinned or parked item's position-derived field (None: read it)."""
        if item.id not in pinned and not parked(item):
            return None
        value = settled.get(entity, {}).get(name)
        return value if value is not None and (allowed is None or value in allowed) else None

    inbox = read_inbox(snapshot, id_map, vanished, expected, in_grid_cell(grid, frame, inside))
    file_ids = {t.id for t in expected.touchpoints} if expected is not None else set()
    journey.inbox = inbox.items
    for entry in inbox.items:  # who last changed each card (a retitle's author)
        card = snapshot.items.get(id_map.get(card_key(entry.key), ""))
        if card is not None:
            result.authors[card_key(entry.key)] = Authorship(card.modified_by, _when(card.modified_at))
    adopted: dict[str, str] = {}
    # an adopted touchpoint's id is recovered, not minted again: an interrupted run may have re-keyed the
    # card already (its touchpoint key maps the same item) or drawn the touchpoint's badge (a badge or
    # emotion key is the touchpoint's, not an id taken by something else)
    rekeyed = {v: split_key(k)[1] for k, v in id_map.items() if split_key(k)[0] == "touchpoint"}
    claimed = {split_key(k)[1] for k in id_map if split_key(k)[0] not in ("badge", "emotion")} | taken - all_ids
    for item_id, source in inbox.adopted.items():
        item = snapshot.items[item_id]
        ident = rekeyed.get(item_id) or _unique(data_text(item.type, item.data), "touchpoint", claimed | file_ids)
        claimed.add(ident)
        del id_map[card_key(source)]
        id_map[key("touchpoint", ident)] = item_id
        result.authors[key("touchpoint", ident)] = Authorship(item.modified_by, _when(item.modified_at))
        cards[ident] = item
        adopted[ident] = source
    for ident, card in cards.items():
        tp_key = key("touchpoint", ident)
        col = column_of(card)
        stage = prior(card, tp_key, "stage", stage_ids) or (stage_of[col.key] if col else None)
        if stage is None:
            result.unplaced.append(describe(card))
            continue
        if parked(card):
            result.unplaced.append(where_parked(card, tp_key, stage))
        tp = Touchpoint(
            id=ident,
            title=data_text(card.type, card.data),
            stage=stage,
            description=description_of(field_text(card.type, "description", card.data.get("description"))),
            sources=[adopted[ident]] if ident in adopted else [],
        )
        if card.type in CARD_TYPES:
            result.card_texts[ident] = field_text(card.type, "description", card.data.get("description"))
        badge = badges.get(ident)
        if badge is not None:
            channels = sorted(t[len(CHANNEL_TAG_PREFIX) :] for t in badge.tags if t.startswith(CHANNEL_TAG_PREFIX))
            valid = [c for c in channels if c in Channel._value2member_map_]
            tp.channel = Channel(valid[0]) if valid else None
            if len(valid) > 1:
                result.unplaced.append(f"badge of {ident}: several channel tags, read {valid[0]!r}")
            tp.moment_of_truth = MOMENT_OF_TRUTH_TAG in badge.tags
            author(key("touchpoint", ident), badge.id, badge.modified_at, badge.modified_by)
        dot = dots.get(ident)
        emotion_row = next(
            (b for b in grid.rows if rows.get(b.key, _Row(LaneKind.ACTIONS, None)).kind is LaneKind.EMOTIONS), None
        )
        if dot is not None and emotion_row is not None:
            label = to_text(dot.data.get("content")) or None
            y = dot.local(frame)[1]
            score: float | None = prior(dot, tp_key, "emotion")
            if score is None and not emotion_row.holds(y):
                result.unplaced.append(f"{describe(dot)}: emotion point outside the emotion row")
                score = settled.get(tp_key, {}).get("emotion")
                if score is None:
                    doubtful.add(tp_key)
            elif score is None:
                score = emotion_score(emotion_row, y, emotion_scale.min, emotion_scale.max)
            if score is not None:
                tp.emotion = Emotion(score=score, label=label)
            author(tp_key, dot.id, dot.modified_at, dot.modified_by)
        author(key("touchpoint", ident), card.id, card.modified_at, card.modified_by)
        journey.touchpoints.append(tp)

    for item, sticky_key in stickies:
        x, y = item.local(frame)
        col = grid.column_at(x) or (column_of(item) if sticky_key else None)
        row_band = grid.row_at(y) or (_nearest_row(grid, y) if sticky_key else None)
        row = rows.get(row_band.key) if row_band else None
        old_kind = split_key(sticky_key)[0] if sticky_key else None
        old_lane = settled.get(sticky_key, {}).get("lane") if sticky_key else None
        sticky_kind = (
            old_kind
            if old_kind and item.id in pinned
            else _sticky_kind(str(item.style.get("fillColor", "")), row, old_kind, old_lane)
        )
        kept_lane = prior(item, sticky_key, "lane", lane_ids) if sticky_key and sticky_kind == old_kind else None
        if (
            col is None
            or row is None
            or sticky_kind is None
            or (sticky_kind == "note" and row.lane_id is None and kept_lane is None)
        ):
            result.unplaced.append(describe(item))
            continue
        text = field_text(item.type, "content", item.data.get("content"))
        if sticky_key is None or sticky_kind != old_kind:
            ident = split_key(sticky_key)[1] if sticky_key else _unique(text, sticky_kind, taken)
            if sticky_key:
                del id_map[sticky_key]
            id_map[key(sticky_kind, ident)] = item.id
            result.authors[key(sticky_kind, ident)] = Authorship(item.modified_by, _when(item.modified_at))
        else:
            ident = split_key(sticky_key)[1]
            author(sticky_key, item.id, item.modified_at, item.modified_by)
        entity = key(sticky_kind, ident)
        stage = prior(item, entity, "stage", stage_ids) or stage_of[col.key]
        if sticky_key is not None and parked(item):
            result.unplaced.append(where_parked(item, entity, stage))
        if sticky_kind == "pain_point":
            journey.pain_points.append(PainPoint(id=ident, title=text, stage=stage))
        elif sticky_kind == "opportunity":
            journey.opportunities.append(Opportunity(id=ident, title=text, stage=stage))
        else:
            lane = kept_lane or row.lane_id
            assert lane is not None
            journey.notes.append(Note(id=ident, lane=lane, stage=stage, text=text))

    _read_connections(snapshot, id_map, journey, result)
    held = {tp.stage for tp in journey.touchpoints} | {n.lane for n in journey.notes}
    held |= {p.stage for p in journey.pain_points} | {o.stage for o in journey.opportunities}
    held |= {n.stage for n in journey.notes}
    for head in sorted(lost_heads):
        if split_key(head)[1] in held:  # no opinion on a stage or lane whose items are still on the board
            doubtful.add(head)
            id_map[head] = lost_heads[head]  # still known as lost on the next read; a push re-creates it
            result.unplaced.append(f"{head}: its header was deleted but its items are still on the board; kept")
    result.doubtful = frozenset(doubtful)
    result.adopted = adopted
    return result


def _nearest_row(grid: Grid, y: float) -> Band | None:
    return min(grid.rows, key=lambda b: min(abs(y - b.start), abs(y - b.end)), default=None)


def _sticky_kind(colour: str, row: _Row | None, old_kind: str | None, old_lane: Any) -> str | None:
    """Kind of a sticky. In a pain-points or opportunities row (a declared lane or an implicit row) the
    row's role decides, whatever the colour or text; only a note that already belonged to that lane stays
    a note. Elsewhere its colour decides if it is one of ours, else what it was, else it is a note."""
    if row is not None and row.kind in ROLE_OF_ROW:
        if old_kind == "note" and (old_lane is None or old_lane == row.lane_id):
            return "note"
        return ROLE_OF_ROW[row.kind]
    if colour in _KIND_BY_COLOUR:
        return _KIND_BY_COLOUR[colour]
    if colour in _NOTE_COLOURS:
        return "note"
    if old_kind:
        return old_kind
    return None if row is None else "note"


def _read_connections(
    snapshot: Snapshot, id_map: MutableMapping[str, str], journey: Journey, result: Interpretation
) -> None:
    inverse = {v: k for k, v in id_map.items()}
    cards = {id_map[key("touchpoint", tp.id)]: tp for tp in journey.touchpoints if key("touchpoint", tp.id) in id_map}
    for line in snapshot.connectors.values():
        entity = inverse.get(line.id)
        if entity and entity.startswith("emotion-link:"):
            continue
        start, end = cards.get(line.start_id or ""), cards.get(line.end_id or "")
        if start is None or end is None or start.id == end.id:
            if entity is None:
                result.unplaced.append(f"connector {line.id} (not between two touchpoint cards)")
            continue
        wanted = link_key("connection", start.id, end.id)
        if entity != wanted:
            if entity:
                del id_map[entity]
            if wanted in id_map:
                result.unplaced.append(f"connector {line.id}: duplicate of {wanted}")
                continue
            id_map[wanted] = line.id
            result.authors[wanted] = Authorship(line.modified_by, _when(line.modified_at))
        label = "\n".join(to_text(c) for c in line.captions) or None
        start.connections.append(Connection(to=end.id, label=label))
