"""Client-side rate limiters (fake clock: nothing sleeps)."""

from __future__ import annotations

import threading

import httpx
import pytest
import respx
from http_fakes import BASE, FakeClock

from cjm_sync.http import ApiClient, CallKind, CreditRateLimiter, RequestRateLimiter


def miro_headers(remaining: int, reset: float, limit: int = 100_000) -> httpx.Headers:
    return httpx.Headers(
        {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining), "X-RateLimit-Reset": str(int(reset))}
    )


def test_credits_within_budget_do_not_wait(clock: FakeClock) -> None:
    limiter = CreditRateLimiter(1000, 60, clock=clock, sleep=clock.sleep)
    assert [limiter.acquire(100) for _ in range(10)] == [0.0] * 10
    assert limiter.remaining == 0
    assert clock.sleeps == []


def test_exhausted_budget_waits_until_window_end_then_refills(clock: FakeClock) -> None:
    limiter = CreditRateLimiter(1000, 60, clock=clock, sleep=clock.sleep)
    limiter.acquire(900)
    clock.now += 15
    assert limiter.acquire(500) == 45.0
    assert clock.sleeps == [45.0]
    assert limiter.remaining == 500


def test_window_rolls_over_without_waiting(clock: FakeClock) -> None:
    limiter = CreditRateLimiter(1000, 60, clock=clock, sleep=clock.sleep)
    limiter.acquire(1000)
    clock.now += 61
    assert limiter.acquire(500) == 0.0


def test_server_headers_set_remaining_and_reset(clock: FakeClock) -> None:
    limiter = CreditRateLimiter(clock=clock, sleep=clock.sleep)
    limiter.update(miro_headers(remaining=80, reset=clock.now + 20))
    assert limiter.remaining == 80
    assert limiter.acquire(100) == 20.0
    assert limiter.remaining == 100_000 - 100


def test_within_one_window_the_lower_count_wins(clock: FakeClock) -> None:
    limiter = CreditRateLimiter(clock=clock, sleep=clock.sleep)
    reset = clock.now + 30
    limiter.update(miro_headers(remaining=5000, reset=reset))
    limiter.acquire(1000)  # in flight: the server has not counted it yet
    limiter.update(miro_headers(remaining=4900, reset=reset))
    assert limiter.remaining == 4000
    limiter.update(miro_headers(remaining=100_000, reset=reset + 60))  # new window
    assert limiter.remaining == 100_000


def test_headers_without_rate_limit_info_are_ignored(clock: FakeClock) -> None:
    limiter = CreditRateLimiter(1000, 60, clock=clock, sleep=clock.sleep)
    limiter.update(httpx.Headers({"X-RateLimit-Remaining": "oops", "X-RateLimit-Reset": "1"}))
    limiter.update(httpx.Headers({}))
    assert limiter.remaining == 1000


def test_a_call_larger_than_the_budget_is_a_bug(clock: FakeClock) -> None:
    with pytest.raises(ValueError, match="never fit"):
        CreditRateLimiter(1000, 60, clock=clock, sleep=clock.sleep).acquire(1001)


def test_credit_accounting_is_thread_safe(clock: FakeClock) -> None:
    limiter = CreditRateLimiter(100_000, 60, clock=clock, sleep=clock.sleep)

    def spend() -> None:
        for _ in range(100):
            limiter.acquire(10)

    threads = [threading.Thread(target=spend) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert limiter.remaining == 100_000 - 8 * 100 * 10


def test_request_limiter_allows_n_per_sliding_interval(clock: FakeClock) -> None:
    limiter = RequestRateLimiter(3, 10, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        assert limiter.acquire() == 0.0
        clock.now += 1
    assert limiter.acquire() == 7.0  # the first of the three leaves the window at t=10
    assert limiter.acquire() == 1.0
    assert clock.sleeps == [7.0, 1.0]


def test_request_limiter_validates_arguments() -> None:
    with pytest.raises(ValueError, match="positive"):
        RequestRateLimiter(0, 10)


def test_client_charges_credits_and_waits_when_miro_budget_is_spent(clock: FakeClock) -> None:
    limiter = CreditRateLimiter(clock=clock, sleep=clock.sleep)

    def cost(method: str, path: str) -> tuple[CallKind, int]:
        return (CallKind.LIST, 100) if method == "GET" else (CallKind.DELETE, 500)

    with respx.mock(base_url=BASE, assert_all_called=True) as api:
        api.get("/v2/boards/b/items").mock(
            return_value=httpx.Response(200, json={"data": []}, headers=miro_headers(50, clock.now + 42))
        )
        with ApiClient("miro", BASE, rate_limiter=limiter, cost=cost) as client:
            client.get_json("/v2/boards/b/items")
            client.get_json("/v2/boards/b/items")
            stats = client.stats.to_dict()
    assert clock.sleeps == [42.0]
    assert stats["credits"] == 200
    assert (stats["rate_limit_waits"], stats["rate_limit_wait_seconds"]) == (1, 42.0)


def test_a_late_answer_from_an_ended_window_does_not_shrink_the_new_one(clock: FakeClock) -> None:
    limiter = CreditRateLimiter(1000, 60, clock=clock, sleep=clock.sleep)
    old_reset = clock.now + 60
    limiter.update(miro_headers(remaining=100, reset=old_reset, limit=1000))
    assert limiter.acquire(500) == 60.0  # waits for the new window
    limiter.update(miro_headers(remaining=0, reset=old_reset, limit=1000))  # answered late, old window
    assert limiter.remaining == 500
