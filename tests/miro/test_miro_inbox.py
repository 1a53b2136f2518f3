"""The inbox frames on the Miro sandbox, at the connector: every request checked against the official
spec; the frames sit beside the journey and the Importance × Performance frame without overlapping;
a card keeps its place; a growing inbox grows its frame; two CRMs get two frames."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from miro_helpers import BOARD, RecordingJournal
from openapi_contract import SpecCheckingTransport

from cjm_sync.analysis import AnalysisSettings, annotate
from cjm_sync.files import parse_journey
from cjm_sync.plugins.whiteboard import ConnectorState
from cjm_sync.schema import InboxItem, Journey
from connectors.miro.board import Item, Snapshot
from connectors.miro.connector import MiroConnector
from connectors.miro.sandbox import ManualClock, MiroSandbox

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analysis"))
from analysis_journeys import IPA_JOURNEY

HUMAN = "3458764522222222222"


def _journey(*keys: str) -> Journey:
    base = parse_journey(Path("ipa.yaml"), IPA_JOURNEY)[0]
    annotated = annotate(base, AnalysisSettings(), datetime(2026, 11, 1, tzinfo=UTC))[0]
    inbox = [InboxItem(key=k, label=k.rsplit(":", 1)[-1].title(), volume=len(k)) for k in keys]
    return annotated.model_copy(update={"inbox": inbox})


def _push(conn: MiroConnector, desired: Journey, state: ConnectorState, clock: ManualClock) -> int:
    state.expected = desired
    read = conn.read(BOARD, state)
    ops = conn.plan(desired, read, state)
    conn.apply(ops, state, RecordingJournal())
    clock.advance(60)
    return len(ops)


def _board(conn: MiroConnector, state: ConnectorState) -> Snapshot:
    snapshot: Snapshot = conn.read(BOARD, state).snapshot[1]
    return snapshot


def _item(board: Snapshot, state: ConnectorState, key: str) -> Item:
    return board.items[state.id_map[key]]


KEYS = ("hubspot:calls:OUTBOUND", "hubspot:emails:EMAIL", "hubspot:meetings:COMPLETED")


def test_inbox_frame_sits_between_the_journey_and_the_matrix_and_every_request_is_valid(
    connector: MiroConnector, state: ConnectorState, clock: ManualClock, checking: SpecCheckingTransport
) -> None:
    desired = _journey(*KEYS)
    _push(connector, desired, state, clock)
    board = _board(connector, state)
    journey = _item(board, state, "frame:ipa-check").canvas_rect
    inbox = _item(board, state, "inbox-frame:hubspot").canvas_rect
    matrix = _item(board, state, "ipa-frame:ipa-check").canvas_rect
    assert journey.x1 < inbox.x0 < inbox.x1 < matrix.x0
    assert _item(board, state, "inbox-frame:hubspot").data["title"] == "Unassigned (from HubSpot)"
    for key in KEYS:
        card = _item(board, state, f"inbox:{key}")
        assert inbox.contains(card.cx, card.cy)
    assert checking.checked > 0
    assert _push(connector, desired, state, clock) == 0  # a second push writes nothing


def test_new_cards_take_free_slots_and_the_frame_grows_while_moved_cards_stay(
    connector: MiroConnector, state: ConnectorState, clock: ManualClock, sandbox: MiroSandbox
) -> None:
    _push(connector, _journey(*KEYS), state, clock)
    board = _board(connector, state)
    frame = _item(board, state, "inbox-frame:hubspot")
    moved = _item(board, state, f"inbox:{KEYS[0]}")
    sandbox.as_user(HUMAN).move_item(BOARD, moved.id, 500.0, 900.0, parent_id=frame.id)
    more = [f"hubspot:tickets:{v}" for v in ("EMAIL", "CHAT", "FORM", "PHONE", "WHATSAPP", "OTHER")]
    _push(connector, _journey(*KEYS, *more), state, clock)
    board = _board(connector, state)
    grown = _item(board, state, "inbox-frame:hubspot")
    assert grown.height > frame.height
    assert grown.canvas_rect.x0 == frame.canvas_rect.x0  # grows down, stays in place
    assert _item(board, state, f"inbox:{KEYS[0]}").local(grown) == (500.0, 900.0)  # the person's place is kept
    rects = [_item(board, state, f"inbox:{k}").canvas_rect for k in (*KEYS, *more)]
    assert all(grown.canvas_rect.contains(r.cx, r.cy) for r in rects)
    assert not any(a.overlaps(b) for i, a in enumerate(rects) for b in rects[i + 1 :])


def test_two_crms_get_two_frames_side_by_side(
    connector: MiroConnector, state: ConnectorState, clock: ManualClock
) -> None:
    _push(connector, _journey("hubspot:calls:OUTBOUND", "dynamics:appointment"), state, clock)
    board = _board(connector, state)
    hubspot = _item(board, state, "inbox-frame:hubspot")
    dynamics = _item(board, state, "inbox-frame:dynamics")
    assert dynamics.data["title"] == "Unassigned (from Dynamics 365)"
    assert not hubspot.canvas_rect.overlaps(dynamics.canvas_rect)
    matrix = _item(board, state, "ipa-frame:ipa-check").canvas_rect
    assert not any(f.canvas_rect.overlaps(matrix) for f in (hubspot, dynamics))


def test_a_deleted_inbox_frame_is_drawn_again_where_it_was_around_its_cards(
    connector: MiroConnector, state: ConnectorState, clock: ManualClock, sandbox: MiroSandbox
) -> None:
    desired = _journey(*KEYS)
    _push(connector, desired, state, clock)
    board = _board(connector, state)
    before = _item(board, state, "inbox-frame:hubspot")
    cards = {k: _item(board, state, f"inbox:{k}") for k in KEYS}
    sandbox.as_user(HUMAN).delete_item(BOARD, before.id)  # its cards stay on the canvas
    _push(connector, desired, state, clock)
    board = _board(connector, state)
    after = _item(board, state, "inbox-frame:hubspot")
    assert after.id != before.id
    assert (after.canvas_rect.x0, after.canvas_rect.y0, after.width) == (
        before.canvas_rect.x0,
        before.canvas_rect.y0,
        before.width,
    )
    for key, card in cards.items():
        now = _item(board, state, f"inbox:{key}")
        assert (now.id, now.parent_id) == (card.id, after.id)  # the same card, back in the frame
        assert (now.cx, now.cy) == (card.cx, card.cy)
    assert _item(board, state, "inbox-hint:hubspot").parent_id == after.id
    assert sum(1 for i in board.items.values() if i.type == "app_card" and i.id not in state.id_map.values()) == 0
    assert _push(connector, desired, state, clock) == 0
