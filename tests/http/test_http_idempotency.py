"""A write whose answer was lost may have happened: it must not be sent again (duplicates)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import respx
from http_fakes import BASE, FakeClock

from cjm_sync.errors import TransientError
from cjm_sync.http import ApiClient, RetryPolicy


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=True) as router:
        yield router


def _client(clock: FakeClock) -> ApiClient:
    return ApiClient("miro", BASE, retry=RetryPolicy(max_attempts=4), clock=clock, sleep=clock.sleep)


@pytest.mark.parametrize(
    "failure",
    [httpx.RemoteProtocolError("dropped"), httpx.ReadTimeout("slow"), httpx.Response(502), httpx.Response(500)],
    ids=["dropped", "read-timeout", "502", "500"],
)
def test_post_that_may_have_arrived_is_not_repeated(api: respx.MockRouter, clock: FakeClock, failure: object) -> None:
    route = api.post("/v2/boards/b/items/bulk").mock(side_effect=[failure, httpx.Response(201, json={})])
    with pytest.raises(TransientError, match="may have reached the server"):
        _client(clock).request("POST", "/v2/boards/b/items/bulk", json=[])
    assert route.call_count == 1


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError("refused"), httpx.Response(429), httpx.Response(503)],
    ids=["connect", "429", "503"],
)
def test_post_that_never_ran_is_retried(api: respx.MockRouter, clock: FakeClock, failure: object) -> None:
    route = api.post("/v2/boards/b/items/bulk").mock(side_effect=[failure, httpx.Response(201, json={})])
    assert _client(clock).request("POST", "/v2/boards/b/items/bulk", json=[]).status_code == 201
    assert route.call_count == 2


def test_idempotent_post_such_as_search_is_retried(api: respx.MockRouter, clock: FakeClock) -> None:
    route = api.post("/crm/v3/objects/deals/search").mock(
        side_effect=[httpx.ReadTimeout("slow"), httpx.Response(200, json={})]
    )
    response = _client(clock).request("POST", "/crm/v3/objects/deals/search", json={}, idempotent=True)
    assert response.status_code == 200
    assert route.call_count == 2


def test_patch_is_still_retried_after_a_dropped_connection(api: respx.MockRouter, clock: FakeClock) -> None:
    route = api.patch("/v2/boards/b/sticky_notes/1").mock(
        side_effect=[httpx.RemoteProtocolError("dropped"), httpx.Response(200, json={})]
    )
    assert _client(clock).request("PATCH", "/v2/boards/b/sticky_notes/1", json={}).status_code == 200
    assert route.call_count == 2
