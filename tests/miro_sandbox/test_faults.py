"""Injected HTTP errors, timeouts, dropped connections and latency."""

from __future__ import annotations

import httpx
import pytest
from sandbox_helpers import BOARD

from connectors.miro.sandbox import Fault, Latency, ManualClock, MiroSandbox


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_http_fault_fires_once_then_clears(sandbox: MiroSandbox, client: httpx.Client, status: int) -> None:
    sandbox.inject(Fault.http(status, "GET", "/v2/boards/*/items"))
    failed = client.get(f"{BOARD}/items")
    assert failed.status_code == status
    assert failed.json()["type"] == "error"
    assert failed.json()["status"] == status
    assert "X-RateLimit-Reset" in failed.headers
    assert client.get(f"{BOARD}/items").status_code == 200


def test_injected_429_reports_no_remaining_credits(sandbox: MiroSandbox, client: httpx.Client) -> None:
    sandbox.inject(Fault.http(429))
    response = client.get(BOARD)
    assert response.json()["code"] == "tooManyRequests"
    assert response.headers["X-RateLimit-Remaining"] == "0"


def test_rules_match_method_and_path_and_honour_skip_and_times(sandbox: MiroSandbox, client: httpx.Client) -> None:
    sandbox.inject(Fault.http(503, "POST", "/v2/boards/*/cards", skip=1, times=2))
    assert client.get(f"{BOARD}/items").status_code == 200  # other method and path
    statuses = [client.post(f"{BOARD}/cards", json={}).status_code for _ in range(4)]
    assert statuses == [201, 503, 503, 201]


def test_forever_rules_last_until_cleared(sandbox: MiroSandbox, client: httpx.Client) -> None:
    sandbox.inject(Fault.http(500, times=None))
    assert [client.get(BOARD).status_code for _ in range(3)] == [500, 500, 500]
    sandbox.faults.clear()
    assert client.get(BOARD).status_code == 200


def test_timeout_before_processing_changes_nothing(sandbox: MiroSandbox, client: httpx.Client) -> None:
    sandbox.inject(Fault.timeout("POST"))
    with pytest.raises(httpx.ReadTimeout):
        client.post(f"{BOARD}/cards", json={})
    assert client.get(f"{BOARD}/items").json()["total"] == 0


def test_timeout_after_commit_keeps_the_change(sandbox: MiroSandbox, client: httpx.Client) -> None:
    sandbox.inject(Fault.timeout("POST", after_commit=True))
    with pytest.raises(httpx.ReadTimeout):
        client.post(f"{BOARD}/cards", json={})
    assert client.get(f"{BOARD}/items").json()["total"] == 1
    assert sandbox.calls[0].status is None
    assert sandbox.calls[0].fault == "timeout"


def test_disconnect_raises_remote_protocol_error(sandbox: MiroSandbox, client: httpx.Client) -> None:
    sandbox.inject(Fault.disconnect(path="/v2/boards/*/items"))
    with pytest.raises(httpx.RemoteProtocolError):
        client.get(f"{BOARD}/items")
    assert sandbox.calls[-1].fault == "disconnect"


def test_latency_uses_the_injected_clock_and_is_seeded() -> None:
    delays = []
    for _ in range(2):
        clock = ManualClock()
        sandbox = MiroSandbox(clock=clock, latency=Latency(fixed=0.2, jitter=0.1, seed=7))
        with httpx.Client(transport=sandbox.transport(), headers={"Authorization": "Bearer t"}) as client:
            for _ in range(3):
                client.get(f"https://api.miro.com{BOARD}")
        delays.append(clock.slept)
    assert delays[0] == delays[1]
    assert len(delays[0]) == 3
    assert all(0.2 <= d < 0.3 for d in delays[0])
    assert len(set(delays[0])) == 3
