"""Journey → board: the fewest writes that make the board show a journey.

Existing items keep their place unless the grid around them grows or their stage changes; new items
take free slots; only changed fields are patched; only items the connector created, that the journey
no longer holds and that nobody touched since the last sync are deleted. Items whose id-map entry is
missing are first matched by kind, normalised text and cell, so a lost id map never duplicates items
(and before reading, :func:`adopt_existing` also matches items whose text people edited). Items people
moved out of the frame or the grid stay where they are; a deleted frame is re-created where it was.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from cjm_sync.gcpause import without_gc
from cjm_sync.plugins.whiteboard import BoardOp, FieldChange, OpKind
from cjm_sync.schema import Journey, LaneKind
from connectors.miro.adopted import adopted_diff, as_adopted, used_rows
from connectors.miro.board import Item, Snapshot
from connectors.miro.layout import (
    EMOTION_H,
    HEADER_H,
    LABEL_W,
    SLOT,
    Grid,
    Rect,
    Shift,
    badge_spot,
    card_spot,
    emotion_y,
    free_slots,
    slots_across,
)
from connectors.miro.limits import TAGS_PER_ITEM
from connectors.miro.mapping import (
    CONFLICT_TAG,
    MOMENT_OF_TRUTH_TAG,
    Desired,
    DesiredLine,
    RowSpec,
    desired_items,
    is_managed_tag,
    role_row,
    row_specs,
    split_key,
    tag_colour,
)
from connectors.miro.matching import Found, Wanted, pair_edited
from connectors.miro.reading import ROLE_OF_ROW, STAND_IN, board_grid, find_frame, stand_in_frame
from connectors.miro.resources import ITEM_TYPES
from connectors.miro.richtext import HTML_FIELDS, data_text, field_text, normalise, to_html, to_text

REF = "@key:"
"""Prefix of a payload value that ``apply`` replaces with the id the key maps to (items created earlier)."""

_TOLERANCE = 1.0
_FRAME_MARGIN = 400.0
_OURS = ("frame", "stage", "lane", "row", "touchpoint", "badge", "emotion", "pain_point", "opportunity", "note")


def ref(entity: str) -> str:
    """A reference to the board id of ``entity``, resolved by ``apply``."""
    return f"{REF}{entity}"


def owner_entity(entity: str) -> str:
    """The journey entity an item belongs to (a badge or emotion point belongs to its touchpoint)."""
    kind, ident = split_key(entity)
    return f"touchpoint:{ident}" if kind in ("badge", "emotion") else entity


@dataclass
class _Ctx:
    snapshot: Snapshot
    id_map: MutableMapping[str, str]
    frame: Item | None
    conflicts: frozenset[str]
    created: frozenset[str]
    role_rows: frozenset[str] = frozenset()
    adopted: frozenset[str] = frozenset()
    warnings: list[str] = field(default_factory=list)
    """Writes skipped because board state the tool cannot change leaves no room (said, not failed)."""
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(entity key, tag title) of each tag not attached for lack of room."""
    frameless: bool = False
    """The team's grid has no frame (adopted so): the grid's own place stands in for one, none is drawn."""
    """Ids of the team's items ``import`` adopted (see :mod:`connectors.miro.adopted`)."""
    pos: dict[str, tuple[float, float]] = field(default_factory=dict)
    parked: set[str] = field(default_factory=set)
    """Our items people put outside the frame or the grid: they stay where they are."""
    outside: set[str] = field(default_factory=set)
    """Our items outside the frame (on the canvas, in another frame): a growing grid does not shift them."""
    orphans: set[str] = field(default_factory=set)
    """Items left where a deleted journey frame was: re-parented into the frame that replaces it."""
    frame_key: str = ""
    placing: frozenset[str] = frozenset()
    """Keys of touchpoints whose card was just adopted from the inbox: laid out in a free slot of their cell."""
    _children: tuple[Item | None, list[Item]] = (None, [])

    def children(self) -> list[Item]:
        """The frame's items (computed once per frame: the snapshot does not change while planning)."""
        if self.frame is None:
            return []
        if self._children[0] is not self.frame:
            self._children = (self.frame, self.snapshot.children(self.frame))
        return self._children[1]

    def item(self, entity: str, item_type: str | None = None) -> Item | None:
        item = self.snapshot.items.get(self.id_map.get(entity, ""))
        return item if item is not None and (item_type is None or item.type == item_type) else None


def _text(item: Item) -> str:
    return normalise(data_text(item.type, item.data))


def _desired_text(d: Desired) -> str:
    return normalise(data_text(d.type, d.data))


def _adopt_frame(ctx: _Ctx, d: Desired) -> None:
    taken = set(ctx.id_map.values())
    for item in ctx.snapshot.items.values():
        if (
            item.type == "frame"
            and item.id not in taken
            and normalise(str(item.data.get("title") or "")) == _desired_text(d)
        ):
            ctx.id_map[d.key] = item.id
            ctx.frame = item
            return


def _adopt(ctx: _Ctx, wanted: Iterable[Desired], candidate: Any) -> None:
    """Map each unmapped desired item to the first unmapped board item ``candidate(d, item)`` accepts."""
    taken = set(ctx.id_map.values())
    pool = [i for i in ctx.children() if i.id not in taken]
    for d in wanted:
        if ctx.item(d.key, d.type) is not None:
            continue
        match = next((i for i in pool if i.type == d.type and candidate(d, i)), None)
        if match is not None:
            ctx.id_map[d.key] = match.id
            pool.remove(match)


def _local(ctx: _Ctx, item: Item) -> tuple[float, float]:
    assert ctx.frame is not None
    return item.local(ctx.frame)


@without_gc
def plan_board(
    journey: Journey,
    snapshot: Snapshot,
    id_map: MutableMapping[str, str],
    memo: Mapping[str, Any],
    conflicts: frozenset[str] = frozenset(),
    skipped: list[tuple[str, str]] | None = None,
    warnings: list[str] | None = None,
    *,
    emotion_lines: bool = True,
    placing: frozenset[str] = frozenset(),
) -> list[BoardOp]:
    """The ops that make the board show ``journey`` (``id_map`` gains entries for adopted items).

    ``placing``: touchpoint keys whose card a person just dragged in from the inbox; each gets a free slot
    in its stage's touchpoints row like a new card (where it was dropped it may cover other cards).

    Tags that do not fit on an item beside people's tags are left out: ``skipped`` gains their
    ``(entity key, tag title)`` and ``warnings`` says so in words. ``emotion_lines=False`` draws the
    emotion curve as points only: no connector joins them (each costs a request and 100 credits to
    create; lines already drawn by cjm-sync are removed).
    """
    rows = row_specs(journey)
    adopted = frozenset(str(i) for i in memo.get("adopted", []))
    if adopted:
        rows = used_rows(rows, journey)
    items, lines = desired_items(journey, rows)
    if adopted:
        items = as_adopted(items, snapshot.items, id_map, adopted)
    if not emotion_lines:
        lines = [line for line in lines if not line.key.startswith("emotion-link:")]
    by_key = {d.key: d for d in items}
    frame_d = items[0]
    found = find_frame(snapshot, id_map)
    ctx = _Ctx(
        snapshot,
        id_map,
        found[1] if found else None,
        conflicts,
        frozenset(memo.get("created", [])),
        frozenset(r.key for r in rows if r.kind in ROLE_OF_ROW),
    )
    ctx.frame_key = frame_d.key
    ctx.adopted = adopted
    ctx.placing = placing
    if ctx.frame is None:
        _adopt_frame(ctx, frame_d)
    if ctx.frame is None:
        ctx.frame = stand_in_frame(snapshot, id_map, str(frame_d.data.get("title") or ""))
        ctx.frameless = bool(memo.get("frameless")) and ctx.frame is not None
        ctx.orphans = set() if ctx.frameless else {i.id for i in ctx.children()}
    grid0 = _adopt_contents(ctx, items, lines, rows)
    slotted = [d for d in items if d.cell is not None]
    grid, shift = grid0.fit(_column_sizes(journey, grid0, slotted), _row_sizes(rows, grid0, slotted))
    if ctx.frame is not None:
        for item in ctx.children():
            ctx.pos[item.id] = shift.point(*_local(ctx, item))
        ctx.parked = _parked(ctx, slotted, grid0)
    placed, grid = _place(ctx, grid, slotted, by_key)
    ops = _ops(ctx, journey, items, lines, grid, placed, rows)
    if skipped is not None:
        skipped += ctx.skipped
    if warnings is not None:
        warnings += ctx.warnings
    return ops


def adopt_existing(journey: Journey, snapshot: Snapshot, id_map: MutableMapping[str, str]) -> None:
    """Map ``journey``'s items to the board's unmapped items before the board is read, when the id map
    has lost the journey frame (a deleted state store): the frame by title, then every item as
    :func:`plan_board` would — plus, for items whose text people edited meanwhile, kind, colour, cell and
    position first, then text similarity (see :mod:`connectors.miro.matching`). The edited values are
    then read as edits of the entities they are, and nothing that exists is created again."""
    if find_frame(snapshot, id_map) is not None:
        return
    rows = row_specs(journey)
    items, lines = desired_items(journey, rows)
    ctx = _Ctx(
        snapshot, id_map, None, frozenset(), frozenset(), frozenset(r.key for r in rows if r.kind in ROLE_OF_ROW)
    )
    _adopt_frame(ctx, items[0])
    if ctx.frame is not None:
        _adopt_contents(ctx, items, lines, rows, edited=True)


def _adopt_contents(
    ctx: _Ctx, items: list[Desired], lines: list[DesiredLine], rows: list[RowSpec], *, edited: bool = False
) -> Grid:
    """Map unmapped desired items to the items in the frame (exact text; with ``edited`` also edited
    text, see :func:`adopt_existing`); returns the grid the board shows."""
    structure = [d for d in items[1:] if d.cell is None and d.anchor is None]
    headers = [d for d in structure if d.key.startswith("stage:")]
    labels = [d for d in structure if not d.key.startswith("stage:")]
    _adopt(ctx, headers, lambda d, i: _local(ctx, i)[1] < HEADER_H and _text(i) == _desired_text(d))
    _adopt(ctx, labels, lambda d, i: _local(ctx, i)[0] < LABEL_W and _text(i) == _desired_text(d))
    if edited:
        _adopt_edited(ctx, headers, lambda i: ("header", i.type) if _local(ctx, i)[1] < HEADER_H else None)
        _adopt_edited(ctx, labels, lambda i: ("label", i.type) if _local(ctx, i)[0] < LABEL_W else None)
    grid0 = board_grid(ctx.snapshot, ctx.frame, ctx.id_map) if ctx.frame else Grid()

    def cell_of(x: float, y: float, grid: Grid) -> tuple[str, str] | None:
        col, row = grid.column_at(x), grid.row_at(y)
        return (col.key, row.key) if col and row else None

    slotted = [d for d in items if d.cell is not None]
    _adopt(
        ctx,
        slotted,
        lambda d, i: (
            _text(i) == _desired_text(d)
            and cell_of(*_local(ctx, i), grid0) == d.cell
            and _colour(i.style) == _colour(d.style)
        ),
    )
    if edited:
        _adopt_edited(ctx, slotted, lambda i: (cell_of(*_local(ctx, i), grid0), i.type))
    _adopt_anchored(ctx, items, grid0, rows)
    _adopt_lines(ctx, lines)
    return grid0


def _colour(style: Mapping[str, Any]) -> str:
    return str(style.get("fillColor", "")).lower()


def _adopt_edited(ctx: _Ctx, wanted: Iterable[Desired], group: Any) -> None:
    """Pair still-unmapped desired items with unmapped items in the frame whose text was edited:
    ``group(item)`` is the item's group (None: not a candidate), matched against the desired item's
    (header/label row, else cell and item type)."""
    taken = set(ctx.id_map.values())
    keys: list[Wanted] = []
    for d in wanted:
        if ctx.item(d.key, d.type) is None:
            if d.cell is not None:
                mine: Any = (d.cell, d.type)  # the cell's row says the kind (people recolour stickies)
            else:
                mine = ("header" if d.key.startswith("stage:") else "label", d.type)
            keys.append(Wanted(d.key, _desired_text(d), mine))
    if not keys:
        return
    found = []
    for item in ctx.children():
        kin = group(item) if item.id not in taken else None
        if kin is not None:
            x, y = _local(ctx, item)
            found.append(Found(item.id, _text(item), kin, (y // SLOT, x)))
    ctx.id_map.update(pair_edited(keys, found))


def _parked(ctx: _Ctx, slotted: list[Desired], grid: Grid) -> set[str]:
    """Ids of our slotted items outside the frame, or inside it but in no cell of the grid."""
    assert ctx.frame is not None
    parked: set[str] = set()
    for d in slotted:
        item = ctx.item(d.key, d.type)
        if item is None:
            continue
        x, y = _local(ctx, item)
        if item.id not in ctx.pos:
            parked.add(item.id)
            ctx.outside.add(item.id)
            ctx.pos[item.id] = (x, y)  # outside the frame: a growing grid does not move it
        elif grid.column_at(x) is None or (d.type == "sticky_note" and grid.row_at(y) is None):
            parked.add(item.id)
    return parked


def _adopt_anchored(ctx: _Ctx, items: list[Desired], grid: Grid, rows: list[RowSpec]) -> None:
    emotion_key = next((r.key for r in rows if r.kind is LaneKind.EMOTIONS), "")
    taken = set(ctx.id_map.values())
    for d in items:
        card = ctx.item(d.anchor or "")
        if d.anchor is None or card is None or ctx.item(d.key, d.type) is not None:
            continue
        cx, cy = _local(ctx, card)
        best: tuple[float, Item] | None = None
        for i in ctx.children():
            if (
                i.id in taken
                or i.type != d.type
                or str(i.style.get("fillColor", "")).lower() != str(d.style["fillColor"]).lower()
            ):
                continue
            x, y = _local(ctx, i)
            if d.type == "sticky_note":
                bx, by = badge_spot(cx, cy)
                distance = math.hypot(x - bx, y - by)
            elif any(b.key == emotion_key and b.holds(y) for b in grid.rows):
                distance = abs(x - cx)
            else:
                continue
            if distance < SLOT / 2 and (best is None or distance < best[0]):
                best = (distance, i)
        if best is not None:
            ctx.id_map[d.key] = best[1].id
            taken.add(best[1].id)


def _adopt_lines(ctx: _Ctx, lines: list[DesiredLine]) -> None:
    taken = set(ctx.id_map.values())
    for line in lines:
        if ctx.snapshot.connectors.get(ctx.id_map.get(line.key, "")) is not None:
            continue
        start, end = ctx.id_map.get(line.start), ctx.id_map.get(line.end)
        match = next(
            (
                c
                for c in ctx.snapshot.connectors.values()
                if c.id not in taken and (c.start_id, c.end_id) == (start, end)
            ),
            None,
        )
        if match is not None and start and end:
            ctx.id_map[line.key] = match.id
            taken.add(match.id)


def _counts(slotted: list[Desired]) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    for d in slotted:
        assert d.cell is not None
        counts[d.cell] = counts.get(d.cell, 0) + 1
    return counts


def _column_sizes(journey: Journey, grid: Grid, slotted: list[Desired]) -> list[tuple[str, float]]:
    counts = _counts(slotted)
    return [
        (f"stage:{s.id}", slots_across(max([0, *(n for (c, _), n in counts.items() if c == f"stage:{s.id}")])) * SLOT)
        for s in journey.stages
    ]


def _row_sizes(rows: list[RowSpec], grid: Grid, slotted: list[Desired]) -> list[tuple[str, float]]:
    counts = _counts(slotted)
    sizes = []
    for row in rows:
        if row.kind is LaneKind.EMOTIONS and row.key == role_row(rows, LaneKind.EMOTIONS).key:
            sizes.append((row.key, EMOTION_H))
            continue
        down = 1
        for (col, r), n in counts.items():
            if r == row.key:
                across = slots_across(n)
                if any(b.key == col for b in grid.columns):
                    across = max(1, math.floor(grid.column(col).size / SLOT + 1e-6))
                down = max(down, math.ceil(n / across))
        sizes.append((row.key, down * SLOT))
    return sizes


def _rect(ctx: _Ctx, item: Item) -> Rect:
    x, y = ctx.pos[item.id]
    return Rect.around(x, y, item.width, item.height)


def _place(
    ctx: _Ctx, grid: Grid, slotted: list[Desired], by_key: Mapping[str, Desired]
) -> tuple[dict[str, Rect], Grid]:
    """Slots for new items and items whose cell changed; grows rows that are full."""
    moving: list[Desired] = []
    keep: set[str] = set()
    for d in slotted:
        item = ctx.item(d.key, d.type)
        if item is not None and item.id in ctx.parked:
            keep.add(item.id)
            continue
        if item is not None and item.id in ctx.pos and d.key not in ctx.placing:
            x, y = ctx.pos[item.id]
            col, row = grid.column_at(x), grid.row_at(y)
            if col and row and (col.key, row.key) == d.cell:
                keep.add(item.id)
                continue
        moving.append(d)
    anchored: dict[str, list[str]] = {}
    for d in by_key.values():
        if d.anchor is not None:
            anchored.setdefault(d.anchor, []).append(d.key)
    vacating = {ctx.id_map[k] for d in moving for k in (d.key, *anchored.get(d.key, ())) if k in ctx.id_map}
    structure = {ctx.id_map[k] for k in ctx.id_map if k.startswith(("stage:", "lane:", "row:"))}
    still = [i for i in ctx.children() if i.id in ctx.pos and i.id not in vacating and i.id not in structure]
    placed: dict[str, Rect] = {}
    cells: dict[tuple[str, str], list[Desired]] = {}
    for d in moving:
        assert d.cell is not None
        cells.setdefault(d.cell, []).append(d)
    obstacles = _Obstacles(grid, [_rect(ctx, i) for i in still])
    for cell, wanted in cells.items():
        while True:
            free = free_slots(grid.slots(*cell), obstacles.within(grid.cell(*cell)))
            if len(free) >= len(wanted):
                break
            across = max(1, math.floor(grid.column(cell[0]).size / SLOT + 1e-6))
            grid, grown = grid.grow_row(cell[1], math.ceil((len(wanted) - len(free)) / across) * SLOT)
            _shift_all(ctx, placed, grown)
            obstacles = _Obstacles(grid, [_rect(ctx, i) for i in still] + list(placed.values()))
        for d, slot in zip(wanted, free, strict=False):
            placed[d.key] = slot
            obstacles.add(slot)
    return placed, grid


class _Obstacles:
    """Boxes on the grid, bucketed by the columns they reach into, so a cell only checks its own."""

    def __init__(self, grid: Grid, rects: Iterable[Rect]) -> None:
        self._edges = sorted(b.start for b in grid.columns)
        self._buckets: list[list[Rect]] = [[] for _ in range(len(self._edges) + 1)]
        for rect in rects:
            self.add(rect)

    def _span(self, rect: Rect) -> range:
        return range(bisect_right(self._edges, rect.x0), bisect_right(self._edges, rect.x1) + 1)

    def add(self, rect: Rect) -> None:
        """One more box."""
        for index in self._span(rect):
            self._buckets[index].append(rect)

    def within(self, area: Rect) -> list[Rect]:
        """The boxes that overlap ``area``."""
        seen: set[int] = set()
        found: list[Rect] = []
        for index in self._span(area):
            for rect in self._buckets[index]:
                if id(rect) not in seen and rect.overlaps(area):
                    seen.add(id(rect))
                    found.append(rect)
        return found


def _shift_all(ctx: _Ctx, placed: dict[str, Rect], shift: Shift) -> None:
    for item_id, (x, y) in ctx.pos.items():
        if item_id not in ctx.outside:
            ctx.pos[item_id] = shift.point(x, y)
    for k, r in placed.items():
        nx, ny = shift.point(r.x0, r.y0)
        placed[k] = r.moved(nx - r.x0, ny - r.y0)


def _target(
    ctx: _Ctx,
    d: Desired,
    grid: Grid,
    placed: Mapping[str, Rect],
    rows: list[RowSpec],
    journey: Journey,
    targets: Mapping[str, tuple[float, float]],
    cells: Mapping[str, tuple[str, str]],
) -> tuple[tuple[float, float], dict[str, float]]:
    """Where ``d`` goes (frame coordinates) and its geometry."""
    if d.type == "frame":
        return (0.0, 0.0), {"width": grid.width, "height": grid.height}
    if d.cell is None and d.anchor is None:
        rect = grid.header_rect(d.key) if d.key.startswith("stage:") else grid.label_rect(d.key)
        return (rect.cx, rect.cy), {"width": rect.width, "height": rect.height}
    item = ctx.item(d.key, d.type)
    current = ctx.pos.get(item.id) if item else None
    if d.cell is not None:
        slot = placed.get(d.key)
        if slot is None and current is not None:
            return current, {"width": d.width or 0.0}
        assert slot is not None
        return (card_spot(slot) if d.type == "app_card" else (slot.cx, slot.cy)), {"width": d.width or 0.0}
    assert d.anchor is not None
    card_x, card_y = targets[d.anchor]
    card = ctx.item(d.anchor)
    card_moved = card is None or ctx.pos.get(card.id) != (card_x, card_y) or d.anchor in placed
    if d.score is not None:
        emotions = grid.row(role_row(rows, LaneKind.EMOTIONS).key)
        y = emotion_y(emotions, d.score, journey.emotion_scale.min, journey.emotion_scale.max)
        col = grid.column_at(card_x)
        if card is not None and card.id in ctx.parked and col is None:
            # the card is off the grid: its point stays on the curve, in its stage's column
            column = cells.get(d.anchor, ("", ""))[0]
            home = next((b for b in grid.columns if b.key == column), None)
            x = current[0] if current is not None else (home.start + home.size / 2 if home else card_x)
            return (x, y), {"width": d.width or 0.0, "height": d.width or 0.0}
        keep_x = current is not None and not card_moved and col is not None and col.holds(current[0])
        return ((current[0] if keep_x and current else card_x), y), {"width": d.width or 0.0, "height": d.width or 0.0}
    if current is not None and not card_moved:
        return current, {"width": d.width or 0.0}
    return badge_spot(card_x, card_y), {"width": d.width or 0.0}


def _ops(
    ctx: _Ctx,
    journey: Journey,
    items: list[Desired],
    lines: list[DesiredLine],
    grid: Grid,
    placed: Mapping[str, Rect],
    rows: list[RowSpec],
) -> list[BoardOp]:
    creates: list[BoardOp] = []
    updates: list[BoardOp] = []
    tag_ops: list[BoardOp] = []
    frame_ops: list[BoardOp] = []
    targets: dict[str, tuple[float, float]] = {}
    cells = {d.key: d.cell for d in items if d.cell is not None}
    wanted_tags: set[str] = set()
    for d in items:
        pos, geometry = _target(ctx, d, grid, placed, rows, journey, targets, cells)
        targets[d.key] = pos
        item = ctx.item(d.key, d.type)
        entity = owner_entity(d.key)
        conflicted = entity in ctx.conflicts
        tags = set(d.tags)
        if conflicted and ITEM_TYPES[d.type].taggable:
            tags.add(CONFLICT_TAG)
        wanted_tags |= tags
        if d.type == "frame":
            frame_ops += _frame_ops(ctx, d, geometry)
            continue
        if item is None:
            creates.append(_create(ctx, d, pos, geometry))
            tag_ops += [
                BoardOp(OpKind.TAG, d.key, "tag", payload=_tag_payload(ctx, t), summary=f"tag {d.key} '{t}'")
                for t in sorted(tags)
            ]
            continue
        updates += _update(ctx, d, item, pos, geometry)
        current = {t for t in item.tags if is_managed_tag(t)}
        if ITEM_TYPES[d.type].taggable:
            tag_ops += [
                BoardOp(OpKind.TAG, d.key, "tag", item.id, payload=_tag_payload(ctx, t), summary=f"tag {d.key} '{t}'")
                for t in _tags_that_fit(ctx, d.key, item, tags - current, current - tags)
            ]
            tag_ops += [
                BoardOp(
                    OpKind.UNTAG, d.key, "tag", item.id, payload=_tag_payload(ctx, t), summary=f"untag {d.key} '{t}'"
                )
                for t in sorted(current - tags)
            ]
    tag_creates = [
        BoardOp(
            OpKind.CREATE,
            f"tag:{t}",
            "tag",
            payload={"title": t, "fillColor": tag_colour(t)},
            summary=f"create tag '{t}'",
        )
        for t in sorted(wanted_tags & {op.payload["tag"] for op in tag_ops if op.kind is OpKind.TAG})
        if ctx.snapshot.tag_by_title(t) is None
    ]
    line_creates, line_updates = _line_ops(ctx, lines, journey)
    wanted_keys = {d.key for d in items} | {line.key for line in lines}
    moves = _shift_ops(ctx)
    return (
        frame_ops
        + tag_creates
        + creates
        + line_creates
        + updates
        + moves
        + line_updates
        + tag_ops
        + _deletes(ctx, wanted_keys)
    )


_TAG_PRIORITY = (CONFLICT_TAG, MOMENT_OF_TRUTH_TAG)


def _tags_that_fit(ctx: _Ctx, entity: str, item: Item, adding: set[str], removing: set[str]) -> list[str]:
    """The tags of ``adding`` that fit on ``item`` beside the tags people gave it (Miro: 8 per item), the
    conflict flag first, then the moment of truth, then the rest; the others are skipped and reported."""
    room = TAGS_PER_ITEM - (len(set(item.tags)) - len(removing))
    ordered = sorted(adding, key=lambda t: (_TAG_PRIORITY.index(t) if t in _TAG_PRIORITY else len(_TAG_PRIORITY), t))
    fits, skipped = ordered[: max(0, room)], ordered[max(0, room) :]
    for title in skipped:
        ctx.skipped.append((entity, title))
        ctx.warnings.append(
            f"not tagging {entity} '{title}': its item already carries {len(set(item.tags))} tags and Miro allows "
            f"{TAGS_PER_ITEM} per item; remove one of its tags on the board and the next sync adds it"
        )
    return fits


def _tag_payload(ctx: _Ctx, title: str) -> dict[str, str]:
    """A tag op's payload: the title, and the tag's id when the board already has it."""
    tag = ctx.snapshot.tag_by_title(title)
    return {"tag": title, "tag_id": tag.id} if tag else {"tag": title}


def _frame_ops(ctx: _Ctx, d: Desired, geometry: dict[str, float]) -> list[BoardOp]:
    w, h = geometry["width"], geometry["height"]
    if ctx.frameless:
        return []
    if ctx.frame is None or ctx.frame.id == STAND_IN:
        if ctx.frame is not None:  # a person deleted the frame: put it back where it was
            left, top = ctx.frame.top_left
            summary = f"re-create deleted frame '{d.data['title']}'"
        else:
            right = max((i.canvas_rect.x1 for i in ctx.snapshot.items.values()), default=None)
            left, top = (0.0 if right is None else right + _FRAME_MARGIN), 0.0
            summary = f"create frame '{d.data['title']}'"
        payload = {
            "data": d.data,
            "style": {"fillColor": "#ffffff"},
            "position": {"x": left + w / 2, "y": top + h / 2},
            "geometry": geometry,
        }
        return [BoardOp(OpKind.CREATE, d.key, "frame", payload=payload, summary=summary)]
    frame = ctx.frame
    if frame.id in ctx.adopted:  # the team's frame grows when the grid needs room, never shrinks
        w, h = max(w, frame.width), max(h, frame.height)
    changes: dict[str, Any] = {}
    fields: list[FieldChange] = []
    if str(frame.data.get("title") or "") != d.data["title"] and d.key not in ctx.conflicts:
        changes["data"] = {"title": d.data["title"]}
        fields.append(FieldChange("title", frame.data.get("title"), d.data["title"]))
    if abs(frame.width - w) > _TOLERANCE or abs(frame.height - h) > _TOLERANCE:
        left, top = frame.top_left
        changes["geometry"] = {"width": w, "height": h}
        changes["position"] = {"x": left + w / 2, "y": top + h / 2}
        fields.append(FieldChange("geometry", [frame.width, frame.height], [w, h]))
    if not changes:
        return []
    return [BoardOp(OpKind.UPDATE, d.key, "frame", frame.id, tuple(fields), changes, f"update frame {d.key}")]


def _create(ctx: _Ctx, d: Desired, pos: tuple[float, float], geometry: dict[str, float]) -> BoardOp:
    if ITEM_TYPES[d.type].width_only or d.type == "app_card":
        geometry = {"width": geometry["width"]}
    payload: dict[str, Any] = {"type": d.type, "data": d.data, "style": d.style}
    if ctx.frameless and ctx.frame is not None:  # on the canvas, beside the team's items
        left, top = ctx.frame.top_left
        payload.update(position={"x": left + pos[0], "y": top + pos[1]}, geometry=geometry)
    else:
        payload.update(position={"x": pos[0], "y": pos[1]}, geometry=geometry, parent={"id": ref(ctx.frame_key)})
    return BoardOp(OpKind.CREATE, d.key, d.type, payload=payload, summary=f"create {d.type} {d.key}")


def _field_values(fields: Any) -> list[tuple[Any, Any]]:
    return [(f.get("value"), f.get("tooltip")) for f in fields or []]


def _shown(item_type: str, name: str, current: Any, wanted: Any) -> tuple[Any, Any]:
    """A change as people read it: rich text decoded (see :mod:`.richtext`)."""
    if name in HTML_FIELDS.get(item_type, ()):
        return field_text(item_type, name, current), field_text(item_type, name, wanted)
    return current, wanted


def _same(item_type: str, current: Any, wanted: Any, name: str) -> bool:
    if current == wanted:
        return True
    if name in HTML_FIELDS.get(item_type, ()):
        return field_text(item_type, name, current) == field_text(item_type, name, wanted)
    if name == "fields":
        return _field_values(current) == _field_values(wanted)
    if isinstance(wanted, str):
        return str(current or "").lower() == wanted.lower()
    return bool(current == wanted)


def _update(ctx: _Ctx, d: Desired, item: Item, pos: tuple[float, float], geometry: dict[str, float]) -> list[BoardOp]:
    changes: dict[str, Any] = {}
    fields: list[FieldChange] = []
    # ``d`` already shows the board's own value of every conflicted field: everything else is written
    for block, wanted in (("data", d.data), ("style", d.style)):
        current = item.data if block == "data" else item.style
        diff = {k: v for k, v in wanted.items() if not _same(d.type, current.get(k), v, k)}
        if block == "style" and d.cell is not None and d.cell[1] in ctx.role_rows:
            diff.pop("fillColor", None)  # the row gives the role: people's colours stay
        if item.id in ctx.adopted:
            diff = adopted_diff(d, block, diff, current)
        if diff:
            changes[block] = diff
            fields += [FieldChange(f"{block}.{k}", *_shown(d.type, k, current.get(k), v)) for k, v in diff.items()]
    team_structure = item.id in ctx.adopted and d.cell is None and d.anchor is None
    if (
        d.cell is None
        and d.anchor is None
        and not team_structure
        and (abs(item.width - geometry["width"]) > _TOLERANCE or abs(item.height - geometry["height"]) > _TOLERANCE)
    ):
        changes["geometry"] = geometry
        fields.append(FieldChange("geometry", [item.width, item.height], [geometry["width"], geometry["height"]]))
    x0, y0 = _local(ctx, item)
    if item.id in ctx.orphans:
        changes.update(_reparent(ctx, pos))
        fields.append(FieldChange("parent", None, ctx.frame_key))
    elif not team_structure and (abs(x0 - pos[0]) > _TOLERANCE or abs(y0 - pos[1]) > _TOLERANCE):
        changes["position"] = _wire_position(ctx, item, pos)
        fields.append(FieldChange("position", [x0, y0], list(pos)))
    if not changes:
        return []
    only_moved = set(changes) <= {"position", "parent"}
    kind = OpKind.MOVE if only_moved else OpKind.UPDATE
    return [BoardOp(kind, d.key, d.type, item.id, tuple(fields), changes, f"{kind.value} {d.type} {d.key}")]


def _reparent(ctx: _Ctx, pos: tuple[float, float]) -> dict[str, Any]:
    """Body that puts an orphan back into the re-created journey frame at frame position ``pos``."""
    return {"parent": {"id": ref(ctx.frame_key)}, "position": {"x": pos[0], "y": pos[1]}}


def _wire_position(ctx: _Ctx, item: Item, pos: tuple[float, float]) -> dict[str, float]:
    """Position to send: frame-relative for the frame's children, relative to its own frame for a child of
    another frame (an inbox frame), canvas for items merely on top of it."""
    assert ctx.frame is not None
    if item.parent_id == ctx.frame.id:
        return {"x": pos[0], "y": pos[1]}
    left, top = ctx.frame.top_left
    parent = ctx.snapshot.items.get(item.parent_id or "")
    if parent is not None:
        left, top = left - parent.top_left[0], top - parent.top_left[1]
    return {"x": left + pos[0], "y": top + pos[1]}


def _shift_ops(ctx: _Ctx) -> list[BoardOp]:
    """Moves for items that are not ours (people's items shifted by a growing grid)."""
    ops: list[BoardOp] = []
    ours = set(ctx.id_map.values())
    for item in ctx.children():
        if item.id in ours or item.id not in ctx.pos:
            continue
        x0, y0 = _local(ctx, item)
        x, y = ctx.pos[item.id]
        if item.id in ctx.orphans:
            ops.append(
                BoardOp(
                    OpKind.MOVE,
                    f"item:{item.id}",
                    item.type,
                    item.id,
                    (FieldChange("parent", None, ctx.frame_key),),
                    _reparent(ctx, (x, y)),
                    f"re-parent {item.type} {item.id}",
                )
            )
        elif abs(x - x0) > _TOLERANCE or abs(y - y0) > _TOLERANCE:
            ops.append(
                BoardOp(
                    OpKind.MOVE,
                    f"item:{item.id}",
                    item.type,
                    item.id,
                    (FieldChange("position", [x0, y0], [x, y]),),
                    {"position": _wire_position(ctx, item, (x, y))},
                    f"shift {item.type} {item.id}",
                )
            )
    return ops


def _line_ops(ctx: _Ctx, lines: list[DesiredLine], journey: Journey) -> tuple[list[BoardOp], list[BoardOp]]:
    creates: list[BoardOp] = []
    updates: list[BoardOp] = []
    for line in lines:
        captions = [{"content": to_html(line.caption)}] if line.caption else []
        current = ctx.snapshot.connectors.get(ctx.id_map.get(line.key, ""))
        if current is None:
            payload: dict[str, Any] = {
                "startItem": {"id": ref(line.start), "snapTo": "right"},
                "endItem": {"id": ref(line.end), "snapTo": "left"},
                "shape": "curved",
            }
            if captions:
                payload["captions"] = captions
            if line.style:
                payload["style"] = line.style
            creates.append(
                BoardOp(OpKind.CREATE, line.key, "connector", payload=payload, summary=f"connect {line.key}")
            )
            continue
        have = [to_text(c) for c in current.captions]
        want = [line.caption] if line.caption else []
        if have != want and f"touchpoint:{split_key(line.key)[1].split('->')[0]}" not in ctx.conflicts:
            updates.append(
                BoardOp(
                    OpKind.UPDATE,
                    line.key,
                    "connector",
                    current.id,
                    (FieldChange("captions", have, want),),
                    {"captions": captions},
                    f"update connector {line.key}",
                )
            )
    return creates, updates


def _deletes(ctx: _Ctx, wanted: set[str]) -> list[BoardOp]:
    """Our own items the journey no longer holds and nobody changed since the last sync."""
    lines: list[BoardOp] = []
    items: list[BoardOp] = []
    for entity, item_id in sorted(ctx.id_map.items()):
        kind = split_key(entity)[0]
        if entity in wanted or item_id not in ctx.created or item_id in ctx.snapshot.changed:
            continue
        if item_id in ctx.snapshot.connectors:
            lines.append(BoardOp(OpKind.DELETE, entity, "connector", item_id, summary=f"delete connector {entity}"))
        elif kind in _OURS and item_id in ctx.snapshot.items:
            item_type = ctx.snapshot.items[item_id].type
            items.append(BoardOp(OpKind.DELETE, entity, item_type, item_id, summary=f"delete {item_type} {entity}"))
    return lines + items
