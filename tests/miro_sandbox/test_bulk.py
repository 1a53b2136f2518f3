"""Bulk create: 1-20 items, transactional, errors indexed per item, Level 2 per item."""

from __future__ import annotations

import httpx
import pytest
from sandbox_helpers import BOARD, fields

from connectors.miro.sandbox import MiroSandbox


def test_bulk_creates_every_type_in_order(client: httpx.Client) -> None:
    body = [
        {"type": "sticky_note", "data": {"content": "s"}},
        {"type": "card", "data": {"title": "c"}},
        {"type": "app_card", "data": {"title": "a"}},
        {"type": "shape", "data": {"shape": "circle"}},
        {"type": "text", "data": {"content": "t"}},
        {"type": "frame", "data": {"title": "f"}},
    ]
    response = client.post(f"{BOARD}/items/bulk", json=body)
    assert response.status_code == 201
    created = response.json()
    assert created["type"] == "bulk-list"
    assert [i["type"] for i in created["data"]] == [b["type"] for b in body]
    assert all(i["links"]["self"] for i in created["data"])


def test_one_invalid_item_creates_nothing_and_names_its_index(client: httpx.Client) -> None:
    body = [{"type": "sticky_note", "data": {"content": str(i)}} for i in range(5)]
    body[3]["style"] = {"fillColor": "turquoise"}
    body[4]["geometry"] = {"width": 1, "height": 1}
    assert fields(client.post(f"{BOARD}/items/bulk", json=body)) == ["3.style.fillColor", "4.geometry"]
    assert client.get(f"{BOARD}/items").json()["total"] == 0


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ([], ["body"]),
        ([{"type": "sticky_note"}] * 21, ["body"]),
        ({"type": "sticky_note"}, ["body"]),
        ([{"data": {"content": "x"}}], ["0.type"]),
        ([{"type": "connector"}], ["0.type"]),
        ([{"type": "sticky_note"}, {"type": "image", "data": {"url": "https://x.test/a.png"}}], ["1.type"]),
        ([{"type": "frame", "data": {}, "parent": {"id": "1"}}], ["0.parent"]),
    ],
)
def test_bulk_shape_errors(client: httpx.Client, body: object, expected: list[str]) -> None:
    assert fields(client.post(f"{BOARD}/items/bulk", json=body)) == expected


def test_bulk_costs_level_2_per_item(sandbox: MiroSandbox, client: httpx.Client) -> None:
    client.post(f"{BOARD}/items/bulk", json=[{"type": "card"}] * 20)
    assert sandbox.calls[-1].credits == 2_000
