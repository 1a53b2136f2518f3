"""Paginators, tested on bare ``httpx.Response`` objects."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cjm_sync.errors import FatalAPIError
from cjm_sync.http import (
    CursorAfterPaginator,
    CursorParamPaginator,
    NextLinkPaginator,
    OffsetPaginator,
    PageRequest,
    Paginator,
)


def page(body: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, json=body)


def items(n: int) -> list[dict[str, Any]]:
    return [{"id": str(i)} for i in range(n)]


def test_cursor_param_places_cursor_in_query_until_last_page() -> None:
    paginator = CursorParamPaginator()
    request = paginator.init_request(PageRequest("/v2/boards/b/items", {"limit": 50}))
    paginator.update_state(page({"data": items(2), "cursor": "c1"}), items(2))
    assert paginator.has_next
    request = paginator.next_request(request)
    assert request == PageRequest("/v2/boards/b/items", {"limit": 50, "cursor": "c1"})
    paginator.update_state(page({"data": items(1), "size": 1}), items(1))
    assert not paginator.has_next


def test_cursor_param_treats_empty_cursor_as_last_page() -> None:
    paginator = CursorParamPaginator()
    paginator.init_request(PageRequest("/x"))
    paginator.update_state(page({"data": [], "cursor": ""}), [])
    assert not paginator.has_next


@pytest.mark.parametrize(
    ("paginator", "bodies"),
    [
        (CursorParamPaginator(), [{"cursor": "a"}, {"cursor": "b"}, {"cursor": "a"}]),
        (CursorAfterPaginator(), [{"paging": {"next": {"after": "10"}}}] * 2),
        (
            NextLinkPaginator("@odata.nextLink"),
            [{"@odata.nextLink": "https://org/api/data/v9.2/accounts?$skiptoken=x"}] * 2,
        ),
    ],
    ids=["miro-cursor", "hubspot-after", "odata-nextlink"],
)
def test_repeated_token_raises(paginator: Paginator, bodies: list[dict[str, Any]]) -> None:
    request = paginator.init_request(PageRequest("/x"))
    for body in bodies[:-1]:
        paginator.update_state(page(body), items(1))
        request = paginator.next_request(request)
    with pytest.raises(FatalAPIError, match="pagination loop"):
        paginator.update_state(page(bodies[-1]), items(1))


def test_max_pages_cap_raises_when_more_pages_remain() -> None:
    paginator = CursorParamPaginator(max_pages=2)
    paginator.init_request(PageRequest("/x"))
    paginator.update_state(page({"cursor": "a"}), items(1))
    with pytest.raises(FatalAPIError, match="max_pages=2"):
        paginator.update_state(page({"cursor": "b"}), items(1))


def test_max_pages_cap_allows_a_last_page_at_the_cap() -> None:
    paginator = CursorParamPaginator(max_pages=2)
    paginator.init_request(PageRequest("/x"))
    paginator.update_state(page({"cursor": "a"}), items(1))
    paginator.update_state(page({}), items(1))
    assert not paginator.has_next


def test_init_request_resets_state_for_reuse() -> None:
    paginator = CursorParamPaginator()
    paginator.init_request(PageRequest("/x"))
    paginator.update_state(page({"cursor": "a"}), items(1))
    paginator.update_state(page({}), items(1))
    paginator.init_request(PageRequest("/x"))
    assert paginator.has_next
    paginator.update_state(page({"cursor": "a"}), items(1))  # same token, new walk: no loop error
    assert paginator.has_next


def test_next_request_after_last_page_is_a_bug() -> None:
    paginator = CursorParamPaginator()
    request = paginator.init_request(PageRequest("/x"))
    paginator.update_state(page({}), [])
    with pytest.raises(RuntimeError):
        paginator.next_request(request)


def test_cursor_after_reads_hubspot_paging_into_query() -> None:
    paginator = CursorAfterPaginator()
    request = paginator.init_request(PageRequest("/crm/v3/objects/deals", {"limit": 100}))
    paginator.update_state(page({"results": items(1), "paging": {"next": {"after": "123", "link": "..."}}}), [])
    assert paginator.next_request(request).params == {"limit": 100, "after": "123"}
    paginator.update_state(page({"results": items(1)}), [])
    assert not paginator.has_next


def test_cursor_after_for_search_goes_into_the_body() -> None:
    paginator = CursorAfterPaginator(location="json")
    request = paginator.init_request(PageRequest("/crm/v3/objects/deals/search", json={"limit": 200}))
    paginator.update_state(page({"total": 500, "paging": {"next": {"after": "200"}}}), items(200))
    nxt = paginator.next_request(request)
    assert nxt.json == {"limit": 200, "after": "200"}
    assert nxt.params == {}
    assert request.json == {"limit": 200}  # the previous request is not mutated


def test_offset_sets_limit_and_advances_by_page_size() -> None:
    paginator = OffsetPaginator(limit=2)
    request = paginator.init_request(PageRequest("/v2/boards/b/tags"))
    assert request.params == {"limit": 2, "offset": 0}
    paginator.update_state(page({"data": items(2), "total": 5}), items(2))
    request = paginator.next_request(request)
    assert request.params == {"limit": 2, "offset": 2}
    paginator.update_state(page({"data": items(2), "total": 5}), items(2))
    assert paginator.next_request(request).params["offset"] == 4


def test_offset_stops_on_short_page() -> None:
    paginator = OffsetPaginator(limit=20)
    paginator.init_request(PageRequest("/t"))
    paginator.update_state(page({"data": items(7)}), items(7))
    assert not paginator.has_next


def test_offset_stops_when_total_reached() -> None:
    paginator = OffsetPaginator(limit=2)
    paginator.init_request(PageRequest("/t"))
    paginator.update_state(page({"data": items(2), "total": 4}), items(2))
    assert paginator.has_next
    paginator.update_state(page({"data": items(2), "total": 4}), items(2))
    assert not paginator.has_next


def test_next_link_is_followed_unchanged_without_params() -> None:
    link = "https://org.crm4.dynamics.com/api/data/v9.2/accounts?$select=name&$skiptoken=%3Ccookie%20page%3D%222%22%3E"
    paginator = NextLinkPaginator("@odata.nextLink")
    request = paginator.init_request(PageRequest("accounts", {"$select": "name"}))
    paginator.update_state(page({"value": items(1), "@odata.nextLink": link}), items(1))
    assert paginator.next_request(request) == PageRequest(link)
    paginator.update_state(page({"value": items(1)}), items(1))
    assert not paginator.has_next


def test_page_that_is_not_a_json_object_is_fatal() -> None:
    paginator = CursorParamPaginator()
    paginator.init_request(PageRequest("/x"))
    with pytest.raises(FatalAPIError, match="not a JSON object"):
        paginator.update_state(httpx.Response(200, json=[1, 2]), [])
    with pytest.raises(FatalAPIError, match="not valid JSON"):
        paginator.update_state(httpx.Response(200, text="<html>"), [])


@pytest.mark.parametrize("bad", [0, -1])
def test_invalid_sizes_are_rejected(bad: int) -> None:
    with pytest.raises(ValueError, match="max_pages"):
        CursorParamPaginator(max_pages=bad)
    with pytest.raises(ValueError, match="limit"):
        OffsetPaginator(limit=bad)
