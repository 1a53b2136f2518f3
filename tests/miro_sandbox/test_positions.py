"""Frame children are stored and returned relative to the frame's top-left corner."""

from __future__ import annotations

import httpx
from sandbox_helpers import BOARD, create, fields


def _frame(client: httpx.Client) -> dict[str, object]:
    return create(
        client,
        "frames",
        {"data": {"title": "Stage"}, "position": {"x": 1000, "y": 500}, "geometry": {"width": 400, "height": 200}},
    )


def test_child_position_is_parent_top_left(client: httpx.Client) -> None:
    frame = _frame(client)
    child = create(client, "cards", {"parent": {"id": frame["id"]}, "position": {"x": 50, "y": 60}})
    assert child["position"] == {"x": 50.0, "y": 60.0, "origin": "center", "relativeTo": "parent_top_left"}
    assert child["parent"]["id"] == frame["id"]
    top_level = create(client, "cards", {"position": {"x": 5, "y": 6}})
    assert top_level["position"]["relativeTo"] == "canvas_center"
    assert "parent" not in top_level


def test_moving_the_frame_keeps_children_relative(client: httpx.Client) -> None:
    frame = _frame(client)
    child = create(client, "cards", {"parent": {"id": frame["id"]}, "position": {"x": 50, "y": 60}})
    client.patch(f"{BOARD}/frames/{frame['id']}", json={"position": {"x": 0, "y": 0}})
    assert client.get(f"{BOARD}/items/{child['id']}").json()["position"]["x"] == 50.0


def test_reparenting_without_position_keeps_the_canvas_location(client: httpx.Client) -> None:
    frame = _frame(client)  # top-left corner at (800, 400)
    card = create(client, "cards", {"position": {"x": 850, "y": 430}})
    moved = client.patch(f"{BOARD}/items/{card['id']}", json={"parent": {"id": frame["id"]}}).json()
    assert (moved["position"]["x"], moved["position"]["y"], moved["position"]["relativeTo"]) == (
        50.0,
        30.0,
        "parent_top_left",
    )


def test_reparenting_with_position_uses_frame_coordinates(client: httpx.Client) -> None:
    frame = _frame(client)
    card = create(client, "cards")
    body = {"parent": {"id": frame["id"]}, "position": {"x": 10, "y": 20}}
    moved = client.patch(f"{BOARD}/items/{card['id']}", json=body).json()
    assert (moved["position"]["x"], moved["position"]["y"], moved["parent"]["id"]) == (10.0, 20.0, frame["id"])


def test_deleting_a_frame_puts_children_back_on_the_canvas(client: httpx.Client) -> None:
    frame = _frame(client)
    child = create(client, "cards", {"parent": {"id": frame["id"]}, "position": {"x": 50, "y": 60}})
    assert client.delete(f"{BOARD}/frames/{frame['id']}").status_code == 204
    after = client.get(f"{BOARD}/items/{child['id']}").json()
    assert after["position"] == {"x": 850.0, "y": 460.0, "origin": "center", "relativeTo": "canvas_center"}
    assert "parent" not in after


def test_frames_cannot_be_nested_or_parent_themselves(client: httpx.Client) -> None:
    outer, inner = _frame(client), _frame(client)
    assert fields(client.patch(f"{BOARD}/items/{inner['id']}", json={"parent": {"id": outer["id"]}})) == ["parent.id"]
    card = create(client, "cards")
    assert fields(client.patch(f"{BOARD}/items/{card['id']}", json={"parent": {"id": card["id"]}})) == ["parent.id"]
    assert fields(client.patch(f"{BOARD}/items/{card['id']}", json={"position": {"z": 1}})) == ["position.z"]
