"""``DataverseSandbox``: a stateful emulator of the Dataverse Web API v9.2 endpoints cjm-sync reads.

In-process::

    sandbox = DataverseSandbox(records=2_000, anchor=datetime(2026, 11, 1, tzinfo=UTC))
    client = httpx.Client(transport=sandbox.transport(), base_url="https://org.crm.dynamics.com")

Over loopback: ``with sandbox.serve() as servers: servers.data_url, servers.authority_url``.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, unquote
from uuid import UUID

import httpx

from .batch import answer_batch
from .edm import TABLES, Table, table_by_set
from .errors import EXPIRED_TOKEN, NOT_FOUND, PRIVILEGE, ODataError, query_error
from .generator import OPTION_SETS, Generated, generate
from .login import LoginAuthority
from .metadata import MetadataService
from .protection import ServiceProtection
from .query import Query, parse_query, project
from .store import VERSION, Store
from .wire import Request, Response, SandboxTransport, json_response

__all__ = ["API_ROOT", "CallRecord", "DataverseSandbox"]

API_ROOT = "/api/data/v9.2/"
MAX_PAGE_SIZE = 5000
COUNT_CAP = 5000
_SINGLE = re.compile(r"^(?P<set>\w+)\((?P<key>[0-9a-fA-F-]{36})\)$")
_COOKIE = re.compile(
    r'<cookie pagenumber="(?P<page>\d+)" pagingcookie="(?P<paging>[^"]*)" istracking="(?P<tracking>\w+)" />'
)
_DELTA = re.compile(r"^(?P<version>\d+)!(?P<when>\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2})$")
_FORMATTED = "OData.Community.Display.V1.FormattedValue"


@dataclass(frozen=True)
class CallRecord:
    """One request the sandbox answered: what, how it ended, how many rows it returned."""

    method: str
    path: str
    query: dict[str, str]
    status: int
    rows: int
    prefer: str = ""
    in_batch: bool = False
    """Answered as a part of a ``$batch`` request (not an HTTP request of its own)."""


@dataclass
class _Prefer:
    page_size: int | None = None
    track_changes: bool = False
    annotations: str = ""

    @classmethod
    def parse(cls, header: str) -> _Prefer:
        prefer = cls()
        for part in (p.strip() for p in header.split(",")):
            name, _, value = part.partition("=")
            if name == "odata.maxpagesize" and value.isdigit():
                prefer.page_size = int(value)
            elif name == "odata.track-changes":
                prefer.track_changes = True
            elif name == "odata.include-annotations":
                prefer.annotations = value.strip('"')
        return prefer


@dataclass
class DataverseSandbox:
    """The emulator: generated tables, metadata, paging, aggregation, change tracking, limits, auth.

    ``auth="any"`` accepts any bearer token (in-process ``--sandbox`` use); ``"issued"`` only tokens from
    ``login`` for an app listed in ``app_users`` (``client_id → tables it may not read``).
    """

    records: int = 2_000
    seed: int = 7
    anchor: datetime | None = None
    aggregate_limit: int = 50_000
    change_tracking_days: int = 7
    untracked: frozenset[str] = frozenset()
    """Entity sets whose change tracking is switched off (``ChangeTrackingEnabled`` false)."""
    latency: float = 0.0
    auth: str = "any"
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    protection: ServiceProtection = field(default_factory=ServiceProtection)
    login: LoginAuthority = field(default_factory=LoginAuthority)
    app_users: dict[str, set[str]] = field(default_factory=dict)
    calls: list[CallRecord] = field(default_factory=list)
    store: Store = field(default_factory=Store, init=False)
    generated: Generated = field(init=False)

    def __post_init__(self) -> None:
        if self.anchor is None:
            today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
            self.anchor = today + timedelta(days=1)
        self.generated = generate(self.store, records=self.records, seed=self.seed, anchor=self.anchor)
        self.metadata = MetadataService(OPTION_SETS, lambda: self.untracked)

    # ----------------------------------------------------------------- public helpers for tests and demos
    def transport(self) -> httpx.BaseTransport:
        """An httpx transport answering in-process."""
        return SandboxTransport(self.handle)

    def rows(self, entity_set: str) -> list[dict[str, Any]]:
        """Copies of every row of ``entity_set`` (datetimes as aware ``datetime``)."""
        return [{k: v for k, v in row.items() if k != VERSION} for row in self.store.rows(entity_set)]

    def update(self, entity_set: str, key: str, **changes: Any) -> None:
        """Change a row as a user would (new ``modifiedon`` and version)."""
        self.store.update(entity_set, key, changes, self.now().replace(microsecond=0))

    def create(self, entity_set: str, row: dict[str, Any]) -> None:
        """Add a row (it must carry its key)."""
        self.store.put(entity_set, row, self.now().replace(microsecond=0))

    def delete(self, entity_set: str, key: str) -> None:
        """Delete a row (change tracking reports it as ``$deletedEntity``)."""
        self.store.delete(entity_set, key)

    def rows_served(self) -> int:
        """Total rows returned by collection reads so far."""
        return sum(c.rows for c in self.calls)

    # ----------------------------------------------------------------- dispatch
    def handle(self, request: Request) -> Response:
        """Answer one request (the data API or, for the login paths, the authority)."""
        if not request.path.startswith("/api/"):
            return self.login.handle(request)
        if self.latency:
            time.sleep(self.latency)
        rows = 0
        user = "anonymous"
        admitted = False
        try:
            user = self._authenticate(request)
            info = self.protection.enter(user)
            admitted = True
            response, rows = self._route(request, user)
            response.headers.update(info)
        except ODataError as exc:
            response = json_response(exc.status, exc.body(), exc.headers)
        finally:
            if admitted:
                self.protection.leave(user)
        self.calls.append(
            CallRecord(
                request.method,
                request.path,
                dict(request.query),
                response.status,
                rows,
                request.headers.get("prefer", ""),
            )
        )
        return response

    def _authenticate(self, request: Request) -> str:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        challenge = {
            "WWW-Authenticate": f"Bearer authorization_uri={request.base_url}/{self.login.tenant}/oauth2/authorize, "
            f"resource_id={request.base_url}"
        }
        if scheme.lower() != "bearer" or not token:
            raise ODataError(401, "0x80040220", "No bearer token was sent.", challenge)
        if self.auth == "any":
            return "sandbox-user"
        issued = self.login.check(token)
        if issued is None:
            raise ODataError(401, "0x80040220", "The access token is invalid or has expired.", challenge)
        if issued.client_id not in self.app_users:
            raise ODataError(
                403,
                "0x80072560",
                f"The user is not a member of the organization. No application user exists for the app "
                f"{issued.client_id} in this environment.",
            )
        return issued.client_id

    def _route(self, request: Request, user: str) -> tuple[Response, int]:
        path = request.path[len(API_ROOT) :] if request.path.startswith(API_ROOT) else None
        if path is None:
            raise ODataError(404, NOT_FOUND, f"Resource not found for the segment '{request.path}'.")
        if path == "$batch" and request.method == "POST":
            return answer_batch(request, lambda inner: self._batched(inner, user)), 0
        if request.method != "GET":
            raise ODataError(405, "0x80060888", f"The sandbox serves reads only; {request.method} is not allowed.")
        context = f"{request.base_url}{API_ROOT}$metadata"
        if path == "WhoAmI":
            return json_response(200, {
                "@odata.context": f"{context}#Microsoft.Dynamics.CRM.WhoAmIResponse",
                "BusinessUnitId": "7a1f6c3e-0000-0000-0000-000000000001",
                "UserId": str(UUID(int=abs(hash(user)) % 2**128)),
                "OrganizationId": "7a1f6c3e-0000-0000-0000-000000000002",
            }), 0  # fmt: skip
        if path.startswith("RetrieveTotalRecordCount("):
            return json_response(200, self._total_record_count(request)), 0
        if self.metadata.matches(path):
            return json_response(200, self.metadata.answer(path, request.query, context)), 0
        single = _SINGLE.match(path)
        if single is not None:
            return self._single(request, self._table(single.group("set"), user), single.group("key"), context), 1
        entity_set, _, tail = path.partition("/")
        table = self._table(entity_set, user)
        if tail == "$count":
            if "$deltatoken" in request.query:
                version = self._delta_version(request.query["$deltatoken"])
                changed = sum(1 for r in self.store.rows(entity_set) if r[VERSION] > version)
                changed += len(self.store.tombstones(entity_set, version))
                return Response(200, {"Content-Type": "text/plain", "OData-Version": "4.0"}, str(changed).encode()), 0
            return Response(
                200,
                {"Content-Type": "text/plain", "OData-Version": "4.0"},
                str(min(self.store.count(entity_set), COUNT_CAP)).encode(),
            ), 0
        if tail:
            raise ODataError(404, NOT_FOUND, f"Resource not found for the segment '{tail}'.")
        return self._collection(request, table, context)

    def _total_record_count(self, request: Request) -> dict[str, Any]:
        """``RetrieveTotalRecordCount(EntityNames=@p1)?@p1=["incident"]``: row counts per table (a snapshot)."""
        try:
            names = json.loads(request.query.get("@p1", ""))
        except ValueError:
            raise query_error('RetrieveTotalRecordCount needs EntityNames, e.g. @p1=["account"].') from None
        by_logical = {t.logical_name: t for t in TABLES}
        values = []
        for name in names if isinstance(names, list) else []:
            if name not in by_logical:
                raise ODataError(404, NOT_FOUND, f"Could not find an entity with LogicalName = '{name}'.")
            values.append(self.store.count(by_logical[name].entity_set))
        return {
            "@odata.context": f"{request.base_url}{API_ROOT}$metadata"
            "#Microsoft.Dynamics.CRM.RetrieveTotalRecordCountResponse",
            "EntityRecordCountCollection": {"Count": len(values), "IsReadOnly": False, "Keys": names, "Values": values},
        }

    def _batched(self, request: Request, user: str) -> tuple[Response, int]:
        try:
            response, rows = self._route(request, user)
        except ODataError as exc:
            response, rows = json_response(exc.status, exc.body(), exc.headers), 0
        self.calls.append(
            CallRecord(request.method, request.path, dict(request.query), response.status, rows, in_batch=True)
        )
        return response, rows

    def _table(self, entity_set: str, user: str) -> Table:
        table = table_by_set(entity_set)
        if table is None:
            raise ODataError(404, NOT_FOUND, f"Resource not found for the segment '{entity_set}'.")
        if table.entity_set in self.app_users.get(user, set()):
            privilege = "prvRead" + table.logical_name.capitalize()
            raise ODataError(
                403,
                PRIVILEGE,
                f"Principal user (Id={user}, type=8, roleCount=1, accessMode=4) is missing {privilege} privilege "
                f"on OTC for entity '{table.logical_name}'. Give the application user a security role with read "
                f"access to {table.logical_name}.",
            )
        return table

    # ----------------------------------------------------------------- reads
    def _annotate(self, prefer: _Prefer) -> Callable[[Table, dict[str, Any]], None]:
        wanted = prefer.annotations in ("*", _FORMATTED) or _FORMATTED in prefer.annotations.split(",")

        def annotate(table: Table, row: dict[str, Any]) -> None:
            if not wanted:
                return
            for column in table.picklists:
                if column in row and row[column] is not None:
                    labels = dict(OPTION_SETS.get((table.logical_name, column), []))
                    label = labels.get(row[column])
                    row[f"{column}@{_FORMATTED}"] = label if label is not None else str(row[column])

        return annotate

    def _single(self, request: Request, table: Table, key: str, context: str) -> Response:
        row = self.store.get(table.entity_set, str(UUID(key)))
        if row is None:
            raise ODataError(404, NOT_FOUND, f"{table.logical_name} With Id = {key} Does Not Exist")
        etag = f'W/"{row[VERSION]}"'
        if request.headers.get("if-none-match") == etag:
            return Response(304, {"ETag": etag, "OData-Version": "4.0"})
        query = parse_query(table, request.query)
        body = {"@odata.context": f"{context}#{table.entity_set}/$entity"}
        body.update(project(row, query, self.store, self._annotate(_Prefer.parse(request.headers.get("prefer", "")))))
        return json_response(200, body, {"ETag": etag})

    def _collection(self, request: Request, table: Table, context: str) -> tuple[Response, int]:
        prefer = _Prefer.parse(request.headers.get("prefer", ""))
        params = dict(request.query)
        if "$deltatoken" in params:
            return self._delta(request, table, context, prefer)
        if prefer.track_changes and (not table.change_tracking or table.entity_set in self.untracked):
            raise query_error(
                f"The entity '{table.logical_name}' is not enabled for change tracking "
                "(ChangeTrackingEnabled is false)."
            )
        query = parse_query(table, params, tracking=prefer.track_changes)
        selection = f"({','.join(query.select)})" if query.select else ""
        body: dict[str, Any] = {"@odata.context": f"{context}#{table.entity_set}{selection}"}
        applied: list[str] = []
        if query.is_aggregate:
            body["value"] = [
                _plain(r) for r in query.group(query.matching(self.store.rows(table.entity_set)), self.aggregate_limit)
            ]
            return json_response(200, body), 0
        page_size = min(prefer.page_size or MAX_PAGE_SIZE, MAX_PAGE_SIZE)
        if prefer.page_size:
            applied.append(f"odata.maxpagesize={page_size}")
        cookie = _COOKIE.fullmatch(unquote(params.pop("$skiptoken", ""))) if "$skiptoken" in request.query else None
        if "$skiptoken" in request.query and cookie is None:
            raise query_error("The $skiptoken value is not valid.")
        page_number = int(cookie.group("page")) if cookie else 1
        paging = cookie.group("paging") if cookie else ""
        snapshot = int(paging.split("|")[1]) if prefer.track_changes and "|" in paging else self.store.version
        top = query.top if prefer.page_size is None else None  # $top is ignored with odata.maxpagesize
        rows, more = self._page(table, query, page_size, paging.split("|")[0] if paging else None, page_number, top)
        annotate = self._annotate(prefer)
        body["value"] = [project(r, query, self.store, annotate) for r in rows]
        if query.count:
            total = sum(1 for _ in query.matching(self.store.rows(table.entity_set)))
            body["@odata.count"] = min(total, COUNT_CAP)
            if "totalrecordcount" in prefer.annotations or prefer.annotations == "*":
                body["@Microsoft.Dynamics.CRM.totalrecordcount"] = min(total, COUNT_CAP)
                body["@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"] = total > COUNT_CAP
        if more and rows:
            last = rows[-1][table.key] if not query.order else str(page_number * page_size)
            token = f"{last}|{snapshot}" if prefer.track_changes else last
            cookie_text = (
                f'<cookie pagenumber="{page_number + 1}" pagingcookie="{token}" istracking="{prefer.track_changes}" />'
            )
            body["@odata.nextLink"] = _link(request, table, params, "$skiptoken", cookie_text)
        elif prefer.track_changes:
            applied.append("odata.track-changes")
            body["@odata.deltaLink"] = self._delta_link(request, table, params, snapshot)
        if prefer.track_changes and "odata.track-changes" not in applied:
            applied.append("odata.track-changes")
        headers = {"Preference-Applied": ",".join(applied)} if applied else {}
        return json_response(200, body, headers), len(rows)

    def _page(
        self, table: Table, query: Query, size: int, after: str | None, page_number: int, top: int | None
    ) -> tuple[list[dict[str, Any]], bool]:
        if top is not None:
            matched = query.matching(self.store.rows(table.entity_set))
            return (query.sort(list(matched))[:top] if query.order else list(_limit(matched, top))), False
        if query.order:
            matched_rows = query.sort(list(query.matching(self.store.rows(table.entity_set))))
            start = (page_number - 1) * size
            return matched_rows[start : start + size], len(matched_rows) > start + size
        taken = list(_limit(query.matching(self.store.rows(table.entity_set, after)), size + 1))
        return taken[:size], len(taken) > size

    def _delta_link(self, request: Request, table: Table, params: dict[str, str], version: int) -> str:
        stamp = self.now().strftime("%m/%d/%Y %H:%M:%S")
        kept = {k: v for k, v in params.items() if k == "$select"}
        return _link(request, table, kept, "$deltatoken", f"{version}!{stamp}")

    def _delta_version(self, token: str) -> int:
        match = _DELTA.match(token)
        if match is None:
            raise query_error(f"The delta token '{token}' is not valid.")
        issued = datetime.strptime(match.group("when"), "%m/%d/%Y %H:%M:%S").replace(tzinfo=UTC)
        if self.now() - issued > timedelta(days=self.change_tracking_days):
            raise ODataError(
                400, EXPIRED_TOKEN, "Version stamp associated with the client has expired. Please perform a full sync."
            )
        return int(match.group("version"))

    def _delta(self, request: Request, table: Table, context: str, prefer: _Prefer) -> tuple[Response, int]:
        params = dict(request.query)
        since = self._delta_version(params["$deltatoken"])
        query = parse_query(table, {k: v for k, v in params.items() if k == "$select"})
        cookie = _COOKIE.fullmatch(unquote(params.pop("$skiptoken", ""))) if "$skiptoken" in request.query else None
        offset, snapshot = (0, self.store.version)
        if cookie is not None:
            done, _, snap = cookie.group("paging").partition("|")
            offset, snapshot = int(done), int(snap)
        changed: list[dict[str, Any]] = [
            {"kind": "row", "row": r} for r in self.store.rows(table.entity_set) if since < r[VERSION] <= snapshot
        ]
        changed += [
            {"kind": "deleted", "key": t.key}
            for t in self.store.tombstones(table.entity_set, since)
            if t.version <= snapshot
        ]
        size = min(prefer.page_size or MAX_PAGE_SIZE, MAX_PAGE_SIZE)
        page = changed[offset : offset + size]
        annotate = self._annotate(prefer)
        value = []
        for item in page:
            if item["kind"] == "row":
                value.append(project(item["row"], query, self.store, annotate))
            else:
                value.append({
                    "@odata.context": f"{context}#{table.entity_set}/$deletedEntity",
                    "id": item["key"],
                    "reason": "deleted",
                })  # fmt: skip
        body: dict[str, Any] = {"@odata.context": f"{context}#{table.entity_set}/$delta", "value": value}
        if offset + size < len(changed):
            cookie_text = f'<cookie pagenumber="2" pagingcookie="{offset + size}|{snapshot}" istracking="True" />'
            body["@odata.nextLink"] = _link(request, table, params, "$skiptoken", cookie_text)
        else:
            body["@odata.deltaLink"] = self._delta_link(request, table, params, snapshot)
        return json_response(200, body, {"Preference-Applied": "odata.track-changes"}), len(page)


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    from .query import format_value  # noqa: PLC0415 - keeps the import list of this module short

    return {k: format_value(v) for k, v in row.items()}


def _limit(rows: Iterator[dict[str, Any]], n: int) -> Iterator[dict[str, Any]]:
    for i, row in enumerate(rows):
        if i >= n:
            return
        yield row


def _link(request: Request, table: Table, params: dict[str, str], name: str, value: str) -> str:
    kept = [
        f"{k}={quote(v, safe=',()=$ ')}".replace(" ", "%20")
        for k, v in params.items()
        if k not in ("$skiptoken", "$deltatoken")
    ]
    kept.append(f"{name}={quote(value, safe='')}")
    return f"{request.base_url}{API_ROOT}{table.entity_set}?{'&'.join(kept)}"
