"""Per-side changes between what a side had and what it should become."""

from __future__ import annotations

from collections.abc import Mapping

from cjm_sync.merge.entities import MISSING, ORDER, STAGE, Entity, carries, split_key
from cjm_sync.merge.ordering import common_keys, ranks
from cjm_sync.merge.result import Change, ChangeKind, Side
from cjm_sync.plugins import FieldChange


def _value(entity: Entity | None, field: str) -> object:
    value = MISSING if entity is None else entity.get(field, MISSING)
    return None if value is MISSING else value


def changes(
    side: Side,
    before: Mapping[str, Entity],
    after: Mapping[str, Entity],
    carried: Mapping[str, frozenset[str]] | None = None,
) -> list[Change]:
    """Creates, updates, moves and deletes turning ``before`` into ``after``, sorted by key.

    With ``carried``, only those kinds and fields count (what a board can show). An ``order`` change
    counts only when the entity moved relative to its siblings, not when a sibling was inserted or
    removed before it.
    """
    common = common_keys([before, after])
    rank_before, rank_after = ranks(before, common), ranks(after, common)
    out: list[Change] = []
    for key in sorted(set(before) | set(after)):
        kind = split_key(key)[0]
        if carried is not None and kind not in carried:
            continue
        old, new = before.get(key), after.get(key)
        fields = sorted((old or {}).keys() | (new or {}).keys())
        if carried is not None:
            fields = [f for f in fields if carries(f, carried[kind])]
        if new is None:
            if old is not None:
                out.append(Change(side, key, ChangeKind.DELETE))
            continue
        if old is None:
            out.append(Change(side, key, ChangeKind.CREATE, tuple(FieldChange(f, None, new[f]) for f in fields)))
            continue
        if old == new:  # only the rank can differ (a sibling moved across it)
            fields = [f for f in fields if f == ORDER]
        diffs = tuple(
            FieldChange(f, _value(old, f), _value(new, f))
            for f in fields
            if (
                rank_before.get(key, MISSING) != rank_after.get(key, MISSING)
                if f == ORDER
                else old.get(f, MISSING) != new.get(f, MISSING)
            )
        )
        if diffs:
            moved = any(c.field in (STAGE, ORDER) for c in diffs)
            out.append(Change(side, key, ChangeKind.MOVE if moved else ChangeKind.UPDATE, diffs))
    return out
