"""A rerun reads only what changed (and what was archived), costs far fewer requests than ``--full`` and
gives the same values; more than 10,000 changes are read in restarted windows, never past the cap."""

from __future__ import annotations

import random
from datetime import timedelta

from hubspot_support import ANCHOR, ConnectorFactory, unthrottled

from cjm_sync.plugins import PullRequest, PullResult, SourceLink, Window
from cjm_sync.state import SQLiteStateStore
from cjm_sync.state.crm_cache import StoreRecordCache
from connectors.hubspot.client import HubSpotClient, Paths
from connectors.hubspot.sandbox import HubSpotSandbox
from connectors.hubspot.sandbox.generator import iso
from connectors.hubspot.values import instant

LINKS = (
    SourceLink("touchpoint:a", "touchpoint", ("hubspot:calls:INBOUND",)),
    SourceLink("touchpoint:b", "touchpoint", ("hubspot:tickets:CHAT", "hubspot:tickets:EMAIL")),
    SourceLink("touchpoint:c", "touchpoint", ("hubspot:feedback_submissions:NPS", "hubspot:feedback_submissions:CES")),
    SourceLink("stage:d", "stage", ("hubspot:deal-stage:default:qualifiedtobuy",)),
    SourceLink("stage:e", "stage", ("hubspot:lifecycle:lead", "hubspot:lifecycle:customer")),
    SourceLink("stage:f", "stage", ("hubspot:ticket-stage:0:2",)),
)
WINDOW = Window(ANCHOR - timedelta(days=60), ANCHOR)


def pull(
    connect: ConnectorFactory,
    sandbox: HubSpotSandbox,
    store: SQLiteStateStore,
    run: str,
    *,
    full: bool = False,
    window: Window = WINDOW,
) -> tuple[PullResult, int]:
    connector, _ = connect(sandbox)
    journey = "full" if full else "j"  # full reads keep their own cache: the incremental chain stays windowed
    cache = StoreRecordCache(store, run, journey, "hubspot")
    result = connector.pull(PullRequest(journey, LINKS, window, full=full), cache)
    calls = connector.api_calls()["calls"]
    with store.transaction():
        store.crm_commit(run, journey, "hubspot", result.watermarks)
    return result, calls


def values(result: PullResult) -> list[tuple[str, str, object, int]]:
    return [(f.entity, f.metric, f.value, f.sample_size) for f in result.facts]


def change_randomly(sandbox: HubSpotSandbox, rng: random.Random, count: int) -> None:
    """Edits of the kinds people make: new answers and tickets, changed types, moved stages, archives."""
    when = ANCHOR - timedelta(days=rng.randint(1, 55))
    for step in range(count):
        obj = rng.choice(["tickets", "feedback_submissions", "deals", "contacts", "calls"])
        ids = sorted(sandbox.portal.records[obj])
        rid = rng.choice(ids)
        roll = step % 4
        if roll == 0 and obj == "feedback_submissions":
            sandbox.create(
                obj, {"hs_survey_type": "NPS", "hs_response_value": str(rng.randint(0, 10)), "hs_createdate": iso(when)}
            )
        elif roll == 1 and obj == "tickets":
            sandbox.update(obj, rid, {"source_type": rng.choice(["CHAT", "EMAIL", "PHONE"]), "createdate": iso(when)})
        elif roll == 2 and obj == "deals":
            sandbox.update(
                obj, rid, {"hs_v2_date_entered_qualifiedtobuy": iso(when), "hs_v2_date_exited_qualifiedtobuy": ""}
            )
        elif roll == 3:
            sandbox.archive(obj, rid)
        elif obj == "contacts":
            sandbox.update(obj, rid, {"hs_v2_date_entered_lead": iso(when)})
        else:
            sandbox.update(obj, rid, {"hs_timestamp": iso(when)} if obj == "calls" else {"createdate": iso(when)})


def test_incremental_equals_full_after_random_changes(connect: ConnectorFactory, store: SQLiteStateStore) -> None:
    sandbox = unthrottled(HubSpotSandbox.generate("b2b_saas", 10_000, anchor=ANCHOR))
    rng = random.Random(3)
    first, _ = pull(connect, sandbox, store, "r0")
    earlier = Window(WINDOW.start - timedelta(days=75), WINDOW.end - timedelta(days=75))
    for round_number, window in enumerate([WINDOW, WINDOW, earlier, WINDOW]):
        change_randomly(sandbox, rng, 50)
        incremental, calls = pull(connect, sandbox, store, f"r{round_number + 1}", window=window)
        fresh, full_calls = pull(connect, sandbox, store, f"f{round_number + 1}", full=True, window=window)
        assert values(incremental) == values(fresh)
        if window is WINDOW:  # (the earlier window also reads its gap)
            assert calls * 3 <= full_calls, (round_number, calls, full_calls)
        if round_number == 1:
            assert values(first) != values(fresh)  # the changes did change metrics


def test_nothing_changed_reads_no_records(connect: ConnectorFactory, store: SQLiteStateStore) -> None:
    sandbox = unthrottled(HubSpotSandbox.generate("b2c_retail", 1500, anchor=ANCHOR))
    first, _ = pull(connect, sandbox, store, "r0")
    calls_before = len(sandbox.calls)
    again, _ = pull(connect, sandbox, store, "r1")
    assert values(again) == values(first)
    assert not any(m == "GET" and "/objects/" in p for m, p in sandbox.calls[calls_before:])  # no full reloads


def test_more_than_ten_thousand_changes_restart_the_window_before_the_cap() -> None:
    sandbox = unthrottled(HubSpotSandbox.generate("b2c_retail", 100, anchor=ANCHOR))
    for index in range(10_450):
        sandbox.create(
            "calls",
            {"hs_call_direction": "INBOUND", "hs_timestamp": iso(ANCHOR)},
            at=ANCHOR + timedelta(seconds=index // 7),
        )
    from cjm_sync.http import ApiClient, BearerAuth

    api = ApiClient(
        "hubspot", "https://api.hubapi.com", auth=BearerAuth("sandbox-token"), transport=sandbox.transport()
    )  # no limiter: the sandbox is not throttled here
    client = HubSpotClient(api, Paths.for_version("2026-09"))
    ids = [r["id"] for r in client.changed_since("calls", "hs_lastmodifieddate", ANCHOR, ["hs_call_direction"])]
    assert len(set(ids)) == 10_450
    searches = [p for _, p in sandbox.calls if p.endswith("/search")]
    assert len(searches) < 120  # ~53 pages of 200 plus the restart's overlap, not one per record
    assert client.count("calls", []) == len(sandbox.records("calls")) > 10_000  # totals are exact past the cap


def test_a_window_load_over_ten_thousand_records_splits_the_time_range(
    connect: ConnectorFactory, store: SQLiteStateStore
) -> None:
    sandbox = unthrottled(HubSpotSandbox.generate("b2c_retail", 100, anchor=ANCHOR))
    for index in range(10_450):
        created = ANCHOR - timedelta(days=50) + timedelta(seconds=index * 30)
        sandbox.create("tickets", {"source_type": "CHAT", "createdate": iso(created)}, at=created)
    links = (SourceLink("touchpoint:chat", "touchpoint", ("hubspot:tickets:CHAT",)),)
    connector, _ = connect(sandbox)
    calls_before = len(sandbox.calls)
    result = connector.pull(PullRequest("j", links, WINDOW), StoreRecordCache(store, "r0", "j", "hubspot"))
    chats = [r for r in sandbox.records("tickets") if r.get("source_type") == "CHAT"]
    expected = sum(1 for r in chats if WINDOW.start <= instant(r["createdate"]) < WINDOW.end)  # type: ignore[operator]
    assert {f.metric: f.value for f in result.facts}["volume"] == expected > 10_000
    searches = [p for _, p in sandbox.calls[calls_before:] if p.endswith("/search")]
    assert not [p for m, p in sandbox.calls[calls_before:] if m == "GET" and p.endswith("/tickets")]  # no list
    assert len(searches) < 70  # ~53 pages of 200, the restart's overlap and the one over-cap page
