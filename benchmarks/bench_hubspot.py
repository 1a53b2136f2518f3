"""HubSpot metrics for a large portal: requests and wall time, ours vs the official ``hubspot-api-client``.

Both read the loopback HubSpot sandbox (``cjm-sync sandbox hubspot``'s server, in this process) with a
realistic latency per request. Three measurements on the same generated portal:

* ``counts``   — volume and previous volume of every touchpoint key (calls, emails, meetings,
  communications, tickets, feedback): ours counts with search totals (``limit=1``); the official client
  pages every record of those objects (100 per page, the way its docs show ``get_page``/``get_all``) and
  counts locally.
* ``pull``     — a full ``pull`` of a journey linking touchpoints, surveys, tickets and stages (first run,
  which loads the record cache) vs the official client paging every object the metrics need.
* ``rerun``    — the same pull after 50 records changed (incremental) vs the official client again.

Prints requests, wall time and the ratio per measurement. Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cjm_sync.plugins import PullRequest, SourceLink, Window
from cjm_sync.state import open_store
from cjm_sync.state.crm_cache import StoreRecordCache
from connectors.hubspot.connector import HubSpotConnector
from connectors.hubspot.keys import TOUCHPOINT_KINDS
from connectors.hubspot.sandbox import TOKEN, HubSpotSandbox, RateLimits, SandboxServer
from connectors.hubspot.sandbox.generator import TOUCH_VALUES, iso

ANCHOR = datetime(2026, 11, 1, tzinfo=UTC)
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


def ours_counts(base_url: str) -> tuple[int, float]:
    connector = HubSpotConnector.from_config({"base_url": base_url, "search_per_second": 1000, "burst_limit": 1000})
    links = tuple(
        SourceLink(f"touchpoint:{obj}-{value}", "touchpoint", (f"hubspot:{obj}:{value}",))
        for obj, (_, values) in TOUCH_VALUES.items()
        if obj in TOUCHPOINT_KINDS and obj not in {"tickets", "feedback_submissions"}
        for value, _, _ in values
    )
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(str(Path(tmp) / "s.db"))
        connector.pull(PullRequest("bench", links, WINDOW), StoreRecordCache(store, "r", "bench", "hubspot"))
        store.close()
    return int(connector.api_calls()["calls"]), time.perf_counter() - started


def official_pages(base_url: str, objects: tuple[str, ...]) -> tuple[int, float]:
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
    return requests, time.perf_counter() - started


def ours_pull(base_url: str, store: Any, run: str) -> tuple[int, float]:
    connector = HubSpotConnector.from_config({"base_url": base_url, "search_per_second": 1000, "burst_limit": 1000})
    started = time.perf_counter()
    result = connector.pull(PullRequest("bench", LINKS, WINDOW), StoreRecordCache(store, run, "bench", "hubspot"))
    with store.transaction():
        store.crm_commit(run, "bench", "hubspot", result.watermarks)
    return int(connector.api_calls()["calls"]), time.perf_counter() - started


def change(sandbox: HubSpotSandbox, count: int) -> None:
    rng = random.Random(1)
    for _ in range(count):
        obj = rng.choice(["tickets", "feedback_submissions", "deals", "contacts"])
        rid = rng.choice(sorted(sandbox.portal.records[obj]))
        sandbox.update(obj, rid, {"hs_lastmodifieddate": iso(ANCHOR)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--latency-ms", type=float, default=15.0)
    parser.add_argument("--scenario", default="b2b_saas")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sandbox = HubSpotSandbox.generate(args.scenario, args.records, anchor=ANCHOR)
    sandbox.limits = RateLimits(burst=10**9, search_per_second=10**9)
    sandbox.latency = args.latency_ms / 1000
    rows = []
    with SandboxServer(sandbox) as server, tempfile.TemporaryDirectory() as tmp:
        import os  # noqa: PLC0415

        os.environ["HUBSPOT_ACCESS_TOKEN"] = TOKEN
        counting = tuple(o for o in TOUCHPOINT_KINDS if o not in {"tickets", "feedback_submissions"})
        rows.append(("counts", *ours_counts(server.base_url), *official_pages(server.base_url, counting)))
        store = open_store(str(Path(tmp) / "state.db"))
        first = ours_pull(server.base_url, store, "first")
        theirs = official_pages(server.base_url, NEEDED)
        rows.append(("pull", *first, *theirs))
        change(sandbox, 50)
        rows.append(("rerun", *ours_pull(server.base_url, store, "rerun"), *theirs))
        store.close()
    table = [
        {"measure": m, "ours_requests": r1, "ours_s": round(t1, 2), "official_requests": r2, "official_s": round(t2, 2),
         "request_ratio": round(r2 / max(r1, 1), 1)}
        for m, r1, t1, r2, t2 in rows
    ]  # fmt: skip
    if args.json:
        print(json.dumps({"records": args.records, "latency_ms": args.latency_ms, "rows": table}, indent=2))
        return
    print(f"HubSpot sandbox, {args.records} records ({args.scenario}), {args.latency_ms} ms per request")
    print(f"{'measure':<8} {'ours req':>9} {'ours s':>8} {'official req':>13} {'official s':>11} {'ratio':>7}")
    for row in table:
        print(
            f"{row['measure']:<8} {row['ours_requests']:>9} {row['ours_s']:>8} {row['official_requests']:>13} "
            f"{row['official_s']:>11} {row['request_ratio']:>6}x"
        )


if __name__ == "__main__":
    main()
