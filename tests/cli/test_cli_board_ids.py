"""One board id, however it is spelled: CLI flag, config, environment and state rows agree on one board.

Issue 7: ``--board uXjVbase0001%3D`` (how Miro's links and SDK spell ids ending in ``=``) used to be a
different board for the state store: the person's edits were not pulled and the next push duplicated a
card, its badge and its emotion point. Unknown boards get Miro's 404 from the sandbox.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from contextlib import closing
from importlib.resources import files
from pathlib import Path
from typing import Any

import click
import httpx
import pytest
from click.testing import CliRunner

from cjm_sync.cli.main import main
from cjm_sync.plugins.targets import InvalidTarget, normalise_target, path_segment
from cjm_sync.state import SQLiteStateStore, open_store
from connectors.miro.sandbox import HumanSession, MiroSandbox

BOARD = "uXjVbase0001="


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def cli_main(ctx: click.Context) -> None:
    main(list(ctx.args))


SANDBOX = Path(".cjm-sync/sandbox-miro.json")
PERSON = "3458764599999999999"


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """``cjm-sync args`` through the real error boundary: (exit code, stdout + stderr)."""
    result = CliRunner().invoke(cli_main, list(args), env=env)
    return result.exit_code, result.output


def ids(board: str = BOARD) -> dict[str, str]:
    store = open_store(".cjm-sync/state.db")
    try:
        return store.get_id_map("trial-signup", "miro", board)
    finally:
        store.close()


def as_person(edit: Callable[[HumanSession, dict[str, str]], None]) -> None:
    sandbox = MiroSandbox.load(json.loads(SANDBOX.read_text(encoding="utf-8")))
    edit(sandbox.as_user(PERSON), ids())
    SANDBOX.write_text(json.dumps(sandbox.dump(), ensure_ascii=False), encoding="utf-8")


def boards() -> dict[str, Any]:
    return {b["id"]: b for b in json.loads(SANDBOX.read_text(encoding="utf-8"))["boards"]}


@pytest.fixture
def synced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example journey synced once to ``uXjVbase0001=`` on the persisted sandbox."""
    monkeypatch.chdir(tmp_path)
    journey = tmp_path / "j.yaml"
    journey.write_text(files("cjm_sync").joinpath("examples/trial-signup.yaml").read_text("utf-8"), "utf-8")
    code, output = run("sync", "--journey", "j.yaml", "--board", BOARD, "--sandbox")
    assert code == 0, output
    return journey


@pytest.mark.parametrize(
    "spelling", ["uXjVbase0001%3D", "uXjVbase0001%253D", "https://miro.com/app/board/uXjVbase0001=/"]
)
def test_an_encoded_board_id_is_the_same_board(synced: Path, spelling: str) -> None:
    def edit(person: HumanSession, mapped: dict[str, str]) -> None:
        person.update_item(BOARD, mapped["pain_point:unclear-pricing"], data={"content": "<p>Edited on the board</p>"})
        person.update_item(BOARD, mapped["touchpoint:sales-call"], data={"title": "Video call"})

    as_person(edit)
    items_before = len(boards()[BOARD]["items"])
    code, output = run("sync", "--journey", "j.yaml", "--board", spelling, "--sandbox", "--json")
    assert code == 0, output
    report = json.loads(output)
    assert report["board"] == BOARD
    assert [op for op in report["plan"]["board"] if op["op"] == "create"] == []
    text = synced.read_text(encoding="utf-8")
    assert "Edited on the board" in text
    assert "title: Video call" in text
    assert list(boards()) == [BOARD]
    assert len(boards()[BOARD]["items"]) == items_before


def test_config_and_environment_spellings_are_normalised(synced: Path) -> None:
    Path("cjm-sync.toml").write_text(
        '[[journeys]]\npath = "j.yaml"\nboard = { connector = "miro", target = "uXjVbase0001%3D" }\n', "utf-8"
    )
    code, output = run("plan", "--sandbox", "--json")
    assert code == 0, output
    assert json.loads(output)["board"] == BOARD
    Path("cjm-sync.toml").unlink()
    store = open_store(".cjm-sync/state.db")
    store.set_memo("trial-signup", "miro", "*", {})  # forget the remembered board: the environment names it
    store.close()
    code, output = run(
        "plan", "--journey", "j.yaml", "--sandbox", "--json", env={"CJM_MIRO_BOARD_ID": "uXjVbase0001%3D"}
    )
    assert code == 0, output
    plan = json.loads(output)
    assert plan["board"] == BOARD
    assert plan["plan"]["board"] == []


def test_a_config_target_that_is_no_board_id_names_the_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("cjm-sync.toml").write_text('[[journeys]]\npath = "j.yaml"\nboard = { target = "a/b" }\n', "utf-8")
    code, output = run("plan", "--sandbox")
    assert code == 2
    assert "journeys[0].board.target" in output


def test_pull_from_a_board_that_does_not_exist_is_a_clear_error(synced: Path) -> None:
    before = synced.read_text(encoding="utf-8")
    code, output = run("pull", "--journey", "j.yaml", "--board", "uXjVnosuch=", "--sandbox")
    assert code == 2
    assert "board 'uXjVnosuch=' not found" in output
    assert synced.read_text(encoding="utf-8") == before
    assert list(boards()) == [BOARD]  # reading never creates a board


@pytest.mark.parametrize("bad", ["", "a/b", "x y", "%zz", "https://miro.com/app/"])
def test_what_cannot_be_a_board_id_is_refused(bad: str) -> None:
    with pytest.raises(InvalidTarget):
        normalise_target(bad)


def test_ids_are_encoded_exactly_once_in_paths() -> None:
    assert path_segment(normalise_target("uXjV%2Bx%3D")) == "uXjV+x="
    assert normalise_target(" uXjVOfjkmAk%3D ") == "uXjVOfjkmAk="


def test_state_rows_under_an_encoded_id_are_re_keyed(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    old = SQLiteStateStore.open(path, upto=2)
    old.set_id("j", "miro", "uXjVa%3D", "touchpoint:a", "1")
    old.replace_base("j", "miro", "uXjVa%3D", {"touchpoint:a": {"title": "A"}})
    old.set_memo("j", "miro", "uXjVa%3D", {"modified": {}})
    old.set_memo("j", "miro", "uXjVa%3D#before-writes", {})
    old.set_memo("j", "miro", "*", {"last_target": "uXjVa%3D"})
    # both spellings hold state for board b: the one written last wins
    old.set_id("j", "miro", "uXjVb=", "touchpoint:a", "old")
    old.set_memo("j", "miro", "uXjVb=", {"v": "older"})
    old.set_id("j", "miro", "uXjVb%3D", "touchpoint:a", "new")
    old.set_memo("j", "miro", "uXjVb%3D", {"v": "newer"})
    old.close()

    store = SQLiteStateStore.open(path)
    assert store.get_id_map("j", "miro", "uXjVa=") == {"touchpoint:a": "1"}
    assert store.get_base("j", "miro", "uXjVa=") == {"touchpoint:a": {"title": "A"}}
    assert store.get_memo("j", "miro", "*")["last_target"] == "uXjVa="
    assert store.get_id_map("j", "miro", "uXjVb=") == {"touchpoint:a": "new"}
    assert store.get_memo("j", "miro", "uXjVb=") == {"v": "newer"}
    store.close()
    with closing(sqlite3.connect(path)) as conn:
        targets = {row[0] for row in conn.execute("SELECT target FROM id_map UNION SELECT target FROM connector_memo")}
    assert not any("%" in t for t in targets)


def test_the_loopback_server_reads_one_board_and_answers_404_for_unknown_ones() -> None:
    sandbox = MiroSandbox(auto_create_boards=False)
    sandbox.create_board(board_id=BOARD)
    auth = {"Authorization": "Bearer t"}
    with sandbox.serve() as server:
        plain = httpx.get(f"{server.base_url}/v2/boards/{BOARD}", headers=auth)
        encoded = httpx.get(f"{server.base_url}/v2/boards/uXjVbase0001%3D", headers=auth)
        twice = httpx.get(f"{server.base_url}/v2/boards/uXjVbase0001%253D/items", headers=auth)
        unknown = httpx.get(f"{server.base_url}/v2/boards/uXjVnope=/items", headers=auth)
    assert plain.status_code == encoded.status_code == 200
    assert plain.json()["id"] == encoded.json()["id"] == BOARD
    assert twice.status_code == unknown.status_code == 404
    assert unknown.json()["type"] == "error"
    assert list(sandbox.store.boards) == [BOARD]


def test_miro_client_sends_the_board_id_once_encoded() -> None:
    from connectors.miro.client import MiroClient

    seen: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path)
        return httpx.Response(200, json={"data": [], "total": 0, "size": 0, "limit": 50, "links": {}})

    client = MiroClient("uXjVbase0001%3D", transport=httpx.MockTransport(handler))
    list(client.items())
    client.close()
    assert seen == [b"/v2/boards/uXjVbase0001=/items?limit=50"]
