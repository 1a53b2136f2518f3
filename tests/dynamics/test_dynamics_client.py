"""DataverseClient: aggregates split under the 50k limit, paging, change tracking, Retry-After."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
import pytest
import respx
from dynamics_support import ANCHOR, BASE

from cjm_sync.errors import ConfigError, FatalAPIError
from cjm_sync.http import ApiClient, BearerAuth, retry
from connectors.dynamics.client import DataverseClient, DeltaExpired, open_api
from connectors.dynamics.odata import apply_count, in_window, split_range
from connectors.dynamics.sandbox import DataverseSandbox


def _client(sandbox: DataverseSandbox) -> DataverseClient:
    return DataverseClient(ApiClient("dynamics", BASE, auth=BearerAuth("t0ken-value"), transport=sandbox.transport()))


def test_query_text() -> None:
    start = ANCHOR - timedelta(days=30)
    assert in_window(start, ANCHOR) == "createdon ge 2026-10-02T00:00:00Z and createdon lt 2026-11-01T00:00:00Z"
    assert apply_count("statecode eq 0", ["caseorigincode"]) == (
        "filter(statecode eq 0)/groupby((caseorigincode),aggregate($count as n))"
    )
    (a, b), (c, d) = split_range(start, ANCHOR)
    assert [p[0] for p in split_range(start, ANCHOR, 3)] == [
        start,
        start + timedelta(days=10),
        start + timedelta(days=20),
    ]
    assert (a, b, c, d) == (start, start + timedelta(days=15), start + timedelta(days=15), ANCHOR)


def test_count_by_splits_the_window_on_the_aggregate_limit(sandbox: DataverseSandbox) -> None:
    start = ANCHOR - timedelta(days=200)
    expected = Counter(r["directioncode"] for r in sandbox.rows("emails") if start <= r["createdon"] < ANCHOR)
    assert sum(expected.values()) > 200
    client = _client(sandbox)
    whole = client.count_by("emails", ["directioncode"], start, ANCHOR)
    assert whole == {(flag,): n for flag, n in expected.items()}
    assert client.api.stats.calls() == 1
    sandbox.aggregate_limit = 120
    split = client.count_by("emails", ["directioncode"], start, ANCHOR)
    assert split == whole
    refused = [c for c in sandbox.calls if c.status == 400]
    answered = [c for c in sandbox.calls[1:] if c.status == 200]
    assert refused
    assert len(answered) >= 2
    assert len(sandbox.calls) - 1 <= 2 * len(answered)  # a binary split: at most one refusal per answer


def test_count_by_reports_other_400s(sandbox: DataverseSandbox) -> None:
    client = _client(sandbox)
    with pytest.raises(FatalAPIError, match="Could not find a property named 'nosuch'"):
        client.count_by("emails", ["nosuch"], ANCHOR - timedelta(days=1), ANCHOR)


def test_rows_pages_5000_at_a_time_following_next_links(sandbox: DataverseSandbox) -> None:
    big = DataverseSandbox(records=25_000, seed=2, anchor=ANCHOR, now=lambda: ANCHOR)
    client = _client(big)
    rows = list(client.rows("emails", ["activityid", "createdon"]))
    assert len(rows) == len(big.rows("emails")) > 5000
    pages = [c for c in big.calls if c.path.endswith("/emails")]
    assert len(pages) == -(-len(rows) // 5000)
    assert all(c.prefer == "odata.maxpagesize=5000" for c in pages)
    assert all(set(c.query) <= {"$select", "$skiptoken"} for c in pages)
    assert client.rows_read == len(rows)


def test_changes_initial_then_delta_then_expired(sandbox: DataverseSandbox) -> None:
    now = [ANCHOR]
    sandbox.now = lambda: now[0]
    client = _client(sandbox)
    initial = client.changes("leads", ["leadid", "leadsourcecode"], None)
    assert len(initial.upserts) == len(sandbox.rows("leads"))
    assert initial.delta_link is not None
    key = sandbox.rows("leads")[0]["leadid"]
    sandbox.update("leads", key, leadsourcecode=7)
    gone = sandbox.rows("leads")[1]["leadid"]
    sandbox.delete("leads", gone)
    delta = client.changes("leads", ["leadid", "leadsourcecode"], initial.delta_link)
    assert [r["leadid"] for r in delta.upserts] == [key]
    assert delta.deleted == [gone]
    now[0] += timedelta(days=8)
    with pytest.raises(DeltaExpired, match="expired"):
        client.changes("leads", ["leadid"], delta.delta_link)


def test_a_429_waits_exactly_retry_after() -> None:
    retry.set_testing(False)
    waits: list[float] = []
    try:
        with respx.mock(base_url=BASE, assert_all_called=True) as mock:
            mock.get("WhoAmI").mock(
                side_effect=[
                    httpx.Response(
                        429,
                        headers={"Retry-After": "2"},
                        json={
                            "error": {
                                "code": "0x80072322",
                                "message": "Number of requests exceeded the limit of 6000 over time window of 300 s.",
                            }
                        },
                    ),
                    httpx.Response(
                        429,
                        headers={"Retry-After": "3"},
                        json={
                            "error": {
                                "code": "0x80072326",
                                "message": "Number of concurrent requests exceeded the limit of 52.",
                            }
                        },
                    ),
                    httpx.Response(200, json={"UserId": "u"}),
                ]
            )
            api = ApiClient("dynamics", BASE, auth=BearerAuth("t0ken-value"), sleep=waits.append)
            assert DataverseClient(api).get("WhoAmI") == {"UserId": "u"}
    finally:
        retry.set_testing(True)
    assert waits == [2.0, 3.0]


def test_403_names_the_missing_privilege(sandbox: DataverseSandbox) -> None:
    sandbox.app_users["sandbox-user"] = {"incidents"}
    api = open_api("https://org.crm4.dynamics.com", BearerAuth("t0ken-value"), transport=sandbox.transport())
    with pytest.raises(ConfigError, match="prvReadIncident") as caught:
        DataverseClient(api).count_by("incidents", ["caseorigincode"], ANCHOR - timedelta(days=1), ANCHOR)
    assert "missing permission" in caught.value.message


def test_a_window_over_the_limit_is_cut_by_the_table_size(
    sandbox: DataverseSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    import connectors.dynamics.client as client_module

    start = ANCHOR - timedelta(days=400)
    client = _client(sandbox)
    whole = client.count_by("emails", ["directioncode"], start, ANCHOR)
    total = sum(whole.values())
    sandbox.aggregate_limit = total // 5  # the window holds five times the limit
    monkeypatch.setattr(client_module, "_ROWS_PER_PART", sandbox.aggregate_limit * 4 // 5)
    sandbox.calls.clear()
    split = client.count_by("emails", ["directioncode"], start, ANCHOR, logical_name="email")
    assert split == whole
    assert any("RetrieveTotalRecordCount" in c.path for c in sandbox.calls)
    assert len(sandbox.calls) <= 10  # 1 refused + 1 table size + the parts (+ a few re-cuts), not a page walk


def test_counts_are_batched_and_fall_back_when_batch_is_refused(sandbox: DataverseSandbox) -> None:
    from connectors.dynamics.client import CountSpec
    from connectors.dynamics.sandbox.wire import Response

    start = ANCHOR - timedelta(days=30)
    specs = [CountSpec(s, ("statecode",), start, ANCHOR) for s in ("emails", "phonecalls", "appointments")]
    client = _client(sandbox)
    batched = client.count_many(specs)
    assert sorted(c.in_batch for c in sandbox.calls) == [False, True, True, True]
    assert batched == [client.count_by(s.entity_set, s.group_by, s.start, s.end) for s in specs]
    sandbox.aggregate_limit = 60
    sandbox.calls.clear()
    assert client.count_many(specs) == batched  # parts over the limit are cut and counted in a batch again
    assert any(c.status == 400 and c.in_batch for c in sandbox.calls)

    handle = sandbox.handle
    sandbox.handle = lambda r: Response(404, {}, b"") if r.path.endswith("$batch") else handle(r)  # type: ignore[method-assign]
    sandbox.calls.clear()
    client = _client(sandbox)
    assert client.count_many(specs) == [None, None, None]
    assert client.count_many(specs) == [None, None, None]
    assert sandbox.calls == []  # the refused $batch is not logged by the stand-in, and not sent twice
    assert client.api.stats.calls() == 1


def test_metadata_without_filter_support_or_option_sets(sandbox: DataverseSandbox) -> None:
    from connectors.dynamics.sandbox.wire import Response

    handle = sandbox.handle

    def strict(request: Any) -> Response:
        if request.path.endswith("/EntityDefinitions") and "$filter" in request.query:
            return Response(400, {"Content-Type": "application/json"}, b'{"error":{"code":"0x0","message":"no"}}')
        return handle(request)

    sandbox.handle = strict  # type: ignore[method-assign]
    client = _client(sandbox)
    found = client.entities(["incident", "lead", "nosuchtable"])
    assert {k: (v.entity_set, v.change_tracking, v.key) for k, v in found.items()} == {
        "incident": ("incidents", True, "incidentid"),
        "lead": ("leads", True, "leadid"),
    }
    assert client.option_labels("incident", "nosuchcolumn") == {}
    assert client.option_labels("lead", "leadsourcecode")[7] == "Trade Show"
