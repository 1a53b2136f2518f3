"""Run history, operation journal, change log and conflicts."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from cjm_sync.errors import UsageError
from cjm_sync.plugins.whiteboard import BoardOp, OpKind
from cjm_sync.state import (
    Change,
    ConflictInput,
    ConflictStatus,
    JournalState,
    Resolution,
    RunOutcome,
    Side,
    SQLiteStateStore,
    StoreJournal,
)

J = "onboarding"


def test_run_history(store: SQLiteStateStore) -> None:
    first = store.start_run(J, "sync")
    second = store.start_run(J, "plan")
    store.start_run("other", "sync")
    assert first.ended_at is None
    assert first.outcome is None

    done = store.finish_run(
        first.run_id,
        RunOutcome.FAILED,
        api_calls={"list": 3, "create": 1},
        changes={"file": 0, "board": 2},
        error="401 for Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.secret",
    )
    assert done.outcome is RunOutcome.FAILED
    assert done.ended_at is not None
    assert done.api_calls == {"list": 3, "create": 1}
    assert done.changes == {"file": 0, "board": 2}
    assert done.error is not None
    assert "eyJ" not in done.error
    assert store.get_run(first.run_id) == done

    assert [r.run_id for r in store.runs(J)] == [second.run_id, first.run_id]
    assert [r.run_id for r in store.runs(J, limit=1)] == [second.run_id]
    assert len(store.runs()) == 3
    assert [r.run_id for r in store.unfinished_runs(J)] == [second.run_id]
    with pytest.raises(ValueError, match="already ended"):
        store.finish_run(first.run_id, RunOutcome.OK)
    with pytest.raises(ValueError, match="unknown run"):
        store.finish_run("nope", RunOutcome.OK)


def test_journal_pending_done_and_recovery_query(store: SQLiteStateStore) -> None:
    crashed = store.start_run(J, "sync")
    a = store.journal_append(crashed.run_id, "miro", "b1", {"op": "create", "key": "touchpoint:a"})
    b = store.journal_append(crashed.run_id, "miro", "b1", {"op": "update", "key": "touchpoint:b"})
    c = store.journal_append(crashed.run_id, "miro", "b1", {"op": "delete", "key": "touchpoint:c"})
    assert (a.seq, b.seq, c.seq) == (1, 2, 3)
    store.journal_mark_done(crashed.run_id, a.seq, "3458764")
    store.journal_mark_failed(crashed.run_id, c.seq, "refused: token=abcdef123")

    finished = store.start_run(J, "sync")
    store.journal_append(finished.run_id, "miro", "b1", {"op": "create"})
    store.finish_run(finished.run_id, RunOutcome.OK)
    other = store.start_run("other", "sync")
    store.journal_append(other.run_id, "miro", "b9", {"op": "create"})

    entries = store.journal(crashed.run_id)
    assert [e.state for e in entries] == [JournalState.DONE, JournalState.PENDING, JournalState.FAILED]
    assert entries[0].external_id == "3458764"
    assert entries[2].error is not None
    assert "abcdef123" not in entries[2].error

    pending = store.pending_journal(J)
    assert [(e.run_id, e.seq, e.op) for e in pending] == [(crashed.run_id, 2, b.op)]

    store.finish_run(crashed.run_id, RunOutcome.INTERRUPTED)  # recovery done
    assert store.pending_journal(J) == []
    with pytest.raises(ValueError, match="no journal entry"):
        store.journal_mark_done(crashed.run_id, 99)


def test_store_journal_adapter(store: SQLiteStateStore) -> None:
    run = store.start_run(J, "sync")
    journal = StoreJournal(store, run.run_id, "miro", "b1")
    create = BoardOp(OpKind.CREATE, "touchpoint:a", "card", payload={"data": {"title": "A"}})
    update = BoardOp(OpKind.UPDATE, "touchpoint:b", "card", external_id="77")

    journal.before(create)
    assert [e.state for e in store.pending_journal(J)] == [JournalState.PENDING]  # committed before the write
    journal.after(create, "3458764")
    journal.before(update)

    entries = store.journal(run.run_id)
    assert entries[0].state is JournalState.DONE
    assert entries[0].external_id == "3458764"
    assert entries[0].op["payload"] == {"data": {"title": "A"}}
    assert entries[0].op["op"] == "create"
    assert entries[1].state is JournalState.PENDING
    with pytest.raises(ValueError, match="not announced"):
        journal.after(create, None)


def test_change_log_and_lookup_by_id(store: SQLiteStateStore) -> None:
    run = store.start_run(J, "sync")
    changes = [
        Change("touchpoint:signup", "title", Side.BOARD, "Sign up", "Register", "ana", "merge", target="b1"),
        Change("touchpoint:signup", "owner", Side.FILE, {"id": 7}, {"id": 8}, "crm", "policy:crm-owned"),
        Change("touchpoint:fax", None, Side.BOARD, {"title": "Fax"}, None, "bob", "merge"),
    ]
    records = store.record_changes(run.run_id, changes)
    assert all(re.fullmatch(r"ch-[0-9a-f]{6,}", r.id) for r in records)
    assert len({r.id for r in records}) == 3

    overwritten = store.get_change(records[1].id.upper())  # ids are forgiving when typed
    assert overwritten == records[1]
    assert overwritten is not None
    assert overwritten.old == {"id": 7}
    assert overwritten.journey == J
    assert overwritten.reason == "policy:crm-owned"
    deleted = store.get_change(records[2].id)
    assert deleted is not None
    assert deleted.field is None
    assert deleted.new is None
    assert store.get_change("ch-000000") is None

    later = store.record_changes(run.run_id, [changes[0]])  # an identical change still gets its own id
    assert later[0].id not in {r.id for r in records}
    assert [c.id for c in store.changes(J)] == [later[0].id, records[2].id, records[1].id, records[0].id]
    assert [c.id for c in store.changes(J, key="touchpoint:fax")] == [records[2].id]
    assert len(store.changes(J, run_id=run.run_id, limit=2)) == 2
    assert store.changes("other") == []
    with pytest.raises(ValueError, match="unknown run"):
        store.record_changes("nope", changes)


def _conflict(field: str | None = "title", file: object = "Register", board: object = "Sign-up") -> ConflictInput:
    return ConflictInput(
        J,
        "b1",
        "touchpoint:signup",
        field,
        base="Sign up",
        file=file,
        board=board,
        file_author="ana",
        file_at=datetime(2024, 5, 1, 9, tzinfo=UTC),
        board_author="bob",
        board_at=datetime(2024, 5, 1, 9, 30, tzinfo=UTC),
    )


def test_conflicts_open_resolve_list(store: SQLiteStateStore) -> None:
    opened = store.open_conflict(_conflict())
    assert re.fullmatch(r"c-[0-9a-f]{4}", opened.id)
    assert opened.status is ConflictStatus.OPEN
    assert (opened.base, opened.file, opened.board) == ("Sign up", "Register", "Sign-up")
    assert opened.board_at == datetime(2024, 5, 1, 9, 30, tzinfo=UTC)

    again = store.open_conflict(_conflict(board="Sign-up!"))  # seen again next run: same id, fresh values
    assert again.id == opened.id
    assert again.board == "Sign-up!"
    assert again.created_at == opened.created_at
    entity = store.open_conflict(_conflict(field=None, file=None, board={"title": "Sign-up"}))
    assert entity.id != opened.id
    assert entity.field is None
    assert entity.file is None
    assert [c.id for c in store.conflicts(J)] == [opened.id, entity.id]

    resolved = store.resolve_conflict(opened.id.upper(), Resolution.BOARD)
    assert resolved.status is ConflictStatus.RESOLVED
    assert resolved.resolution is Resolution.BOARD
    assert resolved.resolved_at is not None
    assert [c.id for c in store.conflicts(J)] == [entity.id]
    assert len(store.conflicts(J, status=None)) == 2
    assert store.conflicts(J, target="other") == []
    assert store.conflicts("other") == []

    with pytest.raises(UsageError, match="already resolved"):
        store.resolve_conflict(opened.id, Resolution.FILE)
    with pytest.raises(UsageError, match="no conflict"):
        store.resolve_conflict("c-zzzz", Resolution.FILE)

    reopened = store.open_conflict(_conflict())  # a new conflict on the same field later: a new id
    assert reopened.id != opened.id
    assert reopened.id.startswith(opened.id)
    assert reopened.status is ConflictStatus.OPEN
