"""The HubSpot CRM-source connector: discovers stages and touchpoint keys, pulls their metrics.

Read-only. Counts of count-only touchpoints (calls, emails, meetings, communications) are search
totals (``limit=1``); objects whose metrics need values (tickets, feedback submissions, deals and
contacts for stages) are kept per record in the state store's cache — loaded once through the list
endpoint, then kept current with searches on the modification time — so a rerun reads only what
changed and gives the same values as ``--full``. Definitions: docs/metrics.md.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar, Final

import httpx
from pydantic import BaseModel

from cjm_sync.http import ApiClient, BearerAuth
from cjm_sync.plugins import (
    Capability,
    ConnectorKind,
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
    Window,
)
from connectors.hubspot import keys as hs_keys
from connectors.hubspot.client import HubSpotClient, Paths, between, one_of, options_in_order
from connectors.hubspot.counting import count_in_window, count_keys, count_windows
from connectors.hubspot.inbox import unassigned_keys
from connectors.hubspot.keys import STAGE_KINDS, TOUCHPOINT_KINDS, SourceKey
from connectors.hubspot.metrics import (
    Entrant,
    feedback_facts,
    previous_window,
    stage_facts,
    ticket_facts,
    volume_facts,
)
from connectors.hubspot.rules import RULES, limiter
from connectors.hubspot.settings import DEFAULT_BASE_URL, HubSpotSettings, auth_from_env
from connectors.hubspot.stages import StageInfo, lifecycle_stages, pipeline_stages
from connectors.hubspot.streams import Scope, StreamSync
from connectors.hubspot.values import instant

log = logging.getLogger(__name__)

SANDBOX_TOKEN: Final = "sandbox-token"  # noqa: S105 - the emulator's fixed token
VALUE_PROPERTIES: Final = {
    "tickets": ("source_type", "createdate", "time_to_first_agent_reply", "time_to_close"),
    "feedback_submissions": ("hs_survey_type", "hs_response_value", "hs_createdate"),
}
"""Objects whose touchpoint metrics need record values (kept in the record cache)."""
CHANNELS: Final = {
    "calls": "phone",
    "emails": "email",
    "meetings": "in_person",
    "communications:SMS": "sms",
    "communications:WHATS_APP": "chat",
    "communications:LINKEDIN_MESSAGE": "social",
    "tickets:EMAIL": "email",
    "tickets:CHAT": "chat",
    "tickets:PHONE": "phone",
    "tickets:FORM": "web",
    "feedback_submissions": "web",
}


def channel_of(obj: str, value: str) -> str:
    """The journey channel a touchpoint key most likely is."""
    return CHANNELS.get(f"{obj}:{value}") or CHANNELS.get(obj) or "other"


def _first_instant(doc: Mapping[str, Any], names: Sequence[str]) -> datetime | None:
    for name in names:
        value = instant(doc.get(name))
        if value is not None:
            return value
    return None


def _values_by_object(sources: Sequence[SourceKey]) -> dict[str, list[str]]:
    """A touchpoint's values per object, each once, in the order listed."""
    by_object: dict[str, list[str]] = {}
    for source in sources:
        if source.role == "touchpoint" and source.value not in by_object.setdefault(source.kind, []):
            by_object[source.kind].append(source.value)
    return by_object


class HubSpotConnector:
    """Reads one HubSpot portal (``[connectors.hubspot]``; credentials from the environment)."""

    name: ClassVar[str] = "hubspot"
    kind: ClassVar[ConnectorKind] = ConnectorKind.CRM
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.READ, Capability.METRICS, Capability.DISCOVER, Capability.INCREMENTAL}
    )
    settings_model: ClassVar[type[BaseModel]] = HubSpotSettings

    def __init__(self, client: HubSpotClient, portal: str, *, sandbox: Any = None) -> None:
        self.client = client
        self.portal = portal
        self.sandbox = sandbox
        """The in-process emulator behind ``--sandbox`` (tests reach its records through it)."""
        self._options: dict[tuple[str, str], list[dict[str, Any]]] = {}

    @classmethod
    def from_config(cls, options: Mapping[str, Any], *, transport: Any = None) -> HubSpotConnector:
        """A connector from ``[connectors.hubspot]`` and the environment (``sandbox``: the emulator)."""
        settings = HubSpotSettings.from_options(options)
        sandbox = None
        auth: httpx.Auth
        if settings.sandbox:
            if transport is None:
                from connectors.hubspot.sandbox import HubSpotSandbox, RateLimits  # noqa: PLC0415 - sandbox only

                sandbox = HubSpotSandbox.generate(settings.sandbox_scenario, settings.sandbox_records)
                if not settings.sandbox_throttle:
                    sandbox.limits = RateLimits(burst=10**9, search_per_second=10**9)
                transport = sandbox.transport()
            base_url, auth = DEFAULT_BASE_URL, BearerAuth(SANDBOX_TOKEN)
            portal = f"sandbox-{settings.sandbox_scenario}-{settings.sandbox_records}"
        else:
            base_url = settings.resolved_base_url()
            auth = auth_from_env(base_url)
            portal = hashlib.sha256(base_url.encode()).hexdigest()[:12]
        pace_limit = settings.search_per_second if not settings.sandbox or settings.sandbox_throttle else 10**6
        api = ApiClient(
            "hubspot",
            base_url,
            auth=auth,
            transport=transport,
            rate_limiter=limiter(settings.burst_limit, pace_limit),
            rules=RULES,
        )
        client = HubSpotClient(api, Paths.for_version(settings.api_version))
        return cls(client, portal, sandbox=sandbox)

    @classmethod
    def demo_sources(cls) -> dict[str, list[str]]:
        """Source keys linking the example journey (``cjm-sync demo``) to the sandbox portal's data."""
        return {
            "stage:consideration": ["hubspot:lifecycle:marketingqualifiedlead"],
            "stage:trial": ["hubspot:lifecycle:1125478932"],  # the custom "Product qualified lead" stage
            "stage:purchase": ["hubspot:deal-stage:default:contractsent"],
            "touchpoint:signup-form": ["hubspot:feedback_submissions:CES"],
            "touchpoint:onboarding-email": ["hubspot:emails:EMAIL"],
            "touchpoint:sales-call": ["hubspot:calls:OUTBOUND", "hubspot:meetings:COMPLETED"],
            "touchpoint:cancel-flow": ["hubspot:tickets:FORM", "hubspot:feedback_submissions:NPS"],
        }

    @classmethod
    def check_source_key(cls, key: str, kind: LinkKind | None = None) -> str | None:
        """Why ``key`` is malformed, or cannot feed a ``kind`` entity (see :mod:`connectors.hubspot.keys`),
        or ``None``."""
        return hs_keys.problem(key, kind)

    def api_calls(self) -> dict[str, Any]:
        """Calls by kind (``search``, ``list``, ``get`` …), retries and rate-limit waits, plus
        ``by_purpose``: requests by what they read (``pipelines``, ``properties``, ``search-count``,
        ``search-page``, ``list-page``, ``batch-read``; a retried request counts once)."""
        return {**self.client.api.stats.to_dict(), "by_purpose": dict(sorted(self.client.purposes.items()))}

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.api.close()

    # -- metadata --------------------------------------------------------------------------------------
    def _property_options(self, obj: str, name: str) -> list[dict[str, Any]]:
        if (obj, name) not in self._options:
            self._options[obj, name] = options_in_order(self.client.property(obj, name))
        return self._options[obj, name]

    def _stages(self, kinds: Iterable[str]) -> dict[str, StageInfo]:
        found: dict[str, StageInfo] = {}
        for kind in sorted(set(kinds), key=list(STAGE_KINDS).index):
            if kind == "lifecycle":
                infos = lifecycle_stages({"options": self._property_options("contacts", "lifecyclestage")})
            else:
                obj = STAGE_KINDS[kind]
                infos = pipeline_stages(obj, kind, self.client.pipelines(obj))
            found.update((info.key, info) for info in infos)
        return found

    # -- discover --------------------------------------------------------------------------------------
    def discover(self, request: DiscoverRequest) -> Discovery:
        """Stages in order with entries in the window; touchpoint keys with both windows' volumes."""
        window, found = request.window, Discovery()
        for info in self._stages(STAGE_KINDS).values():
            found.stages.append(
                DiscoveredStage(info.key, info.label, info.order, self._count_entries(info, window), info.group)
            )
        for obj, kind in TOUCHPOINT_KINDS.items():
            options = self._property_options(obj, kind.property)
            count_keys(self.client, obj, kind.property, kind.time, [[str(o["value"])] for o in options], window)
            for option in options:
                value = str(option["value"])
                current, previous = count_windows(self.client, obj, one_of(kind.property, [value]), kind.time, window)
                if current or previous:
                    label = f"{kind.label}: {option.get('label') or value}"
                    key = f"hubspot:{obj}:{value}"
                    found.touchpoints.append(
                        DiscoveredTouchpoint(key, label, current, previous, channel_of(obj, value), {"object": obj})
                    )
        return found

    def _count_entries(self, info: StageInfo, window: Window) -> int:
        first, *fallbacks = info.entry
        groups = [between(first, window.start, window.end)]
        for fallback in fallbacks:  # the legacy lifecycle date counts where the v2 one is missing
            groups.append(
                [{"propertyName": first, "operator": "NOT_HAS_PROPERTY"}, *between(fallback, window.start, window.end)]
            )
        return self.client.count(info.object, groups)

    # -- pull ------------------------------------------------------------------------------------------
    def pull(self, request: PullRequest, cache: RecordCache) -> PullResult:
        """Metric facts for every linked stage and touchpoint (docs/metrics.md)."""
        result = PullResult()
        parsed: dict[str, list[SourceKey]] = {}
        for link in request.links:
            mine: list[SourceKey] = []
            for key in link.sources:
                try:
                    source = hs_keys.parse(key)
                except ValueError as exc:
                    result.warnings.append(f"{link.entity}: {exc}")
                    continue
                if source.role != link.kind:
                    result.warnings.append(f"{link.entity}: {key} is a {source.role} key; ignored on a {link.kind}")
                    continue
                mine.append(source)
            parsed[link.entity] = mine
        all_keys = [k for ks in parsed.values() for k in ks]
        stages = self._stages({k.kind for k in all_keys if k.role == "stage"})
        cached: dict[str, str] = {}  # object → stream, every cached object
        streams: dict[str, str] = {}  # those holding every record with a touchpoint time in both windows
        for obj, scope in self._scopes(all_keys, stages).items():
            stream = f"{obj}@{self.portal}"
            cached[obj] = stream
            since = request.window.start  # stage metrics look at the window's entrants only
            if obj in TOUCHPOINT_KINDS and TOUCHPOINT_KINDS[obj].time in scope.times:
                streams[obj] = stream
                since = request.window.previous.start  # touchpoint metrics have "-previous" values
            mark = StreamSync(self.client, cache, stream, scope).run(since, full=request.full)
            if mark is not None:
                result.watermarks[stream] = mark
        self._count_touchpoints(request, parsed, streams)
        for link in request.links:
            sources = parsed[link.entity]
            if not sources:
                continue
            if link.kind == "touchpoint":
                result.facts += self._touchpoint_facts(link, sources, request.window, cache, streams, result.warnings)
            else:
                result.facts += self._stage_facts(link, sources, request.window, cache, cached, stages, result.warnings)
        if request.unassigned:
            result.unassigned = unassigned_keys(
                request.links,
                request.window,
                self._property_options,
                self.client.count,
                cache,
                streams,
                portal=self.portal,
                full=request.full,
                prefetch=self._count_unused(request.window),
            )
        return result

    def _count_touchpoints(
        self, request: PullRequest, parsed: Mapping[str, Sequence[SourceKey]], streams: Mapping[str, str]
    ) -> None:
        """Learn the two window volumes of every linked touchpoint's value group of the objects counted
        with search totals, object by object (:func:`count_keys`)."""
        groups: dict[str, list[list[str]]] = defaultdict(list)
        for link in request.links:
            if link.kind == "touchpoint":
                for obj, values in _values_by_object(parsed[link.entity]).items():
                    if obj not in streams:
                        groups[obj].append(values)
        for obj, found in groups.items():
            kind = TOUCHPOINT_KINDS[obj]
            count_keys(self.client, obj, kind.property, kind.time, found, request.window)

    def _count_unused(self, window: Window) -> Callable[[str, Sequence[str]], None]:
        """How the inbox learns the window volumes of an object's unused values it has not counted yet, in
        as few searches as :func:`count_in_window` allows (it asks the client's memo for them next)."""

        def prefetch(obj: str, values: Sequence[str]) -> None:
            kind = TOUCHPOINT_KINDS[obj]
            count_in_window(self.client, obj, kind.property, kind.time, values, window)

        return prefetch

    @staticmethod
    def _scopes(all_keys: Sequence[SourceKey], stages: Mapping[str, StageInfo]) -> dict[str, Scope]:
        """Per cached object: the properties its metrics need, and the record times that put a record in
        the windows (a touchpoint's time; the entry times of the linked stages only)."""
        props: dict[str, set[str]] = defaultdict(set)
        times: dict[str, set[str]] = defaultdict(set)
        for key in all_keys:
            if key.role == "touchpoint" and key.kind in VALUE_PROPERTIES:
                props[key.kind].update(VALUE_PROPERTIES[key.kind])
                times[key.kind].add(TOUCHPOINT_KINDS[key.kind].time)
            elif key.role == "stage" and key.key in stages:
                times[stages[key.key].object].update(stages[key.key].entry)
        for info in stages.values():  # every stage's entry and exit: conversion looks at later stages
            if info.object in times:
                props[info.object].update(info.properties)
        return {obj: Scope.of(obj, props[obj], times[obj]) for obj in sorted(times)}

    def _check_value(self, obj: str, prop: str, value: str, entity: str, warnings: list[str]) -> None:
        """Warn when ``value`` is not one of the property's options (only asked when it had no records)."""
        try:
            options = {str(o["value"]) for o in self._property_options(obj, prop)}
        except Exception:
            return
        if options and value not in options:
            hint = ", ".join(sorted(options)[:12])
            warnings.append(f"{entity}: hubspot:{obj}:{value} is not a value of {obj}.{prop} (known: {hint})")

    def _touchpoint_facts(
        self,
        link: SourceLink,
        sources: Sequence[SourceKey],
        window: Window,
        cache: RecordCache,
        streams: Mapping[str, str],
        warnings: list[str],
    ) -> list[MetricFact]:
        by_object = _values_by_object(sources)
        current = previous = 0
        parts: list[str] = []
        feedback: list[tuple[str, object]] = []
        tickets: list[tuple[object, object]] = []
        feedback_before: list[tuple[str, object]] = []
        tickets_before: list[tuple[object, object]] = []
        for obj, values in by_object.items():
            kind = TOUCHPOINT_KINDS[obj]
            parts.append(f"{obj} with {kind.property} in {values} by {kind.time}")
            if obj in streams:
                seen_values: set[str] = set()
                for _, doc in cache.records(streams[obj]):
                    value = str(doc.get(kind.property) or "")
                    if value not in values:
                        continue
                    seen_values.add(value)
                    at = instant(doc.get(kind.time))
                    if at is None:
                        continue
                    if window.contains(at):
                        current += 1
                        if obj == "feedback_submissions":
                            feedback.append((value, doc.get("hs_response_value")))
                        else:
                            tickets.append((doc.get("time_to_first_agent_reply"), doc.get("time_to_close")))
                    elif window.previous.contains(at):
                        previous += 1
                        if obj == "feedback_submissions":
                            feedback_before.append((value, doc.get("hs_response_value")))
                        else:
                            tickets_before.append((doc.get("time_to_first_agent_reply"), doc.get("time_to_close")))
                for value in values:
                    if value not in seen_values:
                        self._check_value(obj, kind.property, value, link.entity, warnings)
                continue
            now, before = count_windows(self.client, obj, one_of(kind.property, values), kind.time, window)
            if not now and not before:
                for value in values:
                    self._check_value(obj, kind.property, value, link.entity, warnings)
            current, previous = current + now, previous + before
        method = "hubspot " + " + ".join(parts)
        facts = volume_facts(link.entity, current, previous, method + " (search total)" if not streams else method)
        if "feedback_submissions" in by_object:
            facts += feedback_facts(link.entity, feedback, method)
            facts += previous_window(feedback_facts(link.entity, feedback_before, method))
        if "tickets" in by_object:
            facts += ticket_facts(link.entity, tickets, method)
            facts += previous_window(ticket_facts(link.entity, tickets_before, method))
        return facts

    def _stage_facts(
        self,
        link: SourceLink,
        sources: Sequence[SourceKey],
        window: Window,
        cache: RecordCache,
        streams: Mapping[str, str],
        stages: Mapping[str, StageInfo],
        warnings: list[str],
    ) -> list[MetricFact]:
        infos: list[StageInfo] = []
        for source in sources:
            info = stages.get(source.key)
            if info is None:
                warnings.append(f"{link.entity}: {source.key} is not a stage of this portal")
            elif info not in infos:
                infos.append(info)
        entrants: list[Entrant] = []
        by_object: dict[str, list[StageInfo]] = defaultdict(list)
        for info in infos:
            by_object[info.object].append(info)
        for obj, mine in by_object.items():
            for _, doc in cache.records(streams[obj]):
                for info in mine:
                    entered = _first_instant(doc, info.entry)
                    if entered is None or not window.contains(entered):
                        continue
                    exited = instant(doc.get(info.exit))
                    converted = any(
                        (at := _first_instant(doc, later)) is not None and at < window.end for later in info.later
                    )
                    entrants.append(Entrant(entered, exited if exited and exited >= entered else None, converted))
                    break
        labels = ", ".join(f"{i.group} › {i.label}" for i in infos) or "no known stage"
        method = f"hubspot {'/'.join(sorted(by_object)) or 'records'} entering {labels} (hs_v2_date_entered_*)"
        return stage_facts(link.entity, entrants, any(i.has_later for i in infos), method)
