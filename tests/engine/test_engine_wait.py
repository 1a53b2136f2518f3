"""``--wait`` reads the journey after it gets the lock (issue 7).

Before, a waiting run loaded the file first, waited, then pushed its stale title back over the board
edit the run before it had just merged into the file.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from engine_support import base_journey, write_journey
from pydantic import SecretStr

from cjm_sync.engine import SyncEngine, SyncReport, SyncRequest, cycle
from cjm_sync.files import load_journey
from cjm_sync.plugins import BoardRead, ConnectorState
from cjm_sync.state import SQLiteStateStore
from connectors.miro.connector import MiroConnector
from connectors.miro.richtext import to_text
from connectors.miro.sandbox import MiroSandbox
from connectors.miro.settings import MiroSettings

BOARD = "uXjVwait="
PERSON = "3458764599999999999"


class Setup:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / "trip.yaml"
        self.sandbox = MiroSandbox()
        self.sandbox.create_board("CJM", BOARD)

    def connector(self, cls: type[MiroConnector] = MiroConnector) -> MiroConnector:
        settings = MiroSettings(access_token=SecretStr("test-token"), board_id=BOARD)
        return cls(settings, transport=self.sandbox.transport())

    def sync(self, connector: MiroConnector | None = None, **request: Any) -> SyncReport:
        store = SQLiteStateStore.open(self.root / "state.db")
        connector = connector or self.connector()
        try:
            return SyncEngine(store, connector, author="tester").run(
                SyncRequest(journey_path=self.path, target=BOARD, **request)
            )
        finally:
            connector.close()
            store.close()

    def card_title(self, key: str) -> str:
        store = SQLiteStateStore.open(self.root / "state.db")
        try:
            item_id = store.get_id_map("trip", "miro", BOARD)[key]
        finally:
            store.close()
        return to_text(str(self.sandbox.store.board(BOARD).items[item_id].data["title"]))


@pytest.fixture
def setup(workdir: Path) -> Setup:
    env = Setup(workdir)
    write_journey(env.path, base_journey())
    env.sync()
    return env


def test_a_waiting_run_works_from_the_file_the_run_before_it_wrote(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SQLiteStateStore.open(setup.root / "state.db")
    card = store.get_id_map("trip", "miro", BOARD)["touchpoint:web"]
    store.close()
    setup.sandbox.as_user(PERSON).update_item(BOARD, card, data={"title": "Website (board)"})

    waiter_loaded = threading.Event()
    real_load = cycle.load_journey

    def load(path: Path) -> Any:
        loaded = real_load(path)
        if threading.current_thread().name == "waiter":
            waiter_loaded.set()
        return loaded

    monkeypatch.setattr(cycle, "load_journey", load)

    class Slow(MiroConnector):
        """The first run: holds the lock in its board read until the waiter has read the file."""

        def read(self, target: str, state: ConnectorState) -> BoardRead:
            waiter.start()
            assert waiter_loaded.wait(10)
            return super().read(target, state)

    reports: dict[str, SyncReport] = {}
    waiter = threading.Thread(
        target=lambda: reports.setdefault("waiter", setup.sync(wait=True, wait_timeout=30)), name="waiter"
    )
    first = setup.sync(setup.connector(Slow))
    waiter.join(30)
    assert first.file_written  # the board edit was merged into the file
    second = reports["waiter"]
    assert second.board_ops == []
    assert second.file_changes == []
    assert setup.card_title("touchpoint:web") == "Website (board)"
    titles = {tp.id: tp.title for tp in load_journey(setup.path).journey.touchpoints}
    assert titles["web"] == "Website (board)"
