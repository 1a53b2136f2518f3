"""Id map, memo, base snapshot, commit, tombstones and cursors."""

from __future__ import annotations

import pytest

from cjm_sync.state import RunOutcome, Side, Snapshot, SQLiteStateStore, SyncCommit

J, C, T = "onboarding", "miro", "board-1"


def test_id_map_round_trip_is_per_target(store: SQLiteStateStore) -> None:
    store.set_id(J, C, T, "touchpoint:signup", "3458764")
    store.set_id(J, C, T, "stage-header:awareness", "3458765")
    store.set_id(J, C, "board-2", "touchpoint:signup", "999")

    assert store.get_id_map(J, C, T) == {"touchpoint:signup": "3458764", "stage-header:awareness": "3458765"}
    assert store.get_id_map(J, C, "board-2") == {"touchpoint:signup": "999"}
    assert store.get_id_map("other", C, T) == {}


def test_id_map_is_unique_both_ways(store: SQLiteStateStore) -> None:
    store.set_id(J, C, T, "touchpoint:signup", "1")
    store.set_id(J, C, T, "touchpoint:signup", "2")  # re-created item: the key gets its new id
    assert store.get_id_map(J, C, T) == {"touchpoint:signup": "2"}

    with pytest.raises(ValueError, match="already mapped to 'touchpoint:signup'"):
        store.set_id(J, C, T, "touchpoint:login", "2")
    with pytest.raises(ValueError, match="mapped to both"):
        store.replace_id_map(J, C, T, {"a": "x", "b": "x"})
    assert store.get_id_map(J, C, T) == {"touchpoint:signup": "2"}


def test_delete_and_replace_id_map(store: SQLiteStateStore) -> None:
    store.replace_id_map(J, C, T, {"a": "1", "b": "2"})
    store.delete_id(J, C, T, "a")
    assert store.get_id_map(J, C, T) == {"b": "2"}
    store.replace_id_map(J, C, T, {"c": "2"})  # the id moves to another key in one replacement
    assert store.get_id_map(J, C, T) == {"c": "2"}


def test_memo_round_trip(store: SQLiteStateStore) -> None:
    assert store.get_memo(J, C, T) == {}
    memo = {"modified": {"3458764": "2024-05-01T10:00:00Z"}, "version": 2, "ü": [1, None]}
    store.set_memo(J, C, T, memo)
    assert store.get_memo(J, C, T) == memo
    store.set_memo(J, C, T, {"version": 3})
    assert store.get_memo(J, C, T) == {"version": 3}


OLD: Snapshot = {"touchpoint:signup": {"title": "Sign up", "channel": "web"}, "stage:awareness": {"title": "Aware"}}
NEW: Snapshot = {"touchpoint:signup": {"title": "Register", "channel": "app"}, "touchpoint:login": {"title": "Log in"}}


def test_base_snapshot_is_replaced_as_a_whole(store: SQLiteStateStore) -> None:
    store.replace_base(J, C, T, OLD)
    assert store.get_base(J, C, T) == OLD
    store.replace_base(J, C, T, NEW)
    assert store.get_base(J, C, T) == NEW  # stage:awareness is gone


def test_exception_inside_transaction_keeps_old_base(store: SQLiteStateStore) -> None:
    store.replace_base(J, C, T, OLD)
    seen: list[Snapshot] = []

    def crash_mid_commit() -> None:
        with store.transaction():
            store.replace_base(J, C, T, NEW)
            seen.append(store.get_base(J, C, T))
            raise RuntimeError("crash")

    with pytest.raises(RuntimeError, match="crash"):
        crash_mid_commit()
    assert seen == [NEW]  # it was written inside the transaction …
    assert store.get_base(J, C, T) == OLD  # … and rolled back with it


def test_replace_base_failing_midway_keeps_old_base(store: SQLiteStateStore) -> None:
    store.replace_base(J, C, T, OLD)
    bad: Snapshot = {"touchpoint:a": {"title": "fine"}, "touchpoint:b": {"title": object()}}
    with pytest.raises(TypeError):
        store.replace_base(J, C, T, bad)
    assert store.get_base(J, C, T) == OLD


def _commit(run_id: str, base: Snapshot) -> SyncCommit:
    return SyncCommit(J, C, T, run_id, base, {"touchpoint:signup": "42"}, {"cursor": "m2"}, changes={"board": 1})


def test_commit_sync_writes_everything(store: SQLiteStateStore) -> None:
    run = store.start_run(J, "sync")
    finished = store.commit_sync(_commit(run.run_id, NEW))
    assert finished.outcome is RunOutcome.OK
    assert finished.changes == {"board": 1}
    assert store.get_base(J, C, T) == NEW
    assert store.get_id_map(J, C, T) == {"touchpoint:signup": "42"}
    assert store.get_memo(J, C, T) == {"cursor": "m2"}


def test_commit_sync_is_all_or_nothing(store: SQLiteStateStore) -> None:
    store.replace_base(J, C, T, OLD)
    store.set_memo(J, C, T, {"cursor": "m1"})
    with pytest.raises(ValueError, match="unknown run"):  # the last step fails …
        store.commit_sync(_commit("no-such-run", NEW))
    assert store.get_base(J, C, T) == OLD  # … so nothing of the commit is kept
    assert store.get_memo(J, C, T) == {"cursor": "m1"}
    assert store.get_id_map(J, C, T) == {}


def test_tombstones(store: SQLiteStateStore) -> None:
    first = store.add_tombstone(J, "touchpoint:fax", side=Side.BOARD, author="ana@example.com")
    again = store.add_tombstone(J, "touchpoint:fax", side=Side.FILE, author="bob")
    assert again == first  # the first deletion is what is remembered
    assert first.side is Side.BOARD
    assert first.author == "ana@example.com"
    store.add_tombstone(J, "note:old", side=Side.FILE, author=None)

    assert sorted(store.tombstones(J)) == ["note:old", "touchpoint:fax"]
    assert store.tombstones("other") == {}
    assert store.remove_tombstone(J, "note:old") is True
    assert store.remove_tombstone(J, "note:old") is False
    assert list(store.tombstones(J)) == ["touchpoint:fax"]


def test_crm_cursors(store: SQLiteStateStore) -> None:
    assert store.get_cursor(J, "hubspot", "deals") is None
    store.set_cursor(J, "hubspot", "deals", "2024-05-01T00:00:00Z")
    set_again = store.set_cursor(J, "hubspot", "deals", "2024-05-02T00:00:00Z")
    got = store.get_cursor(J, "hubspot", "deals")
    assert got == set_again
    assert got is not None
    assert got.value == "2024-05-02T00:00:00Z"
    assert store.get_cursor(J, "hubspot", "contacts") is None
