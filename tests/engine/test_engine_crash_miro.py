"""Crash injection with the real Miro connector on the sandbox: die at every journal step (or lose the
answer of a committed write), rerun, and end exactly where an uninterrupted run ends."""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from engine_support import base_journey, remove, set_field, write_journey
from memory_board import Crash, Phase
from pydantic import SecretStr

from cjm_sync.engine import SyncEngine, SyncReport, SyncRequest
from cjm_sync.errors import CjmSyncError
from cjm_sync.files import load_journey
from cjm_sync.merge import flatten
from cjm_sync.merge.entities import carries, split_key
from cjm_sync.plugins import ApplyResult, BoardOp, ConnectorState, Journal
from cjm_sync.schema import Touchpoint
from cjm_sync.state import SQLiteStateStore
from connectors.miro.connector import CARRIED, MiroConnector
from connectors.miro.sandbox import Fault, ManualClock, MiroSandbox
from connectors.miro.settings import MiroSettings

BOARD = "uXjVengine="
WRITES = ("POST", "PATCH", "PUT", "DELETE")


class CrashingJournal:
    """Passes journal calls on, and dies at op ``index`` (0-based, in the order ops are announced) in
    ``phase``. Like a killed process, it stays dead: with concurrent writes, the writes already in
    flight still reach the board, but nothing more is journaled (their entries stay pending)."""

    def __init__(self, inner: Journal, index: int, phase: Phase) -> None:
        self.inner, self.crash = inner, (index, phase)
        self.seen: dict[int, int] = {}
        self.dead = False
        self.lock = threading.Lock()

    def before(self, op: BoardOp) -> None:
        with self.lock:
            self._alive()
            self.inner.before(op)
            index = self.seen.setdefault(id(op), len(self.seen))
            if self.crash == (index, "before-write"):
                self._die(f"op {index} before the write")

    def after(self, op: BoardOp, external_id: str | None) -> None:
        with self.lock:
            self._alive()
            index = self.seen[id(op)]
            if self.crash == (index, "after-write"):
                self._die(f"op {index} after the write")
            self.inner.after(op, external_id)

    def failed(self, op: BoardOp, error: str) -> None:
        with self.lock:
            self._alive()
            self.inner.failed(op, error)

    def _alive(self) -> None:
        if self.dead:
            raise Crash("the process is already dead")

    def _die(self, where: str) -> None:
        self.dead = True
        raise Crash(where)


class CrashingMiro(MiroConnector):
    """The Miro connector with a journal that dies once at a chosen step."""

    crash: tuple[int, Phase] | None = None

    def apply(self, ops: Sequence[BoardOp], state: ConnectorState, journal: Journal) -> ApplyResult:
        if self.crash is not None:
            index, phase = self.crash
            self.crash = None
            journal = CrashingJournal(journal, index, phase)
        return super().apply(ops, state, journal)


class MiroEnv:
    """A journey file, a SQLite store and the Miro connector on an in-process sandbox (manual clock)."""

    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True)
        self.path = root / "trip.yaml"
        self.store = SQLiteStateStore.open(root / "state.db")
        self.clock = ManualClock()
        self.sandbox = MiroSandbox(clock=self.clock)
        self.sandbox.create_board("CJM", BOARD)
        settings = MiroSettings(access_token=SecretStr("test-token"), board_id=BOARD)
        self.connector = CrashingMiro(settings, transport=self.sandbox.transport())

    def close(self) -> None:
        self.connector.close()
        self.store.close()

    def sync(self, **request: Any) -> SyncReport:
        try:
            engine = SyncEngine(self.store, self.connector, author="tester")
            return engine.run(SyncRequest(journey_path=self.path, target=BOARD, **request))
        finally:
            self.clock.advance(60)

    def board_view(self) -> tuple[dict[str, dict[str, Any]], Counter[str], list[str]]:
        """What the board shows (carried fields by key), item counts by type, and items it cannot place."""
        state = ConnectorState(
            id_map=self.store.get_id_map("trip", "miro", BOARD), memo=self.store.get_memo("trip", "miro", BOARD)
        )
        read = self.connector.read(BOARD, state)
        shown = {
            key: {f: v for f, v in entity.items() if carries(f, CARRIED[split_key(key)[0]])}
            for key, entity in flatten(read.journey).items()
            if split_key(key)[0] in CARRIED
        }
        board = self.sandbox.store.board(BOARD)
        types = Counter(item.type for item in board.items.values())
        types["connector"] = len(board.connectors)
        types["tag"] = len(board.tags)
        types["tagging"] = sum(len(item.tag_ids) for item in board.items.values())
        return shown, types, read.unplaced

    def outcome(self) -> tuple[Any, ...]:
        return self.path.read_bytes(), *self.board_view()

    def writes(self) -> int:
        return sum(c.method in WRITES for c in self.sandbox.calls)


def fresh(env: MiroEnv) -> dict[str, Any]:
    write_journey(env.path, base_journey())
    return {}


def mixed(env: MiroEnv) -> dict[str, Any]:
    """After a first sync: creates, updates and deletes in the file and on the board."""
    write_journey(env.path, base_journey())
    env.sync()
    journey = base_journey()
    journey.touchpoints.append(Touchpoint(id="chat", title="Chat", stage="buy"))
    set_field(journey, "touchpoint:ad", "title", "Ad (file)")
    remove(journey, "pain_point:price")
    write_journey(env.path, journey)
    ids = env.store.get_id_map("trip", "miro", BOARD)
    human = env.sandbox.as_user("3458764599999999999")
    human.update_item(BOARD, ids["touchpoint:web"], data={"title": "Website (board)"})
    human.update_item(BOARD, ids["note:n1"], data={"content": "<p>Is it cheap? (board)</p>"})
    human.delete_item(BOARD, ids["note:n2"])
    env.clock.advance(60)
    return {}


def updates(env: MiroEnv) -> dict[str, Any]:
    """After a first sync: text edits only on both sides (no creates, deletes or layout changes)."""
    write_journey(env.path, base_journey())
    env.sync()
    journey = base_journey()
    set_field(journey, "touchpoint:ad", "title", "Ad (file)")
    set_field(journey, "pain_point:slow", "title", "Too slow (file)")
    set_field(journey, "note:n2", "text", "値段は? (file)")
    write_journey(env.path, journey)
    ids = env.store.get_id_map("trip", "miro", BOARD)
    human = env.sandbox.as_user("3458764599999999999")
    human.update_item(BOARD, ids["touchpoint:web"], data={"title": "Website (board)"})
    human.update_item(BOARD, ids["stage:buy"], data={"content": "<p>購入 (board)</p>"})
    env.clock.advance(60)
    return {}


SCENARIOS = {"fresh": fresh, "mixed": mixed, "updates": updates}


def reference(root: Path, name: str) -> tuple[tuple[Any, ...], int]:
    env = MiroEnv(root / f"reference-{name}")
    request = SCENARIOS[name](env)
    report = env.sync(**request)
    assert report.conflicts == []
    result = env.outcome(), len(report.board_ops)
    shown, unplaced = result[0][1], result[0][3]
    assert unplaced == []
    if name == "updates":
        assert (shown["touchpoint:ad"]["title"], shown["touchpoint:web"]["title"]) == ("Ad (file)", "Website (board)")
        assert shown["stage:buy"]["title"] == "購入 (board)"
    if name == "mixed":
        assert shown["touchpoint:chat"]["title"] == "Chat"
        assert shown["touchpoint:ad"]["title"] == "Ad (file)"
        assert shown["touchpoint:web"]["title"] == "Website (board)"
        assert shown["note:n1"]["text"] == "Is it cheap? (board)"
        assert "pain_point:price" not in shown
        assert "note:n2" not in shown
    env.close()
    return result


def settled(env: MiroEnv) -> None:
    writes = env.writes()
    report = env.sync()
    assert (report.board_ops, report.file_changes, report.conflicts) == ([], [], [])
    assert env.writes() == writes


@pytest.mark.slow
@pytest.mark.parametrize("phase", ["before-write", "after-write"])
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_miro_crash_at_every_journal_step_converges(workdir: Path, name: str, phase: Phase) -> None:
    expected, steps = reference(workdir, name)
    failures: list[str] = []
    for k in range(steps):
        env = MiroEnv(workdir / f"crash-{k}")
        request = SCENARIOS[name](env)
        env.connector.crash = (k, phase)
        with pytest.raises(Crash):
            env.sync(**request)
        report = env.sync(**request)
        got = env.outcome()
        if got != expected or report.conflicts:
            conflicts = [(c.key, c.field) for c in report.conflicts]
            failures.append(f"crash at op {k} {phase}: {_diff(expected, got)}; conflicts {conflicts}")
        else:
            settled(env)
        env.close()
    assert failures == []


@pytest.mark.slow
@pytest.mark.parametrize("name", ["fresh", "mixed", "updates"])
def test_miro_lost_answer_of_a_committed_write_converges(workdir: Path, name: str) -> None:
    """The sandbox commits the k-th write (a transactional bulk call creates all its items) and then drops
    the connection, so the client never learns the ids; the rerun must find the items, not copy them."""
    expected, _ = reference(workdir, name)
    probe = MiroEnv(workdir / "probe")
    SCENARIOS[name](probe)
    before = probe.writes()
    probe.sync()
    total = probe.writes() - before
    probe.close()
    failures: list[str] = []
    for k in range(total):
        env = MiroEnv(workdir / f"drop-{k}")
        request = SCENARIOS[name](env)
        env.sandbox.inject(Fault.disconnect("[PD]*", skip=k, after_commit=True))
        with contextlib.suppress(CjmSyncError):
            env.sync(**request)
        env.sandbox.faults.clear()
        env.sync(**request)
        got = env.outcome()
        if got != expected:
            call = next(c for c in env.sandbox.calls if c.fault)
            failures.append(f"write {k} ({call.method} {call.path}): {_diff(expected, got)}")
        env.close()
    assert failures == []


def _diff(expected: tuple[Any, ...], got: tuple[Any, ...]) -> str:
    names = ("file", "board", "item types", "unplaced")
    out = []
    for label, a, b in zip(names, expected, got, strict=True):
        if a != b:
            if isinstance(a, dict):
                keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
                out.append(f"{label} differs at {keys}")
            else:
                out.append(f"{label}: {a!r:.80} != {b!r:.80}")
    return "; ".join(out)


def test_miro_mixed_scenario_reference_is_what_the_user_expects(workdir: Path) -> None:
    """The uninterrupted run the crash tests compare against keeps every edit of both sides."""
    (data, _, types, unplaced), steps = reference(workdir, "mixed")
    assert steps > 3
    assert b"Website (board)" in data
    assert b"Chat" in data
    assert b"Too expensive" not in data
    assert types["app_card"] == 4
    assert unplaced == []


def _first(ops: Sequence[BoardOp], prefix: str) -> int:
    return next(i for i, op in enumerate(ops) if op.key.startswith(prefix))


def test_miro_crash_during_a_layout_shift_loses_no_emotion_score(workdir: Path) -> None:
    probe = MiroEnv(workdir / "probe")
    mixed(probe)
    ops = probe.sync(dry_run=True).board_ops
    probe.close()
    env = MiroEnv(workdir / "crash")
    mixed(env)
    env.connector.crash = (_first(ops, "emotion:"), "before-write")  # the rows moved, the dots not yet
    with pytest.raises(Crash):
        env.sync()
    env.sync()
    scores = {tp.id: tp.emotion.score for tp in load_journey(env.path).journey.touchpoints if tp.emotion}
    assert {k: scores[k] for k in ("ad", "web", "cart")} == {"ad": 1.0, "web": 0.0, "cart": -1.0}


def test_miro_crash_inside_a_bulk_create_duplicates_nothing(workdir: Path) -> None:
    probe = MiroEnv(workdir / "probe")
    fresh(probe)
    ops = probe.sync(dry_run=True).board_ops
    probe.close()
    env = MiroEnv(workdir / "crash")
    fresh(env)
    env.connector.crash = (_first(ops, "pain_point:"), "after-write")  # the bulk call went through
    with pytest.raises(Crash):
        env.sync()
    env.sync()
    journey = load_journey(env.path).journey
    assert sorted(p.id for p in journey.pain_points) == ["price", "slow"]
    assert sorted(n.id for n in journey.notes) == ["n1", "n2"]
    assert env.board_view()[2] == []


def test_miro_crash_after_moving_an_item_a_person_edited_keeps_the_persons_edit(workdir: Path) -> None:
    """A person edits a sticky; the next run moves that same sticky (a file edit) and dies right after.
    The sticky now looks last touched by cjm-sync, but the person's text must survive the recovery."""

    def scenario(env: MiroEnv) -> None:
        write_journey(env.path, base_journey())
        env.sync()
        ids = env.store.get_id_map("trip", "miro", BOARD)
        human = env.sandbox.as_user("3458764599999999999")
        human.update_item(BOARD, ids["pain_point:slow"], data={"content": "<p>Too slow (board)</p>"})
        journey = base_journey()
        set_field(journey, "pain_point:slow", "stage", "buy")
        write_journey(env.path, journey)
        env.clock.advance(60)

    probe = MiroEnv(workdir / "probe")
    scenario(probe)
    ops = probe.sync(dry_run=True).board_ops
    probe.close()
    env = MiroEnv(workdir / "crash")
    scenario(env)
    env.connector.crash = (_first(ops, "pain_point:slow"), "after-write")
    with pytest.raises(Crash):
        env.sync()
    env.sync()
    slow = next(p for p in load_journey(env.path).journey.pain_points if p.id == "slow")
    assert (slow.title, slow.stage) == ("Too slow (board)", "buy")
    shown = env.board_view()[0]["pain_point:slow"]
    assert (shown["title"], shown["stage"]) == ("Too slow (board)", "buy")
    assert not env.sync(dry_run=True).has_changes
