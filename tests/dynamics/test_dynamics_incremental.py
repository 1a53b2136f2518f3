"""Incremental pulls equal --full, read only changed rows; an expired delta token costs one full read;
counts are server-side aggregates split under the 50,000-row limit."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from dynamics_support import ANCHOR, BASE, MemoryCache

from cjm_sync.http import BearerAuth
from cjm_sync.plugins.crm import PullRequest, SourceLink
from cjm_sync.plugins.window import Window
from connectors.dynamics.connector import DynamicsConnector
from connectors.dynamics.sandbox import DataverseSandbox

WINDOW = Window(ANCHOR - timedelta(days=60), ANCHOR)
URL = BASE.split("/api/")[0]


def _links(env: DataverseSandbox) -> tuple[SourceLink, ...]:
    process = env.generated.processes[0]
    return (
        SourceLink(
            "touchpoint:support",
            "touchpoint",
            ("dynamics:incident:phone", "dynamics:incident:email", "dynamics:incident:web"),
        ),
        SourceLink("touchpoint:calls", "touchpoint", ("dynamics:phonecall:incoming",)),
        SourceLink("touchpoint:nps", "touchpoint", ("dynamics:msfp_surveyresponse:onboarding-nps",)),
        *(
            SourceLink(f"stage:{name}", "stage", (f"dynamics:bpf:{process.entity_set}:{sid}",))
            for sid, name in process.stages
        ),
    )


def _pull(
    env: DataverseSandbox, cache: MemoryCache, *, full: bool = False
) -> tuple[dict[tuple[str, str], Any], int, list[str]]:
    connector = DynamicsConnector.connect(URL, BearerAuth("t0ken-value"), transport=env.transport())
    before = len(env.calls)
    result = connector.pull(PullRequest("j", _links(env), WINDOW, full=full), cache)
    connector.close()
    definitions = ("/workflows", "/processstages", "/msfp_surveys")  # small lookups, read every run
    rows = sum(c.rows for c in env.calls[before:] if not c.path.endswith(definitions))
    return {(f.entity, f.metric): (f.value, f.sample_size) for f in result.facts}, rows, result.warnings


def _change_things(env: DataverseSandbox, rng: random.Random) -> None:
    cases = [c for c in env.rows("incidents") if WINDOW.contains(c["createdon"])]
    kpis = {k["slakpiinstanceid"]: k for k in env.rows("slakpiinstances")}
    for case in rng.sample(cases, 12):
        kpi = kpis[case["_firstresponsebykpiid_value"]]
        env.update(
            "slakpiinstances",
            kpi["slakpiinstanceid"],
            status=4,
            succeededon=case["createdon"] + timedelta(hours=rng.uniform(0.5, 9)),
        )
        env.create("incidentresolutions", {
            "activityid": f"00000000-0000-4000-8000-{rng.randrange(16**12):012x}",
            "_incidentid_value": case["incidentid"],
            "actualend": case["createdon"] + timedelta(hours=rng.uniform(10, 90)), "statecode": 1, "statuscode": 2,
            "subject": "resolved again", "createdon": ANCHOR - timedelta(hours=1),
        })  # fmt: skip
    picked = rng.sample(cases, 7)
    for case in picked[:3]:
        env.delete("incidents", case["incidentid"])
    for case in picked[3:]:
        env.update("incidents", case["incidentid"], caseorigincode=rng.choice([1, 2, 3]))
    process = env.generated.processes[0]
    active = [r for r in env.rows(process.entity_set) if r["statecode"] == 0]
    for row in rng.sample(active, 5):
        env.update(process.entity_set, row["businessprocessflowinstanceid"], statecode=1, statuscode=3)


def test_incremental_equals_full_and_reads_a_fraction() -> None:
    env = DataverseSandbox(records=12_000, seed=31, anchor=ANCHOR, now=lambda: ANCHOR)
    cache = MemoryCache()
    first, _, _ = _pull(env, cache)
    again, again_rows, _ = _pull(env, cache)
    assert again == first
    assert again_rows == 0  # nothing changed: the delta links return nothing
    _change_things(env, random.Random(5))
    incremental, incremental_rows, warnings = _pull(env, cache)
    full, full_rows, _ = _pull(env, MemoryCache(), full=True)
    assert incremental == full
    assert incremental != first
    assert not warnings
    assert 0 < incremental_rows <= full_rows / 5
    full_again, _, _ = _pull(env, cache, full=True)
    assert full_again == full
    assert env.protection.peak_concurrency("sandbox-user") == 1  # one read at a time, far below 52


def test_an_expired_delta_token_costs_one_full_read_of_the_table() -> None:
    now = [ANCHOR]
    env = DataverseSandbox(records=3000, seed=8, anchor=ANCHOR, now=lambda: now[0])
    cache = MemoryCache()
    first, _, _ = _pull(env, cache)
    now[0] = ANCHOR + timedelta(days=8)
    env.calls.clear()
    second, _, warnings = _pull(env, cache)
    assert second == first
    expired = [c for c in env.calls if c.status == 400 and "$deltatoken" in c.query]
    tables = {c.path.rsplit("/", 1)[1] for c in expired}
    assert tables == {"incidents", "slakpiinstances", "incidentresolutions", env.generated.processes[0].entity_set}
    for table in tables:
        full_reads = [
            c
            for c in env.calls
            if c.path.endswith(f"/{table}")
            and c.status == 200
            and "$deltatoken" not in c.query
            and "odata.track-changes" in c.prefer
        ]
        assert len(full_reads) == 1, table
    assert any("read once in full" in w for w in warnings)
    env.calls.clear()
    third, rows, _ = _pull(env, cache)
    assert third == first
    assert rows == 0
    assert not [c for c in env.calls if c.status == 400]


def test_counts_are_aggregates_split_under_the_limit() -> None:
    env = DataverseSandbox(records=4000, seed=12, anchor=ANCHOR, now=lambda: ANCHOR)
    link = (SourceLink("touchpoint:mail", "touchpoint", ("dynamics:email:incoming", "dynamics:email:outgoing")),)
    connector = DynamicsConnector.connect(URL, BearerAuth("t0ken-value"), transport=env.transport())
    whole = connector.pull(PullRequest("j", link, WINDOW), MemoryCache()).facts
    counted = [c for c in env.calls if c.path.endswith("/emails")]
    assert len(counted) == 2  # one $apply for the window, one for the previous window…
    assert all(c.in_batch for c in counted)  # …sent together in one $batch
    assert len([c for c in env.calls if c.path.endswith("/$batch")]) == 1
    assert all("$apply" in c.query and c.rows == 0 for c in counted)
    env.aggregate_limit = 40
    env.calls.clear()
    split = connector.pull(PullRequest("j", link, WINDOW), MemoryCache()).facts
    connector.close()
    assert [(f.metric, f.value) for f in split] == [(f.metric, f.value) for f in whole]
    assert any(c.status == 400 for c in env.calls)
    assert whole[0].value > 40


def test_tables_without_change_tracking_use_a_modifiedon_watermark() -> None:
    untracked = frozenset({"slakpiinstances", "incidentresolutions"})
    env = DataverseSandbox(records=6000, seed=13, anchor=ANCHOR, now=lambda: ANCHOR, untracked=untracked)
    cache = MemoryCache()
    first, _, _ = _pull(env, cache)
    env.calls.clear()
    again, rows, _ = _pull(env, cache)
    assert again == first
    reads = [c for c in env.calls if c.path.rsplit("/", 1)[1] in untracked]
    assert {c.path.rsplit("/", 1)[1] for c in reads} == untracked
    assert all(c.query["$filter"].startswith("modifiedon ge ") and "odata.track-changes" not in c.prefer for c in reads)
    assert rows <= 10  # rows modified at exactly the watermark are read again; nothing else
    later = [ANCHOR + timedelta(minutes=5)]
    env.now = lambda: later[0]
    _change_things(env, random.Random(9))
    incremental, _, _ = _pull(env, cache)
    full, _, _ = _pull(env, MemoryCache(), full=True)
    assert incremental == full


def test_a_plainer_server_gives_the_same_values() -> None:
    """No $batch, no RetrieveTotalRecordCount, no groupby on traversedpath, no filtered EntityDefinitions,
    an expired delta token answered 410: the connector falls back and the values do not change."""
    from connectors.dynamics.sandbox.wire import Request, Response

    now = [ANCHOR]
    env = DataverseSandbox(records=3000, seed=8, anchor=ANCHOR, now=lambda: now[0])
    expected, _, _ = _pull(env, MemoryCache())
    handle = env.handle
    refused = b'{"error":{"code":"0x80060888","message":"not supported here"}}'

    def plainer(request: Request) -> Response:
        path, query = request.path, request.query
        if path.endswith("/$batch") or "RetrieveTotalRecordCount" in path:
            return Response(501, {"Content-Type": "application/json"}, refused)
        if (
            "traversedpath" in query.get("$apply", "")
            or (path.endswith("/EntityDefinitions") and "$filter" in query)
            or "statecode" in query.get("$filter", "")
        ):
            return Response(400, {"Content-Type": "application/json"}, refused)
        answer = handle(request)
        if "$deltatoken" in query and answer.status == 400:
            return Response(410, answer.headers, answer.body)
        return answer

    env.handle = plainer  # type: ignore[method-assign]
    cache = MemoryCache()
    env.calls.clear()
    assert _pull(env, cache)[0] == expected
    assert any(c.query.get("$select") == "traversedpath" for c in env.calls)  # paths paged instead
    assert not any(c.in_batch for c in env.calls)
    now[0] = ANCHOR + timedelta(days=8)
    got, _, warnings = _pull(env, cache)
    assert got == expected
    assert any("read once in full" in w for w in warnings)


def test_counts_over_five_times_the_limit_cost_a_handful_of_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    import connectors.dynamics.client as client_module

    env = DataverseSandbox(records=8000, seed=4, anchor=ANCHOR, now=lambda: ANCHOR)
    year = Window(ANCHOR - timedelta(days=200), ANCHOR)
    link = (SourceLink("touchpoint:mail", "touchpoint", ("dynamics:email:incoming", "dynamics:email:outgoing")),)
    connector = DynamicsConnector.connect(URL, BearerAuth("t0ken-value"), transport=env.transport())
    expected = connector.pull(PullRequest("j", link, year), MemoryCache()).facts
    in_window = sum(1 for r in env.rows("emails") if year.contains(r["createdon"]))
    env.aggregate_limit = in_window // 5  # like 250,000 rows against Dataverse's 50,000
    monkeypatch.setattr(client_module, "_ROWS_PER_PART", env.aggregate_limit * 4 // 5)
    env.calls.clear()
    got = connector.pull(PullRequest("j", link, year), MemoryCache()).facts
    connector.close()
    assert [(f.metric, f.value) for f in got] == [(f.metric, f.value) for f in expected]
    http_requests = [c for c in env.calls if not c.in_batch]
    assert len(http_requests) <= 10, [c.path for c in http_requests]
    assert sum(c.rows for c in env.calls) == 0  # no rows paged for a count
