"""The sandbox's tables: rows by key, a version stamp per change (change tracking), deletion tombstones.

Every write takes the next organisation-wide version number; ``@odata.etag`` is ``W/"<version>"`` and a
delta token ``<version>!<MM/DD/YYYY HH:MM:SS>`` asks for everything after that version.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .edm import TABLES, Table

__all__ = ["Store", "Tombstone"]

VERSION = "versionnumber"


@dataclass(frozen=True)
class Tombstone:
    """A deleted row: its key and the version of the delete."""

    key: str
    version: int


@dataclass
class _TableData:
    table: Table
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    deleted: list[Tombstone] = field(default_factory=list)
    order: list[str] | None = None  # sorted keys, rebuilt after an insert or delete


class Store:
    """Rows of every table, thread-safe for the loopback server."""

    def __init__(self) -> None:
        self._data = {t.entity_set: _TableData(t) for t in TABLES}
        self._version = 1000
        self.lock = threading.RLock()

    @property
    def version(self) -> int:
        """The latest version stamp handed out."""
        return self._version

    def table(self, entity_set: str) -> Table:
        """The table behind ``entity_set`` (``KeyError`` when unknown)."""
        return self._data[entity_set].table

    def rows(self, entity_set: str, after: str | None = None) -> Iterator[dict[str, Any]]:
        """Rows of ``entity_set`` in key order (the order paging walks), those past key ``after`` if given."""
        data = self._data[entity_set]
        if data.order is None:
            data.order = sorted(data.rows)
        order = data.order
        start = bisect_right(order, after) if after is not None else 0
        for key in order[start:]:
            row = data.rows.get(key)
            if row is not None:
                yield row

    def count(self, entity_set: str) -> int:
        """How many rows ``entity_set`` holds."""
        return len(self._data[entity_set].rows)

    def get(self, entity_set: str, key: str) -> dict[str, Any] | None:
        """One row by key."""
        return self._data[entity_set].rows.get(key)

    def tombstones(self, entity_set: str, after: int) -> list[Tombstone]:
        """Deletes in ``entity_set`` with a version above ``after``."""
        return [t for t in self._data[entity_set].deleted if t.version > after]

    def put(self, entity_set: str, row: dict[str, Any], when: datetime) -> dict[str, Any]:
        """Insert or replace ``row`` (it must carry the key); stamps ``modifiedon`` and a new version."""
        with self.lock:
            data = self._data[entity_set]
            key = row[data.table.key]
            self._version += 1
            stored = {**row, VERSION: self._version}
            if key not in data.rows:
                data.order = None
            if "modifiedon" in data.table.columns:
                stored["modifiedon"] = when
            if "createdon" in data.table.columns and stored.get("createdon") is None:
                stored["createdon"] = when
            data.rows[key] = stored
            return stored

    def update(self, entity_set: str, key: str, changes: dict[str, Any], when: datetime) -> dict[str, Any]:
        """Apply ``changes`` to an existing row (``KeyError`` when absent)."""
        with self.lock:
            row = self._data[entity_set].rows[key]
            return self.put(entity_set, {**row, **changes}, when)

    def delete(self, entity_set: str, key: str) -> None:
        """Remove a row and leave a tombstone for change tracking."""
        with self.lock:
            data = self._data[entity_set]
            if data.rows.pop(key, None) is not None:
                data.order = None
                self._version += 1
                data.deleted.append(Tombstone(key, self._version))

    def load(self, entity_set: str, row: dict[str, Any]) -> None:
        """Seed a row as generated (``modifiedon`` kept as given)."""
        data = self._data[entity_set]
        self._version += 1
        data.order = None
        data.rows[row[data.table.key]] = {**row, VERSION: self._version}
