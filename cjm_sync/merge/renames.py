"""Likely renames: an entity whose id changed while its content did not.

Ids are the identity of entities (and of their board items), so a touchpoint id edited by hand in the
file is, to the merge, one entity deleted and another created: the plan deletes the old card, badge and
emotion point and creates new ones, losing whatever people attached to the old items on the board.
That is correct for the data, but rarely what the person meant; this module finds those pairs so the
plan can say so before anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cjm_sync.merge.entities import ORDER, Entity, split_key

Entities = Mapping[str, Entity]


@dataclass(frozen=True)
class Rename:
    """``old`` (a key of the base) seems to have become ``new`` on ``side`` (``file`` or ``board``)."""

    side: str
    old: str
    new: str

    def to_dict(self) -> dict[str, Any]:
        """``{"side", "from", "to"}`` for ``--json``."""
        return {"side": self.side, "from": self.old, "to": self.new}

    def explain(self) -> str:
        """One line for the text plan."""
        where = "in the file" if self.side == "file" else "on the board"
        return (
            f"likely rename: {self.old} → {self.new} (same content, new id {where}): planned as a new "
            f"{split_key(self.new)[0]} and the deletion of the old one, so its board items are replaced and "
            f"whatever people attached to them on the board goes. To keep them, put the id back to "
            f"'{split_key(self.old)[1]}' (an id never needs to change when a title does)."
        )


def _content(entity: Entity) -> dict[str, Any]:
    return {name: value for name, value in entity.items() if name != ORDER and value not in (None, [], {}, "")}


def likely_renames(base: Entities, side: Entities, side_name: str) -> list[Rename]:
    """Pairs (deleted from ``base``, created in ``side``) of the same kind whose content, apart from
    the derived ``order``, is equal and not empty. Each entity pairs at most once (in key order)."""
    deleted = sorted(k for k in base if k not in side)
    created = sorted(k for k in side if k not in base)
    renames: list[Rename] = []
    taken: set[str] = set()
    for new in created:
        kind, content = split_key(new)[0], _content(side[new])
        if not content:
            continue
        for old in deleted:
            if old not in taken and split_key(old)[0] == kind and _content(base[old]) == content:
                renames.append(Rename(side_name, old, new))
                taken.add(old)
                break
    return renames
