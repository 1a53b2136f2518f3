"""What HubSpot reads cost, request by request, on a seeded portal (request counts are deterministic).

Each expected figure is computed here from the generator's records in plain Python — the fewest requests
the definitions allow (docs/crm.md "Request budget") — and compared with what the connector sent:

* discover: the pipelines and property definitions once each, one ``limit=1`` count per stage, and per
  touchpoint key one search over both windows (its ``total``), plus one count of the current window only
  when the key has more records than fit on that page (200);
* first pull: no list pages; the cached objects' records are searched from the earliest window start on
  (⌈records/200⌉ pages per query of ≤ 5 record times);
* ``--full``: the cached objects through the list endpoint, ⌈records/100⌉ pages each;
* rerun after 50 changes: at most a third of ``--full``, the same values.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hubspot_support import ANCHOR, ConnectorFactory, unthrottled
from reference import TIME, VALUE, when
from test_hubspot_incremental import change_randomly, values

from cjm_sync.plugins import DiscoverRequest, PullRequest, PullResult, SourceLink, Window
from cjm_sync.state import SQLiteStateStore, open_store
from cjm_sync.state.crm_cache import StoreRecordCache
from connectors.hubspot.sandbox import HubSpotSandbox
from connectors.hubspot.sandbox.generator import TOUCH_VALUES

WINDOW = Window(ANCHOR - timedelta(days=30), ANCHOR)
VALUE_OPTIONS = {obj: [v for v, _, _ in values] for obj, (_, values) in TOUCH_VALUES.items()}
LINKS = (
    SourceLink("touchpoint:calls", "touchpoint", ("hubspot:calls:INBOUND", "hubspot:calls:OUTBOUND")),
    SourceLink("touchpoint:fwd", "touchpoint", ("hubspot:emails:FORWARDED_EMAIL",)),
    SourceLink("touchpoint:support", "touchpoint", ("hubspot:tickets:CHAT", "hubspot:tickets:EMAIL")),
    SourceLink("touchpoint:nps", "touchpoint", ("hubspot:feedback_submissions:NPS",)),
    SourceLink("stage:consider", "stage", ("hubspot:deal-stage:default:qualifiedtobuy",)),
    SourceLink("stage:lead", "stage", ("hubspot:lifecycle:lead",)),
)
CACHED_TIMES = {
    "tickets": ["createdate"],
    "feedback_submissions": ["hs_createdate"],
    "deals": ["hs_v2_date_entered_qualifiedtobuy"],
    "contacts": ["hs_lifecyclestage_lead_date", "hs_v2_date_entered_lead"],
}
"""The record times that put a record of each cached object in the windows (for LINKS)."""
SINCE = {
    "tickets": WINDOW.previous.start,  # touchpoints: both windows
    "feedback_submissions": WINDOW.previous.start,
    "deals": WINDOW.start,  # stages: the window's entrants only
    "contacts": WINDOW.start,
}


def in_range(records: Iterable[dict[str, Any]], times: Sequence[str], start: datetime) -> int:
    return sum(1 for r in records if any((at := when(r.get(t))) is not None and at >= start for t in times))


def in_windows(sandbox: HubSpotSandbox, obj: str, values_: set[str], window: Window) -> int:
    """Records of ``obj`` with one of ``values_`` in the window or the window before."""
    return sum(
        1
        for r in sandbox.records(obj)
        if r.get(VALUE[obj]) in values_ and window.previous.start <= when(r[TIME[obj]]) < window.end  # type: ignore[operator]
    )


def two_window_cost(sandbox: HubSpotSandbox, obj: str, values_: set[str], window: Window) -> int:
    """One search over both windows; a second (current window) when the matches exceed one page."""
    return 1 if in_windows(sandbox, obj, values_, window) <= 200 else 2


def object_cost(sandbox: HubSpotSandbox, obj: str, values_: list[str], window: Window) -> int:
    """Disjoint keys of one object: one search over all of them; past one page, each key but the largest
    as alone, and the largest's current window only (its two-window total is the rest)."""
    sizes = {v: in_windows(sandbox, obj, {v}, window) for v in values_}
    if len(values_) == 1:
        return two_window_cost(sandbox, obj, set(values_), window)
    if sum(sizes.values()) <= 200:
        return 1
    largest = max(values_, key=lambda v: sizes[v])
    return 1 + sum(two_window_cost(sandbox, obj, {v}, window) for v in values_ if v != largest) + 1


def pull(
    connect: ConnectorFactory, sandbox: HubSpotSandbox, store: SQLiteStateStore, run: str, **options: Any
) -> tuple[PullResult, dict[str, Any]]:
    connector, _ = connect(sandbox)
    request = PullRequest("j", LINKS, options.get("window", WINDOW), full=options.get("full", False))
    result = connector.pull(request, StoreRecordCache(store, run, "j", "hubspot"))
    with store.transaction():
        store.crm_commit(run, "j", "hubspot", result.watermarks)
    return result, connector.api_calls()


@pytest.fixture(scope="module")
def portal() -> HubSpotSandbox:
    return unthrottled(HubSpotSandbox.generate("b2b_saas", 10_000, anchor=ANCHOR))


def test_discover_costs_the_floor(portal: HubSpotSandbox, connect: ConnectorFactory) -> None:
    connector, _ = connect(portal)
    found = connector.discover(DiscoverRequest(WINDOW))
    stages = sum(len(p["stages"]) for obj in ("deals", "tickets") for p in portal.portal.pipelines[obj])
    stages += len(next(p for p in portal.portal.properties["contacts"] if p["name"] == "lifecyclestage")["options"])
    options = {obj: [o["value"] for o in portal.portal.properties[obj][0]["options"]] for obj in TIME}
    counting = sum(object_cost(portal, obj, values_, WINDOW) for obj, values_ in options.items())
    calls = connector.api_calls()
    assert calls["by_purpose"]["pipelines"] == 2
    assert calls["by_purpose"]["properties"] == 1 + len(TIME)  # lifecycle stages + one key property per object
    assert calls["calls"] == 2 + 1 + len(TIME) + stages + counting
    keys = sum(len(v) for v in options.values())
    assert counting < 2 * keys  # not two totals per key
    assert {t.key: (t.count, t.count_previous) for t in found.touchpoints} == volumes(portal)  # derived ones too


def volumes(sandbox: HubSpotSandbox) -> dict[str, tuple[int, int]]:
    """Every touchpoint key with records in either window: (window, previous window), computed directly."""
    found = {}
    for obj in TIME:
        for value in VALUE_OPTIONS[obj]:
            times = [when(r[TIME[obj]]) for r in sandbox.records(obj) if r.get(VALUE[obj]) == value]
            now = sum(1 for at in times if at is not None and WINDOW.contains(at))
            before = sum(1 for at in times if at is not None and WINDOW.previous.contains(at))
            if now or before:
                found[f"hubspot:{obj}:{value}"] = (now, before)
    return found


def test_a_small_portal_counts_each_object_in_one_search(connect: ConnectorFactory) -> None:
    sandbox = unthrottled(HubSpotSandbox.generate("b2c_retail", 800, anchor=ANCHOR))
    connector, _ = connect(sandbox)
    found = connector.discover(DiscoverRequest(WINDOW))
    calls = connector.api_calls()["by_purpose"]
    assert all(in_windows(sandbox, obj, set(VALUE_OPTIONS[obj]), WINDOW) <= 200 for obj in TIME)
    assert calls["search-page"] == len(TIME)  # one search per touchpoint object, every key counted from it
    assert {t.key: (t.count, t.count_previous) for t in found.touchpoints} == volumes(sandbox)


def test_first_pull_full_and_rerun_budgets(connect: ConnectorFactory, store: SQLiteStateStore) -> None:
    sandbox = unthrottled(HubSpotSandbox.generate("b2b_saas", 10_000, anchor=ANCHOR))
    first, first_calls = pull(connect, sandbox, store, "r0")
    counted = two_window_cost(sandbox, "calls", {"INBOUND", "OUTBOUND"}, WINDOW) + two_window_cost(
        sandbox, "emails", {"FORWARDED_EMAIL"}, WINDOW
    )
    loads = sum(
        math.ceil(max(in_range(sandbox.records(obj), times, SINCE[obj]), 1) / 200)
        for obj, times in CACHED_TIMES.items()
    )
    assert first_calls["by_purpose"] == {
        "pipelines": 1,  # deals
        "properties": 1,  # lifecycle stages
        "search-count": counted - 2,
        "search-page": 2 + loads,
    }
    listing = sum(math.ceil(len(sandbox.records(obj)) / 100) for obj in CACHED_TIMES)
    assert loads * 5 < listing  # the windows' records, not every record

    full, full_calls = pull(connect, sandbox, store, "f0", full=True)
    assert values(full) == values(first)
    assert full_calls["by_purpose"]["list-page"] == listing

    change_randomly(sandbox, random.Random(5), 50)
    rerun, rerun_calls = pull(connect, sandbox, store, "r1")
    fresh, fresh_calls = pull(connect, sandbox, store, "f1", full=True)
    assert values(rerun) == values(fresh)
    assert rerun_calls["calls"] * 3 <= fresh_calls["calls"], (rerun_calls, fresh_calls)
    chunks = sum(math.ceil(len(times) / 5) for times in CACHED_TIMES.values())
    # metadata, the counts, per query of record times one count and one page of changes, and one page
    # of the archived list per object that lost records
    archived_pages = rerun_calls["by_purpose"].get("list-page", 0)
    assert archived_pages <= len(CACHED_TIMES)
    assert rerun_calls["calls"] == 2 + counted + 2 * chunks + archived_pages


def test_an_earlier_as_of_reads_only_the_gap(connect: ConnectorFactory, store: SQLiteStateStore) -> None:
    sandbox = unthrottled(HubSpotSandbox.generate("b2c_retail", 6000, anchor=ANCHOR))
    pull(connect, sandbox, store, "r0")
    earlier = Window(WINDOW.start - timedelta(days=40), WINDOW.end - timedelta(days=40))
    gap, gap_calls = pull(connect, sandbox, store, "r1", window=earlier)
    fresh, _ = pull(connect, sandbox, store, "f1", window=earlier, full=True)
    assert values(gap) == values(fresh)
    assert "list-page" not in gap_calls["by_purpose"]
    gap_records = {
        obj: sum(
            1
            for r in sandbox.records(obj)
            if any(
                (at := when(r.get(t))) is not None and earlier.start - (WINDOW.start - SINCE[obj]) <= at < SINCE[obj]
                for t in times
            )
        )
        for obj, times in CACHED_TIMES.items()
    }
    gap_pages = sum(math.ceil(max(n, 1) / 200) for n in gap_records.values())
    chunks = len(CACHED_TIMES)
    # the gap's pages, then per object one page of changes (none) and one count to compare
    assert gap_calls["by_purpose"]["search-page"] <= 2 + gap_pages + chunks + 2
    later, later_calls = pull(connect, sandbox, store, "r2")  # back to the first window: nothing to fill
    again, _ = pull(connect, sandbox, store, "f2", full=True)
    assert values(later) == values(again)
    assert later_calls["calls"] <= gap_calls["calls"]


def test_the_inbox_counts_unused_keys_in_as_few_searches(
    portal: HubSpotSandbox, connect: ConnectorFactory, tmp_path: Path
) -> None:
    costs = []
    for run, unassigned in (("plain", False), ("inbox", True)):
        store = open_store(str(tmp_path / f"{run}.db"))
        connector, _ = connect(portal)
        request = PullRequest("j", LINKS, WINDOW, unassigned=unassigned)
        result = connector.pull(request, StoreRecordCache(store, run, "j", "hubspot"))
        store.close()
        costs.append(connector.api_calls()["calls"])
    used = {key for link in LINKS for key in link.sources}
    expected_cost = 0
    for obj in ("calls", "emails", "meetings", "communications"):  # not cached: counted with searches
        free = [v for v in VALUE_OPTIONS[obj] if f"hubspot:{obj}:{v}" not in used]
        sizes = {
            v: sum(1 for r in portal.records(obj) if r.get(VALUE[obj]) == v and WINDOW.contains(when(r[TIME[obj]])))
            for v in free
        }  # type: ignore[arg-type]
        if len(free) == 1:
            expected_cost += 1
        elif free:
            expected_cost += 1 if sum(sizes.values()) <= 200 else len(free)  # one page, or all but the largest + it
    assert costs[1] - costs[0] == len(TIME) + expected_cost  # + the six key properties' definitions
    listed = {u.key: u.volume for u in result.unassigned or []}
    for key, volume in listed.items():
        _, obj, value = key.split(":")
        records = [r for r in portal.records(obj) if r.get(VALUE[obj]) == value]
        assert volume == sum(1 for r in records if WINDOW.contains(when(r[TIME[obj]]))), key  # type: ignore[arg-type]
    assert set(listed) == {f"hubspot:{o}:{v}" for o in TIME for v in VALUE_OPTIONS[o]} - used


def test_a_pull_of_every_count_only_key_costs_the_floor(
    portal: HubSpotSandbox, connect: ConnectorFactory, store: SQLiteStateStore
) -> None:
    counted = ("calls", "emails", "meetings", "communications")
    links = tuple(
        SourceLink(f"touchpoint:{obj}-{v}", "touchpoint", (f"hubspot:{obj}:{v}",))
        for obj in counted
        for v in VALUE_OPTIONS[obj]
    )
    connector, _ = connect(portal)
    result = connector.pull(PullRequest("j", links, WINDOW), StoreRecordCache(store, "r", "j", "hubspot"))
    calls = connector.api_calls()
    assert calls["calls"] == sum(object_cost(portal, obj, VALUE_OPTIONS[obj], WINDOW) for obj in counted) <= 30
    got = {f.entity: f.value for f in result.facts if f.metric == "volume"}
    before = {f.entity: f.value for f in result.facts if f.metric == "volume-previous"}
    expected = volumes(portal)
    for link in links:
        assert (got[link.entity], before[link.entity]) == expected.get(link.sources[0], (0, 0)), link.entity
