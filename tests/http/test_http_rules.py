"""The core uses the vendor rules it is handed, and only those (a made-up vendor, "Acme Cloud")."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest
import respx
from http_fakes import BASE, FakeClock

from cjm_sync.errors import FatalAPIError, OutcomeUnknown, TransientError
from cjm_sync.http import (
    ApiClient,
    BucketedLimiter,
    Budget,
    CursorAfterPaginator,
    RequestRateLimiter,
    RetryPolicy,
    VendorRules,
)
from cjm_sync.http.error_body import json_object
from cjm_sync.http.waits import listening


def acme_budget(headers: httpx.Headers) -> Budget | None:
    if "Acme-Left" not in headers:
        return None
    return Budget(remaining=int(headers["Acme-Left"]), resets_in=float(headers.get("Acme-Cooldown", "3")))


def acme_delay(response: httpx.Response, now: float) -> float | None:
    del now
    return float(response.headers["Acme-Wait"]) if "Acme-Wait" in response.headers else None


def acme_give_up(response: httpx.Response) -> str | None:
    return "monthly quota spent" if response.headers.get("Acme-Quota") == "month" else None


def acme_message(response: httpx.Response) -> str:
    body = json_object(response) or {}
    return f"acme says {body.get('oops', 'nothing')}"


ACME = VendorRules(
    display_name="Acme Cloud",
    read_budget=acme_budget,
    retry_delay=acme_delay,
    give_up=acme_give_up,
    error_message=acme_message,
)


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=True) as router:
        yield router


def client(clock: FakeClock, **kwargs: object) -> ApiClient:
    retry = RetryPolicy(max_attempts=3, max_total_seconds=600.0, base_backoff=2.0, jitter=0.0)
    return ApiClient("acme", BASE, retry=retry, clock=clock, sleep=clock.sleep, rules=ACME, **kwargs)  # type: ignore[arg-type]


@pytest.mark.usefixtures("real_waits")
def test_the_vendor_delay_rule_sets_the_wait_and_its_name_is_announced(api: respx.MockRouter, clock: FakeClock) -> None:
    heard: list[str] = []
    api.get("/things").mock(
        side_effect=[httpx.Response(429, headers={"Acme-Wait": "8", "Retry-After": "99"}), httpx.Response(200)]
    )
    with listening(heard.append), client(clock) as acme:
        acme.request("GET", "/things")
    assert clock.sleeps == [8.0]  # the vendor's rule, not the standard Retry-After
    assert heard == ["waiting 8 s for Acme Cloud's rate limit"]


@pytest.mark.usefixtures("real_waits")
def test_without_a_vendor_hint_the_core_backs_off(api: respx.MockRouter, clock: FakeClock) -> None:
    api.get("/things").mock(side_effect=[httpx.Response(503), httpx.Response(200)])
    with client(clock) as acme:
        acme.request("GET", "/things")
    assert clock.sleeps == [2.0]


def test_the_give_up_rule_stops_at_once_and_leads_the_message(api: respx.MockRouter, clock: FakeClock) -> None:
    route = api.get("/things").mock(
        return_value=httpx.Response(429, headers={"Acme-Quota": "month"}, json={"oops": "no more"})
    )
    with client(clock) as acme, pytest.raises(TransientError) as info:
        acme.request("GET", "/things")
    assert route.call_count == 1
    assert "monthly quota spent (acme says no more)" in info.value.message


def test_the_error_parser_words_the_error(api: respx.MockRouter, clock: FakeClock) -> None:
    api.get("/things/1").mock(return_value=httpx.Response(404, json={"oops": "gone fishing"}))
    with client(clock) as acme, pytest.raises(FatalAPIError, match="not found: acme says gone fishing"):
        acme.get_json("/things/1")


def test_the_header_reader_feeds_the_bucket_the_call_was_counted_in(api: respx.MockRouter, clock: FakeClock) -> None:
    default = RequestRateLimiter(100, 10, clock=clock, sleep=clock.sleep)
    search = RequestRateLimiter(100, 1, clock=clock, sleep=clock.sleep)
    api.post("/things/search").mock(return_value=httpx.Response(200, json={}, headers={"Acme-Left": "0"}))
    api.get("/things").mock(return_value=httpx.Response(200, json={}))
    limiter = BucketedLimiter({"default": default, "search": search})
    with client(clock, rate_limiter=limiter) as acme:
        acme.request("POST", "/things/search", json={}, idempotent=True, bucket="search")
        acme.get_json("/things")
        assert clock.sleeps == []  # the empty budget was the search bucket's
        acme.request("POST", "/things/search", json={}, idempotent=True, bucket="search")
        assert clock.sleeps == [3.0]
        assert acme.stats.to_dict()["rate_limit_wait_seconds"] == 3.0


def test_a_plain_limiter_counts_every_bucket(api: respx.MockRouter, clock: FakeClock) -> None:
    api.post("/things/search").mock(return_value=httpx.Response(200, json={}))
    with client(clock, rate_limiter=RequestRateLimiter(1, 10, clock=clock, sleep=clock.sleep)) as acme:
        acme.request("POST", "/things/search", json={}, idempotent=True, bucket="search")
        acme.request("POST", "/things/search", json={}, idempotent=True)
    assert clock.sleeps == [10.0]


@pytest.mark.parametrize(
    "failure",
    [httpx.Response(500), httpx.Response(502), httpx.Response(504), httpx.ReadTimeout("slow")],
    ids=["500", "502", "504", "read-timeout"],
)
def test_a_read_only_post_is_retried_like_a_get(api: respx.MockRouter, clock: FakeClock, failure: object) -> None:
    route = api.post("/things/search").mock(side_effect=[failure, httpx.Response(200, json={"total": 3})])
    with client(clock) as acme:
        assert acme.request("POST", "/things/search", json={}, idempotent=True).json() == {"total": 3}
    assert route.call_count == 2


def test_a_write_post_that_may_have_arrived_is_not_repeated(api: respx.MockRouter, clock: FakeClock) -> None:
    route = api.post("/things").mock(side_effect=[httpx.Response(502), httpx.Response(201, json={})])
    with client(clock) as acme, pytest.raises(OutcomeUnknown, match="may have reached the server"):
        acme.request("POST", "/things", json={"name": "x"})
    assert route.call_count == 1


def test_paging_a_post_search_reads_and_is_retried(api: respx.MockRouter, clock: FakeClock) -> None:
    route = api.post("/things/search").mock(
        side_effect=[
            httpx.Response(502),
            httpx.Response(200, json={"results": [{"id": "1"}], "paging": {"next": {"after": "1"}}}),
            httpx.Response(200, json={"results": [{"id": "2"}]}),
        ]
    )
    with client(clock) as acme:
        pages = acme.paginate(
            "/things/search", CursorAfterPaginator(location="json"), method="POST", json={}, items_key="results"
        )
        assert [r["id"] for r in pages] == ["1", "2"]
    assert route.call_count == 3


@pytest.mark.usefixtures("real_waits")
def test_standard_rules_name_the_connector(
    api: respx.MockRouter, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    api.get("/things").mock(side_effect=[httpx.Response(429, headers={"Retry-After": "1"}), httpx.Response(200)])
    retry = RetryPolicy(max_attempts=2)
    with (
        caplog.at_level(logging.WARNING, logger="cjm_sync.http"),
        ApiClient("plainvendor", BASE, retry=retry, clock=clock, sleep=clock.sleep) as plain,
    ):
        plain.request("GET", "/things")
    assert "for plainvendor's rate limit" in caplog.text
