"""Acceptance: against an independent server that validates requests with HubSpot's official spec, no
request is rejected.

The HubSpot connector runs every kind of read it makes against the sandbox — ``discover``, a first pull
(window loads, two-window counts, the inbox's counts), a rerun after changes (modification searches, the
archived list), an earlier ``--as-of`` (a gap load) and ``--full`` (list pages, ``HAS_PROPERTY`` counts)
— and every request to ``/crm/objects/2026-09/…`` is then replayed, byte for byte, against Stoplight
Prism (``prism mock --errors``) loaded with HubSpot's objects spec
(``specs/hubspot/2026-09/crm-objects-2026-09.prism.json``). Prism answers an invalid request with 4xx
and says why; a valid one gets a 2xx mock.

Needs a running Prism: ``scripts/prism-check.sh`` starts one per spec and sets
``CJM_PRISM_HUBSPOT_URL``. Without that variable the module is skipped, so the normal suite needs no node.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from cjm_sync.plugins import DiscoverRequest, PullRequest, SourceLink, Window
from cjm_sync.state import open_store
from cjm_sync.state.crm_cache import StoreRecordCache
from connectors.hubspot.connector import HubSpotConnector
from connectors.hubspot.sandbox import HubSpotSandbox, RateLimits
from connectors.hubspot.sandbox.generator import iso

PRISM_URL = os.environ.get("CJM_PRISM_HUBSPOT_URL", "")
pytestmark = pytest.mark.skipif(
    not PRISM_URL,
    reason="CJM_PRISM_HUBSPOT_URL is not set: run scripts/prism-check.sh (needs npm) to start Stoplight Prism",
)

ANCHOR = datetime(2026, 11, 1, tzinfo=UTC)
WINDOW = Window(ANCHOR - timedelta(days=30), ANCHOR)
LINKS = (
    SourceLink("touchpoint:calls", "touchpoint", ("hubspot:calls:INBOUND", "hubspot:calls:OUTBOUND")),
    SourceLink("touchpoint:mail", "touchpoint", ("hubspot:emails:INCOMING_EMAIL",)),
    SourceLink("touchpoint:support", "touchpoint", ("hubspot:tickets:CHAT", "hubspot:tickets:EMAIL")),
    SourceLink("touchpoint:nps", "touchpoint", ("hubspot:feedback_submissions:NPS",)),
    SourceLink("stage:consider", "stage", ("hubspot:deal-stage:default:qualifiedtobuy",)),
    SourceLink("stage:lead", "stage", ("hubspot:lifecycle:lead", "hubspot:lifecycle:customer")),
    SourceLink("stage:ticket", "stage", ("hubspot:ticket-stage:0:1",)),
)


class Recording(httpx.BaseTransport):
    """Passes requests to the sandbox and keeps every distinct object request (method, path, query, body)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.seen: dict[tuple[str, str, str, bytes], None] = {}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if "/crm/objects/" in request.url.path:
            self.seen[(request.method, request.url.path, request.url.query.decode(), request.read())] = None
        return self.inner.handle_request(request)


def record(tmp_path: Path) -> list[tuple[str, str, str, bytes]]:
    sandbox = HubSpotSandbox.generate("b2b_saas", 12_000, anchor=ANCHOR)
    sandbox.limits = RateLimits(burst=10**9, search_per_second=10**9)
    recording = Recording(sandbox.transport())
    store = open_store(str(tmp_path / "state.db"))

    def connector() -> HubSpotConnector:
        return HubSpotConnector.from_config({"sandbox": True, "search_per_second": 1000}, transport=recording)

    def pull(run: str, window: Window = WINDOW, *, full: bool = False) -> None:
        request = PullRequest("j", LINKS, window, full=full, unassigned=True)
        result = connector().pull(request, StoreRecordCache(store, run, "j", "hubspot"))
        with store.transaction():
            store.crm_commit(run, "j", "hubspot", result.watermarks)

    connector().discover(DiscoverRequest(WINDOW))
    pull("first")
    rng = random.Random(9)
    for obj in ("tickets", "feedback_submissions", "deals", "contacts"):
        ids = sorted(sandbox.portal.records[obj])
        for rid in rng.sample(ids, 10):
            sandbox.update(obj, rid, {"hs_lastmodifieddate": iso(ANCHOR)})
        sandbox.archive(obj, ids[0])
    pull("rerun")
    pull("earlier", Window(WINDOW.start - timedelta(days=40), WINDOW.end - timedelta(days=40)))
    pull("full", full=True)
    pull("after-full")
    store.close()
    return list(recording.seen)


def test_every_object_request_is_accepted_by_prism(tmp_path: Path) -> None:
    requests = record(tmp_path)
    outcomes: Counter[int] = Counter()
    rejected: list[str] = []
    with httpx.Client(base_url=PRISM_URL, timeout=30.0) as prism:
        for method, path, query, body in requests:
            headers = {"Authorization": "Bearer prism", **({"Content-Type": "application/json"} if body else {})}
            answer = prism.request(method, path + (f"?{query}" if query else ""), content=body or None, headers=headers)
            outcomes[answer.status_code] += 1
            if 400 <= answer.status_code < 500:
                rejected.append(f"{method} {path}?{query} {body[:300]!r} → {answer.status_code} {answer.text[:400]}")
    kinds = Counter(f"{m} {p.rsplit('/', 1)[-1] if p.endswith('/search') else 'list'}" for m, p, _, _ in requests)
    print(f"hubspot prism replay: {len(requests)} requests {dict(kinds)} → {dict(outcomes)}")
    assert len(requests) > 100
    assert {"POST search", "GET list"} <= set(kinds)
    assert rejected == []


def test_prism_validates_hubspot_requests() -> None:
    """The server really validates, so "nothing rejected" means something: the prose docs' object sorts
    (the spec says strings), a missing ``after`` and an unknown operator are all refused."""
    good = {"filterGroups": [], "sorts": ["hs_object_id"], "properties": [], "limit": 1, "after": "0"}
    bad = [
        {**good, "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}]},
        {key: value for key, value in good.items() if key != "after"},
        {**good, "filterGroups": [{"filters": [{"propertyName": "x", "operator": "ABOUT", "value": "1"}]}]},
    ]
    with httpx.Client(base_url=PRISM_URL, timeout=30.0, headers={"Authorization": "Bearer prism"}) as prism:
        assert prism.post("/crm/objects/2026-09/calls/search", json=good).status_code == 200
        for body in bad:
            assert prism.post("/crm/objects/2026-09/calls/search", json=body).status_code in (400, 422), body
