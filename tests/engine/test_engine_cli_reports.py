"""What the CLI tells a person about the state it keeps (issue 8): reading commands in a folder never
synced say so and create nothing; a conflict resolved with --sync syncs its own journey; items adopted
after the state store was lost are reported as adopted; a touchpoint id changed by hand is named as a
likely rename; the log shows no empty rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_runner import cli, cli_json
from engine_support import base_journey, set_field, write_journey

from cjm_sync.files import load_journey
from cjm_sync.schema import Journey
from cjm_sync.state import open_store
from connectors.miro.sandbox import MiroSandbox

BOARD = "uXjVreports="
HUMAN = "3458764599999999999"
JOURNEY = Path("trip.yaml")
JOB = ["--journey", str(JOURNEY), "--board", BOARD, "--sandbox"]


@pytest.fixture
def here(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(workdir)
    monkeypatch.delenv("CJM_SYNC_CONFIG", raising=False)
    monkeypatch.delenv("CJM_STATE_URL", raising=False)
    write_journey(JOURNEY, base_journey())
    return workdir


@pytest.fixture
def synced(here: Path) -> Path:
    code, _, err = cli("sync", *JOB)
    assert code == 0, err
    return here


@pytest.mark.parametrize("command", [["status"], ["log"], ["conflicts"], ["status", "--journey", "trip.yaml"]])
def test_reading_commands_in_a_folder_never_synced_create_nothing(here: Path, command: list[str]) -> None:
    code, out, err = cli(*command)
    assert code == 0, err
    assert not (here / ".cjm-sync").exists()
    assert "no " in out or "never synced" in out


def test_status_of_a_journey_never_synced_says_so(synced: Path) -> None:
    other = Path("other.yaml")
    write_journey(other, base_journey().model_copy(update={"id": "other"}))
    code, out, _ = cli("status", "--journey", str(other))
    assert code == 0
    assert "other: never synced" in out
    data = cli_json("status", "--journey", str(other))
    assert data["journeys"] == [{"journey": "other", "synced": False, "open_conflicts": 0, "runs": []}]
    assert cli_json("status", "--journey", str(JOURNEY))["journeys"][0]["synced"] is True


def test_resolve_with_sync_syncs_the_conflicts_own_journey(synced: Path) -> None:
    sandbox = MiroSandbox.open(Path(".cjm-sync/sandbox-miro.json"))
    store = open_store(".cjm-sync/state.db")
    try:
        card = store.get_id_map("trip", "miro", BOARD)["touchpoint:web"]
    finally:
        store.close()
    sandbox.as_user(HUMAN).update_item(BOARD, card, data={"title": "Site (board)"})
    journey = load_journey(JOURNEY).journey.model_copy(deep=True)
    set_field(journey, "touchpoint:web", "title", "Site (file)")
    write_journey(JOURNEY, Journey.model_validate(journey.model_dump(warnings=False)))
    assert cli("sync", *JOB)[0] == 3
    (conflict,) = cli_json("conflicts")["conflicts"]
    code, out, err = cli("conflicts", "resolve", conflict["id"], "--take", "board", "--sync", "--sandbox")
    assert code == 0, out + err
    assert "no journey given" not in out + err
    assert "Site (board)" in JOURNEY.read_text(encoding="utf-8")
    assert cli_json("sync", *JOB)["board_writes"] == 0  # the --sync already brought both sides together


def test_after_the_state_store_is_lost_existing_items_are_adopted_and_said_so(synced: Path) -> None:
    for path in Path(".cjm-sync").glob("state.db*"):
        path.unlink()
    report = cli_json("sync", *JOB)
    assert report["plan"]["summary"]["board"]["create"] == 0  # nothing drawn twice
    assert report["unplaced"] == []  # the adopted items are not "left alone"
    assert any(note.startswith("adopted ") for note in report["notes"])
    again = cli_json("sync", *JOB)
    assert not any(note.startswith("adopted ") for note in again["notes"])


def test_a_touchpoint_id_changed_by_hand_is_named_as_a_likely_rename(synced: Path) -> None:
    text = JOURNEY.read_text(encoding="utf-8")
    assert "id: web\n" in text
    JOURNEY.write_text(text.replace("id: web\n", "id: website\n").replace("to: web\n", "to: website\n"), "utf-8")
    plan = cli_json("plan", *JOB)
    assert {"side": "file", "from": "touchpoint:web", "to": "touchpoint:website"} in plan["plan"]["renames"]
    code, out, _ = cli("plan", *JOB)
    assert code == 0
    assert "likely rename: touchpoint:web → touchpoint:website" in out
    JOURNEY.write_text(text, "utf-8")
    assert cli_json("plan", *JOB)["plan"]["renames"] == []


def test_the_log_shows_no_rows_without_values(synced: Path) -> None:
    store = open_store(".cjm-sync/state.db")
    try:
        changes = store.changes("trip", limit=1000)
    finally:
        store.close()
    logged = cli_json("log", "--limit", "1000")["changes"]
    assert all(not (c["old"] is None and c["new"] is None) for c in logged)
    assert len(logged) == len([c for c in changes if not (c.old is None and c.new is None)])


def test_the_log_names_the_person_who_edited_the_board(synced: Path) -> None:
    sandbox = MiroSandbox.open(Path(".cjm-sync/sandbox-miro.json"))
    store = open_store(".cjm-sync/state.db")
    try:
        card = store.get_id_map("trip", "miro", BOARD)["touchpoint:web"]
    finally:
        store.close()
    sandbox.as_user(HUMAN, name="Li Na 李娜").update_item(BOARD, card, data={"title": "Our website"})
    assert cli("sync", *JOB)[0] == 0
    logged = [c for c in cli_json("log")["changes"] if c["key"] == "touchpoint:web" and c["side"] == "file"]
    assert [(c["field"], c["new"], c["author"]) for c in logged] == [("title", "Our website", "Li Na 李娜")]
    code, out, _ = cli("log")
    assert code == 0
    assert "Li Na 李娜" in out
