"""A sticky whose kind a person changed on the board (a note recoloured red is now a pain point).

On the board a note, a pain point and an opportunity are all sticky notes; the row or the colour says
which. When a person recolours or drags one so that it reads as another kind, the board side holds the
same id under the new kind (``note:n1`` → ``pain_point:n1``). To the three-way merge that is one entity
deleted and another created; if the file edited the old one meanwhile, the delete/modify conflict kept
it beside the new one, and the merged journey had one id twice (refused, so the sync could never pass).

:func:`follow_retypes` makes the base and the file follow the board's new kind before the merge: their
entity is renamed to the new key with its text carried to the new kind's text field, so the file's
edit and the board's new kind merge like any two edits of one entity. Fields the new kind does not have
go (the board's kind change drops them) and are returned as :class:`~cjm_sync.merge.result.Overwrite`
records with their values, so the plan and the change log say what the kind change cost; a pain point
that is no longer one leaves the ``addresses`` of the opportunities that named it (also reported).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from pydantic import BaseModel

from cjm_sync.merge.entities import ORDER, Entity, split_key
from cjm_sync.merge.result import Overwrite
from cjm_sync.plugins import entity_key
from cjm_sync.schema import Note, Opportunity, PainPoint

Entities = Mapping[str, Entity]

STICKY_TEXT: Mapping[str, str] = {"note": "text", "pain_point": "title", "opportunity": "title"}
"""Sticky-note kinds and the field their sticky's text is."""
_IMPLIED = frozenset({"lane"})
"""Dropped without a report: a note's lane is its row on the board, which the new kind's row replaces."""
_MODELS: Mapping[str, type[BaseModel]] = {"note": Note, "pain_point": PainPoint, "opportunity": Opportunity}


@cache
def _fields(kind: str) -> frozenset[str]:
    return frozenset(_MODELS[kind].model_fields) | {ORDER}


def _translated(entity: Entity, old: str, new: str) -> tuple[Entity, list[str]]:
    """``entity`` (of kind ``old``) as kind ``new``, and the fields that had no place there."""
    out: Entity = {}
    dropped: list[str] = []
    for name, value in entity.items():
        target = STICKY_TEXT[new] if name == STICKY_TEXT[old] else name
        if target.split(".", 1)[0] in _fields(new):
            out[target] = value
        elif value not in (None, [], {}, ""):
            dropped.append(name)
    return out, dropped


def follow_retypes(
    base: Entities | None, ours: Entities, theirs: Entities
) -> tuple[Entities | None, Entities, Entities, list[Overwrite]]:
    """``(base, ours, theirs, overwrites)`` with every sticky the board re-typed renamed to its new kind
    (and, for a pain point that is no longer one, its id out of every side's opportunity ``addresses``).

    A re-type is an id whose base key ``old:id`` is gone from the board while the board has ``new:id``
    (both sticky kinds, ``new:id`` in neither the base nor the file). Unchanged inputs are returned as
    they are (the same objects), so the common case costs one pass over the board's new keys.
    """
    if base is None:
        return base, ours, theirs, []
    pairs: list[tuple[str, str]] = []
    for key in theirs:
        if key in base:
            continue
        new, ident = split_key(key)
        if new not in STICKY_TEXT or key in ours:
            continue
        for old in STICKY_TEXT:
            before = entity_key(old, ident)
            if old != new and before in base and before not in theirs:
                pairs.append((before, key))
                break
    if not pairs:
        return base, ours, theirs, []
    base_out, ours_out, theirs_out = dict(base), dict(ours), dict(theirs)
    overwrites: list[Overwrite] = []
    for before, after in pairs:
        old, new = split_key(before)[0], split_key(after)[0]
        reason = f"a person made this {old.replace('_', ' ')} a {new.replace('_', ' ')} on the board"
        base_out[after], _ = _translated(base_out.pop(before), old, new)
        if before in ours_out:
            mine = ours_out.pop(before)
            ours_out[after], dropped = _translated(mine, old, new)
            # what the new kind cannot hold goes: logged with its value, so `cjm-sync restore` has it
            overwrites += [
                Overwrite(before, name, "file", mine[name], None, reason) for name in dropped if name not in _IMPLIED
            ]
        if old == "pain_point":  # opportunities addressing it would name a pain point that is gone
            ident = split_key(before)[1]
            for side, log in ((base_out, False), (ours_out, True), (theirs_out, False)):
                for key, entity in list(side.items()):
                    addresses = entity.get("addresses")
                    if split_key(key)[0] == "opportunity" and isinstance(addresses, list) and ident in addresses:
                        kept = [a for a in addresses if a != ident]
                        side[key] = {**entity, "addresses": kept}
                        if log:
                            overwrites.append(Overwrite(key, "addresses", "file", addresses, kept, reason))
    return base_out, ours_out, theirs_out, overwrites
