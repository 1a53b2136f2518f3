"""``DynamicsConnector``: Dynamics 365 / Dataverse as a CRM source (read-only).

Discovers business-process-flow stages (in process order) and touchpoint keys with volumes, and pulls
the metrics of docs/metrics.md (Dynamics section) for the journey's linked stages and touchpoints:
counts by server-side aggregation, medians from per-record values kept in the record cache.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

import httpx

from cjm_sync.errors import ConfigError
from cjm_sync.http import ApiClient, BearerAuth
from cjm_sync.plugins import Capability, ConnectorKind
from cjm_sync.plugins.crm import (
    DiscoveredStage,
    DiscoveredTouchpoint,
    DiscoverRequest,
    Discovery,
    LinkKind,
    MetricFact,
    PullRequest,
    PullResult,
    RecordCache,
    SourceLink,
)
from cjm_sync.plugins.window import Window
from cjm_sync.schema import MetricUnit
from connectors.dynamics.catalog import (
    BPF_ACTIVE,
    BPF_COLUMNS,
    KIND_BY_LOGICAL,
    KPI_SUCCEEDED,
    RESOLUTION_COMPLETED,
    ROW_COLUMNS,
    TOUCHPOINT_KINDS,
    channel_for,
)
from connectors.dynamics.client import PERMISSION_HINT, DataverseClient, open_api
from connectors.dynamics.inbox import unassigned_keys
from connectors.dynamics.keys import SourceKey, check_key, kebab, option_key, parse_key
from connectors.dynamics.metrics import change_percent, median, nps, percent, round2
from connectors.dynamics.odata import apply_count, in_window
from connectors.dynamics.reader import EnvironmentReader, Process, parse_instant
from connectors.dynamics.settings import DynamicsSettings

__all__ = ["DynamicsConnector"]

SANDBOX_URL = "https://sandbox.crm.dynamics.com"
SANDBOX_RECORDS = 20_000
_ALL_TABLES = (
    *(k.logical for k in TOUCHPOINT_KINDS),
    "msfp_survey",
    "msdynmkt_journey",
    *ROW_COLUMNS,
)


@dataclass(frozen=True)
class _Parsed:
    link: SourceLink
    keys: tuple[SourceKey, ...]


class DynamicsConnector:
    """The Dataverse Web API v9.2 as a CRM source (see the module docstring)."""

    name: ClassVar[str] = "dynamics"
    kind: ClassVar[ConnectorKind] = ConnectorKind.CRM
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.READ, Capability.METRICS, Capability.DISCOVER, Capability.INCREMENTAL}
    )
    settings_model: ClassVar[type[DynamicsSettings]] = DynamicsSettings

    def __init__(self, api: ApiClient) -> None:
        self.api = api
        self.client = DataverseClient(api)
        self.scope = httpx.URL(str(api.base_url)).host

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_config(cls, options: Mapping[str, Any], *, transport: Any = None) -> DynamicsConnector:
        """From ``[connectors.dynamics]`` + environment; ``options["sandbox"]`` uses the built-in emulator."""
        settings = DynamicsSettings.load(options)
        if settings.sandbox:
            from connectors.dynamics.sandbox import DataverseSandbox  # noqa: PLC0415 - sandbox only on demand

            transport = transport or DataverseSandbox(records=SANDBOX_RECORDS).transport()
            return cls.connect(SANDBOX_URL, BearerAuth("sandbox-token"), transport=transport)
        url = settings.data_url()
        missing = settings.missing_credentials()
        if missing:
            raise ConfigError(f"no Dynamics credentials: set {', '.join(missing)}", hint=PERMISSION_HINT)
        from connectors.dynamics.auth import EntraAuth, certificate_credential  # noqa: PLC0415 - msal is heavy

        credential: str | dict[str, str]
        if settings.client_secret is not None:
            credential = settings.client_secret.get_secret_value()
        else:
            password = settings.certificate_password.get_secret_value() if settings.certificate_password else None
            credential = certificate_credential(str(settings.certificate_path), password)
        auth = EntraAuth(
            resource=url,
            tenant_id=str(settings.tenant_id),
            client_id=str(settings.client_id),
            credential=credential,
            authority_host=settings.authority_host,
            ca_bundle=settings.ca_bundle(),
        )
        return cls.connect(url, auth, transport=transport)

    @classmethod
    def connect(cls, url: str, auth: httpx.Auth, *, transport: httpx.BaseTransport | None = None) -> DynamicsConnector:
        """A connector for the environment at ``url`` (``https://<org>.crm.dynamics.com``)."""
        api = open_api(url, auth, transport=transport)
        return cls(api)

    @classmethod
    def demo_sources(cls) -> dict[str, list[str]]:
        """Source keys for ``cjm-sync demo --crm dynamics``: the example journey's stages and touchpoints
        linked to the built-in sandbox's data (its process stage ids do not depend on its size)."""
        from connectors.dynamics.sandbox import DataverseSandbox  # noqa: PLC0415 - sandbox only on demand

        lead, opportunity = (
            {name: f"dynamics:bpf:{p.entity_set}:{sid}" for sid, name in p.stages}
            for p in sorted(DataverseSandbox(records=10).generated.processes, key=lambda p: p.entity_set)
        )
        return {
            "stage:consideration": [lead["Qualify"]],
            "stage:trial": [opportunity["Develop"]],
            "stage:purchase": [opportunity["Close"]],
            "touchpoint:social-ad": ["dynamics:socialactivity", "dynamics:campaignresponse"],
            "touchpoint:signup-form": ["dynamics:lead:web"],
            "touchpoint:onboarding-email": ["dynamics:email:outgoing", "dynamics:msfp_surveyresponse:onboarding-nps"],
            "touchpoint:sales-call": ["dynamics:phonecall:outgoing", "dynamics:appointment"],
            "touchpoint:cancel-flow": ["dynamics:incident:web", "dynamics:incident:phone"],
        }

    @classmethod
    def check_source_key(cls, key: str, kind: LinkKind | None = None) -> str | None:
        """Why ``key`` is malformed for Dynamics, or cannot feed a ``kind`` entity (see
        :mod:`connectors.dynamics.keys`), or ``None``."""
        return check_key(key, kind)

    def api_calls(self) -> dict[str, Any]:
        """Calls by kind, retries, waits, and rows read."""
        return {**self.api.stats.to_dict(), "rows_read": self.client.rows_read}

    def close(self) -> None:
        """Close the HTTP pool."""
        self.api.close()

    # ------------------------------------------------------------------ discover
    def discover(self, request: DiscoverRequest) -> Discovery:
        """BPF stages in process order with ``reached``; every touchpoint key with its volumes; journeys."""
        reader = EnvironmentReader(self.client, self.scope)
        reader.load_entities(_ALL_TABLES)
        window, previous = request.window, request.window.previous
        reader.prefetch(
            [(p.logical_name, ("traversedpath",), window.start, window.end) for p in reader.processes()]
            + [(k.logical, k.group_by, w.start, w.end) for k in TOUCHPOINT_KINDS for w in (window, previous)]
        )
        stages = []
        for process in reader.processes():
            paths = reader.path_counts(process, window.start, window.end)
            for index, (stage_id, stage_name) in enumerate(process.stages):
                reached = sum(n for path, n in paths.items() if stage_id in path)
                stages.append(
                    DiscoveredStage(
                        key=f"dynamics:bpf:{process.entity_set}:{stage_id}",
                        label=stage_name,
                        order=index + 1,
                        entered=reached,
                        group=process.name,
                        extra={"process": process.name, "entity_set": process.entity_set},
                        metric="reached",
                    )
                )
        touchpoints = []
        for kind in TOUCHPOINT_KINDS:
            if reader.entity(kind.logical) is None:
                continue
            now = reader.touchpoint_counts(kind.logical, window.start, window.end)
            before = reader.touchpoint_counts(kind.logical, previous.start, previous.end)
            for key in sorted(set(now) | set(before)):
                part = key.split(":", 2)[2] if key.count(":") >= 2 else None
                touchpoints.append(
                    DiscoveredTouchpoint(
                        key=key,
                        label=self._label(reader, kind.logical, part),
                        count=now.get(key, 0),
                        count_previous=before.get(key, 0),
                        channel=channel_for(kind, part),
                    )
                )
        touchpoints.extend(self._journeys(reader))
        return Discovery(stages=stages, touchpoints=touchpoints, warnings=list(reader.warnings))

    def _label(self, reader: EnvironmentReader, logical: str, part: str | None) -> str:
        kind = KIND_BY_LOGICAL[logical]
        if part is None:
            return kind.noun
        if kind.option_column is not None:
            labels = reader.labels(logical, kind.option_column)
            text = next((lbl for v, lbl in labels.items() if option_key(v, labels) == part and lbl), part)
            return f"{kind.noun} from {text}"
        if logical == "msfp_surveyresponse":
            name = next((n for n in reader.surveys().values() if kebab(n) == part), part)
            return f"{kind.noun}: {name}"
        return f"{kind.noun} ({part})"

    def _journeys(self, reader: EnvironmentReader) -> list[DiscoveredTouchpoint]:
        info = reader.entity("msdynmkt_journey")
        if info is None:
            return []
        triggers = reader.labels("msdynmkt_journey", "msdynmkt_triggertype")
        statuses = self.client.option_labels("msdynmkt_journey", "statuscode", status=True)
        rows = self.client.rows(
            info.entity_set, ["msdynmkt_journeyid", "msdynmkt_name", "msdynmkt_triggertype", "statuscode"]
        )
        found = []
        for row in rows:
            trigger, status = row.get("msdynmkt_triggertype"), row.get("statuscode")
            found.append(
                DiscoveredTouchpoint(
                    key=f"dynamics:msdynmkt_journey:{str(row['msdynmkt_journeyid']).lower()}",
                    label=str(row.get("msdynmkt_name") or ""),
                    count=0,
                    count_previous=0,
                    channel="email",
                    extra={
                        "trigger": triggers.get(trigger) if trigger is not None else None,
                        "status": statuses.get(status) if status is not None else None,
                        "volume_available": False,
                    },
                )
            )
        return found

    # ------------------------------------------------------------------ pull
    def pull(self, request: PullRequest, cache: RecordCache) -> PullResult:
        """Metric facts for the linked stages and touchpoints (definitions: docs/metrics.md)."""
        reader = EnvironmentReader(self.client, self.scope)
        result = PullResult()
        parsed = self._parse_links(request.links, result)
        kinds = {k.kind for p in parsed for k in p.keys}
        tables = {k for k in kinds if k in KIND_BY_LOGICAL}
        if "incident" in kinds:
            tables |= set(ROW_COLUMNS)
        if "msfp_surveyresponse" in kinds:
            tables.add("msfp_survey")
        reader.load_entities(tables)
        processes = {p.entity_set: p for p in reader.processes()} if "bpf" in kinds else {}
        window = request.window
        bpf_sets = {k.parts[0] for p in parsed for k in p.keys if k.kind == "bpf"}
        reader.prefetch(
            [
                (p.logical_name, ("traversedpath",), window.start, window.end)
                for p in processes.values()
                if p.entity_set in bpf_sets
            ]
            + [
                (KIND_BY_LOGICAL[kind].logical, KIND_BY_LOGICAL[kind].group_by, w.start, w.end)
                for kind in sorted(kinds & set(KIND_BY_LOGICAL))
                for w in (window, window.previous)
            ]
        )
        if "incident" in kinds:
            for logical, columns in ROW_COLUMNS.items():
                reader.sync_rows(cache, logical, columns, full=request.full)
        for entity_set in sorted({k.parts[0] for p in parsed for k in p.keys if k.kind == "bpf"}):
            process = processes.get(entity_set)
            if process is not None:
                reader.sync_rows(cache, process.logical_name, BPF_COLUMNS, full=request.full)
        for item in parsed:
            touch = [k for k in item.keys if k.kind not in ("bpf", "msdynmkt_journey")]
            stages = [k for k in item.keys if k.kind == "bpf"]
            if touch:
                result.facts.extend(
                    self._touchpoint_facts(reader, cache, item.link.entity, touch, request.window, result)
                )
            if stages:
                result.facts.extend(
                    self._stage_facts(reader, cache, item.link.entity, stages, processes, request.window, result)
                )
        if request.unassigned:
            result.unassigned = unassigned_keys(reader, request.links, request.window, self._label, self._known_keys)
        result.warnings.extend(reader.warnings)
        result.warnings.extend(
            f"{t}: the stored change-tracking token was refused; the table was read once in full"
            for t in reader.resynced
        )
        return result

    def _parse_links(self, links: Iterable[SourceLink], result: PullResult) -> list[_Parsed]:
        parsed = []
        for link in links:
            keys = []
            for text in link.sources:
                try:
                    keys.append(parse_key(text))
                except ValueError as exc:
                    result.warnings.append(f"{link.entity}: {exc}")
            if keys:
                parsed.append(_Parsed(link, tuple(keys)))
        return parsed

    def _touchpoint_facts(
        self,
        reader: EnvironmentReader,
        cache: RecordCache,
        entity: str,
        keys: list[SourceKey],
        window: Window,
        result: PullResult,
    ) -> list[MetricFact]:
        wanted = {k.text for k in keys}
        previous = window.previous
        volume = before = 0
        parts: list[tuple[str, str, list[str]]] = []
        for logical in sorted({k.kind for k in keys}):
            info = reader.entity(logical)
            if info is None:
                result.warnings.append(f"{entity}: the environment has no table '{logical}'")
                continue
            now = reader.touchpoint_counts(logical, window.start, window.end)
            old = reader.touchpoint_counts(logical, previous.start, previous.end)
            known = set(now) | set(old) | self._known_keys(reader, logical)
            mine = sorted(k for k in wanted if k == f"dynamics:{logical}" or k.startswith(f"dynamics:{logical}:"))
            for key in mine:
                if key not in known:
                    result.warnings.append(f"{entity}: {key} matches no value Dynamics has for {logical}")
            volume += sum(n for k, n in now.items() if k in wanted)
            before += sum(n for k, n in old.items() if k in wanted)
            parts.append((info.entity_set, ",".join(KIND_BY_LOGICAL[logical].group_by), mine))

        def method(span: Window, label: str) -> str:
            return f"rows created in the {label} window, counted server-side: " + "; ".join(
                f"{entity_set}?$apply={apply_count(in_window(span.start, span.end), [columns])} → {', '.join(mine)}"
                for entity_set, columns, mine in parts
            )

        facts = [
            MetricFact(entity, "volume", volume, MetricUnit.COUNT, method(window, "metric"), volume),
            MetricFact(entity, "volume-previous", before, MetricUnit.COUNT, method(previous, "previous"), before),
            MetricFact(
                entity,
                "volume-change",
                round2(change_percent(volume, before)),
                MetricUnit.PERCENT,
                "(volume − volume-previous) / volume-previous × 100, from the two counts",
                volume + before,
            ),
        ]
        if any(k.kind == "incident" for k in keys):
            facts.extend(self._case_facts(reader, cache, entity, wanted, window))
        if any(k.kind == "msfp_surveyresponse" for k in keys):
            scores: Counter[int] = Counter()
            for key, counter in reader.score_counts(window.start, window.end).items():
                if key in wanted:
                    scores.update(counter)
            value, negative, n = nps(scores)
            how = (
                "msfp_surveyresponses msfp_npsscore (0–10) counted per score by $apply groupby, createdon in the window"
            )
            facts.append(MetricFact(entity, "nps", round2(value), MetricUnit.SCORE, f"{how}: % ≥ 9 minus % ≤ 6", n))
            facts.append(MetricFact(entity, "negative-share", round2(negative), MetricUnit.PERCENT, f"{how}: % ≤ 6", n))
        return facts

    def _known_keys(self, reader: EnvironmentReader, logical: str) -> set[str]:
        kind = KIND_BY_LOGICAL[logical]
        if kind.option_column is not None:
            labels = reader.labels(logical, kind.option_column)
            return {f"dynamics:{logical}:{option_key(v, labels)}" for v in labels} | {f"dynamics:{logical}:unknown"}
        if logical == "msfp_surveyresponse":
            return {f"dynamics:{logical}:{kebab(n) or 'unknown'}" for n in reader.surveys().values()}
        if logical in ("phonecall", "email"):
            return {f"dynamics:{logical}:incoming", f"dynamics:{logical}:outgoing"}
        return {f"dynamics:{logical}"}

    def _case_facts(
        self, reader: EnvironmentReader, cache: RecordCache, entity: str, wanted: set[str], window: Window
    ) -> list[MetricFact]:
        labels = reader.labels("incident", "caseorigincode")
        succeeded: dict[str, datetime] = {}
        for kpi_id, kpi in cache.records(reader.stream("slakpiinstance")):
            when = parse_instant(kpi.get("succeededon"))
            if kpi.get("status") == KPI_SUCCEEDED and when is not None:
                succeeded[kpi_id] = when
        resolved: dict[str, datetime] = {}
        for _, res in cache.records(reader.stream("incidentresolution")):
            when, regarding = parse_instant(res.get("actualend")), res.get("_incidentid_value")
            if res.get("statecode") == RESOLUTION_COMPLETED and when is not None and regarding:
                case_id = str(regarding).lower()
                resolved[case_id] = max(when, resolved.get(case_id, when))
        first: list[float] = []
        resolve: list[float] = []
        for case_id, case in cache.records(reader.stream("incident")):
            created = parse_instant(case.get("createdon"))
            if created is None or not window.contains(created):
                continue
            if f"dynamics:incident:{option_key(case.get('caseorigincode'), labels)}" not in wanted:
                continue
            kpi_ref = str(case.get("_firstresponsebykpiid_value") or "").lower()
            if kpi_ref in succeeded:
                first.append((succeeded[kpi_ref] - created).total_seconds() / 3600)
            if case_id in resolved:
                resolve.append((resolved[case_id] - created).total_seconds() / 3600)
        frt = "median of (first-response SLA KPI instance succeededon − incident createdon), succeeded KPIs only"
        ttr = "median of (completed incidentresolution actualend − incident createdon) over resolved cases"
        scope = f", cases with createdon in the window for {', '.join(sorted(k for k in wanted if ':incident:' in k))}"
        return [
            MetricFact(
                entity, "time-to-first-response", round2(median(first)), MetricUnit.HOURS, frt + scope, len(first)
            ),
            MetricFact(entity, "time-to-resolve", round2(median(resolve)), MetricUnit.HOURS, ttr + scope, len(resolve)),
        ]

    def _stage_facts(
        self,
        reader: EnvironmentReader,
        cache: RecordCache,
        entity: str,
        keys: list[SourceKey],
        processes: Mapping[str, Process],
        window: Window,
        result: PullResult,
    ) -> list[MetricFact]:
        reached = converted = 0
        has_next = False
        durations: list[float] = []
        sets = []
        for entity_set in sorted({k.parts[0] for k in keys}):
            process = processes.get(entity_set)
            if process is None:
                result.warnings.append(f"{entity}: no active business process flow with entity set '{entity_set}'")
                continue
            order = [s for s, _ in process.stages]
            stage_ids = [k.parts[1] for k in keys if k.parts[0] == entity_set]
            for stage_id in stage_ids:
                if stage_id not in order:
                    result.warnings.append(f"{entity}: stage {stage_id} is not a stage of '{process.name}'")
            mine = [s for s in stage_ids if s in order]
            if not mine:
                continue
            sets.append(entity_set)
            nexts = {s: order[order.index(s) + 1] for s in mine if order.index(s) + 1 < len(order)}
            has_next = has_next or bool(nexts)
            for path, n in reader.path_counts(process, window.start, window.end).items():
                if any(s in path for s in mine):
                    reached += n
                    if any(s in path and nxt in path for s, nxt in nexts.items()):
                        converted += n
            for _, row in cache.records(reader.stream(process.logical_name)):
                started = parse_instant(row.get("activestagestartedon"))
                stage = str(row.get("_activestageid_value") or "").lower()
                if (
                    row.get("statecode") == BPF_ACTIVE
                    and stage in mine
                    and started is not None
                    and started < window.end
                ):
                    durations.append((window.end - started).total_seconds() / 86400)
        if not sets:
            return []
        how = f"{', '.join(sets)} instances with createdon in the window whose traversedpath contains the stage"
        conversion = round2(percent(converted, reached)) if has_next else None
        return [
            MetricFact(entity, "reached", reached, MetricUnit.COUNT, f"{how} ($apply groupby traversedpath)", reached),
            MetricFact(
                entity,
                "conversion",
                conversion,
                MetricUnit.PERCENT,
                "share of those whose path also contains the next stage in process order",
                reached,
            ),
            MetricFact(
                entity,
                "time-in-stage",
                round2(median(durations)),
                MetricUnit.DAYS,
                f"median of (as-of − activestagestartedon) over active {', '.join(sets)} instances now in the stage",
                len(durations),
            ),
        ]
