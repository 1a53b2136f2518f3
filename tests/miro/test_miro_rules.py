"""Miro's rules handed to the HTTP core: the credit window from ``X-RateLimit-*``, a 429 waiting until
``X-RateLimit-Reset``, Miro's error bodies and its name in wait messages (moved here from the core's
tests when the core stopped knowing Miro)."""

from __future__ import annotations

import email.utils
import logging
from collections.abc import Iterator

import httpx
import pytest
import respx

from cjm_sync.errors import FatalAPIError
from cjm_sync.http import ApiClient, CreditRateLimiter, retry
from cjm_sync.http.waits import listening
from connectors.miro.client import MiroClient, MiroCost
from connectors.miro.rules import RULES, error_message, read_budget, retry_delay

NOW = 1_700_000_000.0
BASE = "https://api.miro.com"
BOARD = "uXjVrules="


class Clock:
    def __init__(self) -> None:
        self.now = NOW
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def real_waits() -> Iterator[None]:
    retry.set_testing(False)
    yield
    retry.set_testing(True)


def window(remaining: int, reset: float, limit: int = 100_000) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": str(int(reset)),
    }


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (httpx.Response(429, headers={"Retry-After": "7"}), 7.0),
        (httpx.Response(429, headers={"Retry-After": email.utils.formatdate(NOW + 20, usegmt=True)}), 20.0),
        (httpx.Response(429, headers={"X-RateLimit-Reset": str(int(NOW) + 12)}), 12.0),
        (httpx.Response(429, headers={"X-RateLimit-Reset": str(int(NOW) - 12)}), 0.0),
        (httpx.Response(429, headers={"Retry-After": "nonsense", "X-RateLimit-Reset": str(int(NOW) + 5)}), 5.0),
        (httpx.Response(500, headers={"X-RateLimit-Reset": str(int(NOW) + 12)}), None),
        (httpx.Response(429, headers={"X-RateLimit-Reset": "soon"}), None),
        (httpx.Response(429), None),
    ],
    ids=["retry-after", "retry-after-date", "reset", "reset-past", "bad-retry-after", "not-429", "bad-reset", "none"],
)
def test_retry_delay(response: httpx.Response, expected: float | None) -> None:
    assert retry_delay(response, NOW) == expected


def test_read_budget() -> None:
    budget = read_budget(httpx.Headers(window(80, NOW + 20, 1000)))
    assert budget is not None
    assert (budget.remaining, budget.limit, budget.reset_at) == (80, 1000, float(int(NOW + 20)))
    no_limit = read_budget(httpx.Headers({"X-RateLimit-Remaining": "5", "X-RateLimit-Reset": "1"}))
    assert no_limit is not None
    assert no_limit.limit is None
    assert read_budget(httpx.Headers({"X-RateLimit-Remaining": "oops", "X-RateLimit-Reset": "1"})) is None
    assert read_budget(httpx.Headers({})) is None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"type": "error", "status": 404, "code": "itemNotFound", "message": "Item not found", "context": {}},
            "itemNotFound: Item not found",
        ),
        (
            {
                "type": "error",
                "status": 400,
                "code": "invalidParameters",
                "message": "Invalid parameters",
                "context": {"fields": [{"field": "3.data.content", "message": "too long"}]},
            },
            "invalidParameters: Invalid parameters (3.data.content: too long)",
        ),
        (
            {"status": 429, "code": "tooManyRequests", "message": "slow down", "type": "error"},
            "tooManyRequests: slow down",
        ),
        ({"error": "invalid_grant", "error_description": "expired"}, "invalid_grant: expired"),
    ],
    ids=["not-found", "bulk-fields", "429", "oauth"],
)
def test_error_message(body: object, expected: str) -> None:
    assert error_message(httpx.Response(400, json=body)) == expected


def make_client(clock: Clock) -> MiroClient:
    """Miro's rules and costs on a client whose clock, sleeps and credit window are the test's."""
    limiter = CreditRateLimiter(100_000, 60.0, clock=clock, sleep=clock.sleep)
    api = ApiClient("miro", BASE, rules=RULES, cost=MiroCost(), rate_limiter=limiter, clock=clock, sleep=clock.sleep)
    return MiroClient(BOARD, api=api)


@pytest.mark.usefixtures("real_waits")
def test_a_429_waits_until_the_reset_and_says_so_naming_miro(caplog: pytest.LogCaptureFixture) -> None:
    clock, heard = Clock(), list[str]()
    with respx.mock(base_url=BASE, assert_all_called=True) as api, listening(heard.append):
        api.get(f"/v2/boards/{BOARD}/items").mock(
            side_effect=[
                httpx.Response(429, headers=window(0, NOW + 45)),
                httpx.Response(200, json={"data": []}, headers=window(99_900, NOW + 45)),
            ]
        )
        client = make_client(clock)
        with caplog.at_level(logging.WARNING, logger="cjm_sync.http"):
            assert list(client.items()) == []
    assert clock.sleeps == [45.0]
    assert heard == ["waiting 45 s for Miro's rate limit"]
    assert "waiting 45 s for Miro's rate limit" in caplog.text


def test_the_client_learns_the_credit_window_from_the_headers() -> None:
    clock, heard = Clock(), list[str]()
    with respx.mock(base_url=BASE, assert_all_called=True) as api, listening(heard.append):
        api.get(f"/v2/boards/{BOARD}/items").mock(
            return_value=httpx.Response(200, json={"data": []}, headers=window(50, NOW + 42))
        )
        client = make_client(clock)
        list(client.items())  # Level 2: 100 credits; the server says 50 are left until NOW + 42
        list(client.items())
    assert clock.sleeps == [42.0]
    assert heard == ["waiting 42 s for Miro's rate limit"]


def test_errors_carry_miros_words() -> None:
    with respx.mock(base_url=BASE, assert_all_called=True) as api:
        api.patch(f"/v2/boards/{BOARD}/cards/1").mock(
            return_value=httpx.Response(
                400,
                json={
                    "type": "error",
                    "code": "invalidParameters",
                    "message": "Invalid parameters",
                    "context": {"fields": [{"field": "data.title", "message": "too long"}]},
                },
            )
        )
        client = MiroClient(BOARD)
        with pytest.raises(FatalAPIError, match=r"invalidParameters: Invalid parameters \(data.title: too long\)"):
            client.update("card", "1", {"data": {"title": "x"}})


def test_rules_name_miro() -> None:
    assert RULES.display_name == "Miro"
