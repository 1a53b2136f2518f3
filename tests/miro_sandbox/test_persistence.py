"""One persisted store: every sandbox opened on the same file (server, ``--sandbox`` runs, people) sees one board.

Issue 7: ``cjm-sync sandbox miro`` never saved its boards, so a later ``--sandbox`` run worked from a
stale copy. Now each request reloads what others changed and saves its own change under a file lock.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import httpx
from sandbox_helpers import BOARD

from connectors.miro.sandbox import MiroSandbox

BOARD_ID = BOARD.rsplit("/", 1)[1]
AUTH = {"Authorization": "Bearer t"}


def client(sandbox: MiroSandbox) -> httpx.Client:
    return httpx.Client(transport=sandbox.transport(), base_url="https://api.miro.com", headers=AUTH)


def test_every_change_is_saved_at_once_and_seen_by_other_openers(tmp_path: Path) -> None:
    path = tmp_path / "sandbox-miro.json"
    first = MiroSandbox.open(path, auto_create_boards=False)
    first.create_board(board_id=BOARD_ID)
    with client(first) as c:
        note = c.post(f"{BOARD}/sticky_notes", json={"data": {"content": "one"}}).json()
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert [b["id"] for b in saved["boards"]] == [BOARD_ID]
    second = MiroSandbox.open(path, auto_create_boards=False)
    second.as_user("3458764599999999999").update_item(BOARD_ID, note["id"], data={"content": "two"})
    with client(first) as c:
        seen = c.get(f"{BOARD}/sticky_notes/{note['id']}").json()
    assert seen["data"]["content"] == "two"
    assert seen["modifiedBy"]["id"] == "3458764599999999999"
    assert list(tmp_path.glob(".sandbox-miro.json.*.tmp")) == []  # atomic writes leave no temp files


def test_the_loopback_server_and_in_process_runs_share_the_store(tmp_path: Path) -> None:
    path = tmp_path / "sandbox-miro.json"
    in_process = MiroSandbox.open(path, auto_create_boards=False)
    in_process.create_board(board_id=BOARD_ID)
    with MiroSandbox.open(path, auto_create_boards=False).serve() as server:
        with httpx.Client(base_url=server.base_url, headers=AUTH) as http:
            served = http.post(f"{BOARD}/cards", json={"data": {"title": "via the server"}}).json()
        with client(in_process) as c:
            assert c.get(f"{BOARD}/cards/{served['id']}").json()["data"]["title"] == "via the server"
            local = c.post(f"{BOARD}/cards", json={"data": {"title": "in process"}}).json()
        with httpx.Client(base_url=server.base_url, headers=AUTH) as http:
            assert http.get(f"{BOARD}/cards/{local['id']}").status_code == 200
    assert served["id"] != local["id"]  # one id sequence across the processes


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "sandbox-miro.json"
    MiroSandbox.open(path).create_board(board_id=BOARD_ID)
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            with client(MiroSandbox.open(path)) as c:
                for n in range(15):
                    answer = c.post(f"{BOARD}/sticky_notes", json={"data": {"content": f"{name}-{n}"}})
                    assert answer.status_code == 201
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("a", "b", "c")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    items = json.loads(path.read_text(encoding="utf-8"))["boards"][0]["items"]
    assert len(items) == 45
    assert len({i["id"] for i in items.values()}) == 45


def test_reads_do_not_rewrite_the_file(tmp_path: Path) -> None:
    path = tmp_path / "sandbox-miro.json"
    sandbox = MiroSandbox.open(path)
    sandbox.create_board(board_id=BOARD_ID)
    before = path.stat().st_mtime_ns
    with client(sandbox) as c:
        assert c.get(f"{BOARD}/items").status_code == 200
    assert path.stat().st_mtime_ns == before
