"""Importing a hand-made board, and placing new items among people's items on a pushed board."""

from __future__ import annotations

from journeys import journey
from miro_helpers import BOARD, HUMAN
from test_miro_sync import push

from cjm_sync.plugins.whiteboard import ConnectorState
from cjm_sync.schema import LaneKind, PainPoint, cross_reference_problems
from connectors.miro.connector import MiroConnector
from connectors.miro.importer import import_board
from connectors.miro.layout import Rect
from connectors.miro.sandbox import ManualClock, MiroSandbox


def test_import_a_template_style_board(connector: MiroConnector, sandbox: MiroSandbox) -> None:
    human = sandbox.as_user(HUMAN)
    frame = human.create_item(BOARD, "frame", data={"title": "Checkout CJM"}, geometry={"width": 2000, "height": 1400})
    fid = frame["id"]

    def add(kind: str, text: str, x: float, y: float, **extra: object) -> None:
        human.create_item(BOARD, kind, data={"content": text}, position={"x": x, "y": y}, parent_id=fid, **extra)  # type: ignore[arg-type]

    add("text", "Checkout journey", 150, 80)
    for i, stage in enumerate(["Discover", "选择", "Pay"]):
        add("shape", f"<p>{stage}</p>", 500 + 400 * i, 80, geometry={"width": 360, "height": 100})
    for j, lane in enumerate(["Customer actions", "Touchpoints", "Pain points", "Opportunities", "Misc"]):
        add("shape", lane, 150, 300 + 220 * j, geometry={"width": 260, "height": 200})
    add("sticky_note", "searches", 520, 310)
    add("sticky_note", "app store", 900, 520)
    add("sticky_note", "<p>card declined</p>", 1300, 740)
    add("sticky_note", "saved cards", 1280, 960)
    add("sticky_note", "random", 900, 1180)
    human.create_item(BOARD, "sticky_note", data={"content": "stray"}, position={"x": -3000, "y": 0})
    imported, report, _ = import_board(connector.client(BOARD), BOARD)
    assert cross_reference_problems(imported) == []
    assert imported.title == "Checkout CJM"  # the frame's title is the journey's
    assert [s.title for s in imported.stages] == ["Discover", "选择", "Pay"]
    assert [lane.kind for lane in imported.lanes] == [
        LaneKind.ACTIONS, LaneKind.TOUCHPOINTS, LaneKind.PAIN_POINTS, LaneKind.OPPORTUNITIES, LaneKind.ACTIONS
    ]  # fmt: skip
    assert [(t.title, t.stage) for t in imported.touchpoints] == [("app store", "选择")]
    assert [(p.title, p.stage) for p in imported.pain_points] == [("card declined", "pay")]
    assert [o.title for o in imported.opportunities] == ["saved cards"]
    assert sorted(n.text for n in imported.notes) == ["random", "searches"]
    assert report.placed == 5
    assert (report.stages, report.lanes) == (3, 5)
    assert any("stray" in line for line in report.unplaced)
    assert any("Misc" in line for line in report.guesses)


def test_new_item_goes_round_peoples_items_and_a_full_cell_grows(
    connector: MiroConnector, state: ConnectorState, sandbox: MiroSandbox, clock: ManualClock
) -> None:
    desired = journey()
    push(connector, desired, state, clock)
    board = sandbox.store.board(BOARD)
    frame_id = state.id_map["frame:onboarding"]
    header = board.items[state.id_map["stage:buy"]]
    pain_row = board.items[state.id_map["row:pain_points"]]
    opp_row = board.items[state.id_map["row:opportunities"]]
    human = sandbox.as_user(HUMAN)
    # people fill the rest of the "buy" pain-point cell and put two items in the row below
    cell_left = header.x - header.geometry["width"] / 2

    def card(title: str, x: float, y: float, w: float, h: float) -> str:
        size = {"width": w, "height": h}
        made = human.create_item(
            BOARD, "card", data={"title": title}, position={"x": x, "y": y}, geometry=size, parent_id=frame_id
        )
        return str(made["id"])

    blockers = [card(f"note {i}", cell_left + 140 + 280 * i, pain_row.y, 200, 200) for i in (1, 2)]
    below = [card(f"below {i}", header.x + 50 * i, opp_row.y + 40 * i, 100, 60) for i in (0, 1)]
    before_below = [(board.items[i].x, board.items[i].y) for i in below]
    extra = [PainPoint(id=f"pp-new{i}", title=f"新 {i}", stage="buy") for i in range(2)]
    grown = desired.model_copy(update={"pain_points": [*desired.pain_points, *extra]})
    push(connector, grown, state, clock)
    rects = {
        i.id: Rect.around(i.x, i.y, i.geometry["width"], i.geometry["height"])
        for i in board.items.values()
        if i.parent_id == frame_id and i.type in ("sticky_note", "card", "app_card")
    }
    for pp in extra:
        new = state.id_map[f"pain_point:{pp.id}"]
        assert not any(rects[new].overlaps(r) for k, r in rects.items() if k != new)
    after_below = [(board.items[i].x, board.items[i].y) for i in below]
    dy = after_below[0][1] - before_below[0][1]
    assert dy > 0
    assert after_below == [(x, y + dy) for x, y in before_below]
    read = connector.read(BOARD, state)
    assert {p.id: p.stage for p in read.journey.pain_points} == {p.id: p.stage for p in grown.pain_points}
    assert sorted(read.unplaced) == sorted(f for f in read.unplaced if any(b in f for b in blockers + below))
    sandbox.reset_calls()
    assert connector.plan(grown, read, state) == []
