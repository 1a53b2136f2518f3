"""The record cache of one HubSpot object: which records it keeps, and how a run brings it up to date.

A stream keeps, per record, only the properties its metrics need, and only the records the windows can
use: those whose *record time* — any of :attr:`Scope.times` (``createdate`` for tickets, ``hs_createdate``
for feedback, ``hs_v2_date_entered_<stage>`` for stage entries …) — is at or after the stream's covered
start (its memo's ``from``). How a run reads (docs/metrics.md "How the values are read"):

* **first pull** (or the linked keys changed): search the record times from the earliest window start on,
  200 per page, ≤ 5 times OR-ed per query; a query over 10,000 results is split into ascending
  per-property ranges restarted before the cap (:meth:`HubSpotClient.ascending`);
* **later pull**: an earlier ``--as-of`` fills only the gap ``[new start, covered start)``; then the
  records modified since the watermark (sorted ascending, restarted before the cap) are upserted, or
  dropped when no longer in scope; one count per ≤ 5 times compares the portal with the cache, and a
  difference reads the archived list (then reloads if still off);
* **``--full``**: every record of the object through the list endpoint (100/page: no search cap, no
  search-index lag), covering all times (``from`` = ``None``).

The watermark is where the next run's modification search starts. Search is eventually consistent: a
record modified in the two minutes before a run started may not be found yet, so the watermark never
passes ``run start − 2 min``; but when everything seen is older than that, it moves just past the newest
modification seen, so an unchanged rerun reads nothing again (a bulk edit is re-read at most once).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from cjm_sync.plugins import RecordCache
from connectors.hubspot.client import SEARCH_CAP, Group, HubSpotClient
from connectors.hubspot.keys import modified_property
from connectors.hubspot.values import epoch_ms, instant

log = logging.getLogger(__name__)

CONSISTENCY_LAG: Final = timedelta(minutes=2)
"""A watermark never passes run start minus this: search is eventually consistent (module docstring)."""
GROUPS_PER_QUERY: Final = 5
"""HubSpot takes at most 5 filter groups per search (changelog 2024-08-26; the spec says 6)."""
MS: Final = timedelta(milliseconds=1)
"""HubSpot's time resolution."""
ID_SORT: Final = "hs_object_id"
"""Window loads page in id order: stable while records change during the read."""


@dataclass(frozen=True)
class Scope:
    """What one object's stream keeps: ``properties`` per record, for records with any of ``times``
    at or after the covered start."""

    obj: str
    properties: tuple[str, ...]
    """Every property kept per record (``times`` included), sorted."""
    times: tuple[str, ...]
    """Record-time properties (epoch-ms or ISO strings); sorted."""

    @classmethod
    def of(cls, obj: str, properties: Iterable[str], times: Iterable[str]) -> Scope:
        """A scope with ``times`` among the kept properties."""
        kept = sorted({*properties, *times})
        return cls(obj, tuple(kept), tuple(sorted(set(times))))

    @property
    def fingerprint(self) -> str:
        """Stable across runs while the linked keys need the same properties and times (16 hex chars)."""
        text = "\n".join([*self.properties, "|", *self.times])
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def chunks(self) -> list[tuple[str, ...]]:
        """``times`` in groups of at most :data:`GROUPS_PER_QUERY` (one OR-query each)."""
        return [self.times[i : i + GROUPS_PER_QUERY] for i in range(0, len(self.times), GROUPS_PER_QUERY)]

    @staticmethod
    def groups(times: Sequence[str], since: datetime | None, until: datetime | None = None) -> list[Group]:
        """Filter groups for ``since <= time < until`` on any of ``times`` (``since`` ``None``: has a time)."""
        found: list[Group] = []
        for prop in times:
            if since is None:
                group: Group = [{"propertyName": prop, "operator": "HAS_PROPERTY"}]
            else:
                group = [{"propertyName": prop, "operator": "GTE", "value": epoch_ms(since)}]
            if until is not None:
                group.append({"propertyName": prop, "operator": "LT", "value": epoch_ms(until)})
            found.append(group)
        return found

    @staticmethod
    def matches(values: dict[str, Any], times: Sequence[str], since: datetime | None) -> bool:
        """Whether a record's values put it in scope for ``times`` from ``since`` (the search's test, locally)."""
        for prop in times:
            at = instant(values.get(prop))
            if at is not None and (since is None or at >= since):
                return True
        return False


def load_window(
    client: HubSpotClient, scope: Scope, since: datetime, until: datetime | None = None
) -> Iterator[dict[str, Any]]:
    """Every record with a time in ``[since, until)`` (``until`` ``None``: no end): one OR-query per
    chunk of times, 200 per page in id order; a chunk over 10,000 results is read per time property in
    ascending ranges restarted before the cap. A record can come twice (callers upsert by id)."""
    props = [*scope.properties, modified_property(scope.obj)]
    for chunk in scope.chunks():
        groups = Scope.groups(chunk, since, until)
        first = client.page(scope.obj, groups, props, sort=ID_SORT)
        if int(first.get("total") or 0) <= SEARCH_CAP:
            yield from first.get("results") or []
            following = ((first.get("paging") or {}).get("next") or {}).get("after")
            if following:
                yield from client.search(scope.obj, groups, props, sort=ID_SORT, start=str(following))
            continue
        for prop in chunk:
            yield from client.ascending(scope.obj, prop, since, props, until=until)


def now() -> datetime:
    """The current time, UTC (a function so that tests can move it)."""
    return datetime.now(UTC)


class StreamSync:
    """Brings one stream of the record cache up to date for one run (see the module docstring)."""

    def __init__(self, client: HubSpotClient, cache: RecordCache, stream: str, scope: Scope) -> None:
        self.client, self.cache, self.stream, self.scope = client, cache, stream, scope
        self._modified = modified_property(scope.obj)
        self._newest: datetime | None = None

    def run(self, need_from: datetime, *, full: bool) -> datetime | None:
        """Make the stream hold every in-scope record from ``need_from`` on (``full``: every record, all
        times, through the list endpoint); returns the new watermark (``None``: nothing seen yet)."""
        started = now()
        mark = self.cache.watermark(self.stream)
        memo = self.cache.get_memo(self.stream)
        covered = instant(memo.get("from"))
        if full:
            self._reload(None)
        elif mark is None or memo.get("properties") != self.scope.fingerprint or "from" not in memo:
            self._reload(need_from)
        else:
            if covered is not None and need_from < covered:  # an earlier --as-of: read just the gap
                self._put(load_window(self.client, self.scope, need_from, covered), need_from)
                covered = need_from
                self._memo(covered)
            self._catch_up(mark, covered)
        if self._newest is None:
            return mark
        visible = started - CONSISTENCY_LAG  # every modification before this was searchable when we read
        fresh = self._newest + MS if self._newest < visible else visible
        return max(fresh, mark) if mark is not None and not full else fresh

    def _memo(self, covered: datetime | None) -> None:
        self.cache.set_memo(
            self.stream,
            {
                "object": self.scope.obj,
                "properties": self.scope.fingerprint,
                "from": None if covered is None else covered.isoformat(),
            },
        )

    def _rows(self, records: Iterable[dict[str, Any]], covered: datetime | None) -> Iterator[tuple[str, Any]]:
        """``(id, values)`` for in-scope records, ``(id, None)`` for the others (dropped if cached)."""
        for record in records:
            values = record.get("properties") or {}
            stamp = instant(values.get(self._modified)) or instant(record.get("updatedAt"))
            if stamp is not None and (self._newest is None or stamp > self._newest):
                self._newest = stamp
            kept = {name: values.get(name) for name in self.scope.properties}
            yield str(record["id"]), kept if Scope.matches(kept, self.scope.times, covered) else None

    def _put(self, records: Iterable[dict[str, Any]], covered: datetime | None) -> None:
        self.cache.put(self.stream, ((rid, doc) for rid, doc in self._rows(records, covered) if doc is not None))

    def _reload(self, covered: datetime | None) -> None:
        self.cache.clear(self.stream)
        if covered is None:
            props = [*self.scope.properties, self._modified]
            self._put(self.client.list_all(self.scope.obj, props), None)
        else:
            self._put(load_window(self.client, self.scope, covered), covered)
        self._memo(covered)

    def _catch_up(self, mark: datetime, covered: datetime | None) -> None:
        changed: list[str] = []
        try:
            records = self.client.changed_since(self.scope.obj, self._modified, mark, self.scope.properties)
            keep: list[tuple[str, Any]] = []
            for rid, doc in self._rows(records, covered):
                if doc is None:
                    changed.append(rid)
                else:
                    keep.append((rid, doc))
                if len(keep) >= 500:
                    self.cache.put(self.stream, keep)
                    keep = []
            self.cache.put(self.stream, keep)
            self.cache.delete(self.stream, changed)
        except RuntimeError as exc:
            log.info("hubspot %s: %s; reloading", self.scope.obj, exc)
            self._reload(covered)
            return
        if self._differs(covered):  # records were archived (or deleted): drop them
            archived = self.client.list_all(self.scope.obj, ["hs_object_id"], archived=True)
            self.cache.delete(self.stream, (str(r["id"]) for r in archived))
            if self._differs(covered):  # still off (deleted for good, missed): read the scope again
                log.info("hubspot %s: the cache differs from the portal; reloading", self.scope.obj)
                self._reload(covered)

    def _differs(self, covered: datetime | None) -> bool:
        """Whether the portal's count of in-scope records differs from the cache's, per chunk of times."""
        for chunk in self.scope.chunks():
            portal = self.client.count(self.scope.obj, Scope.groups(chunk, covered))
            cached = sum(1 for _, doc in self.cache.records(self.stream) if Scope.matches(doc, chunk, covered))
            if cached != portal:
                return True
        return False
