# ruff: noqa: S608 - SQL text only interpolates module constants; values use placeholders.
"""The CRM side of the state store: per-record value caches, stream memos and their staging.

A pull stages its writes under its run id (``crm_staged_*``); reads overlay the staged rows on the
committed ones, so the run sees its own work. :meth:`CrmCacheStore.crm_commit` moves them into
``crm_records`` and sets the watermarks (``crm_cursors``) inside the caller's transaction — the one
that records the run and, in a full sync, the base. A failed run's staged rows are discarded, so the
committed cache and watermarks are exactly those of the last successful run.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol

from cjm_sync.state._codec import dump_json, load_json, req_ts, ts_text
from cjm_sync.state.records import Cursor, JSONValue

_WHERE = "journey = ? AND connector = ? AND stream = ?"
_BATCH = 500


class _Sql(Protocol):
    def _exec(self, sql: str, params: Sequence[Any] = ()) -> int: ...

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    def _stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]: ...

    def transaction(self) -> AbstractContextManager[None]: ...

    def set_cursor(self, journey: str, connector: str, stream: str, value: str) -> Cursor: ...

    def get_cursor(self, journey: str, connector: str, stream: str) -> Cursor | None: ...

    def _now_text(self) -> str: ...


class CrmCacheStore:
    """Mixin for :class:`~cjm_sync.state.sql_store.SqlStateStore` (portable SQL, ``?`` placeholders)."""

    def crm_stage_records(
        self: _Sql,
        run_id: str,
        journey: str,
        connector: str,
        stream: str,
        rows: Iterable[tuple[str, Mapping[str, JSONValue] | None]],
    ) -> int:
        """Stage ``(record_id, values)`` rows (``None`` values = delete) for ``run_id``; returns the count."""
        count = 0
        batch: list[tuple[str, Mapping[str, JSONValue] | None]] = []

        def flush() -> None:
            with self.transaction():
                for record_id, doc in batch:
                    self._exec(
                        "INSERT INTO crm_staged_records (run_id, journey, connector, stream, record_id, doc) "
                        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, journey, connector, stream, record_id) "
                        "DO UPDATE SET doc = excluded.doc",
                        (run_id, journey, connector, stream, record_id, None if doc is None else dump_json(dict(doc))),
                    )
            batch.clear()

        for row in rows:
            batch.append(row)
            count += 1
            if len(batch) >= _BATCH:
                flush()
        if batch:
            flush()
        return count

    def crm_stage_stream(
        self: _Sql,
        run_id: str,
        journey: str,
        connector: str,
        stream: str,
        *,
        clear: bool = False,
        memo: Mapping[str, JSONValue] | None = None,
    ) -> None:
        """Stage clearing ``stream`` (its staged rows go too) and/or replacing its memo."""
        key = (run_id, journey, connector, stream)
        with self.transaction():
            rows = self._query("SELECT cleared, memo FROM crm_staged_streams WHERE run_id = ? AND " + _WHERE, key)
            cleared = bool(rows and rows[0][0]) or clear
            memo_text = dump_json(dict(memo)) if memo is not None else (rows[0][1] if rows else None)
            if clear:
                self._exec("DELETE FROM crm_staged_records WHERE run_id = ? AND " + _WHERE, key)
            self._exec(
                "INSERT INTO crm_staged_streams (run_id, journey, connector, stream, cleared, memo) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, journey, connector, stream) "
                "DO UPDATE SET cleared = excluded.cleared, memo = excluded.memo",
                (*key, int(cleared), memo_text),
            )

    def _crm_view(self: _Sql, run_id: str, journey: str, connector: str, stream: str) -> tuple[str, tuple[Any, ...]]:
        sql = (
            "SELECT record_id, doc FROM crm_staged_records WHERE run_id = ? AND " + _WHERE + " AND doc IS NOT NULL "
            "UNION ALL SELECT r.record_id, r.doc FROM crm_records r "
            "WHERE r.journey = ? AND r.connector = ? AND r.stream = ? "
            "AND NOT EXISTS (SELECT 1 FROM crm_staged_streams s WHERE s.run_id = ? AND s.journey = r.journey "
            "AND s.connector = r.connector AND s.stream = r.stream AND s.cleared = 1) "
            "AND NOT EXISTS (SELECT 1 FROM crm_staged_records x WHERE x.run_id = ? AND x.journey = r.journey "
            "AND x.connector = r.connector AND x.stream = r.stream AND x.record_id = r.record_id)"
        )
        return sql, (run_id, journey, connector, stream, journey, connector, stream, run_id, run_id)

    def crm_records(
        self: _Sql, run_id: str, journey: str, connector: str, stream: str
    ) -> Iterator[tuple[str, dict[str, JSONValue]]]:
        """Every record of ``stream`` as run ``run_id`` sees it (committed, overlaid by its staged rows)."""
        sql, params = CrmCacheStore._crm_view(self, run_id, journey, connector, stream)
        for record_id, doc in self._stream(sql, params):
            yield str(record_id), load_json(doc)

    def crm_count(self: _Sql, run_id: str, journey: str, connector: str, stream: str) -> int:
        """How many records ``stream`` holds as run ``run_id`` sees it."""
        sql, params = CrmCacheStore._crm_view(self, run_id, journey, connector, stream)
        return int(self._query(f"SELECT COUNT(*) FROM ({sql}) v", params)[0][0])

    def crm_stream_memo(self: _Sql, run_id: str, journey: str, connector: str, stream: str) -> dict[str, JSONValue]:
        """The stream's memo as run ``run_id`` sees it (staged, else committed; ``{}`` if none or cleared)."""
        staged = self._query(
            "SELECT cleared, memo FROM crm_staged_streams WHERE run_id = ? AND " + _WHERE,
            (run_id, journey, connector, stream),
        )
        if staged and staged[0][1] is not None:
            return dict(load_json(staged[0][1]))
        if staged and staged[0][0]:
            return {}
        rows = self._query("SELECT memo FROM crm_stream_memo WHERE " + _WHERE, (journey, connector, stream))
        return dict(load_json(rows[0][0])) if rows else {}

    def crm_commit(self: _Sql, run_id: str, journey: str, connector: str, watermarks: Mapping[str, datetime]) -> None:
        """Move run ``run_id``'s staged rows and memos into the cache and set the watermarks (joins the
        caller's transaction)."""
        with self.transaction():
            streams = self._query(
                "SELECT stream, cleared, memo FROM crm_staged_streams WHERE run_id = ? AND journey = ? "
                "AND connector = ?",
                (run_id, journey, connector),
            )
            for stream, cleared, memo in streams:
                if cleared:
                    self._exec("DELETE FROM crm_records WHERE " + _WHERE, (journey, connector, stream))
                    self._exec("DELETE FROM crm_stream_memo WHERE " + _WHERE, (journey, connector, stream))
                if memo is not None:
                    self._exec(
                        "INSERT INTO crm_stream_memo (journey, connector, stream, memo, updated_at) "
                        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (journey, connector, stream) "
                        "DO UPDATE SET memo = excluded.memo, updated_at = excluded.updated_at",
                        (journey, connector, stream, memo, self._now_text()),
                    )
            self._exec(
                "DELETE FROM crm_records WHERE journey = ? AND connector = ? AND EXISTS (SELECT 1 FROM "
                "crm_staged_records x WHERE x.run_id = ? AND x.journey = crm_records.journey AND "
                "x.connector = crm_records.connector AND x.stream = crm_records.stream AND "
                "x.record_id = crm_records.record_id)",
                (journey, connector, run_id),
            )
            self._exec(
                "INSERT INTO crm_records (journey, connector, stream, record_id, doc) "
                "SELECT journey, connector, stream, record_id, doc FROM crm_staged_records "
                "WHERE run_id = ? AND journey = ? AND connector = ? AND doc IS NOT NULL",
                (run_id, journey, connector),
            )
            for stream, instant in sorted(watermarks.items()):
                self.set_cursor(journey, connector, stream, ts_text(instant))
            CrmCacheStore.crm_discard(self, run_id)

    def crm_discard(self: _Sql, run_id: str) -> None:
        """Drop everything run ``run_id`` staged."""
        with self.transaction():
            self._exec("DELETE FROM crm_staged_records WHERE run_id = ?", (run_id,))
            self._exec("DELETE FROM crm_staged_streams WHERE run_id = ?", (run_id,))

    def crm_watermark(self: _Sql, journey: str, connector: str, stream: str) -> datetime | None:
        """The committed watermark of ``stream``."""
        cursor = self.get_cursor(journey, connector, stream)
        return req_ts(cursor.value) if cursor is not None else None


class StoreRecordCache:
    """A :class:`~cjm_sync.plugins.crm.RecordCache` over the state store for one run of one connector."""

    def __init__(self, store: Any, run_id: str, journey: str, connector: str) -> None:
        self._store = store
        self._scope = (run_id, journey, connector)

    def watermark(self, stream: str) -> datetime | None:
        """The committed watermark of ``stream``."""
        result: datetime | None = self._store.crm_watermark(self._scope[1], self._scope[2], stream)
        return result

    def put(self, stream: str, records: Iterable[tuple[str, Mapping[str, JSONValue]]]) -> int:
        """Stage records."""
        count: int = self._store.crm_stage_records(*self._scope, stream, records)
        return count

    def delete(self, stream: str, record_ids: Iterable[str]) -> None:
        """Stage removals."""
        self._store.crm_stage_records(*self._scope, stream, ((rid, None) for rid in record_ids))

    def clear(self, stream: str) -> None:
        """Stage dropping the whole stream."""
        self._store.crm_stage_stream(*self._scope, stream, clear=True)

    def records(self, stream: str) -> Iterator[tuple[str, dict[str, JSONValue]]]:
        """Stream the records as this run sees them."""
        result: Iterator[tuple[str, dict[str, JSONValue]]] = self._store.crm_records(*self._scope, stream)
        return result

    def count(self, stream: str) -> int:
        """Record count as this run sees it."""
        result: int = self._store.crm_count(*self._scope, stream)
        return result

    def get_memo(self, stream: str) -> dict[str, JSONValue]:
        """The stream's memo as this run sees it."""
        result: dict[str, JSONValue] = self._store.crm_stream_memo(*self._scope, stream)
        return result

    def set_memo(self, stream: str, memo: Mapping[str, JSONValue]) -> None:
        """Stage a memo."""
        self._store.crm_stage_stream(*self._scope, stream, memo=memo)
