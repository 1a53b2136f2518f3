"""Push/read against the Miro sandbox, every exchange checked against the Miro OpenAPI spec."""

from __future__ import annotations

import math

import pytest
from journeys import carried, journey
from miro_helpers import BOARD, HUMAN, RecordingJournal
from openapi_contract import SpecCheckingTransport

from cjm_sync.errors import ConfigError
from cjm_sync.plugins.whiteboard import BoardRead, ConnectorState, OpKind
from cjm_sync.schema import Channel, Journey, MapType, PainPoint, cross_reference_problems
from connectors.miro.connector import MiroConnector
from connectors.miro.layout import Rect
from connectors.miro.mapping import MOMENT_OF_TRUTH_TAG, channel_tag
from connectors.miro.sandbox import ManualClock, MiroSandbox

WRITES = ("POST", "PATCH", "PUT", "DELETE")


def push(conn: MiroConnector, desired: Journey, state: ConnectorState, clock: ManualClock) -> BoardRead:
    """One sync in the push direction: read, plan, apply; returns the read it planned from."""
    read = conn.read(BOARD, state)
    ops = conn.plan(desired, read, state)
    conn.apply(ops, state, RecordingJournal())
    clock.advance(60)
    return read


def writes(sandbox: MiroSandbox) -> list[str]:
    return [f"{c.method} {c.path}" for c in sandbox.calls if c.method in WRITES]


def item_id(state: ConnectorState, key: str) -> str:
    return state.id_map[key]


@pytest.mark.parametrize("map_type", list(MapType))
def test_round_trip_is_lossless_and_second_push_writes_nothing(
    map_type: MapType, connector: MiroConnector, state: ConnectorState, sandbox: MiroSandbox, clock: ManualClock
) -> None:
    desired = journey(map_type)
    push(connector, desired, state, clock)
    read = connector.read(BOARD, state)
    assert carried(read.journey) == carried(desired)
    assert read.unplaced == []
    assert cross_reference_problems(read.journey) == []
    sandbox.reset_calls()
    assert connector.plan(desired, read, state) == []
    push(connector, desired, state, clock)
    assert writes(sandbox) == []


def test_every_exchange_was_checked_against_the_spec(
    connector: MiroConnector,
    state: ConnectorState,
    sandbox: MiroSandbox,
    checking: SpecCheckingTransport,
    clock: ManualClock,
) -> None:
    push(connector, journey(MapType.SERVICE_BLUEPRINT), state, clock)
    connector.read(BOARD, state)
    assert checking.checked == len(sandbox.calls) > 0


def test_initial_push_creates_items_in_bulk_calls_of_twenty(
    connector: MiroConnector, state: ConnectorState, sandbox: MiroSandbox, clock: ManualClock
) -> None:
    desired = journey(touchpoints=30)
    push(connector, desired, state, clock)
    calls = writes(sandbox)
    board_items = len(sandbox.store.board(BOARD).items)
    bulk = [c for c in calls if c.endswith("/items/bulk")]
    fewest = math.ceil((board_items - 1) / 20)  # every item but the frame
    assert fewest <= len(bulk) <= fewest + 1  # the grid's headers and labels go first, in a call of their own
    assert calls.count(f"POST /v2/boards/{BOARD}/frames") == 1
    lines = len(sandbox.store.board(BOARD).connectors)
    tags = len(sandbox.store.board(BOARD).tags)
    attached = sum(len(i.tag_ids) for i in sandbox.store.board(BOARD).items.values())
    assert calls.count(f"POST /v2/boards/{BOARD}/connectors") == lines
    assert calls.count(f"POST /v2/boards/{BOARD}/tags") == tags
    assert len(calls) == len(bulk) + 1 + lines + tags + attached


def test_noop_read_costs_only_the_listings(
    connector: MiroConnector, state: ConnectorState, sandbox: MiroSandbox, clock: ManualClock
) -> None:
    push(connector, journey(touchpoints=30), state, clock)
    board = sandbox.store.board(BOARD)
    sandbox.reset_calls()
    connector.read(BOARD, state)
    per_tag = sum(
        math.ceil(max(1, sum(t.id in i.tag_ids for i in board.items.values())) / 50) for t in board.tags.values()
    )
    expected = math.ceil(len(board.items) / 50) + math.ceil(len(board.connectors) / 50) + 1 + per_tag
    assert len(board.items) > 50
    assert len(sandbox.calls) == expected
    assert all(c.method == "GET" and "/items/" not in c.path for c in sandbox.calls)


def test_moving_a_sticky_to_another_column_changes_its_stage(
    connector: MiroConnector, state: ConnectorState, sandbox: MiroSandbox, clock: ManualClock
) -> None:
    desired = journey()
    push(connector, desired, state, clock)
    header = sandbox.store.board(BOARD).items[item_id(state, "stage:leave")]
    sticky = sandbox.store.board(BOARD).items[item_id(state, "pain_point:pp-slow")]
    sandbox.as_user(HUMAN).move_item(BOARD, sticky.id, header.x, sticky.y, parent_id=sticky.parent_id)
    read = connector.read(BOARD, state)
    moved = next(p for p in read.journey.pain_points if p.id == "pp-slow")
    assert moved.stage == "leave"
    assert read.authors["pain_point:pp-slow"].user == HUMAN


def test_text_colour_and_tag_edits_are_understood(
    connector: MiroConnector, state: ConnectorState, sandbox: MiroSandbox, clock: ManualClock
) -> None:
    desired = journey()
    push(connector, desired, state, clock)
    human = sandbox.as_user(HUMAN)
    note_key = "note:note-lane-actions-aware"
    human.update_item(BOARD, item_id(state, note_key), data={"content": "<p>新しい <b>text</b></p>"})
    human.recolour(BOARD, item_id(state, "note:note-lane-thoughts-buy"), "red")
    human.update_item(BOARD, item_id(state, "touchpoint:tp1"), data={"title": "改名"})
    mot = next(t for t in sandbox.store.board(BOARD).tags.values() if t.title == MOMENT_OF_TRUTH_TAG)
    human.tag_item(BOARD, item_id(state, "badge:tp1"), mot.id)
    read = connector.read(BOARD, state)
    notes = {n.id: n for n in read.journey.notes}
    assert notes["note-lane-actions-aware"].text == "新しい text"
    assert "note-lane-thoughts-buy" not in notes
    assert any(p.id == "note-lane-thoughts-buy" and p.stage == "buy" for p in read.journey.pain_points)
    tp1 = next(t for t in read.journey.touchpoints if t.id == "tp1")
    assert (tp1.title, tp1.moment_of_truth, tp1.channel) == ("改名", True, desired.touchpoints[1].channel)
    assert {"note:note-lane-actions-aware", "touchpoint:tp1"} <= set(read.authors)


def test_untagging_a_channel_clears_it(
    connector: MiroConnector, state: ConnectorState, sandbox: MiroSandbox, clock: ManualClock
) -> None:
    push(connector, journey(), state, clock)
    board = sandbox.store.board(BOARD)
    web = next(t for t in board.tags.values() if t.title == channel_tag(Channel.WEB))
    sandbox.as_user(HUMAN).untag_item(BOARD, item_id(state, "badge:tp1"), web.id)
    read = connector.read(BOARD, state)
    assert next(t for t in read.journey.touchpoints if t.id == "tp1").channel is None


def test_added_and_deleted_stickies(
    connector: MiroConnector, state: ConnectorState, sandbox: MiroSandbox, clock: ManualClock
) -> None:
    desired = journey()
    push(connector, desired, state, clock)
    board = sandbox.store.board(BOARD)
    frame_id = item_id(state, "frame:onboarding")
    header = board.items[item_id(state, "stage:aware")]
    row = board.items[item_id(state, "row:pain_points")]
    human = sandbox.as_user(HUMAN)
    human.create_item(
        BOARD,
        "sticky_note",
        data={"content": "<p>排队太久</p>"},
        position={"x": header.x + 60, "y": row.y + 100},
        parent_id=frame_id,
    )
    human.delete_item(BOARD, item_id(state, "opportunity:op-fast"))
    read = connector.read(BOARD, state)
    added = next(p for p in read.journey.pain_points if p.title == "排队太久")
    assert added.stage == "aware"
    assert added.id == "排队太久"
    assert state.id_map[f"pain_point:{added.id}"]
    assert read.journey.opportunities == []
    assert "opportunity:op-fast" not in state.id_map
    merged = desired.model_copy(update={"pain_points": [*desired.pain_points, added], "opportunities": []})
    ops = connector.plan(merged, read, state)
    # the row gave the new sticky its role: it keeps the colour its author chose; nothing is created again
    assert ops == []
    connector.apply(ops, state, RecordingJournal())
    clock.advance(60)
    assert connector.plan(merged, connector.read(BOARD, state), state) == []


def test_foreign_items_are_left_alone_and_reported(
    connector: MiroConnector, state: ConnectorState, sandbox: MiroSandbox, clock: ManualClock
) -> None:
    human = sandbox.as_user(HUMAN)
    other = human.create_item(
        BOARD, "frame", data={"title": "Brainstorm"}, position={"x": 0, "y": 0}, geometry={"width": 800, "height": 600}
    )
    inner = human.create_item(
        BOARD, "sticky_note", data={"content": "idea"}, position={"x": 100, "y": 100}, parent_id=other["id"]
    )
    desired = journey()
    push(connector, desired, state, clock)
    frame_id = item_id(state, "frame:onboarding")
    card = human.create_item(
        BOARD, "card", data={"title": "foreign card"}, position={"x": 40, "y": 40}, parent_id=frame_id
    )
    text = human.create_item(BOARD, "text", data={"content": "free text"}, position={"x": -5000, "y": 0})
    before = {i["id"]: sandbox.store.board(BOARD).items[i["id"]] for i in (other, inner, card, text)}
    snapshot = {k: (v.x, v.y, dict(v.data)) for k, v in before.items()}
    read = connector.read(BOARD, state)
    assert carried(read.journey) == carried(desired)
    assert all(any(i in line for line in read.unplaced) for i in snapshot)
    push(connector, desired, state, clock)
    after = sandbox.store.board(BOARD).items
    assert {k: (after[k].x, after[k].y, after[k].data) for k in snapshot} == snapshot
    assert not Rect.around(other["position"]["x"], 0, 800, 600).overlaps(
        Rect.around(
            after[frame_id].x, after[frame_id].y, after[frame_id].geometry["width"], after[frame_id].geometry["height"]
        )
    )


def test_lost_id_map_creates_no_duplicates(
    connector: MiroConnector, state: ConnectorState, sandbox: MiroSandbox, clock: ManualClock
) -> None:
    desired = journey()
    push(connector, desired, state, clock)
    before = dict(state.id_map)
    count = len(sandbox.store.board(BOARD).items), len(sandbox.store.board(BOARD).connectors)
    fresh = ConnectorState()
    sandbox.reset_calls()
    push(connector, desired, fresh, clock)
    assert writes(sandbox) == []
    assert (len(sandbox.store.board(BOARD).items), len(sandbox.store.board(BOARD).connectors)) == count
    assert {k: v for k, v in fresh.id_map.items() if not k.startswith("tag:")} == {
        k: v for k, v in before.items() if not k.startswith("tag:")
    }


def test_removed_items_are_deleted_unless_people_changed_them(
    connector: MiroConnector, state: ConnectorState, sandbox: MiroSandbox, clock: ManualClock
) -> None:
    desired = journey()
    push(connector, desired, state, clock)
    slow, form = item_id(state, "pain_point:pp-slow"), item_id(state, "pain_point:pp-form")
    sandbox.as_user(HUMAN).update_item(BOARD, form, data={"content": "表单 (edited)"})
    push(connector, desired.model_copy(update={"pain_points": []}), state, clock)
    items = sandbox.store.board(BOARD).items
    assert slow not in items
    assert form in items


def test_conflicting_entities_are_tagged_not_overwritten(
    connector: MiroConnector, state: ConnectorState, sandbox: MiroSandbox, clock: ManualClock
) -> None:
    """The engine's board side of a conflicted entity carries the board's own value of the conflicting
    field: the plan flags the item and changes nothing else that is not asked for."""
    desired = journey()
    push(connector, desired, state, clock)
    sticky = item_id(state, "pain_point:pp-slow")
    changed = desired.model_copy(
        update={"pain_points": [PainPoint(id="pp-slow", title="file text", stage="buy"), desired.pain_points[1]]}
    )
    read = connector.read(BOARD, state)
    ops = connector.plan(desired, read, state, frozenset({"pain_point:pp-slow"}))
    assert [(o.kind, o.key) for o in ops if o.key != "tag:cjm-sync: conflict"] == [(OpKind.TAG, "pain_point:pp-slow")]
    connector.apply(ops, state, RecordingJournal())
    board = sandbox.store.board(BOARD)
    assert "file text" not in board.items[sticky].data["content"]
    assert [board.tags[t].title for t in board.items[sticky].tag_ids] == ["cjm-sync: conflict"]
    assert [o.kind for o in connector.plan(changed, connector.read(BOARD, state), state)] == [
        OpKind.UPDATE,
        OpKind.UNTAG,
    ]


def test_stage_change_in_the_file_moves_the_card(
    connector: MiroConnector, state: ConnectorState, sandbox: MiroSandbox, clock: ManualClock
) -> None:
    desired = journey()
    push(connector, desired, state, clock)
    tps = [t.model_copy(update={"stage": "leave"}) if t.id == "tp0" else t for t in desired.touchpoints]
    moved = desired.model_copy(update={"touchpoints": tps})
    push(connector, moved, state, clock)
    read = connector.read(BOARD, state)
    assert carried(read.journey)["touchpoint"] == carried(moved)["touchpoint"]


def test_journal_and_id_map_follow_every_write(
    connector: MiroConnector, state: ConnectorState, sandbox: MiroSandbox
) -> None:
    journal = RecordingJournal()
    read = connector.read(BOARD, state)
    ops = connector.plan(journey(), read, state)
    result = connector.apply(ops, state, journal)
    assert result.applied == len(ops)
    befores = [k for kind, k, _ in journal.events if kind == "before"]
    afters = [(k, v) for kind, k, v in journal.events if kind == "after"]
    # writes run concurrently: every op is announced once, then answered once, in any interleaving
    assert sorted(befores) == sorted(k for k, _ in afters) == sorted(o.key for o in ops)
    for op in ops:
        announced = journal.events.index(("before", op.key, None))
        answered = next(i for i, e in enumerate(journal.events) if e[0] == "after" and e[1] == op.key)
        assert announced < answered
        if op.kind is OpKind.CREATE:
            assert journal.events[answered][2] == state.id_map[op.key]


def test_tags_people_already_made_are_reused(
    connector: MiroConnector, state: ConnectorState, sandbox: MiroSandbox, clock: ManualClock
) -> None:
    existing = sandbox.as_user(HUMAN).create_tag(BOARD, MOMENT_OF_TRUTH_TAG, "violet")
    push(connector, journey(), state, clock)
    board = sandbox.store.board(BOARD)
    assert [t.title for t in board.tags.values()].count(MOMENT_OF_TRUTH_TAG) == 1
    assert existing["id"] in board.items[item_id(state, "badge:tp0")].tag_ids


def test_emotion_curve_without_lines_saves_one_connector_per_point_and_reads_back_the_same(
    connector: MiroConnector, state: ConnectorState, sandbox: MiroSandbox, clock: ManualClock
) -> None:
    desired = journey(MapType.DAY_IN_THE_LIFE, touchpoints=6)
    felt = sum(tp.emotion is not None for tp in desired.touchpoints)
    assert felt >= 3
    push(connector, desired, state, clock)
    lines = len(sandbox.store.board(BOARD).connectors)
    connector.emotion_lines = False
    push(connector, desired, state, clock)  # the lines cjm-sync drew go; the points stay
    board = sandbox.store.board(BOARD)
    assert len(board.connectors) == lines - (felt - 1)
    read = connector.read(BOARD, state)
    assert carried(read.journey)["touchpoint"] == carried(desired)["touchpoint"]
    assert connector.plan(desired, read, state) == []


@pytest.mark.parametrize(
    ("options", "problem"),
    [({"concurrency": 0}, "between 1 and"), ({"concurrency": "8"}, "whole number"), ({"emotion_lines": "no"}, "true")],
)
def test_bad_connector_settings_are_config_errors(options: dict[str, object], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        MiroConnector.from_config({**options, "sandbox": True})


def test_connector_settings_from_the_config_table() -> None:
    made = MiroConnector.from_config({"concurrency": 3, "emotion_lines": False, "sandbox": True})
    assert (made.concurrency, made.emotion_lines) == (3, False)
