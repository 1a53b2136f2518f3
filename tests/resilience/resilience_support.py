"""A world for the resilience suite: a journey file, a SQLite store and the Miro connector on an in-process
sandbox (manual clock) that may fail a share of its requests; commands run until they succeed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from cjm_sync.engine import SyncEngine, SyncRequest
from cjm_sync.errors import CjmSyncError
from cjm_sync.files import load_journey, render_journey
from cjm_sync.merge import flatten
from cjm_sync.merge.entities import carries, split_key
from cjm_sync.plugins import ConnectorState
from cjm_sync.schema import (
    Connection,
    Emotion,
    Journey,
    Lane,
    LaneKind,
    Note,
    Opportunity,
    PainPoint,
    Stage,
    Touchpoint,
)
from cjm_sync.state import SQLiteStateStore
from connectors.miro.connector import CARRIED, MiroConnector
from connectors.miro.sandbox import Fault, HumanSession, ManualClock, MiroSandbox
from connectors.miro.settings import MiroSettings

BOARD = "uXjVflaky="
PERSON = "3458764599999999999"
COMMANDS = {"push": (False, True), "pull": (True, False), "sync": (True, True)}
"""Command → (write_file, write_board)."""
FAULT_KINDS = (
    "429",
    "500",
    "502",
    "503",
    "timeout",
    "timeout:after-commit=true",
    "disconnect",
    "disconnect:after-commit=true",
)
"""Rate-limited, refused, lost before the server acted, and lost after the write was applied."""
LANES = (
    LaneKind.ACTIONS,
    LaneKind.TOUCHPOINTS,
    LaneKind.THOUGHTS,
    LaneKind.EMOTIONS,
    LaneKind.PAIN_POINTS,
    LaneKind.OPPORTUNITIES,
)


def fault_rules(rate: float) -> list[Fault]:
    """Rules that together fail about ``rate`` of the API requests, spread over :data:`FAULT_KINDS`."""
    share = 1 - (1 - rate) ** (1 / len(FAULT_KINDS))
    return [Fault.parse(f"{kind}{',' if ':' in kind else ':'}path=/v2/*,rate={share:.6f}") for kind in FAULT_KINDS]


def make_journey(touchpoints: int) -> Journey:
    """``touchpoints`` touchpoints over one stage per ten, one pain point per four, one opportunity per
    ten, one note per five, connections between neighbours, emotions on most; CJK text throughout."""
    stages = [Stage(id=f"s{i}", title=f"阶段 {i}") for i in range(max(3, touchpoints // 10))]
    tps = [
        Touchpoint(
            id=f"tp{i}",
            title=f"触点 {i} — フォーム",
            stage=stages[i * len(stages) // touchpoints].id,
            emotion=Emotion(score=(i % 5) - 2) if i % 4 != 3 else None,
            moment_of_truth=i % 7 == 0,
            connections=[Connection(to=f"tp{i + 1}")] if i % 3 == 0 and i + 1 < touchpoints else [],
        )
        for i in range(touchpoints)
    ]
    return Journey(
        id="flaky",
        title="Flaky network · 网络",
        stages=stages,
        lanes=[Lane(id=kind.value.replace("_", "-"), kind=kind) for kind in LANES],
        touchpoints=tps,
        pain_points=[
            PainPoint(id=f"pp{i}", title=f"痛点 {i}", stage=tps[i * 4].stage) for i in range(max(1, touchpoints // 4))
        ],
        opportunities=[
            Opportunity(id=f"op{i}", title=f"机会 {i}", stage=tps[i * 10].stage)
            for i in range(max(1, touchpoints // 10))
        ],
        notes=[
            Note(id=f"n{i}", lane="thoughts", stage=tps[i * 5].stage, text=f"笔记 {i}")
            for i in range(max(1, touchpoints // 5))
        ],
    )


@dataclass
class World:
    """One journey against one sandbox board; ``faults`` = share of requests that fail (0: fault-free)."""

    root: Path
    journey: Journey
    faults: float = 0.0
    seed: int = 0
    runs: list[tuple[str, int]] = field(default_factory=list)
    """(command, runs it took to succeed) for every command run so far."""

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True)
        self.path = self.root / "journey.yaml"
        self.path.write_text(render_journey(self.journey), encoding="utf-8")
        self.clock = ManualClock()
        self.sandbox = MiroSandbox(clock=self.clock, credits_per_minute=10**12, seed=self.seed)
        self.sandbox.create_board("CJM", BOARD)
        for rule in fault_rules(self.faults) if self.faults else []:
            self.sandbox.inject(rule)

    def run(self, command: str, *, max_runs: int = 10) -> int:
        """Run ``command`` until one run succeeds; the number of runs it took."""
        write_file, write_board = COMMANDS[command]
        for attempt in range(1, max_runs + 1):
            store = SQLiteStateStore.open(self.root / "state.db")
            connector = MiroConnector(
                MiroSettings(access_token=SecretStr("test-token")), transport=self.sandbox.transport()
            )
            try:
                request = SyncRequest(
                    journey_path=self.path,
                    target=BOARD,
                    command=command,
                    write_file=write_file,
                    write_board=write_board,
                )
                SyncEngine(store, connector, author="tester").run(request)
            except CjmSyncError:
                continue
            finally:
                connector.close()
                store.close()
                self.clock.advance(60)
            self.runs.append((command, attempt))
            return attempt
        raise AssertionError(f"{command} did not succeed in {max_runs} runs")

    def ids(self) -> dict[str, str]:
        store = SQLiteStateStore.open(self.root / "state.db")
        try:
            return store.get_id_map(self.journey.id, "miro", BOARD)
        finally:
            store.close()

    def person(self, edit: Callable[[HumanSession, dict[str, str]], None]) -> None:
        """A person edits the board (through the UI: no faults) between commands."""
        edit(self.sandbox.as_user(PERSON), self.ids())
        self.clock.advance(60)

    def edit_file(self, change: Callable[[Journey], None]) -> None:
        journey = load_journey(self.path).journey.model_copy(deep=True)
        change(journey)
        self.path.write_text(render_journey(Journey.model_validate(journey.model_dump())), encoding="utf-8")

    def outcome(self) -> tuple[Any, ...]:
        """The file's entities, what the board shows (carried fields by key), item counts by type (duplicates
        show here), and items the connector could not place."""
        viewer = MiroSandbox(clock=self.clock, credits_per_minute=10**12)  # the same boards, no faults
        viewer.store = self.sandbox.store
        store = SQLiteStateStore.open(self.root / "state.db")
        connector = MiroConnector(MiroSettings(access_token=SecretStr("test-token")), transport=viewer.transport())
        try:
            state = ConnectorState(
                id_map=store.get_id_map(self.journey.id, "miro", BOARD),
                memo=store.get_memo(self.journey.id, "miro", BOARD),
            )
            read = connector.read(BOARD, state)
        finally:
            connector.close()
            store.close()
        shown = {
            key: {f: v for f, v in entity.items() if carries(f, CARRIED[split_key(key)[0]])}
            for key, entity in flatten(read.journey).items()
            if split_key(key)[0] in CARRIED
        }
        board = self.sandbox.store.board(BOARD)
        kinds = Counter(item.type for item in board.items.values())
        kinds.update(connector=len(board.connectors), tag=len(board.tags))
        kinds["tagging"] = sum(len(item.tag_ids) for item in board.items.values())
        return flatten(load_journey(self.path).journey), shown, kinds, read.unplaced
