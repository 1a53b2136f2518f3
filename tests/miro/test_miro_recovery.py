"""Recovery from an interrupted run: items it created are adopted, its half-done work is ``in_flight``."""

from __future__ import annotations

import json
from typing import Any

import pytest
from miro_helpers import BOARD, HUMAN, RecordingJournal
from pydantic import SecretStr

from cjm_sync.plugins.whiteboard import BoardOp, BoardRead, ConnectorState, OpKind
from cjm_sync.schema import Channel, Emotion, Journey, PainPoint, Stage, Touchpoint
from cjm_sync.state.journal import op_to_json
from connectors.miro.connector import MiroConnector, read_snapshot
from connectors.miro.recovery import owners
from connectors.miro.sandbox import ManualClock, MiroSandbox

TOUCHPOINTS = ("touchpoint:t1", "touchpoint:t2", "touchpoint:t3")


def small() -> Journey:
    return Journey(
        id="trip",
        title="Trip",
        stages=[Stage(id="a", title="A"), Stage(id="b", title="B")],
        touchpoints=[
            Touchpoint(id="t1", title="One", stage="a", emotion=Emotion(score=2)),
            Touchpoint(id="t2", title="Two", stage="a", channel=Channel.EMAIL, emotion=Emotion(score=0)),
            Touchpoint(id="t3", title="Three", stage="b", emotion=Emotion(score=-1.5)),
        ],
        pain_points=[
            PainPoint(id="p1", title="Same", stage="a"),
            PainPoint(id="p2", title="Same", stage="a"),
        ],
    )


def push(connector: MiroConnector, state: ConnectorState, clock: ManualClock) -> dict[str, BoardOp]:
    """The first push of :func:`small`; returns its ops by key (creates and tag ops are keyed alike)."""
    read = connector.read(BOARD, state)
    ops = connector.plan(small(), read, state)
    connector.apply(ops, state, RecordingJournal())
    clock.advance(60)
    return {op.key: op for op in ops if op.kind is OpKind.CREATE}


def entry(op: BoardOp, done: str | None = None) -> dict[str, Any]:
    """A journal entry as the engine hands it over in ``state.pending``."""
    return {**op_to_json(op), "state": "done" if done else "pending", "external_id": done}


def scores(read: BoardRead) -> dict[str, float | None]:
    return {tp.id: tp.emotion.score if tp.emotion else None for tp in read.journey.touchpoints}


def move_down(
    connector: MiroConnector, state: ConnectorState, sandbox: MiroSandbox, key: str, by: float, user: str
) -> None:
    """``user`` drags the item of ``key`` down by ``by`` inside the journey frame."""
    snapshot = read_snapshot(connector.client(BOARD), {})
    frame = snapshot.items[state.id_map["frame:trip"]]
    x, y = snapshot.items[state.id_map[key]].local(frame)
    sandbox.as_user(user).move_item(BOARD, state.id_map[key], x, y + by, parent_id=frame.id)


def item_count(sandbox: MiroSandbox) -> int:
    return len(sandbox.store.board(BOARD).items)


# -- adoption -------------------------------------------------------------------------------------------


def test_an_unconfirmed_create_adopts_its_item_instead_of_reading_it_as_a_new_one(
    connector: MiroConnector, state: ConnectorState, sandbox: MiroSandbox, clock: ManualClock
) -> None:
    ops = push(connector, state, clock)
    lost = state.id_map.pop("pain_point:p2")  # the bulk call went through, its answer was never journaled
    state.pending = [entry(ops["pain_point:p2"])]
    read = connector.read(BOARD, state)
    assert state.id_map["pain_point:p2"] == lost
    assert sorted(p.id for p in read.journey.pain_points) == ["p1", "p2"]
    before = item_count(sandbox)
    planned = connector.plan(small(), read, state)
    assert [op for op in planned if op.kind is OpKind.CREATE] == []
    connector.apply(planned, state, RecordingJournal())
    assert item_count(sandbox) == before
    assert lost in state.memo["created"]  # so it can be deleted like any item the connector made


def test_adoption_never_takes_an_item_mapped_to_another_key(
    connector: MiroConnector, state: ConnectorState, clock: ManualClock
) -> None:
    ops = push(connector, state, clock)
    p1 = state.id_map["pain_point:p1"]
    p2 = state.id_map.pop("pain_point:p2")
    ghost = BoardOp(OpKind.CREATE, "pain_point:ghost", "sticky_note", payload=ops["pain_point:p1"].payload)
    # the ghost asks for p1's very spot: the only free item with its text is p2's, which p2's own create claims
    state.pending = [entry(ghost), entry(ops["pain_point:p2"])]
    connector.read(BOARD, state)
    assert (state.id_map["pain_point:p1"], state.id_map["pain_point:p2"]) == (p1, p2)
    assert "pain_point:ghost" not in state.id_map


def test_a_confirmed_create_is_adopted_by_id_even_after_a_person_edited_it(
    connector: MiroConnector, state: ConnectorState, sandbox: MiroSandbox, clock: ManualClock
) -> None:
    ops = push(connector, state, clock)
    lost = state.id_map.pop("pain_point:p2")
    sandbox.as_user(HUMAN).update_item(BOARD, lost, data={"content": "<p>Edited</p>"})
    state.pending = [entry(ops["pain_point:p2"], done=lost)]
    read = connector.read(BOARD, state)
    assert state.id_map["pain_point:p2"] == lost
    assert {p.id: p.title for p in read.journey.pain_points} == {"p1": "Same", "p2": "Edited"}


def test_a_persons_lookalike_is_not_adopted(
    connector: MiroConnector, state: ConnectorState, sandbox: MiroSandbox, clock: ManualClock
) -> None:
    ops = push(connector, state, clock)
    gone = state.id_map.pop("pain_point:p2")
    sandbox.as_user(sandbox.user_id).delete_item(BOARD, gone)  # as if the create never reached the board
    frame = state.id_map["frame:trip"]
    position = ops["pain_point:p2"].payload["position"]
    copy = sandbox.as_user(HUMAN).create_item(
        BOARD,
        "sticky_note",
        data={"content": "<p>Same</p>"},
        style={"fillColor": "red"},
        position=dict(position),
        parent_id=frame,
    )
    state.pending = [entry(ops["pain_point:p2"])]
    connector.read(BOARD, state)
    assert state.id_map.get("pain_point:p2") != copy["id"]


def test_the_connector_learns_its_own_user(
    connector: MiroConnector, state: ConnectorState, sandbox: MiroSandbox, clock: ManualClock
) -> None:
    push(connector, state, clock)
    assert state.memo["self_user"] == sandbox.user_id
    fresh = ConnectorState(id_map=dict(state.id_map))
    frame = state.id_map["frame:trip"]
    fresh.pending = [entry(BoardOp(OpKind.CREATE, "frame:trip", "frame"), done=frame)]
    connector.read(BOARD, fresh)
    assert fresh.memo["self_user"] == sandbox.user_id


# -- in flight ------------------------------------------------------------------------------------------


def test_owners_of_derived_items() -> None:
    id_map = {"pain_point:p1": "9"}
    assert owners("badge:t1", id_map) == ["touchpoint:t1"]
    assert owners("emotion:t1", id_map) == ["touchpoint:t1"]
    assert owners("emotion-link:t1->t2", id_map) == ["touchpoint:t1", "touchpoint:t2"]
    assert owners("connection:t1->t2", id_map) == ["touchpoint:t1"]
    assert owners("item:9", id_map) == ["pain_point:p1"]
    assert owners("tag:moment of truth", id_map) == []
    assert owners("stage:a", id_map) == ["stage:a"]


def test_an_unfinished_tagging_puts_its_touchpoint_in_flight(
    connector: MiroConnector, state: ConnectorState, sandbox: MiroSandbox, clock: ManualClock
) -> None:
    push(connector, state, clock)
    badge = state.id_map["badge:t2"]
    (tag,) = sandbox.store.board(BOARD).tags.values()
    sandbox.as_user(sandbox.user_id).untag_item(BOARD, badge, tag.id)  # the tag was never attached
    op = BoardOp(OpKind.TAG, "badge:t2", "tag", badge, payload={"tag": tag.title, "tag_id": tag.id})
    state.pending = [entry(op)]
    read = connector.read(BOARD, state)
    assert read.in_flight == {"touchpoint:t2"}
    planned = connector.plan(small(), read, state)
    assert [(op.kind, op.key) for op in planned] == [(OpKind.TAG, "badge:t2")]


def test_a_person_deleting_an_item_the_run_wrote_is_not_in_flight(
    connector: MiroConnector, state: ConnectorState, sandbox: MiroSandbox, clock: ManualClock
) -> None:
    push(connector, state, clock)
    p1 = state.id_map["pain_point:p1"]
    move = BoardOp(OpKind.MOVE, "pain_point:p1", "sticky_note", p1, payload={"position": {"x": 1, "y": 2}})
    sandbox.as_user(HUMAN).delete_item(BOARD, p1)
    state.pending = [entry(move, done=None)]
    assert "pain_point:p1" not in connector.read(BOARD, state).in_flight


def shift_emotion_row(connector: MiroConnector, state: ConnectorState, sandbox: MiroSandbox) -> None:
    """What a crash in a layout shift leaves: the emotion row's label moved, the emotion points not yet."""
    label = state.id_map["row:emotions"]
    move_down(connector, state, sandbox, "row:emotions", 1000, sandbox.user_id)
    move = BoardOp(OpKind.MOVE, "row:emotions", "shape", label, payload={"position": {"x": 160, "y": 2000}})
    state.pending = [entry(move, done=None)]


def test_a_half_done_layout_shift_puts_every_placed_entity_in_flight(
    connector: MiroConnector, state: ConnectorState, sandbox: MiroSandbox, clock: ManualClock
) -> None:
    push(connector, state, clock)
    shift_emotion_row(connector, state, sandbox)
    read = connector.read(BOARD, state)
    assert read.in_flight >= {*TOUCHPOINTS, "pain_point:p1", "pain_point:p2", "stage:a", "stage:b"}
    assert scores(read) == {"t1": 2, "t2": 0, "t3": -1.5}  # not re-read off the moved row


def test_a_person_edit_after_the_crash_keeps_the_board_opinion_but_not_the_stale_geometry(
    connector: MiroConnector, state: ConnectorState, sandbox: MiroSandbox, clock: ManualClock
) -> None:
    push(connector, state, clock)
    shift_emotion_row(connector, state, sandbox)
    sandbox.as_user(HUMAN).update_item(BOARD, state.id_map["touchpoint:t1"], data={"title": "One (board)"})
    read = connector.read(BOARD, state)
    assert "touchpoint:t1" not in read.in_flight
    assert {"touchpoint:t2", "touchpoint:t3"} <= read.in_flight
    t1 = next(tp for tp in read.journey.touchpoints if tp.id == "t1")
    assert (t1.title, t1.emotion) == ("One (board)", Emotion(score=2))


@pytest.mark.parametrize("remembered", [True, False])
def test_an_emotion_point_outside_its_row_is_reported_not_clamped(
    connector: MiroConnector, state: ConnectorState, sandbox: MiroSandbox, clock: ManualClock, remembered: bool
) -> None:
    push(connector, state, clock)
    if not remembered:
        del state.memo["placed"]
    dot = state.id_map["emotion:t3"]
    move_down(connector, state, sandbox, "emotion:t3", 2000, HUMAN)
    read = connector.read(BOARD, state)
    assert any(dot in note and "outside the emotion row" in note for note in read.unplaced)
    if remembered:
        assert scores(read)["t3"] == -1.5
        assert read.in_flight == frozenset()
    else:
        assert read.in_flight == {"touchpoint:t3"}


def test_another_token_forgets_the_remembered_user(
    connector: MiroConnector, state: ConnectorState, sandbox: MiroSandbox, clock: ManualClock
) -> None:
    """A journey moved to its own token (another Miro user): the old user must not filter which items
    a lost create may have made, or the create is sent again and the card doubled."""
    push(connector, state, clock)
    assert state.memo["self_user"] == sandbox.user_id
    settings = connector.settings.model_copy(update={"access_token": SecretStr("another-users-token")})
    other = MiroConnector(settings, connector._transport)
    other.read(BOARD, state)
    assert "self_user" not in state.memo
    assert state.memo["self_user_of"] == other.settings.fingerprint() != connector.settings.fingerprint()
    assert "another-users-token" not in json.dumps(state.memo)
