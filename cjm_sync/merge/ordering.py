"""``order`` as a merge-friendly rank.

Raw indexes shift when a sibling is inserted or deleted, which would make every insertion on one side
clash with every deletion on the other. Before merging, each side's ``order`` is replaced by a
:class:`Rank` relative to the *common* entities (present in every side, in the same list): common
entities are numbered 0, 1, 2…; the others rank half-way after their preceding common neighbour, with
their place within that gap as a tie-break that never counts as a change. So only a real reorder of
common entities, or a move to another gap, changes a rank, and ranks in different lists never compare
equal.
After merging, :func:`renumber` turns ranks back into indexes.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cjm_sync.merge.entities import JOURNEY, ORDER, STAGE, STAGED_KINDS, Entity, split_key

Entities = Mapping[str, Entity]


@dataclass(frozen=True)
class Rank:
    """A position within one list; ``tiebreak`` only sorts.

    ``place`` is the list: ``(kind, stage)`` for stage-bound kinds, ``(kind, None)`` for the others
    (see :func:`~cjm_sync.merge.entities.container`).
    """

    place: tuple[str, Any]
    value: float
    tiebreak: float = field(default=0, compare=False)


def _position(fields: Entity) -> tuple[float, float]:
    order = fields.get(ORDER)
    if isinstance(order, Rank):
        return order.value, order.tiebreak
    return (math.inf if order is None else float(order)), 0


def _lists(entities: Entities) -> dict[tuple[str, Any], list[str]]:
    """Keys per ordered list, sorted by (order, key); missing orders sort last."""
    lists: dict[tuple[str, Any], list[tuple[tuple[float, float], str]]] = defaultdict(list)
    for key, fields in entities.items():
        kind = split_key(key)[0]
        if kind != JOURNEY:
            lists[kind, fields.get(STAGE) if kind in STAGED_KINDS else None].append((_position(fields), key))
    return {place: [key for _, key in sorted(keys)] for place, keys in lists.items()}


def common_keys(sides: Sequence[Entities]) -> set[str]:
    """Keys present in every side and in the same list everywhere."""
    keys = set.intersection(*(set(side) for side in sides)) if sides else set()
    first, *rest = sides or [{}]
    return {
        k
        for k in keys
        if split_key(k)[0] not in STAGED_KINDS or all(side[k].get(STAGE) == first[k].get(STAGE) for side in rest)
    }


def ranks(entities: Entities, common: set[str]) -> dict[str, Rank]:
    """Each ordered entity's :class:`Rank` relative to the ``common`` keys (every key but the journey's)."""
    ranks: dict[str, Rank] = {}
    for place, keys in _lists(entities).items():
        last, gap = -1, list[str]()
        for key in [*keys, None]:
            if key is not None and key not in common:
                gap.append(key)
                continue
            ranks.update({k: Rank(place, last + 0.5, j) for j, k in enumerate(gap)})
            gap = []
            if key is not None:
                last += 1
                ranks[key] = Rank(place, last)
    return ranks


def normalize(sides: Sequence[Entities], common: set[str]) -> list[dict[str, Entity]]:
    """Copies of ``sides`` with ``order`` replaced by ranks relative to ``common``."""
    out = []
    for side in sides:
        ranked = ranks(side, common)
        out.append({k: {**f, ORDER: ranked[k]} if k in ranked else dict(f) for k, f in side.items()})
    return out


def renumber(*sides: Entities) -> list[dict[str, Entity]]:
    """Copies of ``sides`` with ``order`` as 0-based indexes per list, numbered jointly.

    Every distinct (position, key) of a list across all sides gets one index, so an entity at the same
    position in every side gets the same ``order`` everywhere (ties are broken by key).
    """
    lists = [_lists(side) for side in sides]
    slots: dict[tuple[str, Any], set[tuple[tuple[float, float], str]]] = defaultdict(set)
    for side, side_lists in zip(sides, lists, strict=True):
        for place, keys in side_lists.items():
            slots[place].update((_position(side[k]), k) for k in keys)
    index: dict[tuple[tuple[str, Any], tuple[float, float], str], int] = {
        (place, *slot): i for place, taken in slots.items() for i, slot in enumerate(sorted(taken))
    }
    out = []
    for side, side_lists in zip(sides, lists, strict=True):
        copy = {k: dict(f) for k, f in side.items()}
        for place, keys in side_lists.items():
            for key in keys:
                copy[key][ORDER] = index[place, _position(side[key]), key]
        out.append(copy)
    return out
