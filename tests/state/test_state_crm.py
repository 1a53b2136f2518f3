"""The CRM side of the state store (record cache, stream memos, staging, watermarks) on both backends."""

from __future__ import annotations

from datetime import UTC, datetime

from cjm_sync.state import SqlStateStore
from cjm_sync.state.crm_cache import StoreRecordCache


def _records(cache: StoreRecordCache, stream: str) -> dict[str, dict[str, object]]:
    return dict(cache.records(stream))


def test_staged_records_are_seen_by_their_run_and_committed_with_watermarks(store: SqlStateStore) -> None:
    run = store.start_run("trip", "pull").run_id
    cache = StoreRecordCache(store, run, "trip", "hubspot")
    rows = [(f"r{i}", {"value": i, "label": "通话 📞"}) for i in range(1200)]  # more than one batch
    assert cache.put("calls", rows) == 1200
    cache.set_memo("calls", {"after": "2026-11-01"})
    assert cache.count("calls") == 1200
    assert _records(cache, "calls")["r7"] == {"value": 7, "label": "通话 📞"}
    other = StoreRecordCache(store, "another-run", "trip", "hubspot")
    assert other.count("calls") == 0  # nothing committed yet
    mark = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    with store.transaction():
        store.crm_commit(run, "trip", "hubspot", {"calls": mark})  # type: ignore[attr-defined]
    assert other.count("calls") == 1200
    assert other.get_memo("calls") == {"after": "2026-11-01"}
    assert other.watermark("calls") == mark


def test_deletes_clears_and_discards(store: SqlStateStore) -> None:
    first = store.start_run("trip", "pull").run_id
    cache = StoreRecordCache(store, first, "trip", "hubspot")
    cache.put("tickets", [("a", {"v": 1}), ("b", {"v": 2}), ("c", {"v": 3})])
    store.crm_commit(first, "trip", "hubspot", {})  # type: ignore[attr-defined]

    second = store.start_run("trip", "pull").run_id
    cache = StoreRecordCache(store, second, "trip", "hubspot")
    cache.delete("tickets", ["a"])
    cache.put("tickets", [("b", {"v": 20})])
    assert _records(cache, "tickets") == {"b": {"v": 20}, "c": {"v": 3}}
    store.crm_discard(second)  # type: ignore[attr-defined]  # a failed run leaves the committed cache
    assert _records(StoreRecordCache(store, "x", "trip", "hubspot"), "tickets") == {
        "a": {"v": 1},
        "b": {"v": 2},
        "c": {"v": 3},
    }

    third = store.start_run("trip", "pull").run_id
    cache = StoreRecordCache(store, third, "trip", "hubspot")
    cache.clear("tickets")
    cache.put("tickets", [("z", {"v": 26})])
    assert _records(cache, "tickets") == {"z": {"v": 26}}
    store.crm_commit(third, "trip", "hubspot", {})  # type: ignore[attr-defined]
    assert _records(StoreRecordCache(store, "y", "trip", "hubspot"), "tickets") == {"z": {"v": 26}}
