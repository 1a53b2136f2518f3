"""What the connector knows about one Dataverse environment in one run: tables, labels, processes,
counts per key, and per-record values kept current in the record cache.

Counts are re-aggregated each run (one ``$apply`` per table and window). Tables whose metrics need
per-record values are synchronised into the record cache: by change tracking where the table has it
(delta link kept in the stream's memo; an expired token clears the stream and reads the table once
in full), else by a ``modifiedon`` watermark (deletions there show at the next ``--full``).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from cjm_sync.errors import FatalAPIError
from connectors.dynamics.catalog import KIND_BY_LOGICAL, TouchpointKind
from connectors.dynamics.client import CountSpec, DataverseClient, DeltaExpired, EntityInfo
from connectors.dynamics.keys import DIRECTIONS, UNKNOWN, kebab, option_key
from connectors.dynamics.odata import datetime_literal, in_window

__all__ = ["Cache", "EnvironmentReader", "Process", "parse_instant"]

logger = logging.getLogger("cjm_sync.dynamics")


class Cache(Protocol):
    """The slice of the engine's record cache the reader uses."""

    def put(self, stream: str, records: Iterable[tuple[str, Mapping[str, Any]]]) -> int: ...
    def delete(self, stream: str, record_ids: Iterable[str]) -> None: ...
    def clear(self, stream: str) -> None: ...
    def records(self, stream: str) -> Iterator[tuple[str, dict[str, Any]]]: ...
    def get_memo(self, stream: str) -> dict[str, Any]: ...
    def set_memo(self, stream: str, memo: Mapping[str, Any]) -> None: ...


def parse_instant(value: Any) -> datetime | None:
    """A Web API datetime string (``2026-11-01T00:00:00Z``) as an aware datetime; ``None`` for null."""
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


@dataclass(frozen=True)
class Process:
    """A business process flow: name, BPF entity set and stages ``(processstageid, name)`` in process order."""

    workflow_id: str
    name: str
    logical_name: str
    entity_set: str
    stages: tuple[tuple[str, str], ...]


def stage_order(client_data: str | None) -> list[str]:
    """Stage ids in the order of the process definition (``workflows.clientdata``): every ``StageStep``
    in document order. ``[]`` when the definition cannot be read."""
    try:
        doc = json.loads(client_data or "")
    except ValueError:
        return []
    steps = _stage_ids(doc, lambda node: str(node.get("__class", "")).startswith("StageStep"))
    # a definition without step classes: every stageId in document order
    return list(dict.fromkeys(steps or _stage_ids(doc, lambda node: True)))


def _stage_ids(doc: Any, keep: Callable[[dict[str, Any]], bool]) -> list[str]:
    """Every ``stageId`` of the objects ``keep`` accepts, lower-cased, in document order."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("stageId") and keep(node):
                found.append(str(node["stageId"]).lower())
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(doc)
    return found


@dataclass
class EnvironmentReader:
    """Reads for one run; ``counts``/``labels``/``processes`` are fetched once and memoised."""

    client: DataverseClient
    scope: str = ""
    """Prefix of the record-cache streams (the environment's host), so environments never share one."""
    warnings: list[str] = field(default_factory=list)
    resynced: list[str] = field(default_factory=list)
    _entities: dict[str, EntityInfo] = field(default_factory=dict)
    _labels: dict[str, dict[int, str | None]] = field(default_factory=dict)
    _surveys: dict[str, str] | None = None
    _processes: list[Process] | None = None
    _counts: dict[tuple[str, datetime, datetime], dict[tuple[Any, ...], int]] = field(default_factory=dict)

    # ------------------------------------------------------------------ metadata
    def load_entities(self, logical_names: Iterable[str]) -> None:
        """Fetch entity set names and change-tracking flags for tables not known yet (one request)."""
        wanted = sorted(set(logical_names) - set(self._entities))
        if wanted:
            self._entities.update(self.client.entities(wanted))

    def entity(self, logical: str) -> EntityInfo | None:
        """Metadata of a table loaded with :meth:`load_entities` (``None`` when the environment lacks it)."""
        return self._entities.get(logical)

    def labels(self, logical: str, column: str) -> dict[int, str | None]:
        """Option labels of ``logical.column`` from the metadata."""
        key = f"{logical}.{column}"
        if key not in self._labels:
            self._labels[key] = self.client.option_labels(logical, column)
        return self._labels[key]

    def surveys(self) -> dict[str, str]:
        """Customer Voice surveys: ``msfp_surveyid → msfp_name``."""
        if self._surveys is None:
            info = self.entity("msfp_survey")
            rows = self.client.rows(info.entity_set, ["msfp_surveyid", "msfp_name"]) if info else iter(())
            self._surveys = {str(r["msfp_surveyid"]).lower(): str(r.get("msfp_name") or "") for r in rows}
        return self._surveys

    def processes(self) -> list[Process]:
        """Active business process flows with their stages in process order."""
        if self._processes is not None:
            return self._processes
        columns = ["workflowid", "name", "uniquename", "clientdata"]
        try:  # activated business process flows
            flows = list(self.client.rows("workflows", columns, "category eq 4 and statecode eq 1"))
        except FatalAPIError as exc:
            if exc.status != 400:
                raise
            flows = list(self.client.rows("workflows", columns, "category eq 4"))
        self.load_entities(str(f["uniquename"]) for f in flows if f.get("uniquename"))
        stages: dict[str, dict[str, str]] = {}
        if flows:
            wanted = " or ".join(f"_processid_value eq {f['workflowid']}" for f in flows)
            for row in self.client.rows("processstages", ["processstageid", "stagename", "_processid_value"], wanted):
                stages.setdefault(str(row["_processid_value"]).lower(), {})[str(row["processstageid"]).lower()] = str(
                    row.get("stagename") or ""
                )
        found = []
        for flow in sorted(flows, key=lambda f: str(f.get("name") or "")):
            info = self.entity(str(flow.get("uniquename")))
            names = stages.get(str(flow["workflowid"]).lower(), {})
            if info is None or not names:
                continue
            order = [s for s in stage_order(flow.get("clientdata")) if s in names]
            if len(order) != len(names):
                self.warnings.append(
                    f"process '{flow.get('name')}': its definition (clientdata) does not list every stage; "
                    "stages it omits are placed last"
                )
                order += [s for s in names if s not in order]
            found.append(
                Process(
                    str(flow["workflowid"]).lower(),
                    str(flow.get("name") or ""),
                    info.logical_name,
                    info.entity_set,
                    tuple((s, names[s]) for s in order),
                )
            )
        self._processes = found
        return found

    # ------------------------------------------------------------------ counts
    def count_by(
        self, logical: str, group_by: tuple[str, ...], start: datetime, end: datetime
    ) -> dict[tuple[Any, ...], int]:
        """Rows of ``logical`` created in ``[start, end)`` per group (memoised per run)."""
        info = self.entity(logical)
        if info is None:
            return {}
        key = (f"{logical}:{','.join(group_by)}", start, end)
        if key not in self._counts:
            self._counts[key] = self.client.count_by(
                info.entity_set, group_by, start, end, logical_name=info.logical_name
            )
        return self._counts[key]

    def prefetch(self, wanted: Iterable[tuple[str, tuple[str, ...], datetime, datetime]]) -> None:
        """Fetch the counts ``(logical, group_by, start, end)`` not memoised yet, batched."""
        todo = []
        for logical, group_by, start, end in dict.fromkeys(wanted):
            info = self.entity(logical)
            key = (f"{logical}:{','.join(group_by)}", start, end)
            if info is not None and key not in self._counts:
                todo.append((key, CountSpec(info.entity_set, group_by, start, end, info.logical_name)))
        for (key, _), counts in zip(todo, self.client.count_many([spec for _, spec in todo]), strict=True):
            if counts is not None:  # the rest are counted one by one when asked for
                self._counts[key] = counts

    def key_part(self, kind: TouchpointKind, group: tuple[Any, ...]) -> str | None:
        """The key's value part for an aggregate group (``None`` for kinds without one)."""
        if kind.logical in ("phonecall", "email"):
            if group[0] is None:
                return UNKNOWN
            return next(name for name, flag in DIRECTIONS.items() if flag is bool(group[0]))
        if kind.option_column is not None:
            return option_key(group[0], self.labels(kind.logical, kind.option_column))
        if kind.logical == "msfp_surveyresponse":
            survey = self.surveys().get(str(group[0]).lower()) if group[0] else None
            return (kebab(survey) or str(group[0]).lower()) if survey is not None else UNKNOWN
        return None

    def touchpoint_counts(self, logical: str, start: datetime, end: datetime) -> Counter[str]:
        """``key → rows created in [start, end)`` for every key of one touchpoint kind."""
        kind = KIND_BY_LOGICAL[logical]
        out: Counter[str] = Counter()
        for group, n in self.count_by(logical, kind.group_by, start, end).items():
            part = self.key_part(kind, group)
            out[f"dynamics:{logical}" + (f":{part}" if part is not None else "")] += n
        return out

    def score_counts(self, start: datetime, end: datetime) -> dict[str, Counter[int]]:
        """Customer Voice: ``key → Counter(score → responses)`` for responses created in ``[start, end)``."""
        kind = KIND_BY_LOGICAL["msfp_surveyresponse"]
        out: dict[str, Counter[int]] = {}
        for group, n in self.count_by(kind.logical, kind.group_by, start, end).items():
            key = f"dynamics:msfp_surveyresponse:{self.key_part(kind, group)}"
            if group[1] is not None:
                out.setdefault(key, Counter())[int(group[1])] += n
        return out

    def path_counts(self, process: Process, start: datetime, end: datetime) -> dict[tuple[str, ...], int]:
        """BPF instances created in ``[start, end)`` per traversed path (stage ids, lower case)."""
        out: dict[tuple[str, ...], int] = {}
        try:
            grouped = self.count_by(process.logical_name, ("traversedpath",), start, end)
        except FatalAPIError as exc:
            if exc.status != 400:
                raise
            # an environment that will not group on traversedpath: page the window's paths instead
            grouped = Counter(
                (row.get("traversedpath"),)
                for row in self.client.rows(process.entity_set, ["traversedpath"], in_window(start, end))
            )
        for (path,), n in grouped.items():
            stages = tuple(s.strip().lower() for s in str(path or "").split(",") if s.strip())
            out[stages] = out.get(stages, 0) + n
        return out

    # ------------------------------------------------------------------ per-record values
    def stream(self, logical: str) -> str:
        """The record-cache stream of a table: ``<environment host>/<logical name>``."""
        return f"{self.scope}/{logical}" if self.scope else logical

    def sync_rows(self, cache: Cache, logical: str, columns: tuple[str, ...], *, full: bool) -> None:
        """Bring the cached ``columns`` of every row of ``logical`` up to date (stream = logical name)."""
        info = self.entity(logical)
        if info is None:
            return
        stream = self.stream(logical)
        fingerprint = ",".join(columns)
        memo = cache.get_memo(stream)
        if full or memo.get("columns") != fingerprint or memo.get("entity_set") != info.entity_set:
            cache.clear(stream)
            memo = {}
        select = list(dict.fromkeys([info.key, *columns]))
        if info.change_tracking:
            link = memo.get("delta_link")
            try:
                changes = self.client.changes(info.entity_set, select, link)
            except DeltaExpired as exc:
                logger.warning(
                    "%s: the stored delta link was refused (%s); reading the table once in full", logical, exc
                )
                self.resynced.append(logical)
                cache.clear(stream)
                changes = self.client.changes(info.entity_set, select, None)
            cache.put(stream, ((str(r[info.key]).lower(), {c: r.get(c) for c in columns}) for r in changes.upserts))
            cache.delete(stream, [k.lower() for k in changes.deleted])
            cache.set_memo(
                stream, {"columns": fingerprint, "entity_set": info.entity_set, "delta_link": changes.delta_link}
            )
            return
        since = memo.get("modifiedon")
        newest = since
        batch: list[tuple[str, dict[str, Any]]] = []
        filter_text = f"modifiedon ge {datetime_literal(parse_instant(since))}" if since else None  # type: ignore[arg-type]
        for row in self.client.rows(info.entity_set, [*select, "modifiedon"], filter_text):
            batch.append((str(row[info.key]).lower(), {c: row.get(c) for c in columns}))
            modified = row.get("modifiedon")
            if modified and (newest is None or parse_instant(modified) > parse_instant(newest)):  # type: ignore[operator]
                newest = modified
            if len(batch) >= 1000:
                cache.put(stream, batch)
                batch = []
        cache.put(stream, batch)
        cache.set_memo(stream, {"columns": fingerprint, "entity_set": info.entity_set, "modifiedon": newest})
