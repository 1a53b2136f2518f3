"""Retries: what is retried, how long we wait, and when we give up."""

from __future__ import annotations

import email.utils
from collections.abc import Iterator

import httpx
import pytest
import respx
from http_fakes import BASE, FakeClock

from cjm_sync.errors import FatalAPIError, TransientError
from cjm_sync.http import ApiClient, RetryPolicy
from cjm_sync.http.rules import retry_after

NOW = 1_700_000_000.0


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=True) as router:
        yield router


def make_client(clock: FakeClock, **policy: float) -> ApiClient:
    retry = RetryPolicy(**{"max_attempts": 4, "max_total_seconds": 600.0, **policy})  # type: ignore[arg-type]
    return ApiClient("miro", BASE, retry=retry, clock=clock, sleep=clock.sleep)


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (httpx.Response(429, headers={"Retry-After": "7"}), 7.0),
        (httpx.Response(503, headers={"Retry-After": "3"}), 3.0),
        (httpx.Response(429, headers={"Retry-After": email.utils.formatdate(NOW + 20, usegmt=True)}), 20.0),
        (httpx.Response(429, headers={"Retry-After": email.utils.formatdate(NOW - 20, usegmt=True)}), 0.0),
        (httpx.Response(429, headers={"Retry-After": "nonsense"}), None),
        (httpx.Response(429, headers={"Retry-After": "²".encode("latin-1")}), None),  # str.isdigit says yes
        (httpx.Response(429, headers={"X-RateLimit-Reset": str(int(NOW) + 12)}), None),
        (httpx.Response(429), None),
    ],
    ids=[
        "retry-after-seconds",
        "retry-after-on-503",
        "retry-after-date",
        "retry-after-date-past",
        "bad-retry-after",
        "unicode-digit-retry-after",
        "vendor-reset-header-is-not-standard",
        "no-hint",
    ],
)
def test_standard_delay_reads_only_retry_after(response: httpx.Response, expected: float | None) -> None:
    assert retry_after(response, NOW) == expected


def test_backoff_is_exponential_bounded_and_jittered() -> None:
    policy = RetryPolicy(base_backoff=1.0, max_backoff=8.0, jitter=0.5)
    assert 1.0 <= policy.backoff(1) <= 1.5
    assert 4.0 <= policy.backoff(3) <= 4.5
    assert 8.0 <= policy.backoff(10) <= 8.5


@pytest.mark.parametrize("bad", [{"max_attempts": 0}, {"jitter": -1.0}, {"max_total_seconds": -1.0}])
def test_policy_rejects_nonsense(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must"):
        RetryPolicy(**bad)  # type: ignore[arg-type]


@pytest.mark.usefixtures("real_waits")
def test_429_waits_retry_after_then_succeeds(api: respx.MockRouter, clock: FakeClock) -> None:
    route = api.get("/v2/boards").mock(
        side_effect=[httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, json={"data": []})]
    )
    with make_client(clock) as client:
        assert client.get_json("/v2/boards") == {"data": []}
        assert client.stats.to_dict()["rate_limit_waits"] == 1
        assert client.stats.to_dict()["rate_limit_wait_seconds"] == 7.0
    assert route.call_count == 2
    assert clock.sleeps == [7.0]


@pytest.mark.usefixtures("real_waits")
def test_429_without_a_standard_hint_backs_off(api: respx.MockRouter, clock: FakeClock) -> None:
    reset = {"X-RateLimit-Reset": str(int(clock.now) + 12), "X-RateLimit-Remaining": "0"}
    api.get("/v2/boards").mock(side_effect=[httpx.Response(429, headers=reset), httpx.Response(200, json={})])
    with make_client(clock, base_backoff=2.0, jitter=0.0) as client:
        client.get_json("/v2/boards")
    assert clock.sleeps == [2.0]  # the standard rules know no vendor header: exponential backoff


@pytest.mark.usefixtures("real_waits")
def test_5xx_then_success_uses_backoff(api: respx.MockRouter, clock: FakeClock) -> None:
    route = api.get("/v2/boards/b").mock(side_effect=[httpx.Response(502), httpx.Response(200, json={"id": "b"})])
    with make_client(clock, base_backoff=2.0, jitter=0.0) as client:
        assert client.get_json("/v2/boards/b") == {"id": "b"}
        assert client.stats.to_dict()["retries"] == 1
        assert client.stats.to_dict()["rate_limit_waits"] == 0
    assert route.call_count == 2
    assert clock.sleeps == [2.0]


def test_transport_error_then_success(api: respx.MockRouter, clock: FakeClock) -> None:
    route = api.get("/v2/boards/b").mock(side_effect=[httpx.ConnectError("reset"), httpx.Response(200, json={})])
    with make_client(clock) as client:
        assert client.get_json("/v2/boards/b") == {}
    assert route.call_count == 2


def test_400_is_not_retried(api: respx.MockRouter, clock: FakeClock) -> None:
    route = api.post("/v2/boards/b/sticky_notes").mock(
        return_value=httpx.Response(400, json={"type": "error", "status": 400, "code": "invalidParameters"})
    )
    with make_client(clock) as client, pytest.raises(FatalAPIError, match="invalidParameters"):
        client.post_json("/v2/boards/b/sticky_notes", {"data": {}})
    assert route.call_count == 1


def test_attempts_cap_raises_transient_error_with_context(api: respx.MockRouter, clock: FakeClock) -> None:
    route = api.get("/v2/boards/b").mock(return_value=httpx.Response(500, json={"message": "boom"}))
    with make_client(clock, max_attempts=3) as client, pytest.raises(TransientError) as info:
        client.get_json("/v2/boards/b")
    assert route.call_count == 3
    error = info.value
    assert (error.context.connector, error.context.method, error.status) == ("miro", "GET", 500)
    assert error.context.url == f"{BASE}/v2/boards/b"
    assert "boom" in error.message
    assert "gave up after 3 attempt(s)" in error.message


@pytest.mark.usefixtures("real_waits")
def test_total_time_cap_raises_before_the_attempts_cap(api: respx.MockRouter, clock: FakeClock) -> None:
    route = api.get("/v2/boards").mock(return_value=httpx.Response(429, headers={"Retry-After": "30"}))
    with make_client(clock, max_attempts=10, max_total_seconds=60.0) as client, pytest.raises(TransientError):
        client.get_json("/v2/boards")
    assert route.call_count == 3  # waits at 0 s and 30 s fit in 60 s; a third wait would end at 90 s
    assert clock.sleeps == [30.0, 30.0]


@pytest.mark.usefixtures("real_waits")
def test_server_delay_beyond_the_budget_fails_at_once(api: respx.MockRouter, clock: FakeClock) -> None:
    route = api.get("/v2/boards").mock(return_value=httpx.Response(429, headers={"Retry-After": "3600"}))
    with make_client(clock, max_total_seconds=120.0) as client, pytest.raises(TransientError, match="rate limited"):
        client.get_json("/v2/boards")
    assert route.call_count == 1
    assert clock.sleeps == []


def test_transport_errors_exhausted_raise_transient_error(api: respx.MockRouter, clock: FakeClock) -> None:
    route = api.get("/v2/boards").mock(side_effect=httpx.ReadTimeout("slow"))
    with make_client(clock, max_attempts=2) as client, pytest.raises(TransientError, match="timed out") as info:
        client.get_json("/v2/boards")
    assert route.call_count == 2
    assert isinstance(info.value.__cause__, httpx.ReadTimeout)


def test_testing_switch_makes_every_wait_zero(api: respx.MockRouter, clock: FakeClock) -> None:
    api.get("/v2/boards").mock(
        side_effect=[httpx.Response(429, headers={"Retry-After": "300"}), httpx.Response(503), httpx.Response(200)]
    )
    with make_client(clock) as client:
        client.request("GET", "/v2/boards")
    assert clock.sleeps == [0.0, 0.0]
