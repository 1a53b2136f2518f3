"""Which base a run may commit: a value becomes the base only once every side actually holds it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cjm_sync.merge import Entity
from cjm_sync.merge.entities import carries, split_key

Entities = Mapping[str, Entity]
_ABSENT = object()


def _board_shows(kind: str, name: str, carried: Mapping[str, frozenset[str]]) -> bool:
    return kind in carried and carries(name, carried[kind])


def settled_base(
    old_base: Entities,
    merged_base: Entities,
    file_final: Entities,
    board_final: Entities,
    carried: Mapping[str, frozenset[str]],
) -> dict[str, Entity]:
    """Per field: the merged base value where the file and the board (where it shows the field) both hold
    it after the run, else the old base value.

    A full sync writes both sides, so this is the merged base. ``push`` leaves the file as it was and
    ``pull`` the board, so a change only one side has seen stays pending for the next run instead of
    being taken as agreed (which would lose it).
    """
    result: dict[str, Entity] = {}
    for key in sorted(set(old_base) | set(merged_base)):
        kind = split_key(key)[0]
        old, new = old_base.get(key, {}), merged_base.get(key, {})
        file_entity, board_entity = file_final.get(key, {}), board_final.get(key, {})
        entity: dict[str, Any] = {}
        for name in set(old) | set(new):
            value = new.get(name, _ABSENT)
            agreed = file_entity.get(name, _ABSENT) == value
            if agreed and _board_shows(kind, name, carried):
                agreed = board_entity.get(name, _ABSENT) == value
            if agreed and value is not _ABSENT:
                entity[name] = value
            elif not agreed and name in old:
                entity[name] = old[name]
        if entity:
            result[key] = entity
    return result
