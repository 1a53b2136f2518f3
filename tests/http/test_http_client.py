"""ApiClient: errors with vendor messages, stats, paging, concurrency, logging and redaction."""

from __future__ import annotations

import inspect
import logging
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx
from http_fakes import BASE

from cjm_sync.errors import ConfigError, ConflictError, FatalAPIError, SkippableError
from cjm_sync.http import (
    Action,
    ApiClient,
    BearerAuth,
    CallKind,
    CallStats,
    CursorAfterPaginator,
    CursorParamPaginator,
    NextLinkPaginator,
    OffsetPaginator,
    Overrides,
    Resolution,
    standard_message,
)


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=True) as router:
        yield router


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"code": "itemNotFound", "message": "Item not found", "status": 404}, "itemNotFound: Item not found"),
        ({"message": "boom"}, "boom"),
        ({"error": "invalid_grant", "error_description": "expired"}, "invalid_grant: expired"),
        ({"error": "invalid_client"}, "invalid_client"),
        (["odd"], "['odd']"),
        ({"unrelated": 1}, ""),
    ],
    ids=["code-message", "message", "oauth", "oauth-no-description", "list", "nothing-known"],
)
def test_standard_message_from_json_bodies(body: Any, expected: str) -> None:
    assert standard_message(httpx.Response(400, json=body)) == expected


def test_standard_message_from_text_is_truncated() -> None:
    assert standard_message(httpx.Response(502, text=" <html>" + "x" * 1000)) == ("<html>" + "x" * 1000)[:300]


@pytest.mark.parametrize(
    ("status", "error"),
    [(404, FatalAPIError), (403, FatalAPIError), (422, FatalAPIError), (409, ConflictError), (412, ConflictError)],
)
def test_status_maps_to_error_with_vendor_message(api: respx.MockRouter, status: int, error: type[Exception]) -> None:
    api.patch("/v2/boards/b/cards/1").mock(
        return_value=httpx.Response(status, json={"type": "error", "code": "why", "message": "because"})
    )
    with ApiClient("miro", BASE) as client, pytest.raises(error, match="why: because") as info:
        client.patch_json("/v2/boards/b/cards/1", {"data": {}})
    assert type(info.value) is error
    assert info.value.status == status  # type: ignore[attr-defined]
    assert "[miro]" in str(info.value)


def test_401_with_static_token_is_a_config_error(api: respx.MockRouter) -> None:
    api.get("/crm/v3/objects/deals").mock(return_value=httpx.Response(401, json={"message": "expired"}))
    auth = BearerAuth("pat-" + uuid.uuid4().hex)
    with (
        ApiClient("hubspot", BASE, auth=auth) as client,
        pytest.raises(ConfigError, match=r"rejected; re-auth.*: expired"),
    ):
        client.get_json("/crm/v3/objects/deals")


def test_connector_overrides_change_the_error(api: respx.MockRouter) -> None:
    api.post("/crm/v3/objects/contacts").mock(return_value=httpx.Response(409, json={"message": "exists"}))
    overrides: Overrides = {409: Resolution(Action.FAIL, SkippableError, "duplicate record")}
    with (
        ApiClient("hubspot", BASE, resolutions=overrides) as client,
        pytest.raises(SkippableError, match="duplicate record: exists"),
    ):
        client.post_json("/crm/v3/objects/contacts", {"properties": {}})


def test_delete_missing_ok_ignores_404(api: respx.MockRouter) -> None:
    api.delete("/v2/boards/b/items/1").mock(return_value=httpx.Response(404))
    with ApiClient("miro", BASE) as client:
        client.delete("/v2/boards/b/items/1", missing_ok=True)
        with pytest.raises(FatalAPIError, match="not found"):
            client.delete("/v2/boards/b/items/1")


def test_json_helpers_decode_and_handle_empty_bodies(api: respx.MockRouter) -> None:
    api.post("/v2/boards/b/items/1", params={"tag_id": "t"}).mock(return_value=httpx.Response(204))
    api.get("/v2/boards/b").mock(return_value=httpx.Response(200, text="not json"))
    with ApiClient("miro", BASE) as client:
        assert client.post_json("/v2/boards/b/items/1", params={"tag_id": "t"}, kind=CallKind.TAG) is None
        assert client.stats.calls(CallKind.TAG) == 1
        with pytest.raises(FatalAPIError, match="not valid JSON"):
            client.get_json("/v2/boards/b")


def test_stats_count_kind_method_and_credits(api: respx.MockRouter) -> None:
    api.get("/v2/boards/b/items").mock(return_value=httpx.Response(200, json={"data": []}))
    api.post("/v2/boards/b/items/bulk").mock(return_value=httpx.Response(201, json={"data": []}))

    def cost(method: str, path: str) -> tuple[CallKind, int]:
        return (CallKind.BULK, 2000) if path.endswith("/bulk") else (CallKind.LIST, 100)

    with ApiClient("miro", BASE, cost=cost) as client:
        client.get_json("/v2/boards/b/items")
        client.post_json("/v2/boards/b/items/bulk", [])
        client.get_json("/v2/boards/b/items", kind=CallKind.OTHER)
        stats = client.stats.to_dict()
    assert stats["calls"] == 3
    assert stats["by_kind"] == {**dict.fromkeys([k.value for k in CallKind], 0), "list": 1, "bulk": 1, "other": 1}
    assert stats["by_method"] == {"GET": 2, "POST": 1}
    assert stats["credits"] == 2200


def test_stats_merge_and_thread_safety() -> None:
    total, part = CallStats(), CallStats()

    def record() -> None:
        for _ in range(500):
            part.record_call(CallKind.GET, "get", 50)

    threads = [threading.Thread(target=record) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    part.record_retry()
    part.record_rate_limit_wait(1.5)
    total.record_call(CallKind.DELETE, "DELETE", 500)
    total.merge(part)
    total.merge(part)
    assert total.to_dict() == {
        "calls": 4001,
        "by_kind": {**dict.fromkeys([k.value for k in CallKind], 0), "get": 4000, "delete": 1},
        "by_method": {"DELETE": 1, "GET": 4000},
        "retries": 2,
        "rate_limit_waits": 2,
        "rate_limit_wait_seconds": 3.0,
        "credits": 200_500,
    }


def test_paginate_miro_cursor_pages(api: respx.MockRouter) -> None:
    route = api.get("/v2/boards/b/items").mock(
        side_effect=[
            httpx.Response(200, json={"data": [{"id": "1"}, {"id": "2"}], "cursor": "c2"}),
            httpx.Response(200, json={"data": [{"id": "3"}], "size": 1}),
        ]
    )
    with ApiClient("miro", BASE) as client:
        ids = [
            item["id"] for item in client.paginate("/v2/boards/b/items", CursorParamPaginator(), params={"limit": 50})
        ]
        assert client.stats.calls(CallKind.LIST) == 2
    assert ids == ["1", "2", "3"]
    assert [dict(call.request.url.params) for call in route.calls] == [{"limit": "50"}, {"limit": "50", "cursor": "c2"}]


def test_paginate_miro_tags_by_offset(api: respx.MockRouter) -> None:
    route = api.get("/v2/boards/b/tags").mock(
        side_effect=[
            httpx.Response(200, json={"data": [{"id": "1"}, {"id": "2"}], "total": 3}),
            httpx.Response(200, json={"data": [{"id": "3"}], "total": 3}),
        ]
    )
    with ApiClient("miro", BASE) as client:
        assert len(list(client.paginate("/v2/boards/b/tags", OffsetPaginator(limit=2)))) == 3
    assert [call.request.url.params["offset"] for call in route.calls] == ["0", "2"]


def test_paginate_hubspot_search_puts_after_in_the_body(api: respx.MockRouter) -> None:
    route = api.post("/crm/v3/objects/deals/search").mock(
        side_effect=[
            httpx.Response(200, json={"total": 2, "results": [{"id": "1"}], "paging": {"next": {"after": "1"}}}),
            httpx.Response(200, json={"total": 2, "results": [{"id": "2"}]}),
        ]
    )
    with ApiClient("hubspot", BASE) as client:
        records = client.paginate(
            "/crm/v3/objects/deals/search",
            CursorAfterPaginator(location="json"),
            method="POST",
            json={"limit": 1},
            items_key="results",
        )
        assert [r["id"] for r in records] == ["1", "2"]
    assert [call.request.content for call in route.calls] == [b'{"limit":1}', b'{"limit":1,"after":"1"}']


def test_paginate_follows_next_link_byte_for_byte(api: respx.MockRouter) -> None:
    link = f"{BASE}/api/data/v9.2/accounts?$select=name&$skiptoken=%3Ccookie%20pagenumber=%222%22%20/%3E"
    second = api.get(url__regex=r"skiptoken").mock(
        return_value=httpx.Response(200, json={"value": [{"accountid": "b"}]})
    )
    first = api.get("/api/data/v9.2/accounts", params={"$select": "name"}).mock(
        return_value=httpx.Response(200, json={"value": [{"accountid": "a"}], "@odata.nextLink": link})
    )
    with ApiClient("dynamics", BASE) as client:
        records = client.paginate(
            "/api/data/v9.2/accounts",
            NextLinkPaginator("@odata.nextLink"),
            params={"$select": "name"},
            items_key="value",
        )
        assert [r["accountid"] for r in records] == ["a", "b"]
    assert first.call_count == 1
    assert str(second.calls.last.request.url) == link


def test_paginate_refuses_a_next_link_to_another_origin(api: respx.MockRouter) -> None:
    api.get("/api/data/v9.2/accounts").mock(
        return_value=httpx.Response(200, json={"value": [], "@odata.nextLink": "https://evil.test/steal"})
    )
    with ApiClient("dynamics", BASE) as client, pytest.raises(FatalAPIError, match="another origin"):
        list(client.paginate("/api/data/v9.2/accounts", NextLinkPaginator("@odata.nextLink"), items_key="value"))


def test_paginate_repeated_cursor_is_fatal_and_names_the_connector(api: respx.MockRouter) -> None:
    route = api.get("/v2/boards/b/items").mock(return_value=httpx.Response(200, json={"data": [], "cursor": "same"}))
    with ApiClient("miro", BASE) as client, pytest.raises(FatalAPIError, match=r"\[miro\] pagination loop"):
        list(client.paginate("/v2/boards/b/items", CursorParamPaginator()))
    assert route.call_count == 2


def test_paginate_rejects_pages_without_items(api: respx.MockRouter) -> None:
    api.get("/v2/boards/b/items").mock(return_value=httpx.Response(200, json={"results": []}))
    with ApiClient("miro", BASE) as client, pytest.raises(FatalAPIError, match="under 'data'"):
        list(client.paginate("/v2/boards/b/items", CursorParamPaginator()))


def test_map_concurrent_preserves_order_and_bounds_threads() -> None:
    threads: set[str] = set()
    lock = threading.Lock()

    def work(n: int) -> int:
        with lock:
            threads.add(threading.current_thread().name)
        return n * n

    with ApiClient("miro", BASE, max_concurrency=3) as client:
        assert client.map_concurrent(work, range(30)) == [n * n for n in range(30)]
        assert client.map_concurrent(work, []) == []
    assert 1 <= len(threads) <= 3
    assert all(name.startswith("cjm-miro") for name in threads)


def test_map_concurrent_propagates_the_first_error_and_cancels_the_rest() -> None:
    started: list[int] = []

    def work(n: int) -> int:
        started.append(n)
        if n == 2:
            raise SkippableError(f"item {n} failed")
        return n

    with ApiClient("miro", BASE, max_concurrency=1) as client, pytest.raises(SkippableError, match="item 2"):
        client.map_concurrent(work, range(50))
    assert started == [0, 1, 2]


def test_debug_log_has_method_path_status_and_no_secrets(
    api: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    token = "pat-na1-" + uuid.uuid4().hex
    api.get("/crm/v3/objects/deals").mock(return_value=httpx.Response(200, json={}))
    caplog.set_level(logging.DEBUG)
    with ApiClient("hubspot", BASE, headers={"Authorization": f"Bearer {token}"}) as client:
        client.get_json("/crm/v3/objects/deals", params={"limit": 5})
    records = [r for r in caplog.records if r.name == "cjm_sync.http"]
    assert [r.levelno for r in records] == [logging.DEBUG]
    assert records[0].getMessage().startswith("hubspot GET /crm/v3/objects/deals?limit=5 -> 200 (")
    assert all(token not in f"{r.getMessage()} {r.args!r}" for r in caplog.records)


def test_errors_never_carry_tokens_the_server_echoes(api: respx.MockRouter) -> None:
    token = "tok-" + uuid.uuid4().hex
    api.get("/v2/boards").mock(
        return_value=httpx.Response(400, json={"message": f"bad header Authorization: Bearer {token}"})
    )
    with ApiClient("miro", BASE, auth=BearerAuth(token)) as client, pytest.raises(FatalAPIError) as info:
        client.get_json("/v2/boards", params={"access_token": token})
    error = info.value
    for text in (str(error), repr(error), str(error.to_dict()), str(error.context)):
        assert token not in text


def test_client_repr_and_no_tls_opt_out() -> None:
    client = ApiClient("miro", BASE, auth=BearerAuth("tok-" + uuid.uuid4().hex))
    assert repr(client) == f"ApiClient(connector='miro', base_url='{BASE}')"
    assert "verify" not in inspect.signature(ApiClient).parameters
    client.close()


def test_closed_client_refuses_requests() -> None:
    with ApiClient("miro", BASE) as client:
        pass
    with pytest.raises(RuntimeError, match="closed"):
        client.request("GET", "/v2/boards")


def test_invalid_concurrency_is_rejected() -> None:
    with pytest.raises(ValueError, match="max_concurrency"):
        ApiClient("miro", BASE, max_concurrency=0)
