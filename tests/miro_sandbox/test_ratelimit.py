"""Credits per user per minute, the X-RateLimit-* headers and 429 until the reset."""

from __future__ import annotations

import httpx
from sandbox_helpers import BOARD, create

from connectors.miro.sandbox import ManualClock, MiroSandbox


def _client(sandbox: MiroSandbox, token: str = "t") -> httpx.Client:
    return httpx.Client(
        transport=sandbox.transport(), base_url="https://api.miro.com", headers={"Authorization": f"Bearer {token}"}
    )


def test_remaining_drops_by_each_level(client: httpx.Client, clock: ManualClock) -> None:
    item = create(client, "cards")  # L2: 100
    seen = [client.post(f"{BOARD}/cards", json={}).headers]  # L2
    seen.append(client.get(f"{BOARD}/cards/{item['id']}").headers)  # L1
    seen.append(client.get(f"{BOARD}/items").headers)  # L2
    seen.append(client.delete(f"{BOARD}/cards/{item['id']}").headers)  # L3
    seen.append(client.post(f"{BOARD}/items/bulk", json=[{"type": "card"}] * 3).headers)  # 3 x L2
    assert [int(h["X-RateLimit-Remaining"]) for h in seen] == [99_800, 99_750, 99_650, 99_150, 98_850]
    assert {h["X-RateLimit-Limit"] for h in seen} == {"100000"}
    assert {h["X-RateLimit-Reset"] for h in seen} == {str(int(clock.now()) + 60)}


def test_overrun_is_429_until_the_window_resets() -> None:
    clock = ManualClock()
    sandbox = MiroSandbox(clock=clock, credits_per_minute=250)
    with _client(sandbox) as client:
        assert client.get(f"{BOARD}/items").status_code == 200
        assert client.get(f"{BOARD}/items").status_code == 200
        refused = client.get(f"{BOARD}/items")
        assert refused.status_code == 429
        assert refused.json() == {
            "status": 429,
            "code": "tooManyRequests",
            "message": "Rate limit exceeded",
            "type": "error",
        }
        assert refused.headers["X-RateLimit-Remaining"] == "50"
        assert client.get(f"{BOARD}").status_code == 200  # an L1 call still fits the 50 left
        reset = int(refused.headers["X-RateLimit-Reset"])
        clock.advance(reset - clock.now() - 1)
        assert client.get(f"{BOARD}/items").status_code == 429
        clock.advance(1)
        fresh = client.get(f"{BOARD}/items")
        assert fresh.status_code == 200
        assert fresh.headers["X-RateLimit-Remaining"] == "150"
    assert [c.credits for c in sandbox.calls] == [100, 100, 0, 50, 0, 100]


def test_budgets_are_per_user() -> None:
    sandbox = MiroSandbox(clock=ManualClock(), credits_per_minute=100, strict_tokens=True)
    alice, bob = sandbox.issue_tokens("1001"), sandbox.issue_tokens("1002")
    with _client(sandbox, alice.access_token) as a, _client(sandbox, bob.access_token) as b:
        assert a.get(f"{BOARD}/items").status_code == 200
        assert a.get(f"{BOARD}/items").status_code == 429
        assert b.get(f"{BOARD}/items").status_code == 200
