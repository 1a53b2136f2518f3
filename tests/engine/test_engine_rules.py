"""Engine rules on the memory board: CRM-owned fields, a file edited during the run, plan = what sync does."""

from __future__ import annotations

import pytest
from engine_support import TARGET, Env, base_journey, find, set_field
from memory_board import CARRIED, MemoryBoard

from cjm_sync.files.journey_file import JourneyChangedError
from cjm_sync.plugins import BoardOp
from cjm_sync.schema import Metric
from cjm_sync.state import JournalState, RunOutcome


def test_crm_owned_metrics_edited_on_the_board_are_overwritten_and_reported(fresh: Env) -> None:
    fresh.board = MemoryBoard(carried={**CARRIED, "touchpoint": CARRIED["touchpoint"] | {"metrics"}})
    fresh.sync()
    file_metrics = find(fresh.journey(), "touchpoint:ad").metrics
    edited = [m.model_dump(mode="json") | {"value": 99.0} for m in file_metrics]
    fresh.board.human("bob").edit("touchpoint:ad", metrics=edited, title="Ad (board)")
    report = fresh.sync()
    assert fresh.board.content()["touchpoint:ad"]["metrics"] == [m.model_dump(mode="json") for m in file_metrics]
    assert find(fresh.journey(), "touchpoint:ad").metrics == file_metrics
    assert fresh.board.content()["touchpoint:ad"]["title"] == "Ad (board)"  # other board edits still win
    assert report.conflicts == []
    (over,) = report.overwritten
    assert (over.key, over.field, over.side, over.old, over.new) == (
        "touchpoint:ad",
        "metrics",
        "board",
        edited,
        [m.model_dump(mode="json") for m in file_metrics],
    )
    assert "crm-owned" in over.reason
    logged = [c for c in fresh.store.changes("trip", run_id=report.run_id) if c.field == "metrics"]
    assert [(c.side, c.old, c.reason) for c in logged] == [("board", edited, over.reason)]
    assert not fresh.sync().has_changes


def test_crm_refresh_in_the_file_reaches_the_board(fresh: Env) -> None:
    fresh.board = MemoryBoard(carried={**CARRIED, "touchpoint": CARRIED["touchpoint"] | {"metrics"}})
    fresh.sync()
    crm = find(fresh.journey(), "touchpoint:ad").metrics[0].provenance
    fresh.edit_file(lambda j: set_field(j, "touchpoint:ad", "metrics", [Metric(id="nps", value=42, provenance=crm)]))
    report = fresh.sync()
    assert fresh.board.content()["touchpoint:ad"]["metrics"][0]["value"] == 42
    assert report.overwritten == []


def test_a_file_edited_during_the_sync_is_not_overwritten_and_merged_next_time(env: Env) -> None:
    env.board.human("bob").edit("touchpoint:web", title="Site (board)")
    env.edit_file(lambda j: set_field(j, "touchpoint:ad", "title", "Ad (file)"))
    edited_during = []

    def user_saves_meanwhile(op: BoardOp) -> None:
        if not edited_during:
            edited_during.append(op.key)
            text = env.path.read_text(encoding="utf-8").replace("Too expensive", "Way too expensive")
            env.path.write_text(text, encoding="utf-8")

    env.board.on_apply = user_saves_meanwhile
    with pytest.raises(JourneyChangedError, match="changed on disk during the run"):
        env.sync()
    assert "Way too expensive" in env.path.read_text(encoding="utf-8")
    assert find(env.journey(), "touchpoint:web").title == "Website"  # not written over the user's save
    (failed,) = env.store.runs("trip", limit=1)
    assert failed.outcome is RunOutcome.FAILED
    env.board.on_apply = None
    report = env.sync()
    assert report.conflicts == []
    journey = env.journey()
    assert find(journey, "pain_point:price").title == "Way too expensive"
    assert find(journey, "touchpoint:web").title == "Site (board)"
    assert find(journey, "touchpoint:ad").title == "Ad (file)"
    board = env.board.content()
    assert board["pain_point:price"]["title"] == "Way too expensive"
    assert (board["touchpoint:web"]["title"], board["touchpoint:ad"]["title"]) == ("Site (board)", "Ad (file)")
    assert not env.sync().has_changes


def test_plan_lists_exactly_what_sync_then_does(env: Env) -> None:
    env.edit_file(lambda j: set_field(j, "touchpoint:ad", "title", "Ad (file)"))
    env.board.human("bob").edit("touchpoint:cart", title="Cart (board)", emotion__score=2.0)
    env.board.human("bob").delete("note:n1")
    env.board.human("bob").create("pain_point:ux", title="UX", stage="buy")
    plan = env.sync(dry_run=True)
    assert not plan.applied
    assert env.board.writes == len(base_journey().stages) + 7  # the dry run wrote nothing
    report = env.sync()
    assert [op.to_dict() for op in report.board_ops] == [op.to_dict() for op in plan.board_ops]
    assert [c.to_dict() for c in report.file_changes] == [c.to_dict() for c in plan.file_changes]
    assert report.run_id is not None
    journal = env.store.journal(report.run_id)
    assert [e.state for e in journal] == [JournalState.DONE] * len(plan.board_ops)
    assert [{k: v for k, v in e.op.items() if k != "payload"} for e in journal] == [
        op.to_dict() for op in plan.board_ops
    ]
    assert env.board.applied[-len(plan.board_ops) :] == report.board_ops


def test_second_concurrent_run_is_refused_unless_it_waits(env: Env) -> None:
    from cjm_sync.errors import LockedError

    with env.store.acquire_lock("trip", "someone@elsewhere:sync"):
        with pytest.raises(LockedError, match="being synced by"):
            env.sync()
        with pytest.raises(LockedError, match="waited"):
            env.sync(wait=True, wait_timeout=0.05)
    assert not env.sync(wait=True, wait_timeout=1).has_changes
    assert env.store.unfinished_runs("trip") == []
    assert TARGET
