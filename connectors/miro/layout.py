"""The CJM grid inside the journey frame: pure geometry, in frame coordinates (origin top-left).

Stage columns run right of a lane-label column, lane rows run below a stage-header row. A cell is
divided into square slots; a new item takes the first slot that nothing (ours or people's) overlaps.
When a cell is full its row grows by whole slot rows, and everything below shifts down by the same
amount, so people's arrangements keep their relative positions. Inserting a column or row shifts what
follows the same way. A :class:`Shift` records such moves as "everything at or beyond ``t`` moves by ``d``".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

LABEL_W = 320.0
HEADER_H = 200.0
SLOT = 280.0
GAP = 20.0
EMOTION_H = 480.0
EMOTION_PAD = 60.0
MAX_SLOTS_ACROSS = 3
_EPS = 1.0


@dataclass(frozen=True)
class Rect:
    """An axis-aligned box."""

    x0: float
    y0: float
    x1: float
    y1: float

    @classmethod
    def around(cls, cx: float, cy: float, width: float, height: float) -> Rect:
        """The box of size ``width``×``height`` centred on (``cx``, ``cy``)."""
        return cls(cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2)

    @property
    def cx(self) -> float:
        """Centre x."""
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        """Centre y."""
        return (self.y0 + self.y1) / 2

    @property
    def width(self) -> float:
        """Width."""
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        """Height."""
        return self.y1 - self.y0

    def contains(self, x: float, y: float) -> bool:
        """Whether the point lies inside (edges included)."""
        return self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1

    def overlaps(self, other: Rect) -> bool:
        """Whether the two boxes share more than an edge."""
        return (
            self.x0 < other.x1 - _EPS
            and other.x0 < self.x1 - _EPS
            and self.y0 < other.y1 - _EPS
            and other.y0 < self.y1 - _EPS
        )

    def moved(self, dx: float, dy: float) -> Rect:
        """The box translated by (``dx``, ``dy``)."""
        return Rect(self.x0 + dx, self.y0 + dy, self.x1 + dx, self.y1 + dy)


@dataclass(frozen=True)
class Band:
    """A column (x) or row (y) of the grid."""

    key: str
    start: float
    size: float

    @property
    def end(self) -> float:
        """Where the band ends."""
        return self.start + self.size

    def holds(self, v: float) -> bool:
        """Whether coordinate ``v`` falls in the band."""
        return self.start <= v < self.end


@dataclass(frozen=True)
class Shift:
    """Moves made to make room: each ``(t, d)`` moves every coordinate ``>= t`` by ``d`` (applied in order)."""

    xs: tuple[tuple[float, float], ...] = ()
    ys: tuple[tuple[float, float], ...] = ()

    def point(self, x: float, y: float) -> tuple[float, float]:
        """Where the point at (``x``, ``y``) goes."""
        for t, d in self.xs:
            x += d if x >= t else 0.0
        for t, d in self.ys:
            y += d if y >= t else 0.0
        return x, y


def _insert(
    bands: Sequence[Band], wanted: Sequence[tuple[str, float]], origin: float
) -> tuple[list[Band], list[tuple[float, float]]]:
    """Insert the wanted bands that are missing after their predecessor; returns bands and shifts."""
    out = sorted(bands, key=lambda b: b.start)
    moves: list[tuple[float, float]] = []
    previous: str | None = None
    for key, size in wanted:
        if not any(b.key == key for b in out):
            before = next((b for b in out if b.key == previous), None)
            at = before.end if before else (out[0].start if out else origin)
            out = [replace(b, start=b.start + size) if b.start >= at else b for b in out]
            out.append(Band(key, at, size))
            out.sort(key=lambda b: b.start)
            moves.append((at, size))
        previous = key
    return out, moves


def _separate(bands: Sequence[Band], order: Sequence[str]) -> list[Band]:
    """Bands in ``order`` that start inside the one before (a shift an interrupted run left half done, or
    labels dragged on top of each other) move to where that one ends; the bands after them follow."""
    rank = {key: i for i, key in enumerate(order)}
    out = sorted(bands, key=lambda b: (b.start, rank.get(b.key, len(rank))))
    for i in range(1, len(out)):
        overlap = out[i - 1].end - out[i].start
        if overlap > _EPS and out[i].start - out[i - 1].start < out[i - 1].size / 2:
            out[i:] = [replace(b, start=b.start + overlap) for b in out[i:]]
    return out


@dataclass(frozen=True)
class Grid:
    """Stage columns and lane rows in frame coordinates."""

    columns: tuple[Band, ...] = ()
    rows: tuple[Band, ...] = ()

    @property
    def width(self) -> float:
        """Frame width needed for the grid."""
        return max([LABEL_W, *(b.end for b in self.columns)]) + GAP

    @property
    def height(self) -> float:
        """Frame height needed for the grid."""
        return max([HEADER_H, *(b.end for b in self.rows)]) + GAP

    def column(self, key: str) -> Band:
        """The column with this key."""
        return next(b for b in self.columns if b.key == key)

    def row(self, key: str) -> Band:
        """The row with this key."""
        return next(b for b in self.rows if b.key == key)

    def column_at(self, x: float) -> Band | None:
        """The column containing ``x``."""
        return next((b for b in self.columns if b.holds(x)), None)

    def row_at(self, y: float) -> Band | None:
        """The row containing ``y``."""
        return next((b for b in self.rows if b.holds(y)), None)

    def nearest_column(self, x: float) -> Band | None:
        """The column containing ``x``, else the closest one."""
        return self.column_at(x) or min(self.columns, key=lambda b: min(abs(x - b.start), abs(x - b.end)), default=None)

    def header_rect(self, column: str) -> Rect:
        """Where a stage header sits."""
        b = self.column(column)
        return Rect(b.start + GAP / 2, GAP / 2, b.end - GAP / 2, HEADER_H - GAP / 2)

    def label_rect(self, row: str) -> Rect:
        """Where a lane label sits."""
        b = self.row(row)
        return Rect(GAP / 2, b.start + GAP / 2, LABEL_W - GAP / 2, b.end - GAP / 2)

    def cell(self, column: str, row: str) -> Rect:
        """The box of one cell."""
        c, r = self.column(column), self.row(row)
        return Rect(c.start, r.start, c.end, r.end)

    def slots(self, column: str, row: str) -> list[Rect]:
        """The cell's slots in reading order (left to right, top to bottom)."""
        cell = self.cell(column, row)
        across = max(1, math.floor(cell.width / SLOT + 1e-6))
        down = max(1, math.floor(cell.height / SLOT + 1e-6))
        return [
            Rect(cell.x0 + i * SLOT, cell.y0 + j * SLOT, cell.x0 + (i + 1) * SLOT, cell.y0 + (j + 1) * SLOT)
            for j in range(down)
            for i in range(across)
        ]

    def fit(self, columns: Sequence[tuple[str, float]], rows: Sequence[tuple[str, float]]) -> tuple[Grid, Shift]:
        """Add the missing columns and rows (``(key, size)`` in wanted order) after their predecessors."""
        cols, xs = _insert(self.columns, columns, LABEL_W)
        rws, ys = _insert(self.rows, rows, HEADER_H)
        cols = _separate(cols, [k for k, _ in columns])
        rws = _separate(rws, [k for k, _ in rows])
        return Grid(tuple(cols), tuple(rws)), Shift(tuple(xs), tuple(ys))

    def grow_row(self, key: str, extra: float) -> tuple[Grid, Shift]:
        """Make row ``key`` taller by ``extra``; rows below move down."""
        at = self.row(key).end
        rows = tuple(
            replace(b, size=b.size + extra)
            if b.key == key
            else replace(b, start=b.start + extra)
            if b.start >= at
            else b
            for b in self.rows
        )
        return Grid(self.columns, rows), Shift((), ((at, extra),))


def grid_from_board(headers: Mapping[str, Rect], labels: Mapping[str, Rect]) -> Grid:
    """The grid drawn on the board, from the boxes of its stage headers and lane labels."""
    cols = sorted((Band(k, r.x0 - GAP / 2, r.width + GAP) for k, r in headers.items()), key=lambda b: b.start)
    rows = sorted((Band(k, r.y0 - GAP / 2, r.height + GAP) for k, r in labels.items()), key=lambda b: b.start)
    return Grid(tuple(cols), tuple(rows))


def slots_across(count: int) -> int:
    """How many slots wide a new column is for a cell holding ``count`` items."""
    return min(MAX_SLOTS_ACROSS, max(1, count))


def free_slots(slots: Iterable[Rect], obstacles: Iterable[Rect]) -> list[Rect]:
    """The slots nothing overlaps."""
    blocked = list(obstacles)
    return [s for s in slots if not any(s.overlaps(o) for o in blocked)]


def emotion_y(row: Band, score: float, low: float, high: float) -> float:
    """Height of an emotion point on the curve: ``high`` at the top of the row, ``low`` at the bottom."""
    span = row.size - 2 * EMOTION_PAD
    return row.start + EMOTION_PAD + (high - score) / (high - low) * span


def emotion_score(row: Band, y: float, low: float, high: float) -> float:
    """The score an emotion point at height ``y`` stands for (clamped, rounded to 0.01)."""
    span = row.size - 2 * EMOTION_PAD
    score = high - (y - row.start - EMOTION_PAD) / span * (high - low)
    return round(min(high, max(low, score)), 2)


CARD_OFFSET = 70.0
BADGE_OFFSET = 130.0


def card_spot(slot: Rect) -> tuple[float, float]:
    """Centre of a touchpoint card in its slot (its badge sits below it)."""
    return slot.cx, slot.y0 + CARD_OFFSET


def badge_spot(card_x: float, card_y: float) -> tuple[float, float]:
    """Centre of a touchpoint's badge, below its card."""
    return card_x, card_y + BADGE_OFFSET
