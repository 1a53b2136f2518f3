"""``HubSpotSandbox``: a stateful emulator of the HubSpot CRM endpoints cjm-sync reads.

Objects list (100/page) / get / batch read (100 inputs) / search (filter groups, one sort, ``total``,
200/page, 400 past 10,000 results), pipelines, properties — under both path styles (``/crm/v3/…`` and
``/crm/objects/2026-09/…``). Rate limits with HubSpot's headers and 429 bodies per policy, bearer auth,
latency and fault injection. Seeded by :func:`~.generator.generate`; mutations (``update``, ``create``,
``archive``) move the modification time so incremental reads see them. Serve it in-process
(:meth:`transport`) or over loopback (:func:`~.server.serve`).
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import httpx

from connectors.hubspot.sandbox.generator import Portal, generate, iso
from connectors.hubspot.sandbox.limits import RateLimits
from connectors.hubspot.sandbox.search import SearchError, check_filters, comparable, matches, sort_key

TOKEN = "sandbox-token"  # noqa: S105 - the emulator's fixed token
SEARCH_CAP = 10_000
DEFAULT_PROPERTIES = ("hs_object_id", "createdate", "hs_lastmodifieddate")
_VERSION = r"(?:v3|\d{4}-\d{2})"
_OBJECTS_V3 = re.compile(r"^/crm/v3/objects/(?P<obj>[\w-]+)(?P<rest>/.*)?$")
_OBJECTS_DATED = re.compile(r"^/crm/objects/(?P<ver>\d{4}-\d{2})/(?P<obj>[\w-]+)(?P<rest>/.*)?$")
_PIPELINES = re.compile(rf"^/crm/(?:v3/pipelines|pipelines/{_VERSION})/(?P<obj>[\w-]+)(?P<rest>/.*)?$")
_PROPERTIES = re.compile(rf"^/crm/(?:v3/properties|properties/{_VERSION})/(?P<obj>[\w-]+)(?P<rest>/.*)?$")
OBJECT_IDS = {
    "0-1": "contacts", "0-2": "companies", "0-3": "deals", "0-5": "tickets", "0-48": "calls", "0-49": "emails",
    "0-47": "meetings", "0-18": "communications", "0-19": "feedback_submissions",
}  # fmt: skip
Answer = tuple[int, dict[str, str], bytes]


class ApiError(Exception):
    """An error answer (HubSpot's ``Error`` body)."""

    def __init__(self, status: int, category: str, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.category, self.message = status, category, message
        self.headers = dict(headers or {})


class HubSpotSandbox:
    """One emulated portal. Thread-safe; every answer goes through :meth:`handle`."""

    def __init__(
        self, portal: Portal, *, limits: RateLimits | None = None, now: Callable[[], datetime] | None = None
    ) -> None:
        self.portal = portal
        self.limits = limits or RateLimits()
        self.latency = 0.0
        """Seconds every answer waits (realistic latency for benchmarks)."""
        self.calls: list[tuple[str, str]] = []
        """``(method, path)`` of every request received, for tests and benchmarks."""
        self._faults: list[int] = []
        self._lock = threading.RLock()
        self._now = now or (lambda: datetime.now(UTC))
        self._errors = 0
        self._nulls = True
        self._next_id = 0

    @classmethod
    def generate(cls, scenario: str = "b2b_saas", records: int = 3000, **options: Any) -> HubSpotSandbox:
        """A sandbox seeded with a generated portal (see :func:`~.generator.generate`)."""
        return cls(generate(scenario, records, **options))

    # -- test and benchmark hooks ----------------------------------------------------------------------
    def fail_next(self, status: int, times: int = 1) -> None:
        """The next ``times`` requests answer ``status`` (5xx faults, or a 429 of the burst policy)."""
        with self._lock:
            self._faults.extend([status] * times)

    def update(
        self, obj: str, record_id: str, properties: Mapping[str, str | None], at: datetime | None = None
    ) -> None:
        """Change properties of a record; its modification time moves to ``at`` (default: now)."""
        with self._lock:
            record = self.portal.records[obj][record_id]
            stamp = iso(at or self._now())
            record["properties"].update(properties)
            record["properties"]["hs_lastmodifieddate"] = stamp
            if obj == "contacts":
                record["properties"]["lastmodifieddate"] = stamp
            record["updatedAt"] = stamp

    def create(self, obj: str, properties: Mapping[str, str | None], at: datetime | None = None) -> str:
        """Add a record (modified now); returns its id."""
        with self._lock:
            bucket = self.portal.records.setdefault(obj, {})
            if not self._next_id:
                self._next_id = max((int(i) for records in self.portal.records.values() for i in records), default=0)
            self._next_id += 1
            rid = str(self._next_id)
            stamp = iso(at or self._now())
            props = {"hs_object_id": rid, "createdate": stamp, "hs_lastmodifieddate": stamp, **properties}
            if obj == "contacts":
                props["lastmodifieddate"] = stamp
            bucket[rid] = {"id": rid, "properties": props, "createdAt": stamp, "updatedAt": stamp, "archived": False}
            return rid

    def archive(self, obj: str, record_id: str) -> None:
        """Archive a record: it leaves lists and searches."""
        with self._lock:
            record = self.portal.records[obj][record_id]
            record["archived"] = True
            record["archivedAt"] = iso(self._now())

    def records(self, obj: str) -> list[dict[str, Any]]:
        """Unarchived records of ``obj`` (copies of their properties), for independent computations."""
        with self._lock:
            return [
                {"id": r["id"], **dict(r["properties"])}
                for r in self.portal.records.get(obj, {}).values()
                if not r["archived"]
            ]

    # -- serving ---------------------------------------------------------------------------------------
    def transport(self) -> httpx.MockTransport:
        """An in-process ``httpx`` transport answering from this sandbox."""

        def handler(request: httpx.Request) -> httpx.Response:
            query = dict(parse_qsl(request.url.query.decode(), keep_blank_values=True))
            status, headers, body = self.handle(
                request.method, request.url.path, query, dict(request.headers), request.read()
            )
            return httpx.Response(status, headers=headers, content=body)

        return httpx.MockTransport(handler)

    def handle(
        self, method: str, path: str, query: Mapping[str, str], headers: Mapping[str, str], body: bytes
    ) -> Answer:
        """Answer one request: ``(status, headers, body)``."""
        if self.latency:
            time.sleep(self.latency)
        lowered = {k.lower(): v for k, v in headers.items()}
        try:
            with self._lock:
                self.calls.append((method.upper(), path))
                return self._answer(method.upper(), path, query, lowered, body)
        except ApiError as error:
            return self._error(error)

    def _error(self, error: ApiError) -> Answer:
        self._errors += 1
        correlation = str(uuid.UUID(int=self._errors))
        payload: dict[str, Any] = {
            "status": "error",
            "message": error.message,
            "correlationId": correlation,
            "category": error.category,
        }
        if error.status == 429:
            payload = {
                "status": "error",
                "message": error.message,
                "errorType": "RATE_LIMIT",
                "correlationId": correlation,
                "policyName": error.category,
                "requestId": correlation,
            }
        return (
            error.status,
            {"Content-Type": "application/json;charset=utf-8", **error.headers},
            json.dumps(payload).encode(),
        )

    def _answer(
        self, method: str, path: str, query: Mapping[str, str], headers: Mapping[str, str], body: bytes
    ) -> Answer:
        if headers.get("authorization") != f"Bearer {TOKEN}":
            raise ApiError(401, "INVALID_AUTHENTICATION", "Authentication credentials not found.")
        search = method == "POST" and path.endswith("/search")
        policy, limit_headers = self.limits.admit(search)
        if policy is not None:
            messages = {"DAILY": "You have reached your daily limit.",
                        "SECONDLY": "You have reached your secondly limit.",
                        "TEN_SECONDLY_ROLLING": "You have reached your ten_secondly_rolling limit."}  # fmt: skip
            raise ApiError(429, policy, messages[policy], limit_headers)
        if self._faults:
            status = self._faults.pop(0)
            if status == 429:
                raise ApiError(
                    429,
                    "TEN_SECONDLY_ROLLING",
                    "You have reached your ten_secondly_rolling limit.",
                    {**limit_headers, "X-HubSpot-RateLimit-Remaining": "0"},
                )
            raise ApiError(status, "INTERNAL_ERROR", "Internal error (injected fault)")
        data = self._route(method, path, query, body)
        return 200, {"Content-Type": "application/json;charset=utf-8", **limit_headers}, json.dumps(data).encode()

    def _route(self, method: str, path: str, query: Mapping[str, str], body: bytes) -> Any:
        self._nulls = not path.startswith("/crm/v3/")  # v3 answers leave unset properties out (not nullable there)
        for pattern in (_OBJECTS_V3, _OBJECTS_DATED):
            found = pattern.match(path)
            if found:
                return self._objects(method, self._object(found["obj"]), found["rest"] or "", query, body)
        found = _PIPELINES.match(path)
        if found and method == "GET":
            return self._pipelines(self._object(found["obj"]), found["rest"] or "")
        found = _PROPERTIES.match(path)
        if found and method == "GET":
            return self._properties(self._object(found["obj"]), found["rest"] or "")
        raise ApiError(404, "OBJECT_NOT_FOUND", f"No route for {method} {path}")

    def _object(self, name: str) -> str:
        obj = OBJECT_IDS.get(name, name)
        if obj not in self.portal.records and obj not in self.portal.pipelines and obj not in self.portal.properties:
            raise ApiError(400, "VALIDATION_ERROR", f"Unable to infer object type from: {name}")
        return obj

    # -- objects ---------------------------------------------------------------------------------------
    def _live(self, obj: str) -> list[dict[str, Any]]:
        return [r for r in self.portal.records.get(obj, {}).values() if not r["archived"]]

    def _shape(self, record: Mapping[str, Any], wanted: list[str] | None) -> dict[str, Any]:
        props = record["properties"]
        names = wanted if wanted else [p for p in DEFAULT_PROPERTIES if p in props]
        values = {n: props.get(n) for n in dict.fromkeys([*names, "hs_object_id"])}
        shaped = {
            "id": record["id"],
            "properties": values if self._nulls else {k: v for k, v in values.items() if v is not None},
            "createdAt": record["createdAt"],
            "updatedAt": record["updatedAt"],
            "archived": record["archived"],
        }
        if record.get("archivedAt"):
            shaped["archivedAt"] = record["archivedAt"]
        return shaped

    def _objects(self, method: str, obj: str, rest: str, query: Mapping[str, str], body: bytes) -> Any:
        if method == "GET" and rest == "":
            return self._list(obj, query)
        if method == "POST" and rest == "/search":
            return self._search(obj, _json(body))
        if method == "POST" and rest == "/batch/read":
            return self._batch_read(obj, _json(body))
        if method == "GET" and rest.count("/") == 1:
            record = self.portal.records.get(obj, {}).get(rest[1:])
            if record is None or record["archived"]:
                raise ApiError(404, "OBJECT_NOT_FOUND", f"Object not found. objectId are usually numeric. ({rest[1:]})")
            return self._shape(record, _csv(query.get("properties")))
        raise ApiError(
            405 if rest in ("", "/search", "/batch/read") else 404, "VALIDATION_ERROR", f"{method} not supported here"
        )

    def _list(self, obj: str, query: Mapping[str, str]) -> dict[str, Any]:
        limit = _int(query.get("limit", "10"), "limit")
        if not 1 <= limit <= 100:
            raise ApiError(400, "VALIDATION_ERROR", "limit must be between 1 and 100")
        archived = query.get("archived", "false").lower() == "true"
        pool = self.portal.records.get(obj, {}).values()
        records = sorted((r for r in pool if r["archived"] == archived), key=lambda r: int(r["id"]))
        after = query.get("after")
        start = 0
        if after:
            start = next((i for i, r in enumerate(records) if int(r["id"]) > _int(after, "after")), len(records))
        page = records[start : start + limit]
        answer: dict[str, Any] = {"results": [self._shape(r, _csv(query.get("properties"))) for r in page]}
        if start + limit < len(records):
            cursor = page[-1]["id"]
            answer["paging"] = {"next": {"after": cursor, "link": f"?after={cursor}"}}
        return answer

    def _batch_read(self, obj: str, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("inputs"), list):
            raise ApiError(400, "VALIDATION_ERROR", "inputs is required")
        if len(body["inputs"]) > 100:
            raise ApiError(400, "VALIDATION_ERROR", "Too many inputs (at most 100)")
        wanted = [str(p) for p in body.get("properties") or []]
        found = []
        for item in body["inputs"]:
            record = self.portal.records.get(obj, {}).get(str((item or {}).get("id")))
            if record is not None and not record["archived"]:
                found.append(self._shape(record, wanted))
        stamp = iso(self._now())
        return {"status": "COMPLETE", "results": found, "startedAt": stamp, "completedAt": stamp}

    def _search(self, obj: str, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise ApiError(400, "VALIDATION_ERROR", "a search body is a JSON object")
        try:
            groups = check_filters(body.get("filterGroups", []))
            sort = sort_key(body.get("sorts", []))
        except SearchError as exc:
            raise ApiError(400, "VALIDATION_ERROR", str(exc)) from None
        limit = body.get("limit", 10)
        if not isinstance(limit, int) or not 0 <= limit <= 200:
            raise ApiError(400, "VALIDATION_ERROR", "limit must be between 0 and 200")
        after = _int(str(body.get("after") or "0"), "after")
        if after + max(limit, 1) > SEARCH_CAP:
            raise ApiError(400, "VALIDATION_ERROR", f"paging past {SEARCH_CAP} results is not supported by search")
        hits = [r for r in self._live(obj) if matches(r["properties"], groups)]
        if sort is None:
            hits.sort(key=lambda r: int(r["id"]))
        else:
            name, descending = sort
            present = [r for r in hits if comparable(r["properties"].get(name)) is not None]
            missing = [r for r in hits if comparable(r["properties"].get(name)) is None]
            present.sort(
                key=lambda r: (_order(comparable(r["properties"].get(name))), int(r["id"])), reverse=descending
            )
            hits = present + missing
        page = hits[after : after + limit]
        wanted = [str(p) for p in body.get("properties") or []]
        answer: dict[str, Any] = {"total": len(hits), "results": [self._shape(r, wanted) for r in page]}
        if after + limit < min(len(hits), SEARCH_CAP) and limit:
            answer["paging"] = {"next": {"after": str(after + limit)}}
        return answer

    # -- metadata --------------------------------------------------------------------------------------
    def _pipelines(self, obj: str, rest: str) -> Any:
        pipelines = self.portal.pipelines.get(obj)
        if pipelines is None:
            raise ApiError(400, "VALIDATION_ERROR", f"{obj} has no pipelines")
        if not rest:
            return {"results": pipelines}
        parts = rest.strip("/").split("/")
        pipeline = next((p for p in pipelines if p["id"] == parts[0]), None)
        if pipeline is None:
            raise ApiError(404, "OBJECT_NOT_FOUND", f"pipeline {parts[0]} not found")
        if len(parts) == 1:
            return pipeline
        if parts[1] == "stages" and len(parts) == 2:
            return {"results": pipeline["stages"]}
        raise ApiError(404, "OBJECT_NOT_FOUND", "not found")

    def _properties(self, obj: str, rest: str) -> Any:
        props = self.portal.properties.get(obj, [])
        if not rest:
            return {"results": props}
        name = rest.strip("/")
        found = next((p for p in props if p["name"] == name), None)
        if found is None:
            raise ApiError(404, "OBJECT_NOT_FOUND", f"Property {name} does not exist")
        return found


def _order(value: float | str | None) -> tuple[int, float | str]:
    return (0, value) if isinstance(value, float) else (1, str(value))


def _json(body: bytes) -> Any:
    try:
        return json.loads(body or b"null")
    except ValueError as exc:
        raise ApiError(400, "VALIDATION_ERROR", f"Invalid input JSON: {exc}") from None


def _csv(text: str | None) -> list[str] | None:
    return [p for p in (text or "").split(",") if p] or None


def _int(text: str, name: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ApiError(400, "VALIDATION_ERROR", f"{name} must be an integer") from None
