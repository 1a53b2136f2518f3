"""Per-type request validation: 400 with Miro's error body and the offending field paths."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sandbox_helpers import BOARD, create, fields

INVALID: list[tuple[str, dict[str, Any], list[str]]] = [
    ("sticky_notes", {"data": {"content": "x"}, "colour": "red"}, ["colour"]),
    ("sticky_notes", {"data": {"content": "x", "title": "t"}}, ["data.title"]),
    ("sticky_notes", {"style": {"fillColor": "#ffff00"}}, ["style.fillColor"]),
    ("sticky_notes", {"style": {"fillColor": "magenta"}}, ["style.fillColor"]),
    ("sticky_notes", {"geometry": {"width": 100, "height": 100}}, ["geometry"]),
    ("sticky_notes", {"geometry": {"rotation": 10}}, ["geometry.rotation"]),
    ("sticky_notes", {"data": {"shape": "circle"}}, ["data.shape"]),
    ("sticky_notes", {"position": {"x": "10"}}, ["position.x"]),
    ("sticky_notes", {"position": {"x": 1, "origin": "center"}}, ["position.origin"]),
    ("sticky_notes", {"parent": {"id": "42"}}, ["parent.id"]),
    ("cards", {"style": {"cardTheme": "blue"}}, ["style.cardTheme"]),
    ("cards", {"data": {"assigneeId": "bob"}}, ["data.assigneeId"]),
    ("cards", {"data": {"dueDate": "tomorrow"}}, ["data.dueDate"]),
    ("cards", {"geometry": {"width": 0}}, ["geometry.width"]),
    ("app_cards", {"data": {"status": "archived"}}, ["data.status"]),
    ("app_cards", {"data": {"fields": [{"value": "v", "iconUrl": "http://x.test/i.png"}]}}, ["data.fields.0.iconUrl"]),
    ("app_cards", {"data": {"fields": [{"label": "v"}]}}, ["data.fields.0.label"]),
    ("shapes", {"style": {"fontSize": 14}}, ["style.fontSize"]),
    ("shapes", {"style": {"borderWidth": "25"}}, ["style.borderWidth"]),
    ("shapes", {"style": {"fillOpacity": "1.5"}}, ["style.fillOpacity"]),
    ("shapes", {"data": {"shape": "blob"}}, ["data.shape"]),
    ("texts", {"position": {"x": 0}}, ["data"]),
    ("texts", {"data": {}}, ["data.content"]),
    ("texts", {"data": {"content": "t"}, "geometry": {"height": 40}}, ["geometry.height"]),
    ("texts", {"data": {"content": "t"}, "geometry": {"width": 20}}, ["geometry.width"]),
    ("texts", {"data": {"content": "t"}, "style": {"fontFamily": "comic_sans"}}, ["style.fontFamily"]),
    ("frames", {"geometry": {"width": 10}}, ["data"]),
    ("frames", {"data": {"format": "a4"}}, ["data.format"]),
    ("frames", {"data": {}, "parent": {"id": "1"}}, ["parent"]),
    ("frames", {"data": {}, "geometry": {"width": 10, "rotation": 5}}, ["geometry.rotation"]),
]


@pytest.mark.parametrize(("plural", "body", "expected"), INVALID, ids=[f"{p}-{e[0]}" for p, _, e in INVALID])
def test_invalid_create_is_a_400_naming_the_field(
    client: httpx.Client, plural: str, body: dict[str, Any], expected: list[str]
) -> None:
    response = client.post(f"{BOARD}/{plural}", json=body)
    assert fields(response) == expected
    error = response.json()
    assert (error["type"], error["status"], error["code"]) == ("error", 400, "invalidParameters")
    assert client.get(f"{BOARD}/items").json()["total"] == 0


def test_body_must_be_json(client: httpx.Client) -> None:
    response = client.post(f"{BOARD}/cards", content=b"{nope", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["type"] == "error"


def test_parent_must_be_a_frame(client: httpx.Client) -> None:
    card = create(client, "cards")
    assert fields(client.post(f"{BOARD}/sticky_notes", json={"parent": {"id": card["id"]}})) == ["parent.id"]


def test_defaults_are_filled_in(client: httpx.Client) -> None:
    sticky = create(client, "sticky_notes", {"data": {"content": "x"}})
    assert sticky["style"]["fillColor"] == "light_yellow"
    assert sticky["data"]["shape"] == "square"
    shape = create(client, "shapes", {"data": {"content": "s"}})
    assert shape["data"]["shape"] == "rectangle"
    assert shape["style"]["fontSize"] == "14"
    app_card = create(client, "app_cards", {})
    assert app_card["data"]["title"] == "sample app card item"
    assert app_card["data"]["owned"] is True
    assert create(client, "cards", {})["style"]["cardTheme"] == "#2d9bf0"


def test_sticky_geometry_keeps_its_aspect_ratio(client: httpx.Client) -> None:
    by_width = create(client, "sticky_notes", {"geometry": {"width": 398}})
    by_height = create(client, "sticky_notes", {"geometry": {"height": 114}})
    assert by_width["geometry"] == {"width": 398.0, "height": 456.0}
    assert by_height["geometry"] == {"width": 99.5, "height": 114.0}


def test_update_validates_and_merges(client: httpx.Client) -> None:
    shape = create(client, "shapes", {"data": {"content": "a"}, "style": {"fontSize": "20"}})
    url = f"{BOARD}/shapes/{shape['id']}"
    assert fields(client.patch(url, json={"style": {"fontSize": "9"}})) == ["style.fontSize"]
    updated = client.patch(url, json={"style": {"borderStyle": "dotted"}}).json()
    assert updated["style"]["fontSize"] == "20"
    assert updated["style"]["borderStyle"] == "dotted"
    text = create(client, "texts", {"data": {"content": "t"}})
    assert fields(client.patch(f"{BOARD}/texts/{text['id']}", json={"data": {}})) == ["data.content"]


def test_type_specific_endpoints_only_serve_their_type(client: httpx.Client) -> None:
    card = create(client, "cards")
    assert client.get(f"{BOARD}/sticky_notes/{card['id']}").status_code == 404
    assert client.delete(f"{BOARD}/shapes/{card['id']}").status_code == 404
    assert client.get(f"{BOARD}/cards/{card['id']}").status_code == 200


def test_unknown_ids_and_routes_are_404(client: httpx.Client) -> None:
    assert client.get(f"{BOARD}/items/3458764999999999999").json()["code"] == "notFound"
    assert client.get("/v2/unknown").status_code == 404


def test_boards_are_created_on_demand_unless_disabled(client: httpx.Client) -> None:
    from connectors.miro.sandbox import MiroSandbox

    assert client.get("/v2/boards/fresh-board").json()["id"] == "fresh-board"
    strict = MiroSandbox(auto_create_boards=False)
    with httpx.Client(transport=strict.transport(), headers={"Authorization": "Bearer t"}) as other:
        assert other.get("https://api.miro.com/v2/boards/nope").status_code == 404
        created = other.post("https://api.miro.com/v2/boards", json={"name": "Journeys"})
        assert created.status_code == 201
        assert other.get(f"https://api.miro.com/v2/boards/{created.json()['id']}").json()["name"] == "Journeys"
        assert other.post("https://api.miro.com/v2/boards", json={"name": "x" * 61}).status_code == 400
