"""Tag rules: unique titles, colours, ≤8 per item, cards and stickies only, ≤100 per board."""

from __future__ import annotations

import httpx
import pytest
from sandbox_helpers import BOARD, create, fields

from connectors.miro.sandbox import MiroSandbox


def _tag(client: httpx.Client, title: str, **extra: str) -> dict[str, str]:
    response = client.post(f"{BOARD}/tags", json={"title": title, **extra})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_titles_are_unique_per_board_case_sensitively(client: httpx.Client) -> None:
    _tag(client, "Pain")
    assert fields(client.post(f"{BOARD}/tags", json={"title": "Pain"})) == ["title"]
    assert _tag(client, "pain")["title"] == "pain"
    assert client.post("/v2/boards/other/tags", json={"title": "Pain"}).status_code == 201


def test_rename_cannot_collide(client: httpx.Client) -> None:
    _tag(client, "A")
    b = _tag(client, "B")
    assert fields(client.patch(f"{BOARD}/tags/{b['id']}", json={"title": "A"})) == ["title"]
    assert (
        client.patch(f"{BOARD}/tags/{b['id']}", json={"title": "B", "fillColor": "cyan"}).json()["fillColor"] == "cyan"
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"title": "x" * 121}, ["title"]),
        ({"title": "t", "fillColor": "light_yellow"}, ["fillColor"]),
        ({"fillColor": "red"}, ["title"]),
        ({"title": "t", "color": "red"}, ["color"]),
    ],
)
def test_tag_body_rules(client: httpx.Client, body: dict[str, str], expected: list[str]) -> None:
    assert fields(client.post(f"{BOARD}/tags", json=body)) == expected


def test_default_colour_is_red_and_120_chars_fit(client: httpx.Client) -> None:
    assert _tag(client, "x" * 120)["fillColor"] == "red"


def test_at_most_8_tags_per_item(client: httpx.Client) -> None:
    card = create(client, "cards")
    tags = [_tag(client, f"t{n}") for n in range(9)]
    for tag in tags[:8]:
        assert client.post(f"{BOARD}/items/{card['id']}", params={"tag_id": tag["id"]}).status_code == 204
    assert client.post(f"{BOARD}/items/{card['id']}", params={"tag_id": tags[8]["id"]}).status_code == 400
    assert client.post(f"{BOARD}/items/{card['id']}", params={"tag_id": tags[0]["id"]}).status_code == 204
    assert len(client.get(f"{BOARD}/items/{card['id']}/tags").json()["tags"]) == 8


@pytest.mark.parametrize("plural", ["shapes", "texts", "frames", "app_cards"])
def test_tags_attach_only_to_cards_and_sticky_notes(client: httpx.Client, plural: str) -> None:
    item = create(client, plural, {"data": {"content": "x"}} if plural == "texts" else {"data": {}})
    tag = _tag(client, "t")
    response = client.post(f"{BOARD}/items/{item['id']}", params={"tag_id": tag["id"]})
    assert response.status_code == 400
    assert "cards and sticky notes" in response.json()["message"]


def test_at_most_100_tags_per_board(client: httpx.Client) -> None:
    for n in range(100):
        _tag(client, f"t{n}")
    assert fields(client.post(f"{BOARD}/tags", json={"title": "one too many"})) == ["title"]


def test_detach_and_delete(client: httpx.Client) -> None:
    sticky = create(client, "sticky_notes")
    keep, drop = _tag(client, "keep"), _tag(client, "drop")
    for tag in (keep, drop):
        client.post(f"{BOARD}/items/{sticky['id']}", params={"tag_id": tag["id"]})
    assert client.delete(f"{BOARD}/items/{sticky['id']}", params={"tag_id": keep["id"]}).status_code == 204
    assert client.get(f"{BOARD}/items/{sticky['id']}").status_code == 200  # detaching does not delete the item
    assert client.delete(f"{BOARD}/tags/{drop['id']}").status_code == 204
    assert client.get(f"{BOARD}/items/{sticky['id']}/tags").json() == {"tags": []}
    assert client.get(f"{BOARD}/tags/{drop['id']}").status_code == 404


def test_attach_needs_an_existing_tag(client: httpx.Client) -> None:
    sticky = create(client, "sticky_notes")
    assert client.post(f"{BOARD}/items/{sticky['id']}", params={"tag_id": "404"}).status_code == 404
    assert fields(client.post(f"{BOARD}/items/{sticky['id']}")) == ["tag_id"]


def test_tag_operations_cost_level_1(sandbox: MiroSandbox, client: httpx.Client) -> None:
    sticky = create(client, "sticky_notes")
    tag = _tag(client, "t")
    client.post(f"{BOARD}/items/{sticky['id']}", params={"tag_id": tag["id"]})
    client.get(f"{BOARD}/items", params={"tag_id": tag["id"]})
    client.delete(f"{BOARD}/items/{sticky['id']}", params={"tag_id": tag["id"]})
    assert [c.credits for c in sandbox.calls[1:]] == [50, 50, 50, 50]
