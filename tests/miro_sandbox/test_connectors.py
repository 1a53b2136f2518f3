"""Connector rules: both ends, no frames, distinct ends, caption limits."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sandbox_helpers import BOARD, create, fields


@pytest.fixture
def ends(client: httpx.Client) -> tuple[str, str, str]:
    a, b = create(client, "shapes"), create(client, "cards")
    frame = create(client, "frames", {"data": {"title": "f"}})
    return a["id"], b["id"], frame["id"]


def _body(start: str, end: str, **extra: Any) -> dict[str, Any]:
    return {"startItem": {"id": start}, "endItem": {"id": end}, **extra}


def test_create_defaults(client: httpx.Client, ends: tuple[str, str, str]) -> None:
    a, b, _ = ends
    connector = client.post(f"{BOARD}/connectors", json=_body(a, b)).json()
    assert connector["shape"] == "curved"
    assert connector["isSupported"] is True
    assert (connector["startItem"]["id"], connector["endItem"]["id"]) == (a, b)


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (lambda a, b, f: {"startItem": {"id": a}}, ["endItem"]),
        (lambda a, b, f: {"endItem": {"id": b}}, ["startItem"]),
        (lambda a, b, f: _body(a, f), ["endItem.id"]),
        (lambda a, b, f: _body(a, a), ["endItem.id"]),
        (lambda a, b, f: _body(a, "3458764999999999999"), ["endItem.id"]),
        (lambda a, b, f: _body(a, b, captions=[{"content": "c"}] * 21), ["captions"]),
        (lambda a, b, f: _body(a, b, captions=[{"content": "c" * 201}]), ["captions.0.content"]),
        (lambda a, b, f: _body(a, b, shape="wavy"), ["shape"]),
        (lambda a, b, f: _body(a, b, style={"strokeWidth": 2}), ["style.strokeWidth"]),
        (
            lambda a, b, f: {**_body(a, b), "endItem": {"id": b, "snapTo": "top", "position": {"x": "1%", "y": "1%"}}},
            ["endItem"],
        ),
        (
            lambda a, b, f: {**_body(a, b), "endItem": {"id": b, "position": {"x": "101%", "y": "0%"}}},
            ["endItem.position.x"],
        ),
    ],
)
def test_invalid_connectors(client: httpx.Client, ends: tuple[str, str, str], build: Any, expected: list[str]) -> None:
    assert fields(client.post(f"{BOARD}/connectors", json=build(*ends))) == expected
    assert client.get(f"{BOARD}/connectors").json()["total"] == 0


def test_twenty_captions_of_200_chars_fit(client: httpx.Client, ends: tuple[str, str, str]) -> None:
    a, b, _ = ends
    response = client.post(f"{BOARD}/connectors", json=_body(a, b, captions=[{"content": "c" * 200}] * 20))
    assert len(response.json()["captions"]) == 20


def test_update_keeps_ends_distinct(client: httpx.Client, ends: tuple[str, str, str]) -> None:
    a, b, _ = ends
    connector = client.post(f"{BOARD}/connectors", json=_body(a, b)).json()
    url = f"{BOARD}/connectors/{connector['id']}"
    assert fields(client.patch(url, json={"endItem": {"id": a}})) == ["endItem.id"]
    updated = client.patch(url, json={"shape": "straight", "captions": [{"content": "then"}]}).json()
    assert (updated["shape"], updated["endItem"]["id"], updated["captions"]) == ("straight", b, [{"content": "then"}])


def test_deleting_an_item_removes_its_connectors(client: httpx.Client, ends: tuple[str, str, str]) -> None:
    a, b, _ = ends
    connector = client.post(f"{BOARD}/connectors", json=_body(a, b)).json()
    client.delete(f"{BOARD}/cards/{b}")
    assert client.get(f"{BOARD}/connectors/{connector['id']}").status_code == 404
