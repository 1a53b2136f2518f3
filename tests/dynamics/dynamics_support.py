"""Constants shared by the Dynamics tests (a module name no other test folder uses)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

ANCHOR = datetime(2026, 11, 1, tzinfo=UTC)
BASE = "https://org.crm4.dynamics.com/api/data/v9.2/"


class MemoryCache:
    """The record-cache protocol over dicts (writes apply at once; the engine's staging is tested elsewhere)."""

    def __init__(self) -> None:
        self.streams: dict[str, dict[str, dict[str, Any]]] = {}
        self.memos: dict[str, dict[str, Any]] = {}

    def watermark(self, stream: str) -> datetime | None:
        return None

    def put(self, stream: str, records: Iterable[tuple[str, Mapping[str, Any]]]) -> int:
        rows = self.streams.setdefault(stream, {})
        n = 0
        for key, values in records:
            rows[key] = dict(values)
            n += 1
        return n

    def delete(self, stream: str, record_ids: Iterable[str]) -> None:
        for key in record_ids:
            self.streams.get(stream, {}).pop(key, None)

    def clear(self, stream: str) -> None:
        self.streams.pop(stream, None)
        self.memos.pop(stream, None)

    def records(self, stream: str) -> Iterator[tuple[str, dict[str, Any]]]:
        yield from ((k, dict(v)) for k, v in self.streams.get(stream, {}).items())

    def count(self, stream: str) -> int:
        return len(self.streams.get(stream, {}))

    def get_memo(self, stream: str) -> dict[str, Any]:
        return dict(self.memos.get(stream, {}))

    def set_memo(self, stream: str, memo: Mapping[str, Any]) -> None:
        self.memos[stream] = dict(memo)
