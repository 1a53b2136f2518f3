"""A realistic session of the Miro connector against the in-process sandbox, with every request recorded.

:func:`record_scenario` drives the real :class:`~connectors.miro.connector.MiroConnector` through the
sync engine (initial push of the shipped example journey, people editing the board, a sync that updates,
deletes, tags, untags, re-captions connectors and flags a conflict, a pull, an import of a hand-drawn
board) and returns every HTTP request it sent, byte for byte, so that they can be replayed elsewhere.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import httpx
from pydantic import SecretStr

from cjm_sync.engine.cycle import SyncEngine, SyncRequest
from cjm_sync.files import load_journey, render_journey
from cjm_sync.schema import Channel, Connection, Emotion, Note, PainPoint, Touchpoint
from cjm_sync.state import open_store
from connectors.miro.connector import MiroConnector
from connectors.miro.importer import import_board
from connectors.miro.mapping import MOMENT_OF_TRUTH_TAG
from connectors.miro.sandbox import ManualClock, MiroSandbox
from connectors.miro.settings import MiroSettings

BOARD = "uXjVprism="
HAND_DRAWN_BOARD = "uXjVhand="
HUMAN = "3458764599999999999"
TOKEN = "x"  # the bearer token sent (Prism takes any)


@dataclass(frozen=True)
class Recorded:
    """One request exactly as the connector put it on the wire, plus the sandbox's status."""

    step: str
    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...]
    body: bytes
    status: int

    @property
    def label(self) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.query)
        return f"[{self.step}] {self.method} {self.path}{'?' + query if query else ''}"


class RecordingTransport(httpx.BaseTransport):
    """Forward to ``inner`` and remember every request (the step name is set by the scenario)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.step = "setup"
        self.requests: list[Recorded] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        response = self.inner.handle_request(request)
        self.requests.append(
            Recorded(
                step=self.step,
                method=request.method,
                path=request.url.path,
                query=tuple(request.url.params.multi_items()),
                headers=tuple((k.lower(), v) for k, v in request.headers.items()),
                body=body,
                status=response.status_code,
            )
        )
        return response

    def close(self) -> None:
        self.inner.close()


def _human_edits(sandbox: MiroSandbox, ids: dict[str, str]) -> None:
    """What people do between syncs: retitle, move, delete, add, tag, disconnect."""
    human = sandbox.as_user(HUMAN)
    board = sandbox.store.board(BOARD)
    human.update_item(BOARD, ids["touchpoint:pricing-page"], data={"title": "Compares the plans · 比较套餐"})
    human.update_item(BOARD, ids["touchpoint:cancel-flow"], data={"title": "Tries to cancel online"})
    sticky = board.items[ids["pain_point:hard-to-cancel"]]
    header = board.items[ids["stage:purchase"]]
    human.move_item(BOARD, sticky.id, header.x, sticky.y, parent_id=sticky.parent_id)
    human.delete_item(BOARD, ids["note:compares-competitors"])
    pain = board.items[ids["pain_point:unclear-pricing"]]
    human.create_item(
        BOARD,
        "sticky_note",
        data={"content": "<p>Trial too short · 试用期太短</p>"},
        style={"fillColor": "red"},
        position={"x": pain.x + 260, "y": pain.y},
        parent_id=pain.parent_id,
    )
    mot = next(t for t in board.tags.values() if t.title == MOMENT_OF_TRUTH_TAG)
    human.tag_item(BOARD, ids["badge:onboarding-email"], mot.id)
    line = ids["connection:signup-form->onboarding-email"]
    human.delete_connector(BOARD, line)


def _file_edits(path: Path) -> None:
    """What the journey owner changes in the file meanwhile (one change collides with the board)."""
    loaded = load_journey(path)
    j = loaded.journey.model_copy(deep=True)
    stages = {s.id: s for s in j.stages}
    stages["trial"].title = "Free trial · 免费试用"
    tps = {t.id: t for t in j.touchpoints}
    tps["cancel-flow"].title = "Cancels by phone"  # the board retitled it too: a conflict
    tps["pricing-page"].connections = [Connection(to="signup-form", label="clicks “Start trial”")]
    tps["social-ad"].channel = Channel.WEB
    tps["signup-form"].moment_of_truth = True
    tps["sales-call"].moment_of_truth = False
    tps["cancel-flow"].emotion = Emotion(score=-1, label="annoyed")
    j.touchpoints = [t for t in j.touchpoints if t.id != "onboarding-email"]
    tps["signup-form"].connections = [Connection(to="activation-chat")]
    j.touchpoints.append(
        Touchpoint(
            id="activation-chat",
            title="Asks the in-app chat for help · 咨询客服",
            stage="trial",
            channel=Channel.CHAT,
            emotion=Emotion(score=1, label="helped"),
            connections=[Connection(to="sales-call", label="hand-over")],
        )
    )
    j.pain_points = [p for p in j.pain_points if p.id != "unclear-pricing"]
    j.opportunities = []
    j.pain_points.append(PainPoint(id="no-sso", title="No single sign-on on the trial", stage="trial"))
    lanes = [lane.id for lane in j.lanes if lane.kind.value in ("actions", "thoughts")]
    j.notes += [  # enough new stickies for a second bulk call and a second page of items
        Note(id=f"workshop-{i}", lane=lanes[i % 2], stage=j.stages[i % 5].id, text=f"Workshop note {i} · 工作坊")
        for i in range(24)
    ]
    path.write_text(render_journey(j), encoding="utf-8")


def _hand_drawn_board(sandbox: MiroSandbox) -> None:
    """A board someone drew by hand: a frame, stage headers, lane labels and stickies in the cells."""
    human = sandbox.as_user(HUMAN)
    frame = human.create_item(
        HAND_DRAWN_BOARD,
        "frame",
        data={"title": "Checkout journey", "format": "custom", "type": "freeform"},
        position={"x": 0, "y": 0},
        geometry={"width": 2000, "height": 1200},
    )
    fid = str(frame["id"])
    for i, title in enumerate(["Browse", "Cart · 购物车", "Pay"]):
        human.create_item(
            HAND_DRAWN_BOARD,
            "shape",
            data={"content": title, "shape": "round_rectangle"},
            position={"x": 500 + 450 * i, "y": 80},
            geometry={"width": 300, "height": 80},
            parent_id=fid,
        )
    for j, label in enumerate(["Touchpoints", "Pain points", "Thoughts"]):
        human.create_item(
            HAND_DRAWN_BOARD,
            "shape",
            data={"content": label, "shape": "rectangle"},
            position={"x": 150, "y": 300 + 250 * j},
            geometry={"width": 200, "height": 100},
            parent_id=fid,
        )
        for i in range(3):
            human.create_item(
                HAND_DRAWN_BOARD,
                "sticky_note",
                data={"content": f"<p>{label} {i} · 便签</p>"},
                position={"x": 500 + 450 * i, "y": 300 + 250 * j},
                parent_id=fid,
            )


def record_scenario(workdir: Path) -> list[Recorded]:
    """Run the whole session in ``workdir`` and return every request the connector sent."""
    clock = ManualClock()
    sandbox = MiroSandbox(clock=clock)
    sandbox.create_board("Trial sign-up", BOARD)
    sandbox.create_board("Checkout", HAND_DRAWN_BOARD)
    recorder = RecordingTransport(sandbox.transport())
    journey = workdir / "trial-signup.yaml"
    with resources.as_file(resources.files("cjm_sync") / "examples" / "trial-signup.yaml") as example:
        shutil.copyfile(example, journey)
    store = open_store(workdir / "state.db")
    connector = MiroConnector(MiroSettings(access_token=SecretStr(TOKEN), board_id=BOARD), transport=recorder)
    engine = SyncEngine(store, connector, author="prism-check")
    try:
        recorder.step = "initial push"
        engine.run(SyncRequest(journey, BOARD, command="push", write_file=False))
        clock.advance(60)
        ids = store.get_id_map("trial-signup", "miro", BOARD)
        _human_edits(sandbox, ids)
        clock.advance(60)
        _file_edits(journey)
        recorder.step = "sync"
        engine.run(SyncRequest(journey, BOARD))
        clock.advance(60)
        recorder.step = "no-op sync"
        engine.run(SyncRequest(journey, BOARD))
        clock.advance(60)
        ids = store.get_id_map("trial-signup", "miro", BOARD)
        sandbox.as_user(HUMAN).update_item(BOARD, ids["touchpoint:sales-call"], data={"title": "Books a demo"})
        clock.advance(60)
        recorder.step = "pull"
        engine.run(SyncRequest(journey, BOARD, command="pull", write_board=False))
        _hand_drawn_board(sandbox)
        recorder.step = "import"
        import_board(connector.client(HAND_DRAWN_BOARD), HAND_DRAWN_BOARD)
    finally:
        connector.close()
        store.close()
    return recorder.requests
