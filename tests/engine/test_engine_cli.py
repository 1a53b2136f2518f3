"""Acceptance scenarios through the real CLI with ``--sandbox`` (the emulated board persists in
``.cjm-sync/sandbox-miro.json``; people edit it between commands through the sandbox's human API)."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_runner import cli, cli_json
from engine_support import base_journey, find, set_field, write_journey

from cjm_sync.files import load_journey
from cjm_sync.schema import Journey
from cjm_sync.state import SQLiteStateStore, open_store
from connectors.miro.connector import MiroConnector
from connectors.miro.richtext import to_text
from connectors.miro.sandbox import HumanSession, MiroSandbox
from connectors.miro.sandbox.store import Board

BOARD = "uXjVcli="
HUMAN = "3458764599999999999"
JOURNEY = Path("trip.yaml")
SANDBOX = Path(".cjm-sync/sandbox-miro.json")
JOB = ["--journey", str(JOURNEY), "--board", BOARD, "--sandbox"]


def ids() -> dict[str, str]:
    store = open_store(".cjm-sync/state.db")
    try:
        return store.get_id_map("trip", "miro", BOARD)
    finally:
        store.close()


def as_person(edit: Callable[[HumanSession, dict[str, str]], None]) -> None:
    """Load the persisted sandbox, let a person edit the board, and save it back."""
    sandbox = MiroSandbox.load(json.loads(SANDBOX.read_text(encoding="utf-8")))
    edit(sandbox.as_user(HUMAN), ids())
    SANDBOX.write_text(json.dumps(sandbox.dump(), ensure_ascii=False), encoding="utf-8")


def board() -> Board:
    return MiroSandbox.load(json.loads(SANDBOX.read_text(encoding="utf-8"))).store.board(BOARD)


def board_text(key: str) -> str:
    item = board().items[ids()[key]]
    return to_text(str(item.data.get("title") or item.data.get("content") or ""))


def edit_file(change: Callable[[Journey], None]) -> None:
    journey = load_journey(JOURNEY).journey.model_copy(deep=True)
    change(journey)
    write_journey(JOURNEY, Journey.model_validate(journey.model_dump(warnings=False)))


def file_journey() -> Journey:
    return load_journey(JOURNEY).journey


@pytest.fixture
def synced(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with the journey synced once to a sandbox board."""
    monkeypatch.chdir(workdir)
    monkeypatch.setenv("CJM_SYNC_AUTHOR", "tester")
    monkeypatch.delenv("CJM_SYNC_CONFIG", raising=False)
    write_journey(JOURNEY, base_journey())
    code, out, err = cli("sync", *JOB)
    assert code == 0, err
    assert "Applied:" in out
    return workdir


def test_two_syncs_in_a_row_the_second_plans_and_writes_nothing(synced: Path) -> None:
    data, mtime, boards = JOURNEY.read_bytes(), JOURNEY.stat().st_mtime_ns, board()
    snapshot = {i: (it.data, it.x, it.y, it.modified_at) for i, it in boards.items.items()}
    report = cli_json("sync", *JOB)
    assert report["board_writes"] == 0
    assert report["plan"]["board"] == report["plan"]["file"] == report["plan"]["conflicts"] == []
    assert not report["file_written"]
    assert report["api_calls"].get("by_kind", {}).get("create", 0) == 0
    assert JOURNEY.read_bytes() == data
    assert JOURNEY.stat().st_mtime_ns == mtime
    assert {i: (it.data, it.x, it.y, it.modified_at) for i, it in board().items.items()} == snapshot


def test_board_edit_and_file_edit_of_one_touchpoint_both_survive(synced: Path) -> None:
    def person(human: HumanSession, mapped: dict[str, str]) -> None:
        human.update_item(BOARD, mapped["touchpoint:ad"], data={"title": "Ad on the metro"})
        human.update_item(BOARD, mapped["note:n1"], data={"content": "<p>Is it cheap? Really?</p>"})

    as_person(person)
    edit_file(lambda j: set_field(j, "touchpoint:ad", "description", "Seen twice a day"))
    code, _, err = cli("sync", *JOB)
    assert code == 0, err
    ad = find(file_journey(), "touchpoint:ad")
    assert (ad.title, ad.description) == ("Ad on the metro", "Seen twice a day")
    assert find(file_journey(), "note:n1").text == "Is it cheap? Really?"
    card = board().items[ids()["touchpoint:ad"]]
    assert card.data["title"] == "Ad on the metro"
    assert "Seen twice a day" in card.data["description"]
    assert cli_json("sync", *JOB)["board_writes"] == 0


def _conflicting_titles() -> None:
    as_person(lambda human, mapped: human.update_item(BOARD, mapped["touchpoint:web"], data={"title": "Site (board)"}))
    edit_file(lambda j: set_field(j, "touchpoint:web", "title", "Site (file)"))


@pytest.mark.parametrize(("take", "winner"), [("board", "Site (board)"), ("file", "Site (file)")])
def test_same_field_edited_differently_is_a_conflict_resolved_in_one_command(
    synced: Path, take: str, winner: str
) -> None:
    _conflicting_titles()
    plan = cli_json("plan", *JOB)
    assert plan["plan"]["conflicts"] == [
        {"key": "touchpoint:web", "field": "title", "base": "Website", "file": "Site (file)", "board": "Site (board)"}
    ]
    code, out, _ = cli("sync", *JOB)
    assert code == 3
    assert "conflicts resolve" in out
    assert board_text("touchpoint:web") == "Site (board)"  # the person's value is not overwritten
    assert find(file_journey(), "touchpoint:web").title == "Site (file)"
    assert any(t.title == "cjm-sync: conflict" for t in board().tags.values())
    (conflict,) = cli_json("conflicts")["conflicts"]
    assert (conflict["key"], conflict["field"], conflict["file"], conflict["board_value"]) == (
        "touchpoint:web",
        "title",
        "Site (file)",
        "Site (board)",
    )
    assert conflict["board_author"] == HUMAN
    code, _, err = cli("conflicts", "resolve", conflict["id"], "--take", take)
    assert code == 0, err
    code, out, err = cli("sync", *JOB)
    assert code == 0, out + err
    assert find(file_journey(), "touchpoint:web").title == winner
    assert board_text("touchpoint:web") == winner
    assert cli_json("conflicts")["conflicts"] == []
    assert cli_json("sync", *JOB)["board_writes"] == 0


def test_an_unresolved_conflict_keeps_exiting_3_without_writing(synced: Path) -> None:
    _conflicting_titles()
    assert cli("sync", *JOB)[0] == 3
    report = cli_json("sync", *JOB, expect=3)
    assert report["board_writes"] == 0
    assert len(report["conflict_ids"]) == 1
    assert all(v != "new" for v in report["conflict_ids"].values())


def test_deleted_on_the_board_disappears_from_the_file_and_never_comes_back(synced: Path) -> None:
    stale = JOURNEY.read_bytes()
    as_person(lambda human, mapped: human.delete_item(BOARD, mapped["pain_point:slow"]))
    assert cli("sync", *JOB)[0] == 0
    assert find(file_journey(), "pain_point:slow") is None
    assert cli_json("sync", *JOB)["board_writes"] == 0
    JOURNEY.write_bytes(stale)  # a stale copy of the file (e.g. an old checkout) still has it
    report = cli_json("sync", *JOB)
    assert any("pain_point:slow" in d for d in report["dropped"])
    assert find(file_journey(), "pain_point:slow") is None
    assert "pain_point:slow" not in ids()
    assert not [i for i in board().items.values() if "Too slow" in str(i.data.get("content"))]


def test_deleted_on_one_side_edited_on_the_other_is_a_conflict_and_nothing_is_lost(synced: Path) -> None:
    as_person(lambda human, mapped: human.delete_item(BOARD, mapped["note:n1"]))
    edit_file(lambda j: set_field(j, "note:n1", "text", "Is it cheap enough?"))
    as_person(lambda human, mapped: human.update_item(BOARD, mapped["touchpoint:cart"], data={"title": "Basket"}))
    edit_file(lambda j: j.touchpoints.__setitem__(2, j.touchpoints[2].model_copy(update={"title": "カート"})))
    code, _, _ = cli("sync", *JOB)
    assert code == 3
    assert find(file_journey(), "note:n1").text == "Is it cheap enough?"
    (conflict,) = cli_json("conflicts")["conflicts"]
    assert (conflict["key"], conflict["field"], conflict["board_value"]) == ("note:n1", None, None)
    assert conflict["file"]["text"] == "Is it cheap enough?"
    assert find(file_journey(), "touchpoint:cart").title == "Basket"


def test_plan_json_lists_exactly_the_operations_sync_performs(synced: Path) -> None:
    as_person(lambda human, mapped: human.update_item(BOARD, mapped["touchpoint:cart"], data={"title": "Basket"}))
    edit_file(lambda j: set_field(j, "touchpoint:ad", "title", "Ad (file)"))
    edit_file(lambda j: j.pain_points.pop())
    plan = cli_json("plan", *JOB)
    assert plan["board_writes"] == 0
    assert not plan["applied"]
    done = cli_json("sync", *JOB)
    assert done["plan"]["board"] == plan["plan"]["board"]
    assert done["plan"]["file"] == plan["plan"]["file"]
    assert done["board_writes"] == len(plan["plan"]["board"]) > 0
    store = SQLiteStateStore.open(".cjm-sync/state.db")
    try:
        journal = store.journal(done["run_id"])
    finally:
        store.close()
    assert [{k: v for k, v in e.op.items() if k != "payload"} for e in journal] == plan["plan"]["board"]
    assert {(c["key"], c["change"]) for c in plan["plan"]["file"]} == {("touchpoint:cart", "update")}


def test_a_second_concurrent_run_fails_clearly_unless_it_waits(synced: Path) -> None:
    store = open_store(".cjm-sync/state.db")
    try:
        lock = store.acquire_lock("trip", "alice@laptop:sync")
        code, _, err = cli("sync", *JOB)
        assert code == 1
        assert "being synced" in err
        assert "--wait" in err
        threading.Timer(0.3, lock.release).start()
        started = time.monotonic()
        code, _, err = cli("sync", *JOB, "--wait", "--wait-timeout", "10")
        assert code == 0, err
        assert time.monotonic() - started >= 0.25
    finally:
        store.close()


def test_a_file_edited_during_the_sync_is_kept_and_merged_next_run(
    synced: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_person(lambda human, mapped: human.update_item(BOARD, mapped["touchpoint:cart"], data={"title": "Basket"}))
    real_apply = MiroConnector.apply

    def apply_while_user_saves(self: MiroConnector, *args: Any, **kwargs: Any) -> Any:
        result = real_apply(self, *args, **kwargs)
        JOURNEY.write_text(JOURNEY.read_text(encoding="utf-8").replace("Too slow", "Far too slow"), encoding="utf-8")
        return result

    monkeypatch.setattr(MiroConnector, "apply", apply_while_user_saves)
    edit_file(lambda j: set_field(j, "touchpoint:ad", "title", "Ad (file)"))
    code, _, err = cli("sync", *JOB)
    assert code == 1
    assert "changed on disk during the run" in err
    assert find(file_journey(), "pain_point:slow").title == "Far too slow"
    monkeypatch.setattr(MiroConnector, "apply", real_apply)
    code, _, err = cli("sync", *JOB)
    assert code == 0, err
    journey = file_journey()
    assert find(journey, "pain_point:slow").title == "Far too slow"
    assert find(journey, "touchpoint:cart").title == "Basket"
    assert board_text("pain_point:slow") == "Far too slow"
    assert board_text("touchpoint:ad") == "Ad (file)"
    assert cli_json("sync", *JOB)["board_writes"] == 0


def test_status_log_and_restore(synced: Path) -> None:
    as_person(lambda human, mapped: human.update_item(BOARD, mapped["touchpoint:ad"], data={"title": "Ad (board)"}))
    assert cli("sync", *JOB)[0] == 0
    status = cli_json("status", "--journey", str(JOURNEY))
    (entry,) = status["journeys"]
    assert entry["journey"] == "trip"
    assert entry["open_conflicts"] == 0
    assert [r["outcome"] for r in entry["runs"]] == ["ok", "ok"]
    changes = cli_json("log", "--journey", str(JOURNEY))["changes"]
    (taken,) = [c for c in changes if c["key"] == "touchpoint:ad" and c["field"] == "title" and c["side"] == "file"]
    assert (taken["old"], taken["new"], taken["author"]) == ("Ad", "Ad (board)", HUMAN)
    code, _, err = cli("restore", taken["id"])
    assert code == 0, err
    assert find(file_journey(), "touchpoint:ad").title == "Ad"
    assert cli("sync", *JOB)[0] == 0
    assert board_text("touchpoint:ad") == "Ad"
    assert cli_json("sync", *JOB)["board_writes"] == 0


PLAN_SNAPSHOT = """\
trip ⇄ miro:uXjVcli= (plan)
Board:
  + create tag:cjm-sync: conflict (tag)
  ~ update touchpoint:ad (app_card)
      data.title: "Ad" → "Ad on the metro"
  ~ tag badge:cart (tag)
File:
  - delete note:n2
  ~ update touchpoint:web
      title: "Website" → "Site 网站"
Conflicts:
  ! conflict touchpoint:cart title
      base:  "カート"
      file:  "Basket (file)"
      board: "Basket (board)"

Plan: 1 to create, 2 to update, 0 to delete on the board; 0 to create, 1 to update, 1 to delete in the file; 1 conflict.
"""


def _plan_scenario() -> tuple[int, str, str]:
    def person(human: HumanSession, mapped: dict[str, str]) -> None:
        human.update_item(BOARD, mapped["touchpoint:web"], data={"title": "Site 网站"})
        human.update_item(BOARD, mapped["touchpoint:cart"], data={"title": "Basket (board)"})
        human.delete_item(BOARD, mapped["note:n2"])

    def change(journey: Journey) -> None:
        set_field(journey, "touchpoint:ad", "title", "Ad on the metro")
        set_field(journey, "touchpoint:cart", "title", "Basket (file)")
        set_field(journey, "pain_point:slow", "severity", 8)  # file-only field: nothing to do on the board

    as_person(person)
    edit_file(change)
    return cli("plan", *JOB)


def test_plan_output_snapshot(synced: Path) -> None:
    code, out, _ = _plan_scenario()
    assert code == 0  # a plan changes nothing, so open conflicts are not an error yet
    assert out[: len(PLAN_SNAPSHOT)] == PLAN_SNAPSHOT
    assert cli_json("plan", *JOB)["plan"]["summary"] == {
        "board": {"create": 1, "update": 2, "delete": 0},
        "file": {"create": 0, "update": 1, "delete": 1},
        "conflicts": 1,
    }


def test_plan_does_not_suggest_resolving_a_conflict_that_has_no_id_yet(synced: Path) -> None:
    _, out, _ = _plan_scenario()
    assert "conflicts resolve new" not in out


def test_take_base_restores_an_empty_base_value(synced: Path) -> None:
    as_person(lambda h, m: h.update_item(BOARD, m["touchpoint:web"], data={"description": "Board says"}))
    edit_file(lambda j: set_field(j, "touchpoint:web", "description", "File says"))
    assert cli("sync", *JOB)[0] == 3
    (conflict,) = cli_json("conflicts")["conflicts"]
    code, _, err = cli("conflicts", "resolve", conflict["id"], "--take", "base")
    assert code == 0, err
    assert cli("sync", *JOB)[0] == 0
    assert find(file_journey(), "touchpoint:web").description is None


def _board_snapshot() -> dict[str, Any]:
    return {i: (it.data, it.x, it.y, it.modified_at) for i, it in board().items.items()}


def test_a_read_only_journey_file_stops_the_sync_before_any_board_write(synced: Path) -> None:
    """A file nobody may write (no write bits: refused even for root) is never replaced, and a run that
    could not save it writes nothing to the board: no half-applied run for the next one to untangle."""
    as_person(lambda human, mapped: human.update_item(BOARD, mapped["touchpoint:ad"], data={"title": "Ad 广告"}))
    edit_file(lambda j: set_field(j, "touchpoint:web", "description", "Edited in the file"))
    before, data = _board_snapshot(), JOURNEY.read_bytes()
    JOURNEY.chmod(0o444)
    try:
        code, _, err = cli("sync", *JOB)
        assert code == 2
        assert f"cannot access {JOURNEY}: the file is read-only" in err
        assert _board_snapshot() == before  # the file edit was not pushed either
        assert JOURNEY.read_bytes() == data
    finally:
        JOURNEY.chmod(0o644)
    code, _, err = cli("sync", *JOB)
    assert code == 0, err
    assert find(file_journey(), "touchpoint:ad").title == "Ad 广告"
    assert "Edited in the file" in board().items[ids()["touchpoint:web"]].data["description"]
    assert cli_json("sync", *JOB)["board_writes"] == 0


def test_a_folder_the_file_cannot_be_replaced_in_stops_the_sync_before_any_board_write(
    synced: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edit_file(lambda j: set_field(j, "touchpoint:web", "description", "Edited in the file"))
    as_person(lambda human, mapped: human.update_item(BOARD, mapped["touchpoint:ad"], data={"title": "Ad 广告"}))
    before = _board_snapshot()
    real_access = os.access
    folder = JOURNEY.parent

    def access(path: Any, mode: int, **kwargs: Any) -> bool:  # the folder is read-only (root ignores modes)
        return False if Path(path) == folder and mode & os.W_OK else real_access(path, mode, **kwargs)

    monkeypatch.setattr(os, "access", access)
    code, _, err = cli("sync", *JOB)
    assert code == 2
    assert "its folder . is not writable" in err
    assert _board_snapshot() == before
