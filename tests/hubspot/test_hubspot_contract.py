"""Every request we make and every sandbox answer validate against HubSpot's official spec files, in both
path styles; the checker itself rejects what the spec rejects."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
from hubspot_contract import HubSpotSpecTransport, validate_request, validate_response
from hubspot_support import ANCHOR, ConnectorFactory

from cjm_sync.plugins import DiscoverRequest, PullRequest, SourceLink, Window
from cjm_sync.state import SQLiteStateStore
from cjm_sync.state.crm_cache import StoreRecordCache
from connectors.hubspot.sandbox import TOKEN, HubSpotSandbox

LINKS = (
    SourceLink("touchpoint:a", "touchpoint", ("hubspot:calls:INBOUND", "hubspot:emails:EMAIL")),
    SourceLink("touchpoint:b", "touchpoint", ("hubspot:tickets:CHAT", "hubspot:feedback_submissions:CSAT")),
    SourceLink("stage:c", "stage", ("hubspot:deal-stage:default:qualifiedtobuy", "hubspot:lifecycle:lead")),
    SourceLink("stage:d", "stage", ("hubspot:ticket-stage:0:1",)),
)


@pytest.mark.parametrize(("version", "prefix"), [("2026-09", "/crm/objects/2026-09/"), ("v3", "/crm/v3/objects/")])
def test_discover_and_pulls_are_valid_in_both_path_styles(
    b2b_portal: HubSpotSandbox, connect: ConnectorFactory, store: SQLiteStateStore, version: str, prefix: str
) -> None:
    window = Window(ANCHOR - timedelta(days=30), ANCHOR)
    connector, checking = connect(b2b_portal, api_version=version)
    connector.discover(DiscoverRequest(window))
    first = connector.pull(PullRequest("j", LINKS, window), StoreRecordCache(store, "r1", "j", "hubspot"))
    with store.transaction():
        store.crm_commit("r1", "j", "hubspot", first.watermarks)
    second = connector.pull(PullRequest("j", LINKS, window), StoreRecordCache(store, "r2", "j", "hubspot"))
    with store.transaction():
        store.crm_commit("r2", "j", "hubspot", second.watermarks)
    earlier = Window(window.start - timedelta(days=45), window.end - timedelta(days=45))  # a gap to fill
    connector.pull(PullRequest("j", LINKS, earlier), StoreRecordCache(store, "r3", "j", "hubspot"))
    connector.pull(PullRequest("j", LINKS, window, full=True), StoreRecordCache(store, "r4", "j", "hubspot"))
    assert checking.checked > 40
    objects = {p for p in checking.paths if "/objects/" in p}
    assert objects
    assert all(prefix in p for p in objects)
    assert any(p.endswith("/search") for p in objects)
    assert any(p.startswith("GET") for p in objects)  # the list endpoint (--full)


def _exchange(sandbox: HubSpotSandbox, method: str, path: str, **kwargs: object) -> httpx.Response:
    with httpx.Client(
        transport=HubSpotSpecTransport(sandbox.transport()),
        base_url="https://api.hubapi.com",
        headers={"Authorization": f"Bearer {TOKEN}"},
    ) as http:
        return http.request(method, path, **kwargs)  # type: ignore[arg-type]


def test_sandbox_errors_follow_the_error_schema(b2b_portal: HubSpotSandbox) -> None:
    body = {"filterGroups": [], "sorts": [], "properties": [], "limit": 200, "after": "9900"}
    answer = _exchange(b2b_portal, "POST", "/crm/objects/2026-09/calls/search", json=body)
    assert answer.status_code == 400
    assert "10000" in answer.json()["message"]
    missing = _exchange(b2b_portal, "GET", "/crm/properties/2026-09/calls/no_such_property")
    assert missing.status_code == 404


def test_the_checker_rejects_what_the_spec_rejects() -> None:
    # the prose docs' object sorts are not what the spec file defines: strings
    bad = {
        "filterGroups": [],
        "sorts": [{"propertyName": "x", "direction": "ASCENDING"}],
        "properties": [],
        "limit": 1,
        "after": "0",
    }
    request = httpx.Request(
        "POST",
        "https://api.hubapi.com/crm/objects/2026-09/calls/search",
        json=bad,
        headers={"Authorization": "Bearer t"},
    )
    with pytest.raises(AssertionError, match="sorts"):
        validate_request(request)
    without_after = {"filterGroups": [], "sorts": [], "properties": [], "limit": 1}
    request = httpx.Request(
        "POST",
        "https://api.hubapi.com/crm/v3/objects/calls/search",
        json=without_after,
        headers={"Authorization": "Bearer t"},
    )
    with pytest.raises(AssertionError, match="after"):
        validate_request(request)
    ok = httpx.Request(
        "GET", "https://api.hubapi.com/crm/pipelines/2026-09/deals", headers={"Authorization": "Bearer t"}
    )
    validate_request(ok)
    broken = httpx.Response(200, json={"results": [{"id": "x"}]}, request=ok)
    with pytest.raises(AssertionError):
        validate_response(ok, broken)


def test_rate_limited_answers_carry_hubspot_headers_and_bodies() -> None:
    sandbox = HubSpotSandbox.generate("b2c_retail", 200)
    sandbox.limits.burst = 2
    answers = [_exchange(sandbox, "GET", "/crm/pipelines/2026-09/deals") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[0].headers["X-HubSpot-RateLimit-Max"] == "2"
    assert answers[1].headers["X-HubSpot-RateLimit-Remaining"] == "0"
    assert answers[2].json()["policyName"] == "TEN_SECONDLY_ROLLING"
    sandbox.limits.daily = sandbox.limits.used_today
    daily = _exchange(
        sandbox,
        "POST",
        "/crm/v3/objects/calls/search",
        json={"filterGroups": [], "sorts": [], "properties": [], "limit": 1, "after": "0"},
    )
    assert daily.status_code == 429
    assert json.loads(daily.content)["policyName"] == "DAILY"
    assert "X-HubSpot-RateLimit-Max" not in daily.headers  # search answers carry no rate-limit headers
