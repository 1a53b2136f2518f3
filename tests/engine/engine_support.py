"""A small journey and a harness running the real engine with a real SQLite store on a memory board."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from memory_board import MemoryBoard

from cjm_sync.engine import SyncEngine, SyncReport, SyncRequest
from cjm_sync.files import load_journey, render_journey
from cjm_sync.merge import Entity, flatten
from cjm_sync.schema import (
    Channel,
    Emotion,
    Journey,
    Lane,
    LaneKind,
    Metric,
    Note,
    Owner,
    PainPoint,
    Provenance,
    Source,
    Stage,
    Touchpoint,
)
from cjm_sync.state import SQLiteStateStore, StateStore

JOURNEY_ID = "trip"
TARGET = "board-1"


def base_journey() -> Journey:
    """Two stages, a lane, three touchpoints, two pain points, two notes; CJK text; no whitespace-free
    assumption except where the property tests need it."""
    crm = Provenance(source=Source.HUBSPOT)
    return Journey(
        id=JOURNEY_ID,
        title="Trip 旅程",
        stages=[Stage(id="aware", title="Aware"), Stage(id="buy", title="購入")],
        lanes=[Lane(id="thoughts", kind=LaneKind.THOUGHTS)],
        touchpoints=[
            Touchpoint(
                id="ad",
                title="Ad",
                stage="aware",
                channel=Channel.ADS,
                description="Customers see our ad on the train every morning",
                owner=Owner(department="Marketing"),
                emotion=Emotion(score=1, label="curious"),
                metrics=[Metric(id="nps", value=30, provenance=crm)],
            ),
            Touchpoint(id="web", title="Website", stage="aware", emotion=Emotion(score=0)),
            Touchpoint(id="cart", title="カート", stage="buy", moment_of_truth=True, emotion=Emotion(score=-1)),
        ],
        pain_points=[
            PainPoint(id="slow", title="Too slow", stage="aware", severity=5),
            PainPoint(id="price", title="Too expensive", stage="buy"),
        ],
        notes=[
            Note(id="n1", lane="thoughts", stage="aware", text="Is it cheap?"),
            Note(id="n2", lane="thoughts", stage="buy", text="値段は?"),
        ],
    )


def write_journey(path: Path, journey: Journey) -> None:
    """Write ``journey`` as the user would (canonical YAML)."""
    path.write_text(render_journey(journey), encoding="utf-8")


@dataclass
class Env:
    """One journey file, one SQLite state store and one memory board."""

    root: Path
    board: MemoryBoard = field(default_factory=MemoryBoard)
    author: str = "tester"
    store: StateStore = field(init=False)
    path: Path = field(init=False)

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.path = self.root / "trip.yaml"
        self.store = SQLiteStateStore.open(self.root / "state.db")

    def close(self) -> None:
        self.store.close()

    def write(self, journey: Journey) -> None:
        write_journey(self.path, journey)

    def journey(self) -> Journey:
        return load_journey(self.path).journey

    def edit_file(self, change: Callable[[Journey], None], *, mtime: datetime | None = None) -> None:
        """Edit the journey file the way a person would: load, change, save (bumping the mtime, or
        setting it to ``mtime``)."""
        journey = self.journey().model_copy(deep=True)
        change(journey)
        journey = Journey.model_validate(journey.model_dump(warnings=False))  # edits may set plain strings
        before = self.path.stat().st_mtime_ns
        self.write(journey)
        stamp = int(mtime.timestamp() * 1e9) if mtime else before + 1_000_000_000
        os.utime(self.path, ns=(stamp, stamp))

    def sync(self, **request: Any) -> SyncReport:
        engine = SyncEngine(self.store, self.board, author=self.author)
        report = engine.run(SyncRequest(journey_path=self.path, target=TARGET, **request))
        self.board.tick()
        return report

    def file_entities(self) -> dict[str, Entity]:
        return flatten(self.journey())

    def bytes(self) -> bytes:
        return self.path.read_bytes()

    def base(self) -> dict[str, Entity]:
        return self.store.get_base(JOURNEY_ID, self.board.name, TARGET)

    def state(self) -> tuple[bytes, dict[str, Entity]]:
        """What a user sees: the file's bytes and the board's content."""
        return self.bytes(), self.board.content()


def find(journey: Journey, key: str) -> Any:
    """The touchpoint/pain point/note/stage of ``key`` in ``journey``, or None."""
    kind, ident = key.split(":", 1)
    attr = {"touchpoint": "touchpoints", "pain_point": "pain_points", "note": "notes", "stage": "stages"}[kind]
    return next((e for e in getattr(journey, attr) if e.id == ident), None)


def remove(journey: Journey, key: str) -> None:
    """Delete entity ``key`` from ``journey`` in place."""
    kind, ident = key.split(":", 1)
    attr = {"touchpoint": "touchpoints", "pain_point": "pain_points", "note": "notes", "stage": "stages"}[kind]
    setattr(journey, attr, [e for e in getattr(journey, attr) if e.id != ident])


def set_field(journey: Journey, key: str, name: str, value: Any) -> None:
    """Set flat field ``name`` (``emotion.score`` style) of entity ``key`` in ``journey``."""
    entity = find(journey, key)
    head, _, sub = name.partition(".")
    if sub:
        setattr(getattr(entity, head), sub, value)
    else:
        setattr(entity, name, value)
