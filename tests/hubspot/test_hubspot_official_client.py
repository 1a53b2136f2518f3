"""The official ``hubspot-api-client`` reads the loopback sandbox the way we do: objects pages, search
with filters and a total, batch read, pipelines and properties — its generated models accept every answer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from hubspot_support import ANCHOR, unthrottled

from connectors.hubspot.sandbox import TOKEN, HubSpotSandbox, SandboxServer
from connectors.hubspot.values import epoch_ms

hubspot = pytest.importorskip("hubspot")


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[HubSpotSandbox, str]]:
    sandbox = unthrottled(HubSpotSandbox.generate("b2b_saas", 600, anchor=ANCHOR))
    with SandboxServer(sandbox) as server:
        yield sandbox, server.base_url


def test_the_official_client_reads_what_we_read(served: tuple[HubSpotSandbox, str]) -> None:
    from hubspot.crm.objects import BatchReadInputSimplePublicObjectId, PublicObjectSearchRequest

    sandbox, base_url = served
    client = hubspot.HubSpot(access_token=TOKEN, host=base_url)
    calls = sandbox.records("calls")
    first = client.crm.objects.basic_api.get_page("calls", limit=10, properties=["hs_call_direction"])
    assert len(first.results) == 10 < len(calls)
    assert first.results[0].properties["hs_call_direction"] in {"INBOUND", "OUTBOUND"}
    assert first.paging.next.after

    start, end = ANCHOR - timedelta(days=30), ANCHOR
    search = PublicObjectSearchRequest(
        filter_groups=[
            {
                "filters": [
                    {"propertyName": "hs_call_direction", "operator": "EQ", "value": "INBOUND"},
                    {"propertyName": "hs_timestamp", "operator": "GTE", "value": epoch_ms(start)},
                    {"propertyName": "hs_timestamp", "operator": "LT", "value": epoch_ms(end)},
                ]
            }
        ],
        sorts=["hs_timestamp"],
        properties=["hs_call_direction"],
        limit=1,
        after="0",
    )
    found = client.crm.objects.search_api.do_search("calls", public_object_search_request=search)
    expected = [
        c
        for c in calls
        if c["hs_call_direction"] == "INBOUND"
        and int(epoch_ms(start)) <= epoch_ms_of(c["hs_timestamp"]) < int(epoch_ms(end))
    ]
    assert found.total == len(expected) > 0

    ids = [c["id"] for c in sandbox.records("tickets")[:5]]
    batch = client.crm.objects.batch_api.read(
        "tickets",
        batch_read_input_simple_public_object_id=BatchReadInputSimplePublicObjectId(
            inputs=[{"id": i} for i in ids], properties=["source_type"], properties_with_history=[]
        ),
    )
    assert sorted(r.id for r in batch.results) == sorted(ids)

    pipelines = client.crm.pipelines.pipelines_api.get_all("deals")
    assert [p.id for p in pipelines.results] == ["default", "7654321"]
    lifecycle = client.crm.properties.core_api.get_by_name("contacts", "lifecyclestage")
    assert "1125478932" in [o.value for o in lifecycle.options]


def epoch_ms_of(text: str) -> int:
    from connectors.hubspot.values import instant

    moment = instant(text)
    assert moment is not None
    return int(epoch_ms(moment))
