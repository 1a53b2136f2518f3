"""Small builders shared by the sandbox tests."""

from __future__ import annotations

from typing import Any

import httpx

BOARD = "/v2/boards/uXjVtest="


def create(client: httpx.Client, plural: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    """POST an item and return its JSON, failing loudly on a non-201."""
    response = client.post(f"{BOARD}/{plural}", json=payload or {"data": {}})
    assert response.status_code in (200, 201), response.text
    return response.json()  # type: ignore[no-any-return]


def fields(response: httpx.Response) -> list[str]:
    """The ``context.fields[].field`` paths of a 400."""
    assert response.status_code == 400, response.text
    return [f["field"] for f in response.json()["context"]["fields"]]
