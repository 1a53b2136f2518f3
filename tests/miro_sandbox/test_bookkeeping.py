"""Ids, timestamps, links, the call log, persistence and the public surface."""

from __future__ import annotations

import json
import re

import httpx
from sandbox_helpers import BOARD, create

import connectors.miro.sandbox as package
from connectors.miro.sandbox import ManualClock, MiroSandbox


def test_items_carry_miro_bookkeeping(client: httpx.Client, clock: ManualClock) -> None:
    first = create(client, "cards", {"data": {"title": "a"}})
    clock.advance(1.5)
    second = create(client, "cards", {"data": {"title": "b"}})
    assert re.fullmatch(r"\d{19}", first["id"])
    assert int(second["id"]) > int(first["id"])
    assert first["createdAt"] == "2026-01-01T00:00:00.000Z"
    assert second["createdAt"] == "2026-01-01T00:00:01.500Z"
    assert first["createdBy"] == first["modifiedBy"] == {"id": "3458764500000000001", "type": "user"}
    assert first["links"]["self"] == f"https://api.miro.com{BOARD}/cards/{first['id']}"
    clock.advance(10)
    updated = client.patch(f"{BOARD}/cards/{first['id']}", json={"data": {"title": "a2"}}).json()
    assert updated["modifiedAt"] == "2026-01-01T00:00:11.500Z"
    assert updated["createdAt"] == first["createdAt"]


def test_call_log_records_every_request(sandbox: MiroSandbox, client: httpx.Client) -> None:
    client.post(f"{BOARD}/sticky_notes", json={"data": {"content": "x"}})
    client.get(f"{BOARD}/items", params={"limit": "20"})
    client.get(f"{BOARD}/items", params={"limit": "5"})
    calls = sandbox.calls
    assert [(c.method, c.path, c.status, c.credits) for c in calls] == [
        ("POST", f"{BOARD}/sticky_notes", 201, 100),
        ("GET", f"{BOARD}/items", 200, 100),
        ("GET", f"{BOARD}/items", 400, 100),
    ]
    assert calls[0].body == {"data": {"content": "x"}}
    assert calls[1].query == {"limit": "20"}
    assert calls[0].user == "3458764500000000001"
    sandbox.reset_calls()
    assert sandbox.calls == []


def test_dump_and_load_round_trip(sandbox: MiroSandbox, client: httpx.Client) -> None:
    frame = create(client, "frames", {"data": {"title": "Stage"}})
    sticky = create(client, "sticky_notes", {"parent": {"id": frame["id"]}, "position": {"x": 3, "y": 4}})
    card = create(client, "cards")
    tag = client.post(f"{BOARD}/tags", json={"title": "VIP"}).json()
    client.post(f"{BOARD}/items/{card['id']}", params={"tag_id": tag["id"]})
    connector = create(client, "connectors", {"startItem": {"id": sticky["id"]}, "endItem": {"id": card["id"]}})

    snapshot = json.loads(json.dumps(sandbox.dump()))
    restored = MiroSandbox.load(snapshot, clock=ManualClock())
    with httpx.Client(
        transport=restored.transport(), base_url="https://api.miro.com", headers={"Authorization": "Bearer t"}
    ) as other:
        for path in (f"/items/{sticky['id']}", f"/items/{card['id']}/tags", f"/connectors/{connector['id']}", "/items"):
            assert other.get(f"{BOARD}{path}").json() == client.get(f"{BOARD}{path}").json()
        newer = other.post(f"{BOARD}/cards", json={}).json()
    assert int(newer["id"]) > int(connector["id"])


def test_thread_safe_in_process(sandbox: MiroSandbox, client: httpx.Client) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(lambda _: create(client, "cards")["id"], range(80)))
    assert len(set(ids)) == 80
    assert client.get(f"{BOARD}/items").json()["total"] == 80


def test_public_surface_is_exported() -> None:
    assert sorted(package.__all__) == package.__all__
    assert all(hasattr(package, name) for name in package.__all__)
    public = {n for n in vars(package) if not n.startswith("_") and not isinstance(getattr(package, n), type(package))}
    assert public == set(package.__all__)


async def _async_round_trip(sandbox: MiroSandbox) -> int:
    async with httpx.AsyncClient(transport=sandbox.async_transport(), headers={"Authorization": "Bearer t"}) as c:
        await c.post(f"https://api.miro.com{BOARD}/cards", json={})
        return int((await c.get(f"https://api.miro.com{BOARD}/items")).json()["total"])


def test_async_transport(sandbox: MiroSandbox) -> None:
    import asyncio

    assert asyncio.run(_async_round_trip(sandbox)) == 1
