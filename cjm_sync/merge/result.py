"""What a merge reports: conflicts, policy overwrites, refused resurrections and per-side changes.

``ours``/``file`` is the journey file, ``theirs``/``board`` the whiteboard. A conflict's ``field`` is
None for an entity conflict (deleted on one side, modified on the other; values are whole entities or
None), a nested-model name such as ``emotion`` when one side removed it (values are dicts of dotted
fields or None), and a field name otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from cjm_sync.merge.entities import Entity
from cjm_sync.plugins import FieldChange

Side = Literal["file", "board"]


class ChangeKind(StrEnum):
    """What happens to an entity on one side."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    MOVE = "move"


@dataclass(frozen=True)
class Conflict:
    """Both sides changed ``field`` of ``key`` differently and no rule or policy decides.

    ``has_base`` is False when there was no base value (first sync, or created on both sides).
    """

    key: str
    field: str | None
    base: Any
    ours: Any
    theirs: Any
    has_base: bool = True

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "key": self.key,
            "field": self.field,
            "base": self.base if self.has_base else None,
            "file": self.ours,
            "board": self.theirs,
        }


@dataclass(frozen=True)
class Overwrite:
    """A policy replaced ``side``'s value ``old`` of ``key``.``field`` by ``new`` (journal it to restore it)."""

    key: str
    field: str
    side: Side
    old: Any
    new: Any
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {k: getattr(self, k) for k in ("key", "field", "side", "old", "new", "reason")}


@dataclass(frozen=True)
class Dropped:
    """``side`` still had ``key``, which was deleted for good (tombstoned); it is not brought back."""

    key: str
    side: Side


@dataclass(frozen=True)
class Change:
    """What the merge does to one entity on one side; ``fields`` are sorted by name."""

    side: Side
    key: str
    kind: ChangeKind
    fields: tuple[FieldChange, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "side": self.side,
            "key": self.key,
            "change": self.kind.value,
            "fields": [{"field": c.field, "old": c.old, "new": c.new} for c in self.fields],
        }


@dataclass
class MergeResult:
    """The outcome of one merge.

    ``board_entities`` equals ``file_entities`` except where a conflict is open: there the board keeps
    its own value (or entity) and the file its own, so no human edit is overwritten. ``new_base`` holds
    the merged values, and the old base value for conflicted fields (absent when there was none).
    """

    file_entities: dict[str, Entity]
    board_entities: dict[str, Entity]
    new_base: dict[str, Entity]
    conflicts: list[Conflict] = field(default_factory=list)
    overwritten: list[Overwrite] = field(default_factory=list)
    new_tombstones: set[str] = field(default_factory=set)
    dropped: list[Dropped] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    def changes_on(self, side: Side) -> list[Change]:
        """The changes to make on ``side``."""
        return [c for c in self.changes if c.side == side]

    @property
    def conflicted_keys(self) -> frozenset[str]:
        """Keys with an open conflict (to flag them on the board)."""
        return frozenset(c.key for c in self.conflicts)
