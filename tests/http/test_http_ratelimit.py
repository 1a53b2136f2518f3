"""Client-side rate limiters (fake clock: nothing sleeps)."""

from __future__ import annotations

import threading

import httpx
import pytest
import respx
from http_fakes import BASE, FakeClock

from cjm_sync.http import (
    ApiClient,
    BucketedLimiter,
    Budget,
    CallKind,
    CreditRateLimiter,
    RequestRateLimiter,
    VendorRules,
)


def window(remaining: int, reset: float, limit: int = 100_000) -> Budget:
    return Budget(remaining=remaining, limit=limit, reset_at=float(int(reset)))


def acme_budget(headers: httpx.Headers) -> Budget | None:
    """A made-up vendor's header family: the core learns only what a reader like this hands it."""
    try:
        return Budget(remaining=int(headers["Acme-Left"]), reset_at=float(headers["Acme-Ends"]))
    except (KeyError, ValueError):
        return None


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
    limiter.observe(window(remaining=80, reset=clock.now + 20))
    assert limiter.remaining == 80
    assert limiter.acquire(100) == 20.0
    assert limiter.remaining == 100_000 - 100


def test_within_one_window_the_lower_count_wins(clock: FakeClock) -> None:
    limiter = CreditRateLimiter(clock=clock, sleep=clock.sleep)
    reset = clock.now + 30
    limiter.observe(window(remaining=5000, reset=reset))
    limiter.acquire(1000)  # in flight: the server has not counted it yet
    limiter.observe(window(remaining=4900, reset=reset))
    assert limiter.remaining == 4000
    limiter.observe(window(remaining=100_000, reset=reset + 60))  # new window
    assert limiter.remaining == 100_000


def test_a_budget_without_a_window_end_is_ignored_and_resets_in_is_relative(clock: FakeClock) -> None:
    limiter = CreditRateLimiter(1000, 60, clock=clock, sleep=clock.sleep)
    limiter.observe(Budget(remaining=10))
    assert limiter.remaining == 1000
    limiter.observe(Budget(remaining=10, resets_in=5.0))
    assert limiter.remaining == 10
    assert limiter.acquire(100) == 5.0


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


def test_client_charges_credits_and_waits_when_the_read_budget_is_spent(clock: FakeClock) -> None:
    limiter = CreditRateLimiter(clock=clock, sleep=clock.sleep)

    def cost(method: str, path: str) -> tuple[CallKind, int]:
        return (CallKind.LIST, 100) if method == "GET" else (CallKind.DELETE, 500)

    with respx.mock(base_url=BASE, assert_all_called=True) as api:
        api.get("/v2/boards/b/items").mock(
            return_value=httpx.Response(
                200, json={"data": []}, headers={"Acme-Left": "50", "Acme-Ends": str(clock.now + 42)}
            )
        )
        rules = VendorRules(read_budget=acme_budget)
        with ApiClient("acme", BASE, rate_limiter=limiter, cost=cost, rules=rules) as client:
            client.get_json("/v2/boards/b/items")
            client.get_json("/v2/boards/b/items")
            stats = client.stats.to_dict()
    assert clock.sleeps == [42.0]
    assert stats["credits"] == 200
    assert (stats["rate_limit_waits"], stats["rate_limit_wait_seconds"]) == (1, 42.0)


def test_a_late_answer_from_an_ended_window_does_not_shrink_the_new_one(clock: FakeClock) -> None:
    limiter = CreditRateLimiter(1000, 60, clock=clock, sleep=clock.sleep)
    old_reset = clock.now + 60
    limiter.observe(window(remaining=100, reset=old_reset, limit=1000))
    assert limiter.acquire(500) == 60.0  # waits for the new window
    limiter.observe(window(remaining=0, reset=old_reset, limit=1000))  # answered late, old window
    assert limiter.remaining == 500


def test_request_limiter_learns_the_limit_and_holds_on_an_empty_budget(clock: FakeClock) -> None:
    limiter = RequestRateLimiter(100, 10, clock=clock, sleep=clock.sleep)
    limiter.observe(Budget(remaining=2, limit=3))
    assert limiter.max_requests == 3
    for _ in range(3):
        assert limiter.acquire() == 0.0
    assert limiter.acquire() == 10.0  # the 4th call in 10 s waits for the window
    limiter.observe(Budget(remaining=0, resets_in=5.0))
    assert limiter.acquire() == pytest.approx(5.0)
    limiter.observe(Budget(remaining=0))  # no interval given: hold one whole window
    assert limiter.acquire() == pytest.approx(10.0)


def test_bucketed_limiter_counts_each_call_only_in_its_bucket(clock: FakeClock) -> None:
    default = RequestRateLimiter(2, 10, clock=clock, sleep=clock.sleep)
    search = RequestRateLimiter(1, 1, clock=clock, sleep=clock.sleep)
    limiter = BucketedLimiter({"default": default, "search": search})
    assert limiter.acquire(1, bucket="search") == 0.0
    assert limiter.acquire(1, bucket="search") == 1.0  # search's own 1 per second
    assert limiter.acquire(1) == 0.0  # two searches sent, yet default's 2 per 10 s is untouched
    assert limiter.acquire(1, bucket="unknown") == 0.0  # an unknown bucket counts as default
    assert limiter.acquire(1) == 10.0
    assert clock.sleeps == [1.0, 10.0]
    limiter.observe(Budget(remaining=0, resets_in=4.0), bucket="search")
    assert limiter.acquire(1, bucket="search") == pytest.approx(4.0)  # the budget went to search only
    assert limiter.acquire(1) == 0.0


def test_bucketed_limiter_without_a_default_leaves_other_calls_unlimited(clock: FakeClock) -> None:
    limiter = BucketedLimiter({"search": RequestRateLimiter(1, 1, clock=clock, sleep=clock.sleep)})
    assert [limiter.acquire(1) for _ in range(5)] == [0.0] * 5
    limiter.observe(Budget(remaining=0))  # nowhere to go: ignored
    assert clock.sleeps == []
