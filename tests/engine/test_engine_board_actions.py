"""Board actions that must never erase the journey, lost local state, and an exact plan — through the CLI
on the persisted sandbox, with people editing the board through the sandbox's human API (issue 7)."""

from __future__ import annotations

from pathlib import Path

import pytest
from engine_support import base_journey, find, remove, set_field, write_journey
from test_engine_cli import (
    BOARD,
    JOB,
    JOURNEY,
    as_person,
    board,
    cli,
    cli_json,
    edit_file,
    file_journey,
    ids,
)

from cjm_sync.files import load_journey
from cjm_sync.schema import Opportunity, PainPoint, Provenance, Rating, RatingPair, Source
from connectors.miro.richtext import to_text
from connectors.miro.sandbox import HumanSession
from connectors.miro.sandbox.errors import ApiError


@pytest.fixture
def rich(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The base journey synced to a sandbox board, plus what the board does not carry: importance
    ratings, an opportunity that addresses a pain point."""
    monkeypatch.chdir(workdir)
    monkeypatch.setenv("CJM_SYNC_AUTHOR", "tester")
    monkeypatch.delenv("CJM_SYNC_CONFIG", raising=False)
    write_journey(JOURNEY, base_journey())

    def change(journey: object) -> None:
        rating = Rating(value=4, provenance=Provenance(source=Source.MANUAL))
        set_field(journey, "touchpoint:ad", "importance", RatingPair(internal=rating))
        journey.opportunities.append(  # type: ignore[attr-defined]
            Opportunity(id="faster", title="Make it faster", stage="aware", addresses=["slow"])
        )

    edit_file(change)
    code, _, err = cli("sync", *JOB)
    assert code == 0, err
    return workdir


def _texts() -> list[str]:
    return sorted(to_text(str(i.data.get("title") or i.data.get("content") or "")) for i in board().items.values())


# --- An item still on the board is never a deletion ------------------------------------------------


def test_items_dragged_out_of_the_frame_keep_their_entities(rich: Path) -> None:
    def person(human: HumanSession, mapped: dict[str, str]) -> None:
        for key, spot in (("touchpoint:ad", (-2500.0, -900.0)), ("pain_point:slow", (-2500.0, -400.0))):
            human.remove_from_frame(BOARD, mapped[key])
            human.move_item(BOARD, mapped[key], *spot)

    as_person(person)
    before = JOURNEY.read_bytes()
    report = cli_json("pull", *JOB)
    assert report["plan"]["file"] == []
    assert JOURNEY.read_bytes() == before
    parked = [u for u in report["unplaced"] if "outside the journey frame" in u and "not deleted" in u]
    assert len(parked) == 2
    assert cli("validate", str(JOURNEY))[0] == 0
    journey = file_journey()
    assert find(journey, "touchpoint:ad").importance.internal.value == 4
    assert find(journey, "pain_point:slow").title == "Too slow"

    report = cli_json("sync", *JOB)
    assert [op for op in report["plan"]["board"] if op["op"] in ("delete", "move")] == []
    assert report["plan"]["file"] == []
    items = board().items
    card, sticky = items[ids()["touchpoint:ad"]], items[ids()["pain_point:slow"]]
    assert (card.parent_id, card.x, card.y) == (None, -2500.0, -900.0)  # left where the person put it
    assert (sticky.parent_id, sticky.x, sticky.y) == (None, -2500.0, -400.0)
    assert cli_json("sync", *JOB)["board_writes"] == 0


def test_an_item_outside_the_frame_still_syncs_its_content(rich: Path) -> None:
    def person(human: HumanSession, mapped: dict[str, str]) -> None:
        human.remove_from_frame(BOARD, mapped["pain_point:slow"])
        human.move_item(BOARD, mapped["pain_point:slow"], -2500.0, -400.0)
        human.update_item(BOARD, mapped["pain_point:slow"], data={"content": "<p>Far too slow</p>"})

    as_person(person)
    edit_file(lambda j: set_field(j, "touchpoint:ad", "title", "Ad on the metro"))
    as_person(lambda human, mapped: human.remove_from_frame(BOARD, mapped["touchpoint:ad"]))
    as_person(lambda human, mapped: human.move_item(BOARD, mapped["touchpoint:ad"], -2500.0, -900.0))
    code, _, err = cli("sync", *JOB)
    assert code == 0, err
    assert find(file_journey(), "pain_point:slow").title == "Far too slow"
    assert to_text(board().items[ids()["touchpoint:ad"]].data["title"]) == "Ad on the metro"
    assert find(file_journey(), "touchpoint:ad").stage == "aware"


def test_an_item_moved_into_another_frame_keeps_its_entity(rich: Path) -> None:
    def person(human: HumanSession, mapped: dict[str, str]) -> None:
        other = human.create_item(
            BOARD,
            "frame",
            data={"title": "Parking lot", "format": "custom"},
            position={"x": -3000.0, "y": 0.0},
            geometry={"width": 1000.0, "height": 800.0},
        )
        human.move_item(BOARD, mapped["note:n1"], 300.0, 300.0, parent_id=other["id"])
        human.update_item(BOARD, mapped["note:n1"], data={"content": "<p>Is it cheap? Ask again</p>"})

    as_person(person)
    report = cli_json("sync", *JOB)
    assert [op for op in report["plan"]["board"] if op["op"] in ("delete", "move")] == []
    note = find(file_journey(), "note:n1")
    assert (note.text, note.lane, note.stage) == ("Is it cheap? Ask again", "thoughts", "aware")
    assert board().items[ids()["note:n1"]].parent_id != ids()["frame:trip"]


def test_an_item_dropped_inside_the_frame_but_off_the_grid_keeps_its_stage(rich: Path) -> None:
    as_person(lambda human, mapped: human.move_item(BOARD, mapped["pain_point:price"], 100.0, 150.0))
    report = cli_json("pull", *JOB)
    assert report["plan"]["file"] == []
    assert any("outside the grid" in u and "pain_point:price" in u for u in report["unplaced"])
    assert find(file_journey(), "pain_point:price").stage == "buy"


def test_a_run_never_writes_a_journey_file_that_fails_validation(rich: Path) -> None:
    """A pain point deleted on the board that the file's opportunity addresses: the merged file would
    dangle, so the run refuses before writing anything, on either side."""
    as_person(lambda human, mapped: human.delete_item(BOARD, mapped["pain_point:slow"]))
    before, texts = JOURNEY.read_bytes(), _texts()
    code, out, err = cli("sync", *JOB)
    assert code == 2, out + err
    assert "opportunities[0].addresses[0]" in err
    assert "nothing was written" in err
    assert JOURNEY.read_bytes() == before
    assert _texts() == texts
    assert cli("validate", str(JOURNEY))[0] == 0
    edit_file(lambda j: setattr(j.opportunities[0], "addresses", []))
    code, _, err = cli("sync", *JOB)
    assert code == 0, err
    assert find(file_journey(), "pain_point:slow") is None


# --- A deleted frame is not a deleted map ----------------------------------------------------------


def test_a_deleted_frame_is_recreated_and_the_journey_stays(rich: Path) -> None:
    old_frame = ids()["frame:trip"]
    as_person(lambda human, mapped: human.delete_item(BOARD, mapped["frame:trip"]))
    before, count = JOURNEY.read_bytes(), len(board().items)
    report = cli_json("pull", *JOB)
    assert report["plan"]["file"] == []
    assert JOURNEY.read_bytes() == before

    report = cli_json("sync", *JOB)
    ops = report["plan"]["board"]
    assert [op["op"] for op in ops if op["op"] in ("create", "delete")] == ["create"]
    assert ops[0]["key"] == "frame:trip"
    assert report["plan"]["file"] == []
    assert JOURNEY.read_bytes() == before
    frame = ids()["frame:trip"]
    assert frame != old_frame
    items = board().items
    assert len(items) == count + 1
    ours = [v for k, v in ids().items() if not k.startswith(("frame:", "tag:")) and v in items]
    assert len(ours) == count
    assert all(items[i].parent_id == frame for i in ours)  # the orphans are back in the frame
    assert cli_json("sync", *JOB)["board_writes"] == 0


def test_a_deleted_stage_header_or_lane_label_keeps_the_items_still_in_its_column_or_row(rich: Path) -> None:
    as_person(lambda human, mapped: human.delete_item(BOARD, mapped["lane:thoughts"]))
    as_person(lambda human, mapped: human.delete_item(BOARD, mapped["stage:buy"]))
    before = JOURNEY.read_bytes()
    report = cli_json("pull", *JOB)
    assert report["plan"]["file"] == []
    assert JOURNEY.read_bytes() == before
    report = cli_json("sync", *JOB)
    assert [op for op in report["plan"]["board"] if op["op"] == "delete"] == []
    assert {op["key"] for op in report["plan"]["board"] if op["op"] == "create"} == {"stage:buy", "lane:thoughts"}
    assert JOURNEY.read_bytes() == before
    assert cli_json("sync", *JOB)["board_writes"] == 0


# --- Mass deletions need a human's yes -------------------------------------------------------------


def _delete_everything_but_the_frame(human: HumanSession, mapped: dict[str, str]) -> None:
    for key, item_id in mapped.items():
        if not key.startswith(("frame:", "tag:")):
            try:
                human.delete_item(BOARD, item_id)
            except ApiError:  # connectors are deleted with the items they join
                continue


@pytest.mark.parametrize("command", ["sync", "pull"])
def test_select_all_and_delete_on_the_board_is_held_until_confirmed(rich: Path, command: str) -> None:
    as_person(_delete_everything_but_the_frame)
    before = JOURNEY.read_bytes()
    code, out, _ = cli(command, *JOB)
    assert code == 4
    assert "Held:" in out
    assert "--allow-mass-delete" in out
    assert "touchpoint:ad" in out
    assert JOURNEY.read_bytes() == before
    report = cli_json(command, *JOB, expect=4)
    assert report["held"]["side"] == "file"
    assert len(report["held"]["deletes"]) == report["held"]["total"] == 11
    assert not report["applied"]
    code, _, err = cli(command, *JOB, "--allow-mass-delete")
    assert code == 0, err
    assert file_journey().touchpoints == []


def test_a_mass_delete_in_the_file_is_held_before_it_reaches_the_board(rich: Path) -> None:
    def empty(journey: object) -> None:
        for key in ("touchpoint:ad", "touchpoint:web", "touchpoint:cart", "pain_point:slow", "note:n1", "note:n2"):
            remove(journey, key)  # type: ignore[arg-type]
        journey.opportunities = []  # type: ignore[attr-defined]

    edit_file(empty)
    texts = _texts()
    report = cli_json("push", *JOB, expect=4)
    assert report["held"]["side"] == "board"
    assert "touchpoint:ad" in report["held"]["deletes"]
    assert _texts() == texts
    Path("cjm-sync.toml").write_text("[sync]\nallow_mass_delete = true\n", encoding="utf-8")
    code, _, err = cli("push", *JOB)
    assert code == 0, err
    assert "Ad" not in _texts()


def test_a_few_deletions_are_not_held(rich: Path) -> None:
    as_person(lambda human, mapped: human.delete_item(BOARD, mapped["note:n2"]))
    assert cli("sync", *JOB)[0] == 0
    assert find(file_journey(), "note:n2") is None


# --- An open conflict must not cost any other edit -------------------------------------------------


def test_an_open_conflict_does_not_hold_back_the_entitys_other_fields(rich: Path) -> None:
    as_person(lambda human, mapped: human.update_item(BOARD, mapped["touchpoint:web"], data={"title": "Site (board)"}))

    def change(journey: object) -> None:
        set_field(journey, "touchpoint:web", "title", "Site (file)")
        set_field(journey, "touchpoint:web", "description", "Opens the pricing page first")

    edit_file(change)
    code, _, _ = cli("sync", *JOB)
    assert code == 3
    card = board().items[ids()["touchpoint:web"]]
    assert to_text(card.data["title"]) == "Site (board)"  # the person's conflicting value stays
    assert "Opens the pricing page first" in to_text(card.data["description"])
    logged = [c for c in cli_json("log", "--journey", str(JOURNEY))["changes"] if c["key"] == "touchpoint:web"]
    assert {(c["side"], c["field"]) for c in logged if c["new"] is not None} >= {("board", "description")}
    assert ("board", "title") not in {(c["side"], c["field"]) for c in logged if c["new"] == "Site (file)"}
    report = cli_json("sync", *JOB, expect=3)
    assert report["plan"]["file"] == []
    assert report["board_writes"] == 0
    assert find(file_journey(), "touchpoint:web").description == "Opens the pricing page first"


def test_an_open_conflict_on_a_sticky_still_moves_it_with_its_new_stage(rich: Path) -> None:
    as_person(lambda human, mapped: human.update_item(BOARD, mapped["pain_point:price"], data={"content": "<p>B</p>"}))

    def change(journey: object) -> None:
        set_field(journey, "pain_point:price", "title", "F")
        set_field(journey, "pain_point:price", "stage", "aware")

    edit_file(change)
    assert cli("sync", *JOB)[0] == 3
    assert cli_json("sync", *JOB, expect=3)["plan"]["file"] == []
    assert find(file_journey(), "pain_point:price").stage == "aware"
    assert cli_json("pull", *JOB, expect=3)["plan"]["file"] == []


# --- Lost local state after people edited the board ------------------------------------------------


def test_lost_state_after_board_edits_creates_nothing_and_keeps_the_edits(rich: Path) -> None:
    def person(human: HumanSession, mapped: dict[str, str]) -> None:
        human.update_item(BOARD, mapped["pain_point:slow"], data={"content": "<p>Too slow to load</p>"})
        human.update_item(BOARD, mapped["touchpoint:web"], data={"title": "Our website"})

    as_person(person)
    count = len(board().items)
    for suffix in ("", "-wal", "-shm"):
        Path(f".cjm-sync/state.db{suffix}").unlink(missing_ok=True)
    code, out, err = cli("sync", *JOB)
    assert code in (0, 3), out + err
    assert len(board().items) == count  # 0 creates for items that exist
    report = cli_json("plan", *JOB)
    assert [op for op in report["plan"]["board"] if op["op"] == "create"] == []
    journey = file_journey()
    conflicts = {(c["key"], c["field"]) for c in cli_json("conflicts")["conflicts"]}
    for key, edited in (("pain_point:slow", "Too slow to load"), ("touchpoint:web", "Our website")):
        assert find(journey, key).title == edited or (key, "title") in conflicts
    assert find(journey, "touchpoint:ad").importance.internal.value == 4


def test_lost_state_matches_an_edited_sticky_among_others_in_its_cell_and_a_renamed_stage(rich: Path) -> None:
    def more(journey: object) -> None:
        for ident, title in (("menu", "Confusing menu"), ("ugly", "Ugly colours")):
            journey.pain_points.append(PainPoint(id=ident, title=title, stage="aware"))  # type: ignore[attr-defined]

    edit_file(more)
    assert cli("sync", *JOB)[0] == 0

    def person(human: HumanSession, mapped: dict[str, str]) -> None:
        human.update_item(BOARD, mapped["pain_point:menu"], data={"content": "<p>The menu is confusing</p>"})
        human.update_item(BOARD, mapped["stage:buy"], data={"content": "<p>Purchase</p>"})

    as_person(person)
    count = len(board().items)
    for suffix in ("", "-wal", "-shm"):
        Path(f".cjm-sync/state.db{suffix}").unlink(missing_ok=True)
    report = cli_json("sync", *JOB, expect=3)
    assert [op for op in report["plan"]["board"] if op["op"] in ("create", "delete") and op["item_type"] != "tag"] == []
    assert len([i for i in board().items.values() if i.type != "tag"]) == count
    conflicts = {(c["key"], c["field"]): c["board"] for c in report["plan"]["conflicts"]}
    assert conflicts == {("pain_point:menu", "title"): "The menu is confusing", ("stage:buy", "title"): "Purchase"}
    assert cli_json("sync", *JOB, expect=3)["board_writes"] == 0


# --- The plan is exact ---------------------------------------------------------------------------------


UNGROUPED = """\
schema_version: 2
id: trip
title: Trip
emotion_scale: {min: -2, max: 2}
stages:
  - id: aware
    title: Aware
  - id: buy
    title: Buy
touchpoints:
  - id: ad
    title: Ad
    stage: aware
pain_points:
  - id: price
    title: Too expensive
    stage: buy
  - id: slow
    title: Too slow
    stage: aware
opportunities:
  - id: cheaper
    title: Cheaper plan
    stage: buy
    addresses: [price]
  - id: faster
    title: Faster pages
    stage: aware
    addresses: [slow]
"""


def test_a_file_with_no_planned_change_is_not_rewritten(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(workdir)
    monkeypatch.delenv("CJM_SYNC_CONFIG", raising=False)
    JOURNEY.write_text(UNGROUPED, encoding="utf-8")
    assert cli("push", *JOB)[0] == 0
    report = cli_json("sync", *JOB)
    assert report["plan"]["file"] == []
    assert not report["file_written"]
    assert JOURNEY.read_text(encoding="utf-8") == UNGROUPED
    as_person(
        lambda human, mapped: human.update_item(BOARD, mapped["pain_point:price"], data={"content": "<p>Pricey</p>"})
    )
    report = cli_json("sync", *JOB)
    assert [(c["key"], [f["field"] for f in c["fields"]]) for c in report["plan"]["file"]] == [
        ("pain_point:price", ["title"])
    ]
    assert JOURNEY.read_text(encoding="utf-8") == UNGROUPED.replace("title: Too expensive", "title: Pricey")
    assert load_journey(JOURNEY).journey.pain_points[0].id == "price"
