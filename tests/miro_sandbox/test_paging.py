"""Cursor paging on /items and /connectors, offset paging on tag listings, and list filters."""

from __future__ import annotations

import httpx
import pytest
from sandbox_helpers import BOARD, create, fields


def _stickies(client: httpx.Client, count: int) -> list[str]:
    body = [{"type": "sticky_note", "data": {"content": str(i)}} for i in range(count)]
    ids = []
    for start in range(0, count, 20):
        response = client.post(f"{BOARD}/items/bulk", json=body[start : start + 20])
        ids += [i["id"] for i in response.json()["data"]]
    return ids


def test_cursor_pages_report_total_size_and_stop_on_the_last_page(client: httpx.Client) -> None:
    ids = _stickies(client, 25)
    pages, params = [], {"limit": "10"}
    while True:
        page = client.get(f"{BOARD}/items", params=params).json()
        pages.append(page)
        if "cursor" not in page:
            break
        assert page["links"]["next"].endswith(f"cursor={page['cursor']}")
        params = {"limit": "10", "cursor": page["cursor"]}
    assert [p["size"] for p in pages] == [10, 10, 5]
    assert {p["total"] for p in pages} == {25}
    assert {p["limit"] for p in pages} == {10}
    assert "next" not in pages[-1]["links"]
    assert [i["id"] for p in pages for i in p["data"]] == ids


def test_default_limit_is_10(client: httpx.Client) -> None:
    _stickies(client, 11)
    page = client.get(f"{BOARD}/items").json()
    assert (page["limit"], page["size"]) == (10, 10)
    assert "cursor" in page


@pytest.mark.parametrize("limit", ["9", "51", "0", "ten"])
def test_limit_outside_10_to_50_is_rejected(client: httpx.Client, limit: str) -> None:
    assert fields(client.get(f"{BOARD}/items", params={"limit": limit})) == ["limit"]
    assert fields(client.get(f"{BOARD}/connectors", params={"limit": limit})) == ["limit"]


def test_cursor_survives_deleting_the_next_item(client: httpx.Client) -> None:
    ids = _stickies(client, 15)
    first = client.get(f"{BOARD}/items", params={"limit": "10"}).json()
    client.delete(f"{BOARD}/items/{ids[10]}")
    second = client.get(f"{BOARD}/items", params={"limit": "10", "cursor": first["cursor"]}).json()
    assert [i["id"] for i in second["data"]] == ids[11:]


def test_forged_cursor_is_rejected(client: httpx.Client) -> None:
    assert fields(client.get(f"{BOARD}/items", params={"cursor": "not-a-cursor"})) == ["cursor"]


def test_type_filter_and_unknown_type(client: httpx.Client) -> None:
    create(client, "cards", {"data": {"title": "c"}})
    create(client, "sticky_notes", {"data": {"content": "s"}})
    cards = client.get(f"{BOARD}/items", params={"type": "card"}).json()
    assert [i["type"] for i in cards["data"]] == ["card"]
    assert cards["total"] == 1
    assert fields(client.get(f"{BOARD}/items", params={"type": "cards"})) == ["type"]


def test_parent_item_id_lists_only_children_of_the_frame(client: httpx.Client) -> None:
    frame = create(client, "frames", {"data": {"title": "Stage"}})
    child = create(client, "sticky_notes", {"data": {"content": "in"}, "parent": {"id": frame["id"]}})
    create(client, "sticky_notes", {"data": {"content": "out"}})
    listed = client.get(f"{BOARD}/items", params={"parent_item_id": frame["id"]}).json()
    assert [i["id"] for i in listed["data"]] == [child["id"]]
    assert client.get(f"{BOARD}/items", params={"parent_item_id": "123"}).status_code == 404


def test_item_list_never_contains_connectors_or_tags(client: httpx.Client) -> None:
    a, b = create(client, "shapes"), create(client, "shapes")
    create(client, "connectors", {"startItem": {"id": a["id"]}, "endItem": {"id": b["id"]}})
    client.post(f"{BOARD}/tags", json={"title": "t"})
    assert {i["type"] for i in client.get(f"{BOARD}/items").json()["data"]} == {"shape"}


def test_tag_listing_is_offset_paged_with_limit_1_to_50(client: httpx.Client) -> None:
    tag = client.post(f"{BOARD}/tags", json={"title": "VIP"}).json()
    ids = _stickies(client, 25)
    for item_id in ids:
        client.post(f"{BOARD}/items/{item_id}", params={"tag_id": tag["id"]})
    first = client.get(f"{BOARD}/items", params={"tag_id": tag["id"]}).json()
    assert (first["limit"], first["offset"], first["size"], first["total"]) == (20, 0, 20, 25)
    last = client.get(f"{BOARD}/items", params={"tag_id": tag["id"], "limit": "3", "offset": "24"}).json()
    assert [i["id"] for i in last["data"]] == ids[24:]
    assert "next" not in last["links"]
    assert fields(client.get(f"{BOARD}/items", params={"tag_id": tag["id"], "limit": "0"})) == ["limit"]
    assert fields(client.get(f"{BOARD}/items", params={"tag_id": tag["id"], "limit": "51"})) == ["limit"]


def test_board_tags_are_offset_paged(client: httpx.Client) -> None:
    for n in range(25):
        client.post(f"{BOARD}/tags", json={"title": f"t{n}"})
    page = client.get(f"{BOARD}/tags", params={"limit": "10", "offset": "20"}).json()
    assert [t["title"] for t in page["data"]] == [f"t{n}" for n in range(20, 25)]
    assert (page["total"], page["size"]) == (25, 5)
    assert client.get(f"{BOARD}/tags").json()["limit"] == 20


def test_connectors_are_cursor_paged(client: httpx.Client) -> None:
    a, b = create(client, "shapes"), create(client, "shapes")
    for _ in range(12):
        create(client, "connectors", {"startItem": {"id": a["id"]}, "endItem": {"id": b["id"]}})
    first = client.get(f"{BOARD}/connectors").json()
    second = client.get(f"{BOARD}/connectors", params={"cursor": first["cursor"]}).json()
    assert (first["size"], second["size"], second["total"]) == (10, 2, 12)
    assert "cursor" not in second


def test_an_exactly_full_last_page_has_no_cursor(client: httpx.Client) -> None:
    _stickies(client, 20)
    first = client.get(f"{BOARD}/items", params={"limit": "10"}).json()
    second = client.get(f"{BOARD}/items", params={"limit": "10", "cursor": first["cursor"]}).json()
    assert second["size"] == 10
    assert "cursor" not in second
