"""Properties of the merge on random journeys edited at random on both sides."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cjm_sync.merge import Entity, MergeResult, Policies, Policy, flatten, merge
from cjm_sync.merge.entities import MISSING, ORDER, STAGED_KINDS, carries, group_of, split_key
from merge.strategies import ALL_CARRIED, journeys

Entities = dict[str, Entity]
_TEXTS = ["Alpha beta gamma", "Alpha BETA gamma", "Alpha beta gamma delta", "旅程 😀 journey", "x"]
_ITEMS = ["call", "注册", "pay 💳", "wait"]
_NPS = {"id": "nps", "name": None, "value": 40.0, "unit": None, "provenance": {"source": "hubspot"}}
_TEXT_FIELDS = ("title", "name", "description", "text", "emotion.label", "channel")
_LIST_FIELDS = ("thoughts", "actions", "criteria", "goals")


@st.composite
def _edited(draw: st.DrawFn, base: Entities, hot: list[str]) -> Entities:
    """``base`` after a few random edits, deletes, moves and creates, mostly of the ``hot`` keys."""
    out = {k: dict(v) for k, v in base.items()}
    stages = [split_key(k)[1] for k in base if k.startswith("stage:")]
    for _ in range(draw(st.integers(0, 5))):
        key = draw(st.sampled_from(hot) | st.sampled_from(sorted(out)))
        if key not in out:
            continue
        kind, fields = split_key(key)[0], out[key]
        op = draw(st.sampled_from(["text", "list", "score", "crm", "delete", "move", "create"]))
        names = [f for f in (_TEXT_FIELDS if op == "text" else _LIST_FIELDS) if f in fields]
        if op in ("text", "list") and names:
            name = draw(st.sampled_from(names))
            pool = st.sampled_from(_TEXTS) if op == "text" else st.lists(st.sampled_from(_ITEMS), unique=True)
            fields[name] = draw(pool)
        elif op == "score" and "emotion.score" in fields:
            fields["emotion.score"] = draw(st.sampled_from([-2, 0, 2]))
        elif op == "crm" and "metrics" in fields:
            fields["metrics"] = draw(st.sampled_from([[], [_NPS]]))
        elif op == "delete" and kind != "journey":
            del out[key]
        elif op == "move" and kind in STAGED_KINDS:
            fields.update(stage=draw(st.sampled_from(stages)), order=draw(st.integers(-1, 3)))
        elif op == "create" and kind != "journey":
            new_key = f"{kind}:{draw(st.sampled_from(['new-1', 'new-2']))}"
            out[new_key] = {**fields, ORDER: draw(st.integers(-1, 3))}
    return out


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Entities, Entities, Entities]:
    """(base, ours, theirs) with ours and theirs independently edited from base."""
    base = flatten(draw(journeys(max_items=2)))
    hot = draw(st.lists(st.sampled_from(sorted(base)), min_size=1, max_size=3))
    return base, draw(_edited(base, hot)), draw(_edited(base, hot))


def _policies(choices: list[Policy]) -> st.SearchStrategy[Policies]:
    pick = st.sampled_from(choices)
    return st.builds(Policies, metrics=pick, annotations=pick, ratings=pick, content=pick, structure=pick)


_MIRROR = {Policy.FILE_WINS: Policy.BOARD_WINS, Policy.BOARD_WINS: Policy.FILE_WINS, Policy.MANUAL: Policy.MANUAL}


def _mirror(policies: Policies) -> Policies:
    return Policies.model_validate({g: _MIRROR[p] for g, p in policies.model_dump().items()})


def _run(
    base: Entities | None,
    ours: Entities,
    theirs: Entities,
    policies: Policies,
    carried: Mapping[str, frozenset[str]] = ALL_CARRIED,
) -> MergeResult:
    return merge(base, ours, theirs, carried=carried, policies=policies)


_PARTLY = {k: v for k, v in ALL_CARRIED.items() if k != "persona"} | {
    "touchpoint": ALL_CARRIED["touchpoint"] - {"order", "description", "emotion"} | {"emotion.score"},
    "note": ALL_CARRIED["note"] - {"order"},
}
carried_tables = st.sampled_from([ALL_CARRIED, _PARTLY])
"""A board showing everything, or one missing some kinds, fields, nested fields and orders."""


@settings(deadline=None)  # example count: the profile in tests/conftest.py
@given(scenarios(), st.booleans(), _policies(list(Policy)), carried_tables)
def test_merging_the_result_again_is_a_fixed_point(
    sides: tuple[Entities, Entities, Entities],
    first_sync: bool,
    policies: Policies,
    carried: Mapping[str, frozenset[str]],
) -> None:
    base, ours, theirs = sides
    first = _run(None if first_sync else base, ours, theirs, policies, carried)
    again = merge(
        first.new_base,
        first.file_entities,
        first.file_entities,
        carried=carried,
        policies=policies,
        tombstones=first.new_tombstones,
    )
    assert (again.changes, again.conflicts, again.overwritten, again.dropped) == ([], [], [], [])


def _kept(result: MergeResult, side: str, key: str, name: str, value: Any, policies: Policies) -> bool:
    entities = result.file_entities if side == "file" else result.board_entities
    if key in entities and entities[key].get(name, MISSING) == value:
        return True
    if any(c.key == key and c.field in (None, name, group_of(name)) for c in result.conflicts):
        return True
    if any(o.key == key and o.field in (name, group_of(name)) and o.side == side for o in result.overwritten):
        return True
    # CRM/engine data of an entity the other side deleted goes with it
    return key in result.new_tombstones and policies.for_field(name) is Policy.CRM_OWNED


@settings(deadline=None)  # example count: the profile in tests/conftest.py
@given(scenarios(), _policies(list(Policy)), carried_tables)
def test_no_one_sided_edit_is_lost(
    sides: tuple[Entities, Entities, Entities], policies: Policies, carried: Mapping[str, frozenset[str]]
) -> None:
    base, ours, theirs = sides
    result = _run(base, ours, theirs, policies, carried)
    for side, mine, other in (("file", ours, theirs), ("board", theirs, ours)):
        for key, entity in mine.items():
            kind = split_key(key)[0]
            if side == "board" and kind not in carried:
                continue  # the board does not show this kind: nothing it holds is an edit
            for name in entity.keys() | base.get(key, {}).keys():
                if side == "board" and not carries(name, carried[kind]):
                    continue
                was = base.get(key, {}).get(name, MISSING)
                now = entity.get(name, MISSING)
                untouched = other.get(key, {}).get(name, MISSING) == was if key in other or key not in base else True
                if name != ORDER and now != was and untouched:
                    assert _kept(result, side, key, name, now, policies), (side, key, name, now)


@settings(deadline=None)  # example count: the profile in tests/conftest.py
@given(scenarios(), st.booleans(), _policies(list(_MIRROR)))
def test_swapping_sides_mirrors_the_result(
    sides: tuple[Entities, Entities, Entities], first_sync: bool, policies: Policies
) -> None:
    base, ours, theirs = sides
    base_or_none = None if first_sync else base
    result = _run(base_or_none, ours, theirs, policies)
    mirrored = _run(base_or_none, theirs, ours, _mirror(policies))
    assert mirrored.file_entities == result.board_entities
    assert mirrored.board_entities == result.file_entities
    assert mirrored.new_base == result.new_base
    assert mirrored.new_tombstones == result.new_tombstones
    assert {(c.key, c.field, repr(c.base), repr(c.theirs), repr(c.ours)) for c in mirrored.conflicts} == {
        (c.key, c.field, repr(c.base), repr(c.ours), repr(c.theirs)) for c in result.conflicts
    }
    flip = {"file": "board", "board": "file"}
    assert {(o.key, o.field, flip[o.side], repr(o.old), repr(o.new)) for o in mirrored.overwritten} == {
        (o.key, o.field, o.side, repr(o.old), repr(o.new)) for o in result.overwritten
    }
    assert [(flip[c.side], c.key, c.kind, c.fields) for c in mirrored.changes_on("board")] == [
        (c.side, c.key, c.kind, c.fields) for c in result.changes_on("file")
    ]
