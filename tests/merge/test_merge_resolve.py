"""Resolving a conflict makes the very next merge converge on the chosen value."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any

import pytest

from cjm_sync.errors import UsageError
from cjm_sync.merge import Take, apply_value, merge, resolve_conflict
from merge.cases import BASE, Patch, patch, touchpoint, without
from merge.strategies import ALL_CARRIED

AD, CART, CHAT = "touchpoint:ad", "touchpoint:cart", "touchpoint:chat"
Sides = tuple[Patch | None, Patch, Patch]
TITLE: Sides = ({}, {AD: {"title": "Poster"}}, {AD: {"title": "Banner"}})
DELETED_IN_FILE: Sides = ({}, {CART: None}, {CART: {"title": "Basket"}})
EMOTION_REMOVED: Sides = ({}, {AD: without("emotion")}, {AD: {"emotion.label": "keen"}})
CREATED_ON_BOTH: Sides = (None, touchpoint("chat", "buy", 2, title="Chat"), touchpoint("chat", "buy", 2, title="Live"))

OK = nullcontext()
NO_BASE = pytest.raises(UsageError, match="no base value")
CASES: dict[str, tuple[Sides, Take, AbstractContextManager[Any], str, Any]] = {
    "field-take-file": (TITLE, "file", OK, AD, {"title": "Poster"}),
    "field-take-board": (TITLE, "board", OK, AD, {"title": "Banner"}),
    "field-take-base": (TITLE, "base", OK, AD, {"title": "Ad"}),
    "entity-take-file": (DELETED_IN_FILE, "file", OK, CART, None),
    "entity-take-board": (DELETED_IN_FILE, "board", OK, CART, {"title": "Basket"}),
    "entity-take-base": (DELETED_IN_FILE, "base", OK, CART, {"title": "Cart"}),
    "model-take-file": (EMOTION_REMOVED, "file", OK, AD, {"emotion.label": None}),
    "model-take-board": (EMOTION_REMOVED, "board", OK, AD, {"emotion.label": "keen"}),
    "no-base-take-file": (CREATED_ON_BOTH, "file", OK, CHAT, {"title": "Chat"}),
    "no-base-take-base": (CREATED_ON_BOTH, "base", NO_BASE, CHAT, None),
}


@pytest.mark.parametrize(("sides", "take", "outcome", "key", "expected"), CASES.values(), ids=CASES.keys())
def test_resolution_converges(
    sides: Sides,
    take: Take,
    outcome: AbstractContextManager[Any],
    key: str,
    expected: dict[str, Any] | None,
) -> None:
    base_patch, ours, theirs = sides
    base = None if base_patch is None else patch(BASE, base_patch)
    first = merge(base, patch(BASE, ours), patch(BASE, theirs), carried=ALL_CARRIED)
    file, new_base = first.file_entities, first.new_base
    for conflict in first.conflicts:
        with outcome:
            for_file, for_base = resolve_conflict(conflict, take)
            file, new_base = apply_value(file, conflict, for_file), apply_value(new_base, conflict, for_base)
    if not isinstance(outcome, nullcontext):
        return
    second = merge(new_base, file, first.board_entities, carried=ALL_CARRIED)
    assert second.conflicts == []
    assert second.file_entities == second.board_entities
    entity = second.file_entities.get(key)
    if expected is None:
        assert entity is None or "emotion.score" not in entity
    else:
        assert entity is not None
        assert {k: entity.get(k) for k in expected} == expected
    third = merge(second.new_base, second.file_entities, second.board_entities, carried=ALL_CARRIED)
    assert (third.changes, third.conflicts) == ([], [])


def test_unknown_take_is_refused() -> None:
    conflict = merge({}, {"stage:a": {"title": "A"}}, {"stage:a": {"title": "B"}}, carried=ALL_CARRIED).conflicts[0]
    with pytest.raises(UsageError, match="cannot take 'mine'"):
        resolve_conflict(conflict, "mine")  # type: ignore[arg-type]
