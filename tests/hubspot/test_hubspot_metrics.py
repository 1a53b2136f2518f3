"""Every metric equals an independent computation over the generator's records (tests/hubspot/reference.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import reference
from hubspot_support import ANCHOR, ConnectorFactory

from cjm_sync.plugins import PullRequest, SourceLink, Window
from cjm_sync.state import SQLiteStateStore
from cjm_sync.state.crm_cache import StoreRecordCache
from connectors.hubspot.sandbox import HubSpotSandbox
from connectors.hubspot.sandbox.generator import CUSTOM_LIFECYCLE

TOUCHPOINTS = {
    "touchpoint:inbound-call": ["hubspot:calls:INBOUND"],
    "touchpoint:calls": ["hubspot:calls:INBOUND", "hubspot:calls:OUTBOUND"],
    "touchpoint:mail": ["hubspot:emails:INCOMING_EMAIL", "hubspot:emails:FORWARDED_EMAIL"],
    "touchpoint:meeting": ["hubspot:meetings:COMPLETED", "hubspot:meetings:NO_SHOW"],
    "touchpoint:chat": ["hubspot:communications:WHATS_APP", "hubspot:communications:SMS"],
    "touchpoint:phone-support": ["hubspot:calls:INBOUND", "hubspot:tickets:PHONE"],
    "touchpoint:tickets": ["hubspot:tickets:EMAIL", "hubspot:tickets:CHAT", "hubspot:tickets:FORM"],
    "touchpoint:nps": ["hubspot:feedback_submissions:NPS"],
    "touchpoint:surveys": [
        "hubspot:feedback_submissions:NPS",
        "hubspot:feedback_submissions:CSAT",
        "hubspot:feedback_submissions:CES",
        "hubspot:feedback_submissions:CUSTOM",
    ],
}
STAGES = [
    "hubspot:deal-stage:default:appointmentscheduled",
    "hubspot:deal-stage:default:qualifiedtobuy",
    "hubspot:deal-stage:default:contractsent",
    "hubspot:deal-stage:default:closedwon",
    "hubspot:deal-stage:default:closedlost",
    "hubspot:deal-stage:7654321:7654322",
    "hubspot:ticket-stage:0:1",
    "hubspot:ticket-stage:0:2",
    "hubspot:lifecycle:subscriber",
    "hubspot:lifecycle:lead",
    "hubspot:lifecycle:customer",
    "hubspot:lifecycle:evangelist",
    "hubspot:lifecycle:other",
]


def links(portal: HubSpotSandbox) -> tuple[SourceLink, ...]:
    stages = [*STAGES, *([f"hubspot:lifecycle:{CUSTOM_LIFECYCLE}"] if portal.portal.scenario == "b2b_saas" else [])]
    return (
        *(SourceLink(entity, "touchpoint", tuple(keys)) for entity, keys in TOUCHPOINTS.items()),
        *(SourceLink(f"stage:s{i}", "stage", (key,)) for i, key in enumerate(stages)),
    )


@pytest.mark.parametrize("portal_name", ["b2b_portal", "b2c_portal"])
@pytest.mark.parametrize("days", [30, 90])
def test_every_metric_equals_an_independent_computation(
    portal_name: str, days: int, request: pytest.FixtureRequest, connect: ConnectorFactory, store: SQLiteStateStore
) -> None:
    portal: HubSpotSandbox = request.getfixturevalue(portal_name)
    connector, checking = connect(portal)
    window = Window(ANCHOR - timedelta(days=days), ANCHOR)
    result = connector.pull(PullRequest("j", links(portal), window), StoreRecordCache(store, "r", "j", "hubspot"))
    got: dict[str, dict[str, object]] = {}
    for fact in result.facts:
        got.setdefault(fact.entity, {})[fact.metric] = fact.value
    for entity, keys in TOUCHPOINTS.items():
        assert got[entity] == reference.touchpoint(portal, keys, window.start, window.end), entity
    for link in links(portal)[len(TOUCHPOINTS) :]:
        assert got[link.entity] == reference.stage(portal, link.sources[0], window.start, window.end), link.sources
    assert not result.warnings
    assert checking.checked > 0
    # the numbers are not trivially empty
    assert got["stage:s0"]["entered"]
    assert got["touchpoint:surveys"]["nps"] is not None


def test_metrics_appear_only_where_their_source_kind_applies(
    b2b_portal: HubSpotSandbox, connect: ConnectorFactory, store: SQLiteStateStore
) -> None:
    connector, _ = connect(b2b_portal)
    result = connector.pull(
        PullRequest("j", links(b2b_portal), Window(ANCHOR - timedelta(days=30), ANCHOR)),
        StoreRecordCache(store, "r", "j", "hubspot"),
    )
    metrics: dict[str, list[str]] = {}
    for fact in result.facts:
        metrics.setdefault(fact.entity, []).append(fact.metric)
    volume = ["volume", "volume-previous", "volume-change"]
    assert metrics["touchpoint:calls"] == volume
    tickets = ["time-to-first-reply", "time-to-close"]
    feedback = ["nps", "csat", "ces", "negative-share"]
    # each with its previous-window value, the pair the analysis needs to find metrics that got worse
    assert metrics["touchpoint:phone-support"] == [*volume, *tickets, *(f"{m}-previous" for m in tickets)]
    assert metrics["touchpoint:nps"] == [*volume, *feedback, *(f"{m}-previous" for m in feedback)]
    assert metrics["stage:s0"] == ["entered", "conversion", "time-in-stage"]
    units = {(f.metric, f.unit.value) for f in result.facts}
    assert {u for _, u in units} == {"count", "%", "score", "hours", "days"}
    closed_won = next(f for f in result.facts if f.entity == "stage:s3" and f.metric == "conversion")
    assert closed_won.value is None  # no later stage
    for fact in result.facts:
        if fact.metric == "volume-change":
            current = next(f.value for f in result.facts if f.entity == fact.entity and f.metric == "volume")
            previous = next(f.value for f in result.facts if f.entity == fact.entity and f.metric == "volume-previous")
            assert fact.sample_size == current + previous  # type: ignore[operator]


def test_empty_window_counts_zero_and_rates_null(
    b2b_portal: HubSpotSandbox, connect: ConnectorFactory, store: SQLiteStateStore
) -> None:
    connector, _ = connect(b2b_portal)
    far_future = Window(ANCHOR + timedelta(days=400), ANCHOR + timedelta(days=430))
    result = connector.pull(
        PullRequest("j", links(b2b_portal), far_future), StoreRecordCache(store, "r", "j", "hubspot")
    )
    for fact in result.facts:
        if fact.unit.value == "count":
            assert (fact.value, fact.sample_size) == (0, 0), fact
        else:
            assert fact.value is None, fact
