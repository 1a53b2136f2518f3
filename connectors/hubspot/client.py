"""``HubSpotClient``: the CRM reads the connector makes, on the shared :class:`cjm_sync.http.ApiClient`.

- counts: ``POST …/search`` with ``limit=1``, reading ``total`` (never paging);
- values: search pages of 200 asking only for the needed properties; a query never pages past 10,000
  results (HubSpot answers 400 there): :meth:`HubSpotClient.changed_since` restarts from the last
  modification time seen, sorted ascending, before the cap;
- full loads: ``GET …/{objectType}`` pages of 100 (no cap);
- metadata: pipelines with their stages, one property's options (lifecycle stages, directions …).

Within one client (one run) a count with the same filters is asked once, and pipelines and property
definitions are read once; :attr:`HubSpotClient.purposes` counts the requests by purpose (``pipelines``,
``properties``, ``search-count``, ``search-page``, ``list-page``, ``batch-read``) for ``--json`` and the
benchmark.

Paths are date-versioned by default (``/crm/objects/2026-09/…``); ``api_version = "v3"`` uses
``/crm/v3/…``. Searches are counted in their own rate-limit bucket (:data:`~connectors.hubspot.rules.SEARCH_BUCKET`,
5 requests/s per account, no headers), apart from the burst limit (see :mod:`connectors.hubspot.rules`);
they are read-only POSTs, retried like a GET. Request bodies follow
the official spec files (``specs/hubspot/2026-09``): ``after``, ``filterGroups``, ``limit``,
``properties`` and ``sorts`` are always sent, ``sorts`` as strings.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from cjm_sync.http import ApiClient, CallKind
from connectors.hubspot.rules import SEARCH_BUCKET
from connectors.hubspot.values import epoch_ms, instant

log = logging.getLogger(__name__)

SEARCH_PAGE: Final = 200
LIST_PAGE: Final = 100
SEARCH_CAP: Final = 10_000
Filter = dict[str, Any]
Group = list[Filter]


def between(prop: str, start: datetime, end: datetime) -> Group:
    """Filters for ``start <= prop < end`` (half-open; BETWEEN would include the end)."""
    return [
        {"propertyName": prop, "operator": "GTE", "value": epoch_ms(start)},
        {"propertyName": prop, "operator": "LT", "value": epoch_ms(end)},
    ]


def one_of(prop: str, values: Sequence[str]) -> Filter:
    """``prop`` equals one of ``values`` (``EQ`` for one value, else ``IN``)."""
    if len(values) == 1:
        return {"propertyName": prop, "operator": "EQ", "value": values[0]}
    return {"propertyName": prop, "operator": "IN", "values": list(values)}


@dataclass(frozen=True)
class Paths:
    """URL prefixes of one API version style."""

    objects: str
    pipelines: str
    properties: str

    @classmethod
    def for_version(cls, version: str) -> Paths:
        """``v3`` → ``/crm/v3/…``; a date version such as ``2026-09`` → ``/crm/objects/2026-09/…``."""
        if version == "v3":
            return cls("/crm/v3/objects", "/crm/v3/pipelines", "/crm/v3/properties")
        return cls(f"/crm/objects/{version}", f"/crm/pipelines/{version}", f"/crm/properties/{version}")


class HubSpotClient:
    """Typed reads over one portal. Raises the core's error tree (``TransientError`` for a DAILY 429)."""

    def __init__(self, api: ApiClient, paths: Paths) -> None:
        """``api`` carries HubSpot's rules and limiter (see :meth:`HubSpotConnector.from_config`)."""
        self.api = api
        self.paths = paths
        self.purposes: Counter[str] = Counter()
        """Requests sent, by purpose (retries of one request count once; ``api.stats`` counts the wire)."""
        self._counts: dict[str, int] = {}
        self._metadata: dict[str, Any] = {}

    @staticmethod
    def _count_key(obj: str, groups: Sequence[Group]) -> str:
        return json.dumps([obj, list(groups)], sort_keys=True)

    def _search(self, obj: str, body: Mapping[str, Any]) -> dict[str, Any]:
        self.purposes["search-count" if body.get("limit") == 1 else "search-page"] += 1
        response = self.api.request(
            "POST",
            f"{self.paths.objects}/{obj}/search",
            json=dict(body),
            kind=CallKind.SEARCH,
            idempotent=True,
            bucket=SEARCH_BUCKET,
        )
        data = response.json()
        return data if isinstance(data, dict) else {}

    def count(self, obj: str, groups: Sequence[Group]) -> int:
        """How many records match ``groups`` (OR of AND-groups): one search, ``limit=1``, its ``total``
        — asked once per client: the same object and filters again answer from memory."""
        key = self._count_key(obj, groups)
        if key not in self._counts:
            body = {"filterGroups": [{"filters": g} for g in groups], "sorts": [], "properties": ["hs_object_id"]}
            data = self._search(obj, {**body, "limit": 1, "after": "0"})
            self._counts[key] = int(data.get("total") or 0)
        return self._counts[key]

    def known(self, obj: str, groups: Sequence[Group]) -> int | None:
        """The count of ``groups`` if this run already knows it (no request)."""
        return self._counts.get(self._count_key(obj, groups))

    def known_count(self, obj: str, groups: Sequence[Group], total: int) -> None:
        """Remember a count learnt another way (a search page's ``total``, records counted in a page), so
        :meth:`count` with the same filters costs nothing."""
        self._counts[self._count_key(obj, groups)] = total

    def page(
        self, obj: str, groups: Sequence[Group], properties: Sequence[str], *, sort: str | None = None, after: str = "0"
    ) -> dict[str, Any]:
        """One search page of up to 200 records: ``{"total", "results", "paging"?}`` (its ``total`` is
        remembered as the count of ``groups``)."""
        body = {
            "filterGroups": [{"filters": g} for g in groups],
            "sorts": [sort] if sort else [],
            "properties": list(properties),
            "limit": SEARCH_PAGE,
            "after": after,
        }
        data = self._search(obj, body)
        if "total" in data:
            self.known_count(obj, groups, int(data.get("total") or 0))
        return data

    def search(
        self,
        obj: str,
        groups: Sequence[Group],
        properties: Sequence[str],
        *,
        sort: str | None = None,
        start: str = "0",
    ) -> Iterator[dict[str, Any]]:
        """Every matching record from offset ``start`` (≤ 10,000 in all; the caller splits larger
        ranges), 200 per page."""
        after = start
        while True:
            data = self.page(obj, groups, properties, sort=sort, after=after)
            yield from data.get("results") or []
            following = ((data.get("paging") or {}).get("next") or {}).get("after")
            if not following or int(following) + SEARCH_PAGE > SEARCH_CAP:
                return
            after = str(following)

    def changed_since(
        self, obj: str, modified: str, since: datetime, properties: Sequence[str]
    ) -> Iterator[dict[str, Any]]:
        """Records with ``modified >= since``, ascending (:meth:`ascending` on the modification time)."""
        return self.ascending(obj, modified, since, properties)

    def ascending(
        self, obj: str, prop: str, since: datetime, properties: Sequence[str], *, until: datetime | None = None
    ) -> Iterator[dict[str, Any]]:
        """Records with ``since <= prop`` (``< until`` if given), sorted ascending on ``prop``; past
        10,000 results the query restarts at the last ``prop`` value seen — the time range is split
        where the cap would be, never paged past (records seen twice are harmless: callers upsert by
        id). Raises ``RuntimeError`` if more than 10,000 records share one value (callers reload
        through the list endpoint)."""
        start = since
        wanted = sorted({*properties, prop})
        while True:
            group = [{"propertyName": prop, "operator": "GTE", "value": epoch_ms(start)}]
            if until is not None:
                group.append({"propertyName": prop, "operator": "LT", "value": epoch_ms(until)})
            seen = 0
            last: datetime | None = None
            for record in self.search(obj, [group], wanted, sort=prop):
                seen += 1
                stamp = instant((record.get("properties") or {}).get(prop))
                last = stamp or last
                yield record
            if seen < SEARCH_CAP:
                return
            if last is None or last <= start:
                raise RuntimeError(f"more than {SEARCH_CAP} {obj} share one {prop}")
            start = last

    def list_all(self, obj: str, properties: Sequence[str], *, archived: bool = False) -> Iterator[dict[str, Any]]:
        """Every record through the list endpoint (``archived``: the archived ones), 100 per page, only
        ``properties``."""
        after: str | None = None
        while True:
            params: dict[str, Any] = {
                "limit": LIST_PAGE,
                "properties": ",".join(properties),
                "archived": "true" if archived else "false",
            }
            if after:
                params["after"] = after
            self.purposes["list-page"] += 1
            data = self.api.get_json(f"{self.paths.objects}/{obj}", params=params, kind=CallKind.LIST)
            yield from (data or {}).get("results") or []
            after = (((data or {}).get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return

    def pipelines(self, obj: str) -> list[dict[str, Any]]:
        """The object's pipelines (stages included), unarchived, in display order (ties by label); read
        once per client."""
        data = self._read_metadata(f"{self.paths.pipelines}/{obj}", "pipelines") or {}
        found = [p for p in data.get("results") or [] if not p.get("archived")]
        return sorted(found, key=lambda p: (int(p.get("displayOrder") or 0), str(p.get("label"))))

    def property(self, obj: str, name: str) -> dict[str, Any]:
        """One property definition (``options`` with ``value``, ``label``, ``displayOrder``, ``hidden``);
        read once per client."""
        data = self._read_metadata(f"{self.paths.properties}/{obj}/{name}", "properties")
        return data if isinstance(data, dict) else {}

    def _read_metadata(self, path: str, purpose: str) -> Any:
        if path not in self._metadata:
            self.purposes[purpose] += 1
            self._metadata[path] = self.api.get_json(path, kind=CallKind.GET)
        return self._metadata[path]


def stages_in_order(pipeline: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A pipeline's unarchived stages by display order, ties by label (HubSpot's rule)."""
    stages = [s for s in pipeline.get("stages") or [] if not s.get("archived")]
    return sorted(stages, key=lambda s: (int(s.get("displayOrder") or 0), str(s.get("label"))))


def options_in_order(prop: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A property's visible options by display order (-1 last; ties keep the server's order)."""
    options = [o for o in prop.get("options") or [] if not o.get("hidden")]

    def order(option: Mapping[str, Any]) -> tuple[bool, int]:
        raw = option.get("displayOrder")
        value = int(raw) if isinstance(raw, int | str) else 0
        return value < 0, value  # -1 sorts after the positive values

    return sorted(options, key=order)
