"""The engine's CRM step: pull metric facts from CRM connectors onto the journey, inside the run.

The step runs under the journey's lock and run record. Each connector gets a record cache staged under
the run (:class:`~cjm_sync.state.crm_cache.StoreRecordCache`); :meth:`CrmStep.commit` moves the staged
records and the new watermarks — each capped at the run's start, so anything modified while the run
read is read again next time — into the state store inside the caller's transaction, after the journey
file was written. :meth:`CrmStep.discard` drops them when the run fails or only planned.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cjm_sync.engine.inbox import update_inbox
from cjm_sync.merge import flatten
from cjm_sync.merge.diff import changes
from cjm_sync.merge.result import Change
from cjm_sync.plugins import (
    Capability,
    CrmConnector,
    MetricFact,
    PullRequest,
    PullResult,
    SourceLink,
    Window,
    links_for,
    require,
)
from cjm_sync.plugins.crm import LinkKind
from cjm_sync.plugins.whiteboard import entity_key
from cjm_sync.schema import Journey, Metric
from cjm_sync.state import StateStore
from cjm_sync.state.crm_cache import StoreRecordCache

log = logging.getLogger(__name__)


def journey_links(journey: Journey, connector: str) -> tuple[SourceLink, ...]:
    """Every stage and touchpoint of ``journey`` with ``connector``'s source keys, in file order."""
    entities: list[tuple[str, LinkKind, Sequence[str], str]] = [
        (entity_key("stage", s.id), "stage", s.sources, s.title) for s in journey.stages
    ]
    entities += [(entity_key("touchpoint", t.id), "touchpoint", t.sources, t.title) for t in journey.touchpoints]
    return links_for(connector, entities)


def apply_facts(
    journey: Journey, connector: str, facts: Sequence[MetricFact], window: Window
) -> tuple[Journey, list[str]]:
    """``journey`` with ``connector``'s metrics replaced by ``facts``; notes on values not written.

    Metrics from other sources (typed by people, other CRMs) are kept; a metric id already used by
    another source on the same entity keeps that value (a note says so). ``connector``'s metrics on
    entities that no longer name it are removed (they would be stale). New metrics follow existing ones.
    """
    by_entity: dict[str, dict[str, Metric]] = {}
    for fact in facts:
        by_entity.setdefault(fact.entity, {})[fact.metric] = fact.to_metric(connector, window)
    notes: list[str] = []

    def merged(key: str, current: list[Metric]) -> list[Metric]:
        new = dict(by_entity.get(key, {}))
        out: list[Metric] = []
        for metric in current:
            if metric.provenance.source.value == connector:
                if metric.id in new:
                    out.append(new.pop(metric.id))
                continue
            if metric.id in new:
                new.pop(metric.id)
                notes.append(f"{key}: metric '{metric.id}' comes from {metric.provenance.source.value}; kept it")
            out.append(metric)
        return out + list(new.values())

    stages = [s.model_copy(update={"metrics": merged(entity_key("stage", s.id), s.metrics)}) for s in journey.stages]
    touchpoints = [
        t.model_copy(update={"metrics": merged(entity_key("touchpoint", t.id), t.metrics)}) for t in journey.touchpoints
    ]
    return journey.model_copy(update={"stages": stages, "touchpoints": touchpoints}), notes


@dataclass
class CrmStep:
    """Pull every CRM connector of one run and keep what they staged until commit or discard."""

    store: StateStore
    connectors: Sequence[CrmConnector]
    window: Window
    full: bool = False
    results: dict[str, PullResult] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    staging_id: str = ""

    def __post_init__(self) -> None:
        for connector in self.connectors:
            require(connector.name, connector.capabilities, Capability.METRICS, "pull metrics")

    def run(self, journey: Journey, run_id: str | None) -> tuple[Journey, list[Change]]:
        """The journey with every connector's facts applied and its inbox updated (see
        :mod:`cjm_sync.engine.inbox`), and the changes that makes to the file."""
        self.staging_id = run_id or f"plan-{uuid.uuid4().hex}"
        enriched = journey
        for connector in self.connectors:
            name = connector.name
            links = journey_links(journey, name)
            full = self.full or Capability.INCREMENTAL not in connector.capabilities
            cache = StoreRecordCache(self.store, self.staging_id, journey.id, name)
            result = connector.pull(PullRequest(journey.id, links, self.window, full=full, unassigned=True), cache)
            self.results[name] = result
            self.notes.extend(f"{name}: {w}" for w in result.warnings)
            enriched, notes = apply_facts(enriched, name, result.facts, self.window)
            self.notes.extend(notes)
            if result.unassigned is not None:
                enriched = update_inbox(enriched, name, result.unassigned)
            log.info("%s: %d metric value(s) for %d linked item(s)", name, len(result.facts), len(links))
        before, after = flatten(journey), flatten(enriched)
        return enriched, changes("file", before, after)

    def commit(self, journey_id: str, started_at: datetime) -> None:
        """Commit staged records and the watermarks (capped at ``started_at``); joins the caller's transaction."""
        for name, result in self.results.items():
            marks = {stream: min(at, started_at) for stream, at in result.watermarks.items()}
            self.store.crm_commit(self.staging_id, journey_id, name, marks)

    def discard(self) -> None:
        """Drop whatever the pulls staged."""
        if self.staging_id:
            self.store.crm_discard(self.staging_id)

    def api_calls(self) -> dict[str, Any]:
        """API calls by connector."""
        return {c.name: c.api_calls() for c in self.connectors}


def combined_calls(
    whiteboard: str | None, calls: dict[str, Any] | None, crm: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """A run's API calls: the whiteboard's counters as before, plus ``by_connector`` (name → counters)
    and the total ``calls`` over every connector once a CRM took part."""
    if not crm:
        return dict(calls or {})
    out: dict[str, Any] = dict(calls or {})
    per = {**({whiteboard: dict(calls)} if whiteboard and calls else {}), **crm}
    out["by_connector"] = per
    out["calls"] = sum(int(v.get("calls", 0)) for v in per.values() if isinstance(v, dict))
    return out
