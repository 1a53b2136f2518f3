"""Which board writes run side by side: dependencies of a plan, bulk grouping, bounded concurrency."""

from __future__ import annotations

import itertools
import threading
import time

import pytest
from journeys import journey

from cjm_sync.plugins.whiteboard import BoardOp, OpKind
from cjm_sync.schema import Connection
from connectors.miro.board import Snapshot
from connectors.miro.planner import plan_board
from connectors.miro.schedule import GRID_KEYS, Unit, bulkable, needs, run_units, units


def _first_push() -> list[BoardOp]:
    j = journey(touchpoints=30)
    first = j.touchpoints[0]
    first.connections = [Connection(to=tp.id) for tp in j.touchpoints[1:4]]  # one card, three lines
    return plan_board(j, Snapshot({}, {}, {}), {}, {})


def test_every_op_runs_once_after_whatever_it_needs() -> None:
    ops = _first_push()
    plan = units(ops)
    assert sorted(id(op) for u in plan for op in u.ops) == sorted(id(op) for op in ops)
    made_by = {op.key: n for n, u in enumerate(plan) for op in u.ops if op.kind is OpKind.CREATE}
    for n, unit in enumerate(plan):
        for op in unit.ops:
            for key in needs(op):
                assert made_by[key] in unit.needs, (op.summary, key)
                assert made_by[key] != n
    frame = next(n for n, u in enumerate(plan) if u.ops[0].item_type == "frame")
    assert all(frame in u.needs for n, u in enumerate(plan) if n != frame)


def test_item_creates_go_out_in_bulk_calls_of_twenty_that_need_nothing_of_each_other() -> None:
    plan = units(_first_push())
    bulk = [u for u in plan if u.bulk]
    creates = sum(1 for op in _first_push() if bulkable(op))
    assert sum(len(u.ops) for u in bulk) == creates
    grid = sum(1 for op in _first_push() if bulkable(op) and op.key.startswith(GRID_KEYS))
    # as few calls as the limit allows, the grid's headers and labels first (items are placed in a drawn grid)
    assert len(bulk) == -(-grid // 20) + -(-(creates - grid) // 20)
    assert all(1 <= len(u.ops) <= 20 and all(bulkable(op) for op in u.ops) for u in bulk)
    for unit in bulk:
        keys = {op.key for op in unit.ops}
        assert not any(needs(op) & keys for op in unit.ops)


def test_attaches_need_the_item_and_the_tag_made_in_the_same_run() -> None:
    ops = _first_push()
    attach = next(op for op in ops if op.kind is OpKind.TAG)
    assert needs(attach) == {attach.key, f"tag:{attach.payload['tag']}"}
    existing = BoardOp(OpKind.TAG, "badge:x", "tag", "3458764", payload={"tag": "channel: web", "tag_id": "9"})
    assert needs(existing) == set()


def _ops(n: int) -> list[BoardOp]:
    return [BoardOp(OpKind.DELETE, f"note:n{i}", "sticky_note", str(i)) for i in range(n)]


def test_independent_units_overlap_up_to_the_limit_and_no_further() -> None:
    plan = [Unit((op,), bulk=False) for op in _ops(12)]
    lock = threading.Lock()
    in_flight, peak = 0, 0
    two_at_once = threading.Barrier(2, timeout=5)

    def perform(unit: Unit) -> None:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        if unit is plan[0] or unit is plan[1]:
            two_at_once.wait()  # fails (BrokenBarrierError) unless the first two run side by side
        time.sleep(0.01)
        with lock:
            in_flight -= 1

    run_units(plan, perform, concurrency=3)
    assert 2 <= peak <= 3


def test_a_unit_starts_only_after_what_it_needs_finished() -> None:
    ops = _ops(6)
    plan = [Unit((ops[0],), False), Unit((ops[1],), False, {0}), Unit((ops[2],), False, {1}), Unit((ops[3],), False)]
    finished: list[int] = []
    started: dict[int, list[int]] = {}

    def perform(unit: Unit) -> None:
        n = plan.index(unit)
        started[n] = list(finished)
        time.sleep(0.005)
        finished.append(n)

    run_units(plan, perform, concurrency=4)
    assert 0 in started[1]
    assert 1 in started[2]
    assert sorted(finished) == [0, 1, 2, 3]


def test_after_a_failure_nothing_new_starts_and_the_first_failure_is_raised() -> None:
    ops = _ops(5)
    plan = [Unit((ops[0],), False), Unit((ops[1],), False), Unit((ops[2],), False, {0}), Unit((ops[3],), False, {1})]
    ran: list[int] = []

    def perform(unit: Unit) -> None:
        n = plan.index(unit)
        ran.append(n)
        if n == 0:
            raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        run_units(plan, perform, concurrency=1)
    assert ran == [0]  # unit 1 was ready but nothing starts after a failure


def test_connectors_from_one_card_are_created_in_plan_order() -> None:
    """A card's connections read back in the order its connectors were created (the board lists them so)."""
    ops = _first_push()
    plan = units(ops)
    unit_of = {id(op): n for n, u in enumerate(plan) for op in u.ops}
    by_start: dict[str, list[BoardOp]] = {}
    for op in ops:
        if op.kind is OpKind.CREATE and op.item_type == "connector":
            by_start.setdefault(str(op.payload["startItem"]["id"]), []).append(op)
    chains = [lines for lines in by_start.values() if len(lines) > 1]
    assert chains, "the test journey should have a card with several connections"
    for lines in chains:
        for first, then in itertools.pairwise(lines):
            assert unit_of[id(first)] in plan[unit_of[id(then)]].needs


def test_moves_into_a_grown_grid_wait_for_its_headers_and_labels() -> None:
    """A crash between an item's move and its row's move would leave the item outside the grid."""
    row = BoardOp(OpKind.UPDATE, "row:touchpoints", "shape", "1", payload={"geometry": {"height": 600}})
    label = BoardOp(OpKind.MOVE, "lane:thoughts", "shape", "2", payload={"position": {"x": 0, "y": 900}})
    sticky = BoardOp(OpKind.MOVE, "pain_point:slow", "sticky_note", "3", payload={"position": {"x": 460, "y": 1380}})
    retitle = BoardOp(OpKind.UPDATE, "touchpoint:ad", "app_card", "4", payload={"data": {"title": "Ad"}})
    plan = units([row, label, sticky, retitle])
    at = {u.ops[0].key: n for n, u in enumerate(plan)}
    assert plan[at["pain_point:slow"]].needs == {at["row:touchpoints"], at["lane:thoughts"]}
    assert plan[at["lane:thoughts"]].needs == {at["row:touchpoints"]}  # the grid reshapes in plan order
    assert plan[at["touchpoint:ad"]].needs == set()  # a text change waits for nothing


def test_frames_move_first_even_while_the_grid_grows() -> None:
    """A frame moved out of the way of a growing map (the IPA matrix) must not wait for the grid: the grid's
    items wait for every frame, so that would be a cycle."""
    frame = BoardOp(OpKind.MOVE, "ipa-frame:j", "frame", "9", payload={"position": {"x": 9000, "y": 0}})
    header = BoardOp(OpKind.CREATE, "stage:extra", "shape", payload={"parent": {"id": "@key:frame:j"}})
    label = BoardOp(OpKind.MOVE, "lane:thoughts", "shape", "2", payload={"position": {"x": 0, "y": 900}})
    plan = units([frame, header, label])
    at = {u.ops[0].key: n for n, u in enumerate(plan)}
    assert plan[at["ipa-frame:j"]].needs == set()
    assert at["ipa-frame:j"] in plan[at["lane:thoughts"]].needs
    run_units(plan, lambda unit: None, concurrency=4)  # no cycle
