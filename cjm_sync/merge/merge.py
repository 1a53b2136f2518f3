"""Three-way, field-level merge of the journey file ("ours") and the board ("theirs").

Per field: a change on one side is taken, equal changes agree, and different changes are auto-merged
(long text, string lists), decided by the field group's policy, or reported as a conflict. Per entity:
creates are taken, a delete against an unchanged entity deletes it for good (tombstone), a delete
against a modified one is a conflict that keeps the entity where it was modified. Fields and kinds the
board does not carry are taken from the file: the board cannot delete what it cannot show.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cjm_sync.gcpause import without_gc
from cjm_sync.merge.diff import changes
from cjm_sync.merge.entities import MISSING, ORDER, Entity, carries, group_of, split_key
from cjm_sync.merge.fieldmerge import auto_merge
from cjm_sync.merge.ordering import Rank, common_keys, normalize, renumber
from cjm_sync.merge.policies import Policies, Policy, field_group
from cjm_sync.merge.result import Conflict, Dropped, MergeResult, Overwrite, Side
from cjm_sync.merge.retype import follow_retypes
from cjm_sync.plugins import Authorship

Entities = Mapping[str, Entity]
_Unit = tuple[str, bool]  # a field name, or a nested-model name merged as one value (True)
_Triple = tuple[Any, Any, Any]  # file, board, new base


def _board_view(
    base: Entities | None, ours: Entities, theirs: Entities, carried: Mapping[str, frozenset[str]]
) -> dict[str, Entity]:
    """The board's entities with every field it does not carry filled in from the file (or base)."""
    view: dict[str, Entity] = {}
    carried_groups: dict[str, set[str]] = {}  # per kind: nested models some of whose fields are carried
    for key in set(ours) | set(theirs):
        kind = split_key(key)[0]
        if kind not in carried:
            if key in ours:
                view[key] = dict(ours[key])
            continue
        if key not in theirs:
            continue
        names = carried[kind]
        groups = carried_groups.get(kind)
        if groups is None:
            groups = carried_groups[kind] = {g for g in map(group_of, names) if g is not None}
        entity = {f: v for f, v in theirs[key].items() if carries(f, names)}
        shown = {group_of(f) for f in entity}
        fallback = ours.get(key) or (base or {}).get(key) or {}
        for f, v in fallback.items():
            if f in entity or carries(f, names):
                continue
            group = group_of(f)
            if group is None or group not in groups or group in shown:
                entity[f] = v
        view[key] = entity
    return view


def _uncarried_order(ranked: list[dict[str, Entity]], carried: Mapping[str, frozenset[str]]) -> None:
    """Where the board does not carry ``order``, its rank is the file's (else the base's) in the same list.

    The board has no opinion on order there; ranking the file's raw indexes inside the board's own
    lists would invent reorders wherever the two sides moved entities between lists.
    """
    base, ours, view = ranked
    for key, entity in view.items():
        kind = split_key(key)[0]
        if kind not in carried or carries(ORDER, carried[kind]) or ORDER not in entity:
            continue
        for source in (ours, base):
            rank = source.get(key, {}).get(ORDER)
            if isinstance(rank, Rank) and rank.place == entity[ORDER].place:
                entity[ORDER] = rank
                break


def _units(*entities: Entity) -> list[_Unit]:
    """Fields to merge; a nested model present on one side only is merged as one value."""
    on_both = {group_of(f) for f in entities[1]} & {group_of(f) for f in entities[2]}
    units: dict[str, bool] = {}
    for name in sorted(set().union(*entities)):
        group = group_of(name)
        if group is None or group in on_both:
            units[name] = False
        else:
            units[group] = True
    return list(units.items())


def _get(entity: Entity | None, unit: _Unit) -> Any:
    if entity is None:
        return MISSING
    name, whole = unit
    if not whole:
        return entity.get(name, MISSING)
    return {f: v for f, v in entity.items() if group_of(f) == name} or MISSING


def _put(entity: Entity, unit: _Unit, value: Any) -> None:
    if value is MISSING:
        return
    if unit[1]:
        entity.update(value)
    else:
        entity[unit[0]] = value


def _shown(value: Any) -> Any:
    return None if value is MISSING else value


def _meet(ours: Rank, theirs: Rank) -> Rank:
    """Both sides put an entity in the same gap, at different places within it: meet half-way, so
    the merged order does not depend on which side is "ours"."""
    return Rank(ours.place, ours.value, (ours.tiebreak + theirs.tiebreak) / 2)


@dataclass
class _Merger:
    policies: Policies
    authors: Mapping[str, Authorship]
    file_mtime: datetime | None
    originals: tuple[Entities, Entities, Entities]
    conflicts: list[Conflict] = field(default_factory=list)
    overwritten: list[Overwrite] = field(default_factory=list)
    new_tombstones: set[str] = field(default_factory=set)

    def entity(self, key: str, b: Entity | None, o: Entity | None, t: Entity | None) -> _Triple:
        if o is not None and t is not None:
            return self.fields(key, b, o, t)
        if o is None and t is None:
            if b is not None:
                self.new_tombstones.add(key)
            return None, None, None
        kept = o if o is not None else t
        assert kept is not None
        if b is None:
            return kept, kept, kept
        if not self._modified(b, kept):
            self.new_tombstones.add(key)
            return None, None, None
        base, ours, theirs = (side.get(key) for side in self.originals)
        self.conflicts.append(Conflict(key, None, base, ours, theirs))
        return o, t, b

    def _modified(self, before: Entity, after: Entity) -> bool:
        """Changed in a field a human owns (``order`` shifts and CRM/engine data do not count)."""
        return any(
            before.get(f, MISSING) != after.get(f, MISSING)
            for f in before.keys() | after.keys()
            if f != ORDER and self.policies.for_field(f) is not Policy.CRM_OWNED
        )

    def fields(self, key: str, b: Entity | None, o: Entity, t: Entity) -> _Triple:
        """Field by field; a nested model the base lacked counts as all-null there (so two sides filling
        in different fields of a new ``owner`` merge cleanly)."""
        if o == t:  # every field agrees (the common case); shared: renumber() copies before anything changes
            ours, theirs = o.get(ORDER), t.get(ORDER)
            if isinstance(ours, Rank) and isinstance(theirs, Rank) and ours.tiebreak != theirs.tiebreak:
                o = {**o, ORDER: _meet(ours, theirs)}
            return o, o, o
        base = b or {}
        base_groups = {group_of(f) for f in base}
        out: _Triple = ({}, {}, {})
        for unit in _units(base, o, t):
            group, old = group_of(unit[0]), _get(base, unit)
            if old is MISSING and b is not None and group is not None and group not in base_groups:
                old = None
            values = self.field(key, unit, old, _get(o, unit), _get(t, unit))
            for entity, value in zip(out, values, strict=True):
                _put(entity, unit, value)
        return out

    def field(self, key: str, unit: _Unit, b: Any, o: Any, t: Any) -> _Triple:
        if o == t:
            if isinstance(o, Rank) and isinstance(t, Rank) and o.tiebreak != t.tiebreak:
                o = _meet(o, t)
            return o, o, o
        policy = self.policies.for_field(unit[0])
        if policy is Policy.CRM_OWNED:
            if t != b:
                self._overwrite(key, unit, "board", "crm-owned: the file's value wins")
            return o, o, o
        if o == b:
            return t, t, t
        if t == b:
            return o, o, o
        if b is not MISSING:
            merged, value = auto_merge(b, o, t, field=unit[0])
            if merged:
                return value, value, value
        winner, reason = self._winner(policy, key, unit)
        if winner == "file":
            self._overwrite(key, unit, "board", reason)
            return o, o, o
        if winner == "board":
            self._overwrite(key, unit, "file", reason)
            return t, t, t
        base, ours, theirs = self._reported(key, unit)
        self.conflicts.append(Conflict(key, unit[0], base, ours, theirs, has_base=b is not MISSING))
        return o, t, b

    def _winner(self, policy: Policy, key: str, unit: _Unit) -> tuple[Side | None, str]:
        reason = f"{policy.value} policy for {field_group(unit[0]).value}"
        if policy is Policy.FILE_WINS:
            return "file", reason
        if policy is Policy.BOARD_WINS:
            return "board", reason
        if policy is Policy.NEWEST_WINS:
            author = self.authors.get(key)
            board_at = author.at if author else None
            if self.file_mtime is None or board_at is None or self.file_mtime == board_at:
                return None, reason
            who = f" by {author.user}" if author and author.user else ""
            if board_at > self.file_mtime:
                return "board", f"{reason}: board edit{who} at {board_at.isoformat()} is newer than the file"
            return "file", f"{reason}: the file (modified {self.file_mtime.isoformat()}) is newer"
        return None, reason

    def _reported(self, key: str, unit: _Unit) -> _Triple:
        base, ours, theirs = (_shown(_get(side.get(key), unit)) for side in self.originals)
        return base, ours, theirs

    def _overwrite(self, key: str, unit: _Unit, loser: Side, reason: str) -> None:
        _, ours, theirs = self._reported(key, unit)
        old, new = (theirs, ours) if loser == "board" else (ours, theirs)
        self.overwritten.append(Overwrite(key, unit[0], loser, old, new, reason))


@without_gc
def merge(
    base: Entities | None,
    ours: Entities,
    theirs: Entities,
    *,
    carried: Mapping[str, frozenset[str]],
    policies: Policies | None = None,
    tombstones: frozenset[str] | set[str] = frozenset(),
    authors: Mapping[str, Authorship] | None = None,
    file_mtime: datetime | None = None,
) -> MergeResult:
    """Merge the file's entities (``ours``) and the board's (``theirs``) against the last synced ``base``.

    ``base`` is None on the first sync: then equal values agree and different ones are conflicts unless
    a policy decides. ``carried`` is :attr:`BoardRead.carried`; ``authors`` (board item authorship by
    key) and ``file_mtime`` feed ``newest-wins``. Keys in ``tombstones`` are never brought back. A sticky
    whose kind a person changed on the board is merged as one entity under its new kind
    (:mod:`cjm_sync.merge.retype`).
    """
    base, followed, theirs, retype_losses = follow_retypes(base, ours, theirs)
    view = _board_view(base, followed, theirs, carried)
    sides = (base or {}, followed, view)
    ranked = normalize(sides, common_keys(sides if base is not None else sides[1:]))
    _uncarried_order(ranked, carried)
    merger = _Merger(policies or Policies(), authors or {}, file_mtime, sides, overwritten=retype_losses)
    file: dict[str, Entity] = {}
    board: dict[str, Entity] = {}
    new_base: dict[str, Entity] = {}
    dropped: list[Dropped] = []
    for key in sorted(set().union(*ranked)):
        if key in tombstones:
            if key in ours:
                dropped.append(Dropped(key, "file"))
            if key in theirs and split_key(key)[0] in carried:
                dropped.append(Dropped(key, "board"))
            continue
        outcome = merger.entity(key, *(side.get(key) for side in ranked))
        for target, entity in zip((file, board, new_base), outcome, strict=True):
            if entity is not None:
                target[key] = entity
    file, board, new_base = renumber(file, board, new_base)
    return MergeResult(
        file_entities=file,
        board_entities=board,
        new_base=new_base,
        conflicts=merger.conflicts,
        overwritten=merger.overwritten,
        new_tombstones=merger.new_tombstones,
        dropped=dropped,
        changes=changes("file", ours, file) + changes("board", view, board, carried),
    )
