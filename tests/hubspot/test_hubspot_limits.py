"""Rate limits (respx over the sandbox): a DAILY 429 stops the pull at once with a clear message, exit 1,
journey and state untouched, and the pull after the reset is correct; TEN_SECONDLY_ROLLING waits the
interval the headers give; the burst bucket learns HubSpot's headers; searches are counted in their own
bucket (5/s), not in the burst limit; a read-only search POST is retried like a GET."""

from __future__ import annotations

import email.utils
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import respx
from cli_runner import cli
from hubspot_support import ANCHOR, unthrottled

from cjm_sync.errors import TransientError
from cjm_sync.http import ApiClient, BearerAuth, BucketedLimiter, RequestRateLimiter, retry
from cjm_sync.state import open_store
from connectors.hubspot.client import HubSpotClient, Paths
from connectors.hubspot.rules import RULES, SEARCH_BUCKET, error_message, is_daily, read_budget, retry_delay
from connectors.hubspot.sandbox import TOKEN, HubSpotSandbox, RateLimits

JOURNEY = """\
schema_version: 2
id: shop
title: Shop
stages:
  - id: buy
    title: Buy
    sources: [hubspot:deal-stage:default:qualifiedtobuy]
touchpoints:
  - id: help
    title: Help desk
    stage: buy
    sources: [hubspot:tickets:CHAT, hubspot:calls:INBOUND]
"""
AS_OF = "2026-11-01T00:00:00Z"


@pytest.fixture
def portal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[HubSpotSandbox]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CJM_SYNC_CONFIG", raising=False)
    monkeypatch.delenv("CJM_HUBSPOT_BASE_URL", raising=False)
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", TOKEN)
    Path("shop.yaml").write_text(JOURNEY, encoding="utf-8")
    sandbox = unthrottled(HubSpotSandbox.generate("b2c_retail", 1500, anchor=ANCHOR))
    with respx.mock(base_url="https://api.hubapi.com", assert_all_called=False) as router:
        router.route().mock(side_effect=sandbox.transport().handle_request)
        yield sandbox


def pull(*extra: str) -> tuple[int, str, str]:
    return cli("pull", "hubspot", "--journey", "shop.yaml", "--as-of", AS_OF, *extra)


def state() -> tuple[object, ...]:
    store = open_store(".cjm-sync/state.db")
    try:
        return (
            store._query("SELECT stream, cursor_value FROM crm_cursors ORDER BY stream"),
            store._query("SELECT COUNT(*) FROM crm_records"),
            store._query("SELECT COUNT(*) FROM crm_staged_records"),
        )
    finally:
        store.close()


def test_daily_limit_stops_the_pull_and_touches_nothing(portal: HubSpotSandbox) -> None:
    code, _, err = pull()
    assert code == 0, err
    before, saved = Path("shop.yaml").read_bytes(), state()
    portal.update("tickets", sorted(portal.portal.records["tickets"])[0], {"source_type": "CHAT"})
    portal.limits.daily = portal.limits.used_today + 2
    sent = len(portal.calls)
    code, out, err = pull()
    assert code == 1
    assert "daily API limit" in err
    assert len(portal.calls) - sent <= 4  # stops at the first DAILY answer, no retries
    assert Path("shop.yaml").read_bytes() == before
    assert state() == saved
    portal.limits.daily = 10**9  # a new day
    portal.limits.reset_daily()
    code, _, err = pull("--json")
    assert code == 0, err
    after_reset = Path("shop.yaml").read_text(encoding="utf-8")
    code, out, err = pull("--full")
    assert code == 0, err + out
    assert Path("shop.yaml").read_text(encoding="utf-8") == after_reset


def test_ten_secondly_limit_waits_the_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    retry.set_testing(False)
    slept: list[float] = []
    sandbox = unthrottled(HubSpotSandbox.generate("b2c_retail", 300, anchor=ANCHOR))
    sandbox.fail_next(429)
    api = ApiClient(
        "hubspot",
        "https://api.hubapi.com",
        auth=BearerAuth(TOKEN),
        transport=sandbox.transport(),
        sleep=slept.append,
        rules=RULES,
    )
    client = HubSpotClient(api, Paths.for_version("2026-09"))
    assert client.pipelines("deals")
    assert slept == [10.0]  # X-HubSpot-RateLimit-Interval-Milliseconds: 10000
    assert api.stats.to_dict()["retries"] == 1


def test_burst_limiter_learns_the_budget_from_headers() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    def learn(headers: dict[str, str]) -> None:
        budget = read_budget(httpx.Headers(headers))
        assert budget is not None
        limiter.observe(budget)

    limiter = RequestRateLimiter(100, 10.0, clock=lambda: now[0], sleep=sleep)
    learn({"X-HubSpot-RateLimit-Max": "3", "X-HubSpot-RateLimit-Remaining": "2"})
    for _ in range(3):
        limiter.acquire()
    assert slept == []
    limiter.acquire()  # the 4th call in 10 s waits for the window
    assert slept == [10.0]
    learn({"X-HubSpot-RateLimit-Remaining": "0", "X-HubSpot-RateLimit-Interval-Milliseconds": "5000"})
    limiter.acquire()
    assert slept[1] == pytest.approx(5.0)
    assert read_budget(httpx.Headers({})) is None  # a search answer: nothing to learn


def test_search_is_paced_apart_from_the_burst_limit() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    sandbox = HubSpotSandbox.generate("b2c_retail", 300, anchor=ANCHOR)
    sandbox.limits = RateLimits(burst=20, search_per_second=5, clock=lambda: now[0])  # HubSpot's split

    limiter = BucketedLimiter(
        {
            "default": RequestRateLimiter(20, 10.0, clock=lambda: now[0], sleep=sleep),
            SEARCH_BUCKET: RequestRateLimiter(5, 1.0, clock=lambda: now[0], sleep=sleep),
        }
    )
    api = ApiClient(
        "hubspot",
        "https://api.hubapi.com",
        auth=BearerAuth(TOKEN),
        transport=sandbox.transport(),
        rules=RULES,
        rate_limiter=limiter,
    )
    client = HubSpotClient(api, Paths.for_version("2026-09"))
    for index in range(6):  # six different counts (the same count twice is asked once)
        client.count("calls", [[{"propertyName": "hs_object_id", "operator": "GT", "value": str(index)}]])
    assert slept == [pytest.approx(1.0)]  # the 6th search in one second waits
    pipelines = f"{client.paths.pipelines}/deals"  # read directly: the client reads pipelines once per run
    for _ in range(20):
        api.get_json(pipelines)  # 20 burst calls: the six searches did not count against the burst limit
    assert len(slept) == 1
    api.get_json(pipelines)  # the 21st: the server said the burst budget is spent, hold until it rolls
    assert len(slept) == 2
    assert api.stats.to_dict()["retries"] == 0  # never a 429: the client slowed down first
    assert window_days(ANCHOR) == 30


def window_days(_: object) -> int:
    return timedelta(days=30).days


@pytest.mark.parametrize("status", [500, 502, 504])
def test_a_read_only_post_search_is_retried_like_a_get(status: int) -> None:
    sandbox = unthrottled(HubSpotSandbox.generate("b2c_retail", 300, anchor=ANCHOR))
    api = ApiClient(
        "hubspot", "https://api.hubapi.com", auth=BearerAuth(TOKEN), transport=sandbox.transport(), rules=RULES
    )
    client = HubSpotClient(api, Paths.for_version("2026-09"))
    sandbox.fail_next(status)
    assert client.count("calls", []) == len(sandbox.records("calls"))  # not "the write may have reached the server"
    assert api.stats.to_dict()["retries"] == 1


def test_each_429_policy_gets_its_own_wait_from_the_connector_rule() -> None:
    def answer(policy: str, headers: dict[str, str] | None = None) -> httpx.Response:
        return httpx.Response(429, json={"status": "error", "policyName": policy}, headers=headers or {})

    assert retry_delay(answer("TEN_SECONDLY_ROLLING", {"X-HubSpot-RateLimit-Interval-Milliseconds": "10000"}), 0) == 10
    assert retry_delay(answer("SECONDLY"), 0) == 1.0  # search: no headers, one second
    assert retry_delay(answer("DAILY"), 0) is None
    assert retry_delay(httpx.Response(503, headers={"Retry-After": "7"}), 0) == 7
    assert retry_delay(answer("TEN_SECONDLY_ROLLING"), 0) == 10.0  # no interval header: the documented 10 s
    assert retry_delay(answer("TEN_SECONDLY_ROLLING", {"X-HubSpot-RateLimit-Interval-Milliseconds": "x"}), 0) == 10
    unnamed = httpx.Response(429, headers={"X-HubSpot-RateLimit-Interval-Milliseconds": "2000"})
    assert retry_delay(unnamed, 0) == 2.0  # a 429 without a JSON policy still names its interval
    assert retry_delay(httpx.Response(429), 0) is None
    dated = {"Retry-After": email.utils.formatdate(1_700_000_030, usegmt=True)}
    assert retry_delay(answer("TEN_SECONDLY_ROLLING", dated), 1_700_000_000) == 30.0  # the server's own date wins
    assert is_daily(answer("DAILY"))
    assert not is_daily(answer("TEN_SECONDLY_ROLLING"))


def test_searches_take_nothing_from_the_burst_budget() -> None:
    sandbox = unthrottled(HubSpotSandbox.generate("b2c_retail", 300, anchor=ANCHOR))
    sandbox.limits.burst = 2  # the server's 10-second budget: two non-search calls
    now = [0.0]
    sandbox.limits.clock = lambda: now[0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = BucketedLimiter(
        {
            "default": RequestRateLimiter(2, 10.0, clock=lambda: now[0], sleep=sleep),
            SEARCH_BUCKET: RequestRateLimiter(1000, 1.0, clock=lambda: now[0], sleep=sleep),
        }
    )
    api = ApiClient(
        "hubspot",
        "https://api.hubapi.com",
        auth=BearerAuth(TOKEN),
        transport=sandbox.transport(),
        rate_limiter=limiter,
        rules=RULES,
    )
    client = HubSpotClient(api, Paths.for_version("2026-09"))
    client.pipelines("deals")
    client.property("contacts", "lifecyclestage")  # the budget is spent: Remaining 0
    for index in range(8):
        client.count("calls", [[{"propertyName": "hs_object_id", "operator": "GT", "value": str(index)}]])
    assert slept == []  # search has its own bucket (5/s), apart from the burst limit
    client.pipelines("tickets")
    assert slept == [10.0]  # the next non-search call waits the interval


def hubspot_429(policy: str) -> httpx.Response:
    return httpx.Response(
        429,
        headers={"X-HubSpot-RateLimit-Interval-Milliseconds": "10000"},
        json={"status": "error", "message": "You have reached your limit.", "policyName": policy},
    )


def rules_client(slept: list[float]) -> ApiClient:
    return ApiClient("hubspot", "https://api.hubapi.com", rules=RULES, sleep=slept.append)


def test_a_ten_secondly_429_waits_the_interval_and_a_daily_one_stops() -> None:
    retry.set_testing(False)
    slept: list[float] = []
    try:
        with respx.mock(base_url="https://api.hubapi.com", assert_all_called=True) as router:
            deals = router.get("/crm/v3/objects/deals").mock(
                side_effect=[hubspot_429("TEN_SECONDLY_ROLLING"), httpx.Response(200)]
            )
            rules_client(slept).request("GET", "/crm/v3/objects/deals")
            assert slept == [10.0]
            assert deals.call_count == 2
            daily = router.get("/crm/v3/objects/tickets").mock(return_value=hubspot_429("DAILY"))
            with pytest.raises(TransientError, match="daily API limit reached") as info:
                rules_client(slept).request("GET", "/crm/v3/objects/tickets")
            assert daily.call_count == 1
            assert info.value.status == 429
            assert "You have reached your limit." in info.value.message
    finally:
        retry.set_testing(True)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {
                "category": "VALIDATION_ERROR",
                "message": "Property values were not valid",
                "errors": [{"message": "bad stage", "in": "dealstage"}],
            },
            "VALIDATION_ERROR: Property values were not valid (dealstage: bad stage)",
        ),
        (
            {"status": "error", "message": "You have reached your daily limit.", "policyName": "DAILY"},
            "You have reached your daily limit.",
        ),
        ({"error": "invalid_grant", "error_description": "expired"}, "invalid_grant: expired"),
    ],
    ids=["validation", "rate-limit", "oauth"],
)
def test_error_message(body: object, expected: str) -> None:
    assert error_message(httpx.Response(400, json=body)) == expected
