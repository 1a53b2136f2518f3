"""``DataverseClient``: the Web API reads the connector makes, on top of :class:`cjm_sync.http.ApiClient`.

- aggregates (``$apply``) with Dataverse's 50,000-record limit handled by splitting the ``createdon``
  range in halves and adding the parts' counts;
- row reads with ``$select`` and ``Prefer: odata.maxpagesize=5000``, following ``@odata.nextLink``
  unchanged;
- change tracking (``Prefer: odata.track-changes``): the initial read, then delta links returning changed
  rows and ``$deletedEntity`` rows; an expired or refused delta token raises :class:`DeltaExpired`;
- metadata: entity set names, ``ChangeTrackingEnabled`` and option-set labels from ``EntityDefinitions``.

Source: learn.microsoft.com/power-apps/developer/data-platform/webapi (query/aggregate-data,
query/page-results, use-change-tracking-synchronize-data-external-systems).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import httpx

from cjm_sync.errors import ConfigError, FatalAPIError
from cjm_sync.http import Action, ApiClient, CallKind, NextLinkPaginator, Resolution
from connectors.dynamics.batch import BatchAnswer, encode_batch, parse_batch
from connectors.dynamics.odata import and_, apply_count, in_window, split_range, string_literal
from connectors.dynamics.rules import NEXT_LINK, RULES, error_message, limiter

__all__ = [
    "AGGREGATE_LIMIT_CODE",
    "PAGE_SIZE",
    "PERMISSION_HINT",
    "RESOLUTIONS",
    "ChangeSet",
    "CountSpec",
    "DataverseClient",
    "DeltaExpired",
    "EntityInfo",
    "open_api",
]

logger = logging.getLogger("cjm_sync.dynamics")

PAGE_SIZE = 5000
AGGREGATE_LIMIT_CODE = "0x8004E023"
_AGGREGATE_LIMIT_DECIMAL = "-2147164125"
_ANSWER_400: Mapping[int | type[BaseException], Resolution] = {400: Resolution(Action.IGNORE)}
_REFUSED_TOKEN = (400, 404, 410, 412, 422)
"""Answers to a stored delta link that mean "this token is no good": expired, unknown, table re-created."""
_ANSWER_REFUSED_TOKEN: Mapping[int | type[BaseException], Resolution] = {
    status: Resolution(Action.IGNORE) for status in _REFUSED_TOKEN
}
_MIN_SPLIT_SECONDS = 1.0
_ROWS_PER_PART = 40_000
BATCH_SIZE = 10  # Microsoft's advice: start batches at 10 requests (large ones hit the execution-time limit)
API_PATH = "/api/data/v9.2/"
PERMISSION_HINT = (
    "the app registration needs an application user in the Dataverse environment with a security role that "
    "grants organization-level read on the tables named (Power Platform admin center → Environment → "
    "Settings → Users + permissions → Application users)"
)
RESOLUTIONS: Mapping[int | type[BaseException], Resolution] = {
    401: Resolution(
        Action.REFRESH_AUTH,
        ConfigError,
        "Dataverse rejected the token (check DYNAMICS_URL and that the app has an application user there)",
    ),
    403: Resolution(Action.FAIL, ConfigError, "Dataverse refused the read: missing permission"),
}


def open_api(url: str, auth: httpx.Auth, *, transport: httpx.BaseTransport | None = None) -> ApiClient:
    """The HTTP client for the environment at ``url``: OData headers, Dataverse's 401/403 meanings and
    rules (:mod:`connectors.dynamics.rules`: 429s retried after exactly ``Retry-After`` seconds, at most
    6,000 requests per 5 minutes, OData error bodies)."""
    return ApiClient(
        "dynamics",
        url.rstrip("/") + API_PATH,
        auth=auth,
        transport=transport,
        resolutions=RESOLUTIONS,
        headers={"OData-MaxVersion": "4.0", "OData-Version": "4.0", "Accept": "application/json"},
        max_concurrency=1,  # reads go one at a time: far below Dataverse's 52 concurrent requests per user
        rate_limiter=limiter(),
        rules=RULES,
    )


@dataclass(frozen=True)
class CountSpec:
    """One count for :meth:`DataverseClient.count_many`: rows of a table created in ``[start, end)`` per group."""

    entity_set: str
    group_by: tuple[str, ...]
    start: datetime
    end: datetime
    logical_name: str | None = None


class DeltaExpired(Exception):
    """The stored delta link was refused (expired token, table re-created): a full resync is needed."""


@dataclass(frozen=True)
class EntityInfo:
    """A table's entity set name and whether change tracking is on."""

    logical_name: str
    entity_set: str
    change_tracking: bool
    key: str


@dataclass
class ChangeSet:
    """Rows changed (or, on an initial read, every row), keys deleted, and the next delta link."""

    upserts: list[dict[str, Any]] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    delta_link: str | None = None


def _is_limit_answer(answer: BatchAnswer) -> bool:
    error = answer.body.get("error") if isinstance(answer.body, dict) else None
    if not isinstance(error, dict):
        return False
    code, message = str(error.get("code", "")), str(error.get("message", ""))
    return code in (AGGREGATE_LIMIT_CODE, _AGGREGATE_LIMIT_DECIMAL) or "AggregateQueryRecordLimit" in message


def _is_aggregate_limit(response: httpx.Response) -> bool:
    return _error_code(response) in (AGGREGATE_LIMIT_CODE, _AGGREGATE_LIMIT_DECIMAL) or (
        "AggregateQueryRecordLimit" in error_message(response)
    )


def _error_code(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    return str(error.get("code", "")) if isinstance(error, dict) else ""


class DataverseClient:
    """Reads against one Dataverse environment through ``api`` (base URL ``…/api/data/v9.2/``)."""

    def __init__(self, api: ApiClient) -> None:
        self.api = api
        self.rows_read = 0
        self._totals: dict[str, int | None] = {}
        self._batch_ok = True

    # -------------------------------------------------------------- plumbing
    def get(self, path: str, params: Mapping[str, str] | None = None, *, prefer: str | None = None) -> dict[str, Any]:
        """GET a JSON object."""
        headers = {"Prefer": prefer} if prefer else None
        body = self.api.get_json(path, params=params, headers=headers)
        if not isinstance(body, dict):
            raise FatalAPIError("expected a JSON object", connector=self.api.connector, method="GET", url=path)
        return body

    def _count_rows(self, entity_set: str, n: int) -> None:
        """Count rows read; long reads report their progress every page (``-v`` shows it)."""
        before, self.rows_read = self.rows_read, self.rows_read + n
        if before // PAGE_SIZE != self.rows_read // PAGE_SIZE:
            logger.info("%s: %d rows read so far", entity_set, self.rows_read)

    # -------------------------------------------------------------- metadata
    def entities(self, logical_names: Sequence[str]) -> dict[str, EntityInfo]:
        """Entity set name and ``ChangeTrackingEnabled`` of each table (missing tables are left out).

        One request filtered on the names; where the metadata endpoint refuses that filter, every
        table's definition is read (still one request) and the wanted ones kept.
        """
        select = {"$select": "LogicalName,EntitySetName,ChangeTrackingEnabled,PrimaryIdAttribute"}
        wanted = " or ".join(f"LogicalName eq {string_literal(n)}" for n in logical_names)
        response = self.api.request(
            "GET", "EntityDefinitions", params={**select, "$filter": wanted}, resolutions=_ANSWER_400
        )
        if response.status_code == 400:
            response = self.api.request("GET", "EntityDefinitions", params=select)
        found = {}
        for row in response.json().get("value", []):
            if row.get("LogicalName") in logical_names:
                found[row["LogicalName"]] = EntityInfo(
                    row["LogicalName"],
                    row["EntitySetName"],
                    bool(row.get("ChangeTrackingEnabled")),
                    row.get("PrimaryIdAttribute") or f"{row['LogicalName']}id",
                )
        return found

    def option_labels(self, logical_name: str, column: str, *, status: bool = False) -> dict[int, str | None]:
        """``value → label`` of a choice column (``UserLocalizedLabel``, else the first localized label).

        Asks for the attribute by key; where that form is refused, the attribute collection filtered on
        the name. Without option-set metadata the keys fall back to option numbers (a warning).
        """
        cast = "StatusAttributeMetadata" if status else "PicklistAttributeMetadata"
        entity = f"EntityDefinitions(LogicalName='{logical_name}')"
        expand = {"$select": "LogicalName", "$expand": "OptionSet($select=Options)"}
        ignore: Mapping[int | type[BaseException], Resolution] = {s: Resolution(Action.IGNORE) for s in (400, 404)}
        response = self.api.request(
            "GET", f"{entity}/Attributes(LogicalName='{column}')/Microsoft.Dynamics.CRM.{cast}", params=expand,
            resolutions=ignore,
        )  # fmt: skip
        body: Any = response.json() if response.status_code == 200 else None
        if body is None:
            response = self.api.request(
                "GET",
                f"{entity}/Attributes/Microsoft.Dynamics.CRM.{cast}",
                params={**expand, "$filter": f"LogicalName eq {string_literal(column)}"},
                resolutions=ignore,
            )
            found = response.json().get("value", []) if response.status_code == 200 else []
            body = found[0] if found else None
        labels: dict[int, str | None] = {}
        if not isinstance(body, dict):
            logger.warning("%s.%s has no option-set metadata; keys use option numbers", logical_name, column)
            return labels
        for option in (body.get("OptionSet") or {}).get("Options", []):
            label = option.get("Label") or {}
            user = label.get("UserLocalizedLabel") or {}
            localized = label.get("LocalizedLabels") or [{}]
            text = user.get("Label") or localized[0].get("Label")
            labels[int(option["Value"])] = text or None
        return labels

    # -------------------------------------------------------------- aggregates
    def count_by(
        self,
        entity_set: str,
        group_by: Sequence[str],
        start: datetime,
        end: datetime,
        extra_filter: str | None = None,
        *,
        logical_name: str | None = None,
    ) -> dict[tuple[Any, ...], int]:
        """Rows created in ``[start, end)`` counted per distinct ``group_by`` values (one ``$apply``).

        On Dataverse's aggregate-limit error (more than 50,000 rows) the ``createdon`` range is cut into
        as many equal parts as the table's size suggests (``RetrieveTotalRecordCount`` of
        ``logical_name``, ~40,000 rows a part; 4 parts without it), and any part still over the limit
        into 4 again; the parts' counts are added.
        """
        answer = self._aggregate(entity_set, group_by, start, end, extra_filter)
        if answer is not None:
            return answer
        parts = self._parts_for(logical_name)
        logger.info("%s: more than 50,000 rows in %s..%s; counting in %d parts", entity_set, start, end, parts)
        return self._count_parts(entity_set, group_by, split_range(start, end, parts), extra_filter)

    def _count_parts(
        self,
        entity_set: str,
        group_by: Sequence[str],
        ranges: Sequence[tuple[datetime, datetime]],
        extra_filter: str | None,
    ) -> dict[tuple[Any, ...], int]:
        totals: dict[tuple[Any, ...], int] = {}
        for start, end in ranges:
            answer = self._aggregate(entity_set, group_by, start, end, extra_filter)
            if answer is None:
                if (end - start).total_seconds() <= _MIN_SPLIT_SECONDS:
                    raise FatalAPIError(
                        "more than 50,000 rows in one second of createdon: the aggregate cannot be split further",
                        connector=self.api.connector,
                    )
                answer = self._count_parts(entity_set, group_by, split_range(start, end, 4), extra_filter)
            for key, n in answer.items():
                totals[key] = totals.get(key, 0) + n
        return totals

    def _aggregate(
        self, entity_set: str, group_by: Sequence[str], start: datetime, end: datetime, extra_filter: str | None
    ) -> dict[tuple[Any, ...], int] | None:
        """One ``$apply`` count; ``None`` when Dataverse answers with the aggregate-limit error."""
        query = apply_count(and_(in_window(start, end), extra_filter), group_by)
        response = self.api.request("GET", entity_set, params={"$apply": query}, resolutions=_ANSWER_400)
        if response.status_code == 400:
            if _is_aggregate_limit(response):
                return None
            raise FatalAPIError(
                f"bad request: {error_message(response)}",
                connector=self.api.connector,
                status=400,
                method="GET",
                url=str(response.request.url),
            )
        body = response.json()
        return {tuple(row.get(c) for c in group_by): int(row["n"]) for row in body.get("value", [])}

    def count_many(self, specs: Sequence[CountSpec]) -> list[dict[tuple[Any, ...], int] | None]:
        """The counts of many specs, sent as ``$batch`` requests of up to ``BATCH_SIZE`` GETs.

        A spec over the aggregate limit is cut into parts (as in :meth:`count_by`) counted in a batch
        again. ``None`` for a spec the batches could not answer (throttled, refused, ``$batch`` not
        available): the caller counts those with :meth:`count_by`, which retries or reports precisely.
        A server that refuses ``$batch`` is not sent one again.
        """
        results: list[dict[tuple[Any, ...], int] | None] = [None] * len(specs)
        if not self._batch_ok or not specs:
            return results
        over: list[int] = []
        for first in range(0, len(specs), BATCH_SIZE):
            chunk = specs[first : first + BATCH_SIZE]
            answers = self._batch(
                [(s.entity_set, {"$apply": apply_count(in_window(s.start, s.end), s.group_by)}) for s in chunk]
            )
            if answers is None:
                return results
            for offset, (spec, answer) in enumerate(zip(chunk, answers, strict=True)):
                results[first + offset] = self._batch_count(spec, answer)
                if _is_limit_answer(answer):
                    over.append(first + offset)
        for index in over:
            spec = specs[index]
            if (spec.end - spec.start).total_seconds() <= _MIN_SPLIT_SECONDS:
                continue  # count_by reports it
            ranges = split_range(spec.start, spec.end, self._parts_for(spec.logical_name))
            parts = self.count_many([replace(spec, start=start, end=end) for start, end in ranges])
            if all(part is not None for part in parts):
                totals: dict[tuple[Any, ...], int] = {}
                for part in parts:
                    for key, n in (part or {}).items():
                        totals[key] = totals.get(key, 0) + n
                results[index] = totals
        return results

    def _batch(self, requests: list[tuple[str, dict[str, str]]]) -> list[BatchAnswer] | None:
        content_type, body = encode_batch(self.api.base_url, requests)
        refused: Mapping[int | type[BaseException], Resolution] = {
            status: Resolution(Action.IGNORE) for status in (400, 404, 405, 415, 500, 501)
        }
        response = self.api.request(
            "POST",
            "$batch",
            content=body,
            headers={"Content-Type": content_type},
            idempotent=True,
            kind=CallKind.LIST,
            resolutions=refused,
        )
        try:
            answers = parse_batch(response.headers.get("Content-Type", ""), response.content)
        except ValueError:
            answers = []
        if response.status_code != 200 or len(answers) != len(requests):
            logger.info("$batch is not available here (HTTP %s); sending requests one by one", response.status_code)
            self._batch_ok = False
            return None
        return answers

    def _batch_count(self, spec: CountSpec, answer: BatchAnswer) -> dict[tuple[Any, ...], int] | None:
        """A batched answer's counts; ``None`` for anything else (the aggregate limit, a throttled or
        refused part), which is then counted again on its own: split, retried, or reported precisely."""
        if answer.status == 200 and isinstance(answer.body, dict):
            return {tuple(row.get(c) for c in spec.group_by): int(row["n"]) for row in answer.body.get("value", [])}
        return None

    def _parts_for(self, logical_name: str | None) -> int:
        """How many parts a window over the 50,000 limit is cut into, from the table's total row count."""
        if logical_name is None:
            return 4
        if logical_name not in self._totals:
            response = self.api.request(
                "GET",
                "RetrieveTotalRecordCount(EntityNames=@p1)",
                params={"@p1": json.dumps([logical_name])},
                resolutions={**_ANSWER_400, 404: Resolution(Action.IGNORE), 501: Resolution(Action.IGNORE)},
            )
            total = None
            if response.status_code == 200:
                counts = response.json().get("EntityRecordCountCollection", {})
                values = dict(zip(counts.get("Keys", []), counts.get("Values", []), strict=False))
                total = values.get(logical_name)
            self._totals[logical_name] = int(total) if isinstance(total, int) else None
        total = self._totals[logical_name]
        if total is None:
            return 4
        return max(2, min(64, math.ceil(total / _ROWS_PER_PART)))

    # -------------------------------------------------------------- rows
    def rows(self, entity_set: str, select: Sequence[str], filter_text: str | None = None) -> Iterator[dict[str, Any]]:
        """Every matching row with only ``select`` columns, 5,000 per page, nextLink followed unchanged."""
        params = {"$select": ",".join(select)}
        if filter_text:
            params["$filter"] = filter_text
        for row in self.api.paginate(
            entity_set,
            NextLinkPaginator(NEXT_LINK),
            params=params,
            items_key="value",
            headers={"Prefer": f"odata.maxpagesize={PAGE_SIZE}"},
            kind=CallKind.LIST,
        ):
            self._count_rows(entity_set, 1)
            yield row

    def changes(self, entity_set: str, select: Sequence[str], delta_link: str | None) -> ChangeSet:
        """An initial change-tracking read (``delta_link=None``) or the changes since ``delta_link``."""
        prefer = f"odata.track-changes,odata.maxpagesize={PAGE_SIZE}"
        url: str | None = delta_link or entity_set
        params: dict[str, str] | None = None if delta_link else {"$select": ",".join(select)}
        result = ChangeSet()
        seen: set[str] = set()
        while url is not None:
            response = self.api.request(
                "GET",
                url,
                params=params,
                headers={"Prefer": prefer},
                kind=CallKind.LIST,
                resolutions=_ANSWER_REFUSED_TOKEN if delta_link else _ANSWER_400,
            )
            if response.status_code in _REFUSED_TOKEN:
                if delta_link is not None:
                    raise DeltaExpired(f"HTTP {response.status_code}: {error_message(response)}")
                raise FatalAPIError(
                    f"bad request: {error_message(response)}",
                    connector=self.api.connector,
                    status=400,
                    method="GET",
                    url=url,
                )
            try:
                body = response.json()
            except json.JSONDecodeError as exc:
                raise FatalAPIError("a page is not valid JSON", connector=self.api.connector) from exc
            for row in body.get("value", []):
                if str(row.get("@odata.context", "")).endswith("/$deletedEntity") or row.get("reason") == "deleted":
                    result.deleted.append(str(row.get("id")))
                else:
                    result.upserts.append(row)
            self._count_rows(entity_set, len(body.get("value", [])))
            result.delta_link = body.get("@odata.deltaLink") or result.delta_link
            url = body.get("@odata.nextLink")
            if url is not None:
                if url in seen:
                    raise FatalAPIError(
                        f"pagination loop: the server repeated the link {url}", connector=self.api.connector
                    )
                seen.add(url)
            params = None
        return result
