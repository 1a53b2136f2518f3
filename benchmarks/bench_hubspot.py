"""HubSpot metrics for a large portal: requests (by purpose) and wall time, ours vs the official
``hubspot-api-client``.

Both read the loopback HubSpot sandbox (``cjm-sync sandbox hubspot``'s server, in this process) with a
realistic latency per request. Five measurements on the same generated portal (``--scenario``, or both):

* ``discover`` — every stage's entries and every touchpoint key's volume in the window and the window
  before (``discover hubspot``) vs the official client paging every record of those objects (100 per
  page, the way its docs show ``get_page``) and counting locally;
* ``counts``   — a pull of every count-only touchpoint key (calls, emails, meetings, communications):
  search totals vs the official client paging those objects;
* ``pull``     — a first pull of a journey linking touchpoints, surveys, tickets and stages, which loads
  the record cache with the windows' records, vs the official client paging the objects it needs;
* ``rerun``    — the same pull after 50 records changed (incremental);
* ``full``     — the same pull with ``--full`` (the cache rebuilt through the list endpoint).

Prints requests by purpose (``pipelines``, ``properties``, ``search-count``, ``search-page``,
``list-page``, ``batch-read``), wall time and the request ratio per measurement, and the rerun's share of
``--full``. Figures only; nothing is asserted (tests/hubspot/test_hubspot_budget.py asserts the counts).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cjm_sync.plugins import DiscoverRequest, PullRequest, SourceLink, Window
from cjm_sync.state import open_store
from cjm_sync.state.crm_cache import StoreRecordCache
from connectors.hubspot.connector import HubSpotConnector
from connectors.hubspot.keys import TOUCHPOINT_KINDS
from connectors.hubspot.sandbox import TOKEN, HubSpotSandbox, RateLimits, SandboxServer
from connectors.hubspot.sandbox.generator import SCENARIOS, TOUCH_VALUES, iso

ANCHOR = datetime(2026, 11, 1, tzinfo=UTC)
COUNTED = tuple(o for o in TOUCHPOINT_KINDS if o not in {"tickets", "feedback_submissions"})
"""Touchpoint objects counted with search totals (the others' volumes come from the record cache)."""
WINDOW = Window(ANCHOR - timedelta(days=30), ANCHOR)
LINKS = (
    SourceLink("touchpoint:calls", "touchpoint", ("hubspot:calls:INBOUND", "hubspot:calls:OUTBOUND")),
    SourceLink("touchpoint:mail", "touchpoint", ("hubspot:emails:INCOMING_EMAIL",)),
    SourceLink("touchpoint:support", "touchpoint", ("hubspot:tickets:CHAT", "hubspot:tickets:EMAIL")),
    SourceLink("touchpoint:nps", "touchpoint", ("hubspot:feedback_submissions:NPS",)),
    SourceLink("stage:consider", "stage", ("hubspot:deal-stage:default:qualifiedtobuy",)),
    SourceLink("stage:lead", "stage", ("hubspot:lifecycle:lead",)),
)
NEEDED = ("calls", "emails", "tickets", "feedback_submissions", "deals", "contacts")


@dataclass(frozen=True)
class Measure:
    """One measurement: requests sent, seconds, and our requests by purpose."""

    requests: int
    seconds: float
    by_purpose: dict[str, int]


def connector(base_url: str) -> HubSpotConnector:
    """Our connector against the loopback sandbox (no client-side pacing: the sandbox does not throttle)."""
    return HubSpotConnector.from_config({"base_url": base_url, "search_per_second": 1000, "burst_limit": 1000})


def measured(made: HubSpotConnector, started: float) -> Measure:
    calls = made.api_calls()
    return Measure(int(calls["calls"]), time.perf_counter() - started, dict(calls["by_purpose"]))


def ours_discover(base_url: str) -> Measure:
    made = connector(base_url)
    started = time.perf_counter()
    made.discover(DiscoverRequest(WINDOW))
    return measured(made, started)


def ours_counts(base_url: str) -> Measure:
    made = connector(base_url)
    links = tuple(
        SourceLink(f"touchpoint:{obj}-{value}", "touchpoint", (f"hubspot:{obj}:{value}",))
        for obj, (_, values) in TOUCH_VALUES.items()
        if obj in COUNTED
        for value, _, _ in values
    )
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(str(Path(tmp) / "s.db"))
        made.pull(PullRequest("bench", links, WINDOW), StoreRecordCache(store, "r", "bench", "hubspot"))
        store.close()
    return measured(made, started)


def official_pages(base_url: str, objects: tuple[str, ...]) -> Measure:
    """The official client paging every record of ``objects``, 100 per page (``basic_api.get_page``)."""
    import hubspot  # noqa: PLC0415 - the benchmark's comparison only

    client = hubspot.HubSpot(access_token=TOKEN, host=base_url)
    requests = 0
    started = time.perf_counter()
    for obj in objects:
        after = None
        while True:
            page = client.crm.objects.basic_api.get_page(obj, limit=100, after=after, properties=["hs_object_id"])
            requests += 1
            if not page.paging or not page.paging.next:
                break
            after = page.paging.next.after
    return Measure(requests, time.perf_counter() - started, {"list-page": requests})


def ours_pull(base_url: str, store: Any, run: str, *, full: bool = False) -> Measure:
    made = connector(base_url)
    started = time.perf_counter()
    result = made.pull(PullRequest("bench", LINKS, WINDOW, full=full), StoreRecordCache(store, run, "bench", "hubspot"))
    with store.transaction():
        store.crm_commit(run, "bench", "hubspot", result.watermarks)
    return measured(made, started)


def change(sandbox: HubSpotSandbox, count: int) -> None:
    rng = random.Random(1)
    for _ in range(count):
        obj = rng.choice(["tickets", "feedback_submissions", "deals", "contacts"])
        rid = rng.choice(sorted(sandbox.portal.records[obj]))
        sandbox.update(obj, rid, {"hs_lastmodifieddate": iso(ANCHOR)})


def scenario(name: str, records: int, latency_ms: float) -> list[dict[str, Any]]:
    """Every measurement on one generated portal: a row per measurement."""
    sandbox = HubSpotSandbox.generate(name, records, anchor=ANCHOR)
    sandbox.limits = RateLimits(burst=10**9, search_per_second=10**9)
    sandbox.latency = latency_ms / 1000
    rows: list[tuple[str, Measure, Measure]] = []
    with SandboxServer(sandbox) as server, tempfile.TemporaryDirectory() as tmp:
        os.environ["HUBSPOT_ACCESS_TOKEN"] = TOKEN
        url = server.base_url
        rows.append(("discover", ours_discover(url), official_pages(url, (*TOUCHPOINT_KINDS, "deals", "contacts"))))
        rows.append(("counts", ours_counts(url), official_pages(url, COUNTED)))
        store = open_store(str(Path(tmp) / "state.db"))
        theirs = official_pages(url, NEEDED)
        rows.append(("pull", ours_pull(url, store, "first"), theirs))
        change(sandbox, 50)
        rows.append(("rerun", ours_pull(url, store, "rerun"), theirs))
        rows.append(("full", ours_pull(url, store, "full", full=True), theirs))
        store.close()
    return [
        {"scenario": name, "measure": m, "ours_requests": ours.requests, "ours_s": round(ours.seconds, 2),
         "ours_by_purpose": ours.by_purpose, "official_requests": off.requests, "official_s": round(off.seconds, 2),
         "request_ratio": round(off.requests / max(ours.requests, 1), 1)}
        for m, ours, off in rows
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--latency-ms", type=float, default=15.0)
    parser.add_argument("--scenario", choices=[*SCENARIOS, "both"], default="both")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    names = SCENARIOS if args.scenario == "both" else (args.scenario,)
    table = [row for name in names for row in scenario(name, args.records, args.latency_ms)]
    if args.json:
        print(json.dumps({"records": args.records, "latency_ms": args.latency_ms, "rows": table}, indent=2))
        return
    print(f"HubSpot sandbox, {args.records} records, {args.latency_ms} ms per request")
    print(f"{'scenario':<11} {'measure':<9} {'ours req':>8} {'ours s':>7} {'official req':>12} {'official s':>10} "
          f"{'ratio':>7}  ours by purpose")  # fmt: skip
    for row in table:
        purposes = ", ".join(f"{k} {v}" for k, v in row["ours_by_purpose"].items())
        print(
            f"{row['scenario']:<11} {row['measure']:<9} {row['ours_requests']:>8} {row['ours_s']:>7} "
            f"{row['official_requests']:>12} {row['official_s']:>10} {row['request_ratio']:>6}x  {purposes}"
        )
    for name in names:
        mine = {r["measure"]: r["ours_requests"] for r in table if r["scenario"] == name}
        print(f"{name}: rerun after 50 changes = {mine['rerun'] / max(mine['full'], 1):.3f} of --full's requests")


if __name__ == "__main__":
    main()
