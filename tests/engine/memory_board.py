"""An in-memory whiteboard: a fake :class:`WhiteboardConnector` for the sync-engine tests.

The board holds *items*: an external id (``mb-1``, ``mb-2`` …), the entity key the item was made for
(like the metadata a real connector stamps on its items, so a crashed create is found again instead
of duplicated), the carried fields as flat entity fields (``emotion.score`` …), whether it is flagged
as conflicted, and who last changed it and when. People edit it through :meth:`MemoryBoard.human`.

``plan`` makes one :class:`BoardOp` per entity to create, update or delete (plus ``tag``/``untag`` to
flag conflicts), with exactly the fields that change; ``apply`` journals every write before and after
and counts the writes. :meth:`MemoryBoard.crash_at` makes ``apply`` raise :class:`Crash` at a given
journal step, before or after the external write.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Literal

from cjm_sync.merge import Entity, build_journey, flatten
from cjm_sync.merge.entities import carries, split_key
from cjm_sync.plugins import (
    ApplyResult,
    Authorship,
    BoardOp,
    BoardRead,
    Capability,
    ConnectorKind,
    ConnectorState,
    FieldChange,
    Journal,
    OpKind,
)
from cjm_sync.schema import Journey

CARRIED: dict[str, frozenset[str]] = {
    "touchpoint": frozenset({"title", "description", "stage", "channel", "moment_of_truth", "emotion"}),
    "stage": frozenset({"title"}),
    "pain_point": frozenset({"title", "stage"}),
    "note": frozenset({"text", "stage", "lane"}),
}
"""Fields the memory board shows, per kind (like Miro's, without lanes, opportunities and lines)."""

APP = "cjm-sync-app"
"""The author of the connector's own writes."""

Phase = Literal["before-write", "after-write", "after-done"]
PHASES: tuple[Phase, ...] = ("before-write", "after-write", "after-done")


class Crash(BaseException):
    """The process "dies" here (a BaseException, so no ``except Exception`` swallows it)."""


@dataclass
class Item:
    """One item on the memory board."""

    id: str
    key: str
    fields: dict[str, Any]
    flagged: bool = False
    modified_by: str = APP
    modified_at: datetime | None = None


@dataclass
class _Snapshot:
    items: dict[str, Item]
    by_key: dict[str, Item]


@dataclass
class MemoryBoard:
    """A fake whiteboard connector over one in-memory board (``target`` is ignored)."""

    name: ClassVar[str] = "memory"
    kind: ClassVar[ConnectorKind] = ConnectorKind.WHITEBOARD
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.READ, Capability.WRITE})

    carried: dict[str, frozenset[str]] = field(default_factory=lambda: dict(CARRIED))
    items: dict[str, Item] = field(default_factory=dict)
    writes: int = 0
    reads: int = 0
    applied: list[BoardOp] = field(default_factory=list)
    shuffle: random.Random | None = None
    """When set, ``read`` lists entities in a random order (the board carries no order)."""
    on_apply: Callable[[BoardOp], None] | None = None
    """Called after every write (e.g. to edit the journey file while the sync runs)."""
    now: datetime = field(default_factory=lambda: datetime(2026, 1, 1, tzinfo=UTC))
    _next_id: int = 0
    _steps: int = 0
    _crash: tuple[int, Phase] | None = None
    _snapshot: _Snapshot | None = None

    # -- set-up and inspection -------------------------------------------------------------------

    @classmethod
    def from_config(cls, options: Mapping[str, Any], *, transport: Any = None) -> MemoryBoard:
        return cls()

    def crash_at(self, op_index: int | None, phase: Phase = "before-write") -> None:
        """Raise :class:`Crash` at the ``op_index``-th write (0-based) of the next ``apply``s.

        ``before-write``: after ``journal.before`` and before the write; ``after-write``: after the write
        and before ``journal.after``; ``after-done``: after ``journal.after``. None disarms.
        """
        self._crash = None if op_index is None else (op_index, phase)
        self._steps = 0

    def tick(self, seconds: float = 60) -> datetime:
        """Move the board clock on (every write and human edit is stamped with it)."""
        self.now += timedelta(seconds=seconds)
        return self.now

    def content(self) -> dict[str, dict[str, Any]]:
        """Entity key → carried fields, as the board shows them (raises if a key is on it twice)."""
        out: dict[str, dict[str, Any]] = {}
        for item in self.items.values():
            assert item.key not in out, f"duplicate item for {item.key} on the board"
            out[item.key] = dict(item.fields)
        return out

    def keys(self) -> list[str]:
        """Entity keys of all items, duplicates included (sorted)."""
        return sorted(i.key for i in self.items.values())

    def flagged(self) -> set[str]:
        """Keys of items flagged as conflicted."""
        return {i.key for i in self.items.values() if i.flagged}

    def item(self, key: str) -> Item:
        """The one item of ``key``."""
        found = [i for i in self.items.values() if i.key == key]
        assert len(found) == 1, f"{len(found)} items for {key}"
        return found[0]

    def human(self, user: str = "ana") -> Human:
        """Edit the board as person ``user``."""
        return Human(self, user)

    # -- the connector contract ------------------------------------------------------------------

    def read(self, target: str, state: ConnectorState) -> BoardRead:
        self.reads += 1
        present = set(self.items)
        for key in [k for k, v in state.id_map.items() if v not in present]:
            del state.id_map[key]  # deleted on the board
        mapped = {v: k for k, v in state.id_map.items()}
        by_key: dict[str, Item] = {}
        unplaced: list[str] = []
        for item in self.items.values():
            key = mapped.get(item.id)
            if key is None:
                if item.key in state.id_map:  # a second item for a mapped key: leave it alone
                    unplaced.append(f"{item.id} ({item.key}): duplicate")
                    continue
                state.id_map[item.key] = item.id  # a crashed create, or a person's addition
                key = item.key
            by_key[key] = item
        self._snapshot = _Snapshot(dict(self.items), by_key)
        entities: dict[str, Entity] = {key: dict(item.fields) for key, item in by_key.items()}
        if self.shuffle is not None:
            keys = list(entities)
            self.shuffle.shuffle(keys)
            entities = {k: entities[k] for k in keys}
        journey_id = str(state.memo.get("journey") or "board")
        template = Journey(id=journey_id, title=journey_id)
        journey = build_journey(entities, template) if entities else template
        authors = {
            key: Authorship(item.modified_by, item.modified_at)
            for key, item in by_key.items()
            if item.modified_by != APP
        }
        return BoardRead(target, journey, dict(self.carried), authors, unplaced, snapshot=self._snapshot)

    def view(self, journey: Journey) -> dict[str, Entity]:
        """The carried fields of ``journey``'s entities, as the board would hold them."""
        return {
            key: {f: v for f, v in entity.items() if carries(f, self.carried[split_key(key)[0]])}
            for key, entity in flatten(journey).items()
            if split_key(key)[0] in self.carried
        }

    def plan(
        self, desired: Journey, read: BoardRead, state: ConnectorState, conflicts: frozenset[str] = frozenset()
    ) -> list[BoardOp]:
        state.memo["journey"] = desired.id
        snapshot: _Snapshot = read.snapshot
        wanted = self.view(desired)
        ops: list[BoardOp] = []
        for key in sorted(set(wanted) | set(snapshot.by_key)):
            item = snapshot.by_key.get(key)
            new = wanted.get(key)
            kind = split_key(key)[0]
            if new is None:
                assert item is not None
                ops.append(BoardOp(OpKind.DELETE, key, kind, item.id, summary=f"delete {key}"))
                continue
            if item is None:
                changes = tuple(FieldChange(f, None, new[f]) for f in sorted(new))
                ops.append(BoardOp(OpKind.CREATE, key, kind, None, changes, {"key": key, "fields": new}))
                item_flagged = False
            else:
                names = sorted(set(new) | set(item.fields))
                changes = tuple(
                    FieldChange(f, item.fields.get(f), new.get(f))
                    for f in names
                    if item.fields.get(f, _ABSENT) != new.get(f, _ABSENT)
                )
                if changes:
                    ops.append(BoardOp(OpKind.UPDATE, key, kind, item.id, changes, {"fields": new}))
                item_flagged = item.flagged
            if (key in conflicts) != item_flagged:
                tag = OpKind.TAG if key in conflicts else OpKind.UNTAG
                ops.append(BoardOp(tag, key, kind, item.id if item else None, payload={"flag": key in conflicts}))
        return ops

    def apply(self, ops: Sequence[BoardOp], state: ConnectorState, journal: Journal) -> ApplyResult:
        result = ApplyResult()
        for index, op in enumerate(ops):
            journal.before(op)
            self._maybe_crash(index, "before-write")
            created = self._write(op, state)
            self.writes += 1
            self.applied.append(op)
            if self.on_apply is not None:
                self.on_apply(op)
            self._maybe_crash(index, "after-write")
            journal.after(op, created)
            result.applied += 1
            if created is not None:
                result.created[op.key] = created
            self._maybe_crash(index, "after-done")
        return result

    def api_calls(self) -> dict[str, Any]:
        return {"calls": self.reads + self.writes, "writes": self.writes}

    def close(self) -> None:
        pass

    # -- internals -------------------------------------------------------------------------------

    def _maybe_crash(self, index: int, phase: Phase) -> None:
        if self._crash == (index, phase):
            self._crash = None
            raise Crash(f"crash at op {index} {phase}")

    def new_id(self) -> str:
        self._next_id += 1
        return f"mb-{self._next_id}"

    def _write(self, op: BoardOp, state: ConnectorState) -> str | None:
        target = op.external_id or state.id_map.get(op.key)
        if op.kind is OpKind.CREATE:
            item = Item(self.new_id(), op.key, dict(op.payload["fields"]), modified_at=self.now)
            self.items[item.id] = item
            state.id_map[op.key] = item.id
            return item.id
        assert target is not None, f"no item for {op.key}"
        assert target in self.items, f"no item for {op.key}"
        item = self.items[target]
        if op.kind is OpKind.DELETE:
            del self.items[target]
            state.id_map.pop(op.key, None)
        elif op.kind is OpKind.UPDATE:
            item.fields = dict(op.payload["fields"])
        else:
            item.flagged = bool(op.payload["flag"])
        item.modified_by, item.modified_at = APP, self.now
        return None


_ABSENT = object()


@dataclass
class Human:
    """A person editing the memory board; every edit is stamped with the board clock."""

    board: MemoryBoard
    user: str

    def _stamp(self, item: Item) -> None:
        item.modified_by, item.modified_at = self.user, self.board.now

    def _normal(self, key: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """``fields`` as the board shows them (defaults filled in, as a UI would)."""
        journey = build_journey({key: dict(fields)}, Journey(id="x", title="x"))
        return self.board.view(journey)[key]

    def edit(self, key: str, **fields: Any) -> None:
        """Set fields (dotted names as ``emotion__score``) of the item of ``key``."""
        item = self.board.item(key)
        item.fields = self._normal(key, item.fields | {n.replace("__", "."): v for n, v in fields.items()})
        self._stamp(item)

    def create(self, key: str, **fields: Any) -> None:
        """Add an item for ``key``."""
        item = Item(self.board.new_id(), key, self._normal(key, {n.replace("__", "."): v for n, v in fields.items()}))
        self._stamp(item)
        self.board.items[item.id] = item

    def delete(self, key: str) -> None:
        """Remove the item of ``key``."""
        del self.board.items[self.board.item(key).id]
