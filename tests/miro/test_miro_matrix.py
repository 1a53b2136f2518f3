"""The IPA quadrant on the cards and the "Importance × Performance" frame, on the Miro sandbox."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from miro_helpers import BOARD, RecordingJournal
from openapi_contract import SpecCheckingTransport

from cjm_sync.analysis import AnalysisSettings, annotate
from cjm_sync.files import parse_journey
from cjm_sync.plugins.whiteboard import ConnectorState, OpKind
from cjm_sync.schema import Journey, Provenance, Rating, RatingPair, Source
from connectors.miro.board import Item, Snapshot
from connectors.miro.connector import MiroConnector
from connectors.miro.mapping import CONCENTRATE_TAG, QUADRANT_COLOURS
from connectors.miro.sandbox import ManualClock, MiroSandbox

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analysis"))
from analysis_journeys import IPA_JOURNEY

WRITES = ("POST", "PATCH", "PUT", "DELETE")
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _annotated(journey: Journey | None = None) -> Journey:
    base = journey or parse_journey(Path("ipa.yaml"), IPA_JOURNEY)[0]
    return annotate(base, AnalysisSettings(), NOW)[0]


def _push(conn: MiroConnector, desired: Journey, state: ConnectorState, clock: ManualClock) -> list[OpKind]:
    read = conn.read(BOARD, state)
    ops = conn.plan(desired, read, state)
    conn.apply(ops, state, RecordingJournal())
    clock.advance(60)
    return [op.kind for op in ops]


def _board(conn: MiroConnector, state: ConnectorState) -> Snapshot:
    return conn.read(BOARD, state).snapshot[1]


def _item(snapshot: Snapshot, state: ConnectorState, key: str) -> Item:
    return snapshot.items[state.id_map[key]]


def _writes(sandbox: MiroSandbox) -> list[str]:
    return [f"{c.method} {c.path}" for c in sandbox.calls if c.method in WRITES]


def test_cards_show_the_quadrant_and_concentrate_here_is_tagged(
    connector: MiroConnector, state: ConnectorState, clock: ManualClock
) -> None:
    desired = _annotated()
    _push(connector, desired, state, clock)
    board = _board(connector, state)
    card = _item(board, state, "touchpoint:a")
    assert card.style["fillColor"].lower() == QUADRANT_COLOURS[desired.touchpoints[0].annotations.ipa_quadrant]  # type: ignore[union-attr]
    assert {"value": "concentrate here", "tooltip": "IPA quadrant"}.items() <= card.data["fields"][0].items()
    assert CONCENTRATE_TAG in _item(board, state, "badge:a").tags
    assert CONCENTRATE_TAG in _item(board, state, "badge:g").tags
    assert CONCENTRATE_TAG not in _item(board, state, "badge:b").tags
    assert _item(board, state, "touchpoint:h").style["fillColor"].lower() == "#2d9bf0"  # unrated: default colour


def test_matrix_frame_places_every_placed_touchpoint_in_its_quadrant(
    connector: MiroConnector, state: ConnectorState, clock: ManualClock, checking: SpecCheckingTransport
) -> None:
    desired = _annotated()
    _push(connector, desired, state, clock)
    board = _board(connector, state)
    frame = _item(board, state, "ipa-frame:ipa-check")
    assert frame.type == "frame"
    assert frame.data["title"].startswith("Importance × Performance")
    journey_frame = _item(board, state, "frame:ipa-check")
    assert frame.canvas_rect.x0 > journey_frame.canvas_rect.x1  # beside the map, not on it
    placed = {t.id: t.annotations for t in desired.touchpoints if t.annotations and t.annotations.ipa_quadrant}
    assert set(placed) == {"a", "b", "c", "d", "e", "g"}
    for tp_id, ann in placed.items():
        marker = _item(board, state, f"ipa-marker:{tp_id}")
        assert marker.parent_id == frame.id
        region = _item(board, state, f"ipa-quadrant:{ann.ipa_quadrant.value}")  # type: ignore[union-attr]
        assert region.canvas_rect.contains(marker.cx, marker.cy), tp_id
        label = _item(board, state, f"ipa-label:{tp_id}")
        title = next(t.title for t in desired.touchpoints if t.id == tp_id)
        assert title in label.data["content"]
    # importance grows upwards and performance to the right
    a, b = _item(board, state, "ipa-marker:a"), _item(board, state, "ipa-marker:b")
    assert a.cx < b.cx  # performance 2 < 4.5
    assert a.cy < b.cy  # importance 4.5 > 4
    assert "ipa-marker:f" not in state.id_map  # insufficient data: not placed
    assert "ipa-marker:h" not in state.id_map
    # display only: the read journey is the journey; nothing is reported as left alone
    read = connector.read(BOARD, state)
    assert read.unplaced == []
    assert {t.id for t in read.journey.touchpoints} == {t.id for t in desired.touchpoints}
    assert all(t.annotations is None for t in read.journey.touchpoints)
    assert checking.checked > 0


def test_a_second_push_after_an_unchanged_annotate_writes_nothing(
    connector: MiroConnector, state: ConnectorState, sandbox: MiroSandbox, clock: ManualClock
) -> None:
    desired = _annotated()
    _push(connector, desired, state, clock)
    again = _annotated(desired)  # annotate again: same inputs, same annotations
    assert again == desired
    sandbox.reset_calls()
    assert _push(connector, again, state, clock) == []
    assert _writes(sandbox) == []


def test_a_changed_rating_moves_only_what_moved_and_removes_what_left(
    connector: MiroConnector, state: ConnectorState, sandbox: MiroSandbox, clock: ManualClock
) -> None:
    desired = _annotated()
    _push(connector, desired, state, clock)
    changed = desired.model_copy(deep=True)
    manual = Provenance(source=Source.MANUAL)
    g = next(t for t in changed.touchpoints if t.id == "g")
    g.performance = RatingPair(internal=Rating(value=5, provenance=manual))  # (5, 1) → (5, 5)
    c = next(t for t in changed.touchpoints if t.id == "c")
    c.importance = c.performance = None  # no longer rated: leaves the matrix
    sandbox.reset_calls()
    kinds = _push(connector, _annotated(changed), state, clock)
    assert OpKind.CREATE not in kinds
    assert kinds.count(OpKind.DELETE) == 2  # c's marker and label
    board = _board(connector, state)
    assert "ipa-marker:c" not in state.id_map
    marker = _item(board, state, "ipa-marker:g")
    assert _item(board, state, "ipa-quadrant:keep_up_the_good_work").canvas_rect.contains(marker.cx, marker.cy)
    assert CONCENTRATE_TAG not in _item(board, state, "badge:g").tags
    sandbox.reset_calls()
    assert _push(connector, _annotated(changed), state, clock) == []


def test_a_script_typed_into_a_sticky_note_reaches_the_report_as_text(
    connector: MiroConnector, state: ConnectorState, sandbox: MiroSandbox, clock: ManualClock
) -> None:
    from bs4 import BeautifulSoup

    from cjm_sync.analysis import analyse
    from cjm_sync.report import render_report
    from cjm_sync.schema import PainPoint

    desired = _annotated()
    desired.pain_points = [PainPoint(id="p", title="Slow", stage="buy", touchpoint="a", frequency=3, severity=7)]
    _push(connector, desired, state, clock)
    typed = "<script>alert('board')</script> 太慢了 😤"
    html_content = "<p>&lt;script&gt;alert('board')&lt;/script&gt; 太慢了 😤</p>"  # what Miro stores for typed text
    sandbox.as_user("3458764599999999999").update_item(
        BOARD, state.id_map["pain_point:p"], data={"content": html_content}
    )
    read = connector.read(BOARD, state)
    pulled = next(p for p in read.journey.pain_points if p.id == "p")
    assert pulled.title == typed
    merged = desired.model_copy(update={"pain_points": [desired.pain_points[0].model_copy(update={"title": typed})]})
    page = render_report(merged, analyse(merged, AnalysisSettings()), "html", NOW)
    dom = BeautifulSoup(page, "html.parser")
    assert dom.find_all("script") == []
    assert any(typed in td.get_text() for td in dom.select("#pain td"))


def test_the_matrix_frame_moves_out_of_the_way_when_the_map_grows(
    connector: MiroConnector, state: ConnectorState, sandbox: MiroSandbox, clock: ManualClock
) -> None:
    from cjm_sync.schema import Stage

    desired = _annotated()
    _push(connector, desired, state, clock)
    grown = desired.model_copy(deep=True)
    grown.stages += [Stage(id=f"extra-{i}", title=f"Extra {i}") for i in range(4)]
    _push(connector, grown, state, clock)
    board = _board(connector, state)
    journey_frame, matrix = _item(board, state, "frame:ipa-check"), _item(board, state, "ipa-frame:ipa-check")
    assert matrix.canvas_rect.x0 > journey_frame.canvas_rect.x1
    marker = _item(board, state, "ipa-marker:a")
    assert matrix.canvas_rect.contains(marker.cx, marker.cy)  # its children came along
    sandbox.reset_calls()
    assert _push(connector, grown, state, clock) == []
