"""The contract between the sync engine and a CRM-source connector (HubSpot, Dynamics 365, …).

A CRM connector is read-only towards the CRM. It turns the journey's **source keys** (``sources:`` on
stages and touchpoints, e.g. ``hubspot:calls:INBOUND``) into **metric facts** with provenance. The engine
owns the journey file, the lock, the run record and the state store; the connector owns the vendor API.

Per run the engine calls:

1. ``check_source_key(key, kind)`` (classmethod, also from ``cjm-sync validate``) → ``None`` or a message
   saying why the key is malformed for this connector (wrong shape for its kind, or a stage key on a
   touchpoint and the reverse).
2. ``discover(DiscoverRequest)`` → :class:`Discovery`: every stage and touchpoint key the CRM has,
   with labels, order and volumes (``cjm-sync discover <crm>``).
3. ``pull(PullRequest, cache)`` → :class:`PullResult`: one :class:`MetricFact` per (entity, metric)
   for the linked entities, warnings (unknown values…), new **watermarks**, and the touchpoint keys no
   link uses (:class:`UnassignedKey`, with their volume in the window) for the journey's inbox. ``cache`` is a
   :class:`RecordCache` over the state store: per-record values the connector keeps between runs
   (SQLite, never all in RAM) and the watermarks of the last successful run. Writes to the cache are
   staged; the engine commits them, with the watermarks capped at the run's start, in the transaction
   that records the run (and, in a full sync, the base) — or drops them if anything fails.

How a connector computes a metric is its business: HubSpot counts with search totals (``limit=1``),
Dataverse with OData ``$apply=aggregate``; values that need records (medians, scores) come from the
record cache, kept current incrementally. Definitions live in docs/metrics.md; units are exactly the
:class:`~cjm_sync.schema.MetricUnit` strings.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

from pydantic import BaseModel

from cjm_sync.plugins.capabilities import Capability, ConnectorKind
from cjm_sync.plugins.window import Window
from cjm_sync.schema import Metric, MetricUnit, Provenance, Source

JSONValue = Any
"""A JSON-serialisable value."""

LinkKind = Literal["stage", "touchpoint"]


@dataclass(frozen=True)
class SourceLink:
    """One journey entity and the source keys that feed it (only this connector's keys)."""

    entity: str
    """Entity key, e.g. ``touchpoint:signup`` or ``stage:awareness``."""
    kind: LinkKind
    sources: tuple[str, ...]
    title: str = ""


@dataclass(frozen=True)
class PullRequest:
    """What the engine asks a CRM connector for."""

    journey: str
    links: tuple[SourceLink, ...]
    window: Window
    full: bool = False
    """Ignore the record cache and watermarks: read everything the metrics need afresh."""
    unassigned: bool = False
    """Also report the touchpoint keys no link uses (:attr:`PullResult.unassigned`), for the journey's inbox.
    The engine asks for them on every pull of a journey; they cost requests of their own (docs/crm.md)."""


@dataclass(frozen=True)
class DiscoverRequest:
    """``cjm-sync discover``: the window for volumes, and the journey's links when ``--journey`` is given."""

    window: Window
    links: tuple[SourceLink, ...] = ()


@dataclass(frozen=True)
class MetricFact:
    """One metric value for one entity, with what produced it.

    ``value`` is ``None`` for a rate, score or median without data; counts are ``0`` then. ``method`` is a
    readable description (object, filters, property). ``sample_size`` is the number of records behind it.
    """

    entity: str
    metric: str
    value: float | None
    unit: MetricUnit
    method: str
    sample_size: int
    name: str | None = None

    def covered(self, window: Window) -> Window:
        """The interval the value covers, by the metric id's convention (docs/metrics.md): ``…-previous``
        the window before ``window``, ``…-change`` both windows, anything else ``window`` itself."""
        if self.metric.endswith("-previous"):
            return window.previous
        if self.metric.endswith("-change"):
            return Window(window.previous.start, window.end)
        return window

    def to_metric(self, source: Source | str, window: Window) -> Metric:
        """The journey-file form: provenance source, method, ``as_of`` = the run's as-of (``window``'s
        end), the ISO interval the value covers (:meth:`covered`), sample size."""
        return Metric(
            id=self.metric,
            name=self.name,
            value=self.value,
            unit=self.unit.value,
            provenance=Provenance(
                source=Source(source),
                method=self.method,
                as_of=window.end,
                window=self.covered(window).iso(),
                sample_size=self.sample_size,
            ),
        )


@dataclass(frozen=True)
class UnassignedKey:
    """A touchpoint key the CRM has that none of the pull's links uses: a candidate for the journey's inbox.

    ``label`` is the human label ``discover`` shows; ``volume`` the records in the pull's window (a count,
    ``0`` when none — the key still exists in the CRM, e.g. an option of the property).
    """

    key: str
    label: str
    volume: int


@dataclass
class PullResult:
    """What one pull produced. ``watermarks`` (stream → instant) are committed by the engine only if
    the run succeeds, each capped at the run's start.

    ``unassigned`` lists every touchpoint key the CRM defines that no link of the request uses, with its
    volume in the window (the engine keeps the journey's inbox from it, docs/crm.md "The inbox"), when
    the request asked for them; ``None`` otherwise, or when the connector cannot list them (the inbox is
    then left as it is).
    """

    facts: list[MetricFact] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    watermarks: dict[str, datetime] = field(default_factory=dict)
    unassigned: list[UnassignedKey] | None = None


@dataclass(frozen=True)
class DiscoveredStage:
    """A stage the CRM has (a pipeline stage or a lifecycle stage)."""

    key: str
    label: str
    order: int
    entered: int
    """Records whose entry into the stage is in the window (equals the stage-count metric, ``metric``)."""
    group: str = ""
    """Pipeline (or lifecycle) it belongs to, as a label."""
    extra: Mapping[str, JSONValue] = field(default_factory=dict)
    metric: str = "entered"
    """The connector's id of the stage-count metric ``entered`` equals: ``entered`` (HubSpot stage entries),
    ``reached`` (Dynamics: BPF instances whose path contains the stage). ``--json`` shows the count under
    both names."""

    def to_dict(self) -> dict[str, JSONValue]:
        """JSON form for ``discover --json``."""
        return {
            "key": self.key,
            "label": self.label,
            "order": self.order,
            "entered": self.entered,
            self.metric: self.entered,
            "metric": self.metric,
            "group": self.group,
            **self.extra,
        }


@dataclass(frozen=True)
class DiscoveredTouchpoint:
    """A touchpoint key the CRM has, with its volume in the window and the window before."""

    key: str
    label: str
    count: int
    count_previous: int
    channel: str | None = None
    """Suggested journey channel (``phone``, ``email``, …)."""
    extra: Mapping[str, JSONValue] = field(default_factory=dict)

    def to_dict(self) -> dict[str, JSONValue]:
        """JSON form for ``discover --json``."""
        return {
            "key": self.key,
            "label": self.label,
            "count": self.count,
            "count_previous": self.count_previous,
            "channel": self.channel,
            **self.extra,
        }


@dataclass
class Discovery:
    """Everything ``discover`` found, in display order."""

    stages: list[DiscoveredStage] = field(default_factory=list)
    touchpoints: list[DiscoveredTouchpoint] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class RecordCache(Protocol):
    """Per-record values and watermarks a CRM connector keeps between runs, scoped to one journey and
    connector. Reads see the run's own staged writes; nothing is committed until the run succeeds."""

    def watermark(self, stream: str) -> datetime | None:
        """The committed watermark of ``stream`` (``None`` before the first successful run)."""

    def put(self, stream: str, records: Iterable[tuple[str, Mapping[str, JSONValue]]]) -> int:
        """Stage ``(record_id, values)`` rows (replacing a record's earlier values); returns the count."""

    def delete(self, stream: str, record_ids: Iterable[str]) -> None:
        """Stage the removal of records (archived or deleted in the CRM)."""

    def clear(self, stream: str) -> None:
        """Stage dropping every record of ``stream`` (a full reload follows)."""

    def records(self, stream: str) -> Iterator[tuple[str, dict[str, JSONValue]]]:
        """Every record of ``stream`` as this run sees it, streamed (not loaded into memory at once)."""

    def count(self, stream: str) -> int:
        """How many records ``stream`` holds as this run sees it."""

    def get_memo(self, stream: str) -> dict[str, JSONValue]:
        """Small JSON state of ``stream`` (coverage, property fingerprint …) as this run sees it."""

    def set_memo(self, stream: str, memo: Mapping[str, JSONValue]) -> None:
        """Stage a new memo for ``stream``."""


@runtime_checkable
class CrmConnector(Protocol):
    """A CRM-source connector. Discovered through the ``cjm_sync.connectors`` entry points
    (``kind = ConnectorKind.CRM``); declares :attr:`Capability.METRICS` (pull), ``DISCOVER`` and
    ``INCREMENTAL`` (uses the record cache and watermarks) as it supports them."""

    name: ClassVar[str]
    kind: ClassVar[ConnectorKind]
    capabilities: ClassVar[frozenset[Capability]]
    settings_model: ClassVar[type[BaseModel]]
    """Pydantic model of the connector's config table (``[connectors.<name>]``), validated by ``from_config``."""

    @classmethod
    def from_config(cls, options: Mapping[str, Any], *, transport: Any = None) -> CrmConnector:
        """An instance from the connector's config table (credentials from the environment).

        ``transport`` is an ``httpx.BaseTransport`` to use instead of the network (tests);
        ``options["sandbox"]`` asks for the connector's built-in emulator, in-process.
        Raises ``ConfigError`` for bad settings or missing credentials.
        """

    @classmethod
    def check_source_key(cls, key: str, kind: LinkKind | None = None) -> str | None:
        """Why ``key`` (one of this connector's) is malformed, or ``None`` when its shape is right; with
        ``kind``, also why it cannot feed that kind of entity (a stage key on a touchpoint). Unknown
        values (a pipeline id that does not exist) are not checked here: pull warns about them."""

    def discover(self, request: DiscoverRequest) -> Discovery:
        """What the CRM has: stages in order and touchpoint keys with volumes in the window."""

    def pull(self, request: PullRequest, cache: RecordCache) -> PullResult:
        """Metric facts for every linked entity (see docs/metrics.md for the definitions)."""

    def api_calls(self) -> dict[str, JSONValue]:
        """API calls spent so far by kind (``calls`` total, ``by_kind`` …)."""

    def close(self) -> None:
        """Release HTTP resources."""


def links_for(connector: str, entities: Sequence[tuple[str, LinkKind, Sequence[str], str]]) -> tuple[SourceLink, ...]:
    """The :class:`SourceLink` of every entity that has at least one ``connector:`` key (others dropped).

    ``entities`` are ``(entity_key, kind, sources, title)``; duplicate keys within an entity are dropped.
    """
    prefix = f"{connector}:"
    out: list[SourceLink] = []
    for entity, kind, sources, title in entities:
        mine = tuple(dict.fromkeys(s for s in sources if s.startswith(prefix)))
        if mine:
            out.append(SourceLink(entity, kind, mine, title))
    return tuple(out)
