"""A sticky whose kind a person changed on the board (a note recoloured red is now a pain point).

On the board a note, a pain point and an opportunity are all sticky notes; the row or the colour says
which. When a person recolours or drags one so that it reads as another kind, the board side holds the
same id under the new kind (``note:n1`` → ``pain_point:n1``). To the three-way merge that is one entity
deleted and another created; if the file edited the old one meanwhile, the delete/modify conflict kept
it beside the new one, and the merged journey had one id twice (refused, so the sync could never pass).

:func:`follow_retypes` makes the base and the file follow the board's new kind before the merge: their
entity is renamed to the new key with its text carried to the new kind's text field, so the file's
edit and the board's new kind merge like any two edits of one entity. Fields the new kind does not have
go (the board's kind change drops them); an edit the file made to such a field is returned as an
:class:`~cjm_sync.merge.result.Overwrite`, so the plan and the change log say what the kind change cost.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from pydantic import BaseModel

from cjm_sync.merge.entities import MISSING, ORDER, Entity, split_key
from cjm_sync.merge.result import Overwrite
from cjm_sync.plugins import entity_key
from cjm_sync.schema import Note, Opportunity, PainPoint

Entities = Mapping[str, Entity]

STICKY_TEXT: Mapping[str, str] = {"note": "text", "pain_point": "title", "opportunity": "title"}
"""Sticky-note kinds and the field their sticky's text is."""
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
) -> tuple[Entities | None, Entities, list[Overwrite]]:
    """``(base, ours, overwrites)`` with every sticky the board re-typed renamed to its new kind.

    A re-type is an id whose base key ``old:id`` is gone from the board while the board has ``new:id``
    (both sticky kinds, ``new:id`` in neither the base nor the file). Unchanged inputs are returned as
    they are (the same objects), so the common case costs one pass over the board's new keys.
    """
    if base is None:
        return base, ours, []
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
        return base, ours, []
    base_out, ours_out = dict(base), dict(ours)
    overwrites: list[Overwrite] = []
    for before, after in pairs:
        old, new = split_key(before)[0], split_key(after)[0]
        base_out[after], _ = _translated(base_out.pop(before), old, new)
        if before in ours_out:
            mine = ours_out.pop(before)
            ours_out[after], dropped = _translated(mine, old, new)
            for name in dropped:
                if mine.get(name) != base[before].get(name, MISSING):  # the file's edit the new kind cannot hold
                    reason = f"a person made this {old.replace('_', ' ')} a {new.replace('_', ' ')} on the board"
                    overwrites.append(Overwrite(before, name, "file", mine.get(name), None, reason))
    return base_out, ours_out, overwrites
