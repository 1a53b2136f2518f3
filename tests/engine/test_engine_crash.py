"""Crash injection on the memory board: die at every journal step, rerun, and end where an uninterrupted
run ends — no duplicates, no lost edits, nothing left to do."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from engine_support import Env, base_journey, remove, set_field
from memory_board import PHASES, Crash, Phase

from cjm_sync.engine import cycle
from cjm_sync.schema import Journey, Touchpoint
from cjm_sync.state import RunOutcome

Scenario = Callable[[Env], dict[str, Any]]
"""Prepares an env and returns the request arguments of the run to crash."""


def fresh_push(env: Env) -> dict[str, Any]:
    env.write(base_journey())
    return {"command": "push", "write_file": False}


def fresh_sync(env: Env) -> dict[str, Any]:
    env.write(base_journey())
    return {}


def mixed_sync(env: Env) -> dict[str, Any]:
    """Creates, updates and deletes on both sides, plus a conflict."""
    env.write(base_journey())
    env.sync()

    def file_edit(j: Journey) -> None:
        j.touchpoints.append(Touchpoint(id="chat", title="Chat", stage="buy"))
        set_field(j, "touchpoint:ad", "title", "Ad (file)")
        set_field(j, "touchpoint:cart", "title", "Cart (file)")
        remove(j, "pain_point:price")

    env.edit_file(file_edit)
    human = env.board.human("bob")
    human.create("note:x", lane="thoughts", stage="aware", text="new on board")
    human.edit("stage:aware", title="Aware 認知")
    human.edit("touchpoint:web", description="board text")
    human.edit("touchpoint:cart", title="Cart (board)")
    human.delete("note:n2")
    return {}


SCENARIOS: dict[str, Scenario] = {"fresh-push": fresh_push, "fresh-sync": fresh_sync, "mixed-sync": mixed_sync}
EDITS = {  # what the mixed scenario must keep (checked on the uninterrupted run; the others must equal it)
    "touchpoint:chat": {"title": "Chat"},
    "touchpoint:ad": {"title": "Ad (file)"},
    "note:x": {"text": "new on board"},
    "stage:aware": {"title": "Aware 認知"},
    "touchpoint:web": {"description": "board text"},
}


def outcome(env: Env) -> tuple[Any, ...]:
    """Everything a later run depends on: file bytes, board content, base, tombstones, open conflicts."""
    conflicts = sorted((c.key, c.field or "", str(c.file), str(c.board)) for c in env.store.conflicts("trip"))
    # the base of an entity created on the board lacks the file-only fields the file then gets as defaults
    # (None); whether the base holds such a None or not makes no difference to later merges
    base = {k: {f: v for f, v in e.items() if v is not None} for k, e in env.base().items()}
    return env.bytes(), env.board.content(), base, sorted(env.store.tombstones("trip")), conflicts


def assert_settled(env: Env, request: dict[str, Any]) -> None:
    """Nothing left to do: the same command and a full sync plan nothing."""
    writes = env.board.writes
    for again in (request, {}):
        report = env.sync(**again)
        assert report.board_ops == []
        assert report.file_changes == []
        assert not report.file_written
    assert env.board.writes == writes


def reference(workdir: Path, name: str) -> tuple[tuple[Any, ...], int]:
    env = Env(workdir / "reference")
    request = SCENARIOS[name](env)
    report = env.sync(**request)
    if name == "mixed-sync":
        content = env.board.content()
        for key, fields in EDITS.items():
            assert fields.items() <= content[key].items()
            assert fields.items() <= env.file_entities()[key].items()
        assert "pain_point:price" not in content
        assert "note:n2" not in env.file_entities()
        assert [(c.key, c.field) for c in report.conflicts] == [("touchpoint:cart", "title")]
    result = outcome(env), len(report.board_ops)
    env.close()
    return result


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_crash_at_every_journal_step_converges(workdir: Path, name: str, phase: Phase) -> None:
    expected, steps = reference(workdir, name)
    assert steps > 3
    for k in range(steps):
        env = Env(workdir / f"crash-{k}")
        request = SCENARIOS[name](env)
        env.board.crash_at(k, phase)
        with pytest.raises(Crash):
            env.sync(**request)
        assert env.board.writes == k + (phase != "before-write") + (name == "mixed-sync") * 9
        report = env.sync(**request)
        assert len(env.board.keys()) == len(set(env.board.keys())), f"step {k}: duplicate items"
        assert outcome(env) == expected, f"crash at op {k} {phase}"
        assert report.board_writes == steps - k - (phase != "before-write")
        assert_settled(env, request)
        env.close()


@pytest.mark.parametrize(
    ("name", "where"),
    # a first sync or push changes nothing in the file, so it never saves it: no crash point there
    [
        (n, w)
        for n in SCENARIOS
        for w in ("save", "commit")
        if (n, w) not in {("fresh-push", "save"), ("fresh-sync", "save")}
    ],
)
def test_crash_after_the_board_writes_converges(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, name: str, where: str
) -> None:
    """Die after every board write, while saving the file or committing the state."""
    expected, _ = reference(workdir, name)
    env = Env(workdir / "crash")
    request = SCENARIOS[name](env)
    armed = [True]

    def dying(real: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            if armed[0]:
                armed[0] = False
                raise Crash(where)
            return real(*args, **kwargs)

        return call

    if where == "save":
        monkeypatch.setattr(cycle, "save_journey", dying(cycle.save_journey))
    else:
        monkeypatch.setattr(env.store, "commit_sync", dying(env.store.commit_sync))
    with pytest.raises(Crash):
        env.sync(**request)
    assert not armed[0]
    env.sync(**request)
    assert outcome(env) == expected
    assert_settled(env, request)
    env.close()


def test_a_killed_run_is_recovered_by_the_next(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    """A hard kill (the engine cannot even record the failure) leaves the run open; the next run closes it."""
    env.edit_file(lambda j: set_field(j, "touchpoint:ad", "title", "Ad v2"))
    env.board.crash_at(0, "after-write")
    real = env.store.finish_run

    def killed(*args: Any, **kwargs: Any) -> Any:
        raise Crash("killed")

    monkeypatch.setattr(env.store, "finish_run", killed)
    with pytest.raises(Crash):
        env.sync()
    monkeypatch.setattr(env.store, "finish_run", real)
    (open_run,) = env.store.unfinished_runs("trip")
    assert len(env.store.pending_journal("trip")) == 1
    report = env.sync()
    assert "recovered interrupted run" in " ".join(report.notes)
    assert "reconciling 1 write(s) of an interrupted run" in " ".join(report.notes)
    run = env.store.get_run(open_run.run_id)
    assert run is not None
    assert run.outcome is RunOutcome.INTERRUPTED
    assert env.board.content()["touchpoint:ad"]["title"] == "Ad v2"
    assert report.board_ops == []
    assert env.store.unfinished_runs("trip") == []
