"""Entities both sides create in the same gap get one ``order``, whichever side is "ours"
(``test_swapping_sides_mirrors_the_result`` found this now and then; these are its shapes, fixed)."""

from __future__ import annotations

import pytest

from cjm_sync.merge import Entity, Policies, merge
from merge.strategies import ALL_CARRIED


def _stage(order: int, title: str = "T") -> Entity:
    return {"title": title, "order": order}


CASES = [
    # both add k; one side also adds a before it, the other b after it
    ({"stage:a": _stage(0), "stage:k": _stage(1)}, {"stage:k": _stage(0), "stage:b": _stage(1)}),
    # both add k; one side also adds z before it
    ({"stage:z": _stage(0), "stage:k": _stage(1)}, {"stage:k": _stage(0)}),
    # both add k with different titles (a conflict): order still agrees
    ({"stage:z": _stage(0), "stage:k": _stage(1, "K1")}, {"stage:k": _stage(0, "K2")}),
]


@pytest.mark.parametrize("base", [None, {}], ids=["first-sync", "empty-base"])
@pytest.mark.parametrize(("ours", "theirs"), CASES)
def test_order_of_an_entity_created_on_both_sides_does_not_depend_on_the_side(
    base: dict[str, Entity] | None, ours: dict[str, Entity], theirs: dict[str, Entity]
) -> None:
    result = merge(base, ours, theirs, carried=ALL_CARRIED, policies=Policies())
    mirrored = merge(base, theirs, ours, carried=ALL_CARRIED, policies=Policies())
    orders = {k: v["order"] for k, v in result.file_entities.items()}
    assert orders == {k: v["order"] for k, v in mirrored.board_entities.items()}
    assert {k: v["order"] for k, v in result.board_entities.items()} == orders
    assert sorted(orders.values()) == list(range(len(orders)))
