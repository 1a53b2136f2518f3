"""Rate-limit waits are said before they happen: logged and shown, never a silent freeze."""

from __future__ import annotations

import logging

import httpx
import pytest
import respx
from http_fakes import BASE, FakeClock

from cjm_sync.http import ApiClient, CallKind, CreditRateLimiter, RetryPolicy, VendorRules
from cjm_sync.http.waits import announce_wait, listening, wait_message

ACME = VendorRules(display_name="Acme Cloud")


def test_message_names_the_vendor_and_rounds_up() -> None:
    assert wait_message("Acme Cloud", 59.2) == "waiting 60 s for Acme Cloud's rate limit"
    assert wait_message("acme", 1) == "waiting 1 s for acme's rate limit"


def test_a_spent_credit_budget_is_announced_before_the_client_sleeps(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    heard: list[tuple[str, list[float]]] = []
    limiter = CreditRateLimiter(200, 60.0, clock=clock, sleep=clock.sleep)
    with (
        respx.mock(base_url=BASE, assert_all_called=True) as api,
        listening(lambda m: heard.append((m, list(clock.sleeps)))),
    ):
        api.get("/v2/boards/b/items").mock(return_value=httpx.Response(200, json={"data": []}))
        cost = lambda m, p: (CallKind.LIST, 100)  # noqa: E731
        with (
            ApiClient("acme", BASE, rate_limiter=limiter, cost=cost, rules=ACME) as client,
            caplog.at_level(logging.WARNING, logger="cjm_sync.http"),
        ):
            for _ in range(3):
                client.get_json("/v2/boards/b/items")
    assert heard == [("waiting 60 s for Acme Cloud's rate limit", [])]  # said first, then slept
    assert clock.sleeps == [60.0]
    assert "waiting 60 s for Acme Cloud's rate limit" in caplog.text


@pytest.mark.usefixtures("real_waits")
def test_a_429_wait_is_announced(clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    heard: list[str] = []
    retry = RetryPolicy(max_attempts=3, max_total_seconds=600.0)
    with respx.mock(base_url=BASE, assert_all_called=True) as api, listening(heard.append):
        api.get("/v2/boards").mock(
            side_effect=[httpx.Response(429, headers={"Retry-After": "45"}), httpx.Response(200, json={})]
        )
        with (
            ApiClient("acme", BASE, retry=retry, clock=clock, sleep=clock.sleep) as client,
            caplog.at_level(logging.WARNING, logger="cjm_sync.http"),
        ):
            client.get_json("/v2/boards")
    assert heard == ["waiting 45 s for acme's rate limit"]  # no display name: the connector's name
    assert "waiting 45 s for acme's rate limit" in caplog.text


def test_a_pacing_wait_under_a_second_is_not_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    heard: list[str] = []
    with listening(heard.append), caplog.at_level(logging.DEBUG, logger="cjm_sync.http"):
        announce_wait("HubSpot", 0.25)  # search paced at 4 per second
        announce_wait("HubSpot", 1.0)
    assert heard == ["waiting 1 s for HubSpot's rate limit"]
    assert [r.levelno for r in caplog.records] == [logging.DEBUG, logging.WARNING]
