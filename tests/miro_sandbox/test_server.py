"""Server mode: the same sandbox over loopback HTTP with a real httpx client."""

from __future__ import annotations

import socket
import threading

import httpx
import pytest
from sandbox_helpers import BOARD

from connectors.miro.sandbox import Fault, MiroSandbox, SandboxServer, run_server


def test_loopback_round_trip(sandbox: MiroSandbox) -> None:
    with sandbox.serve() as server, httpx.Client(base_url=server.base_url, headers={"Authorization": "Bearer t"}) as c:
        created = c.post(f"{BOARD}/sticky_notes", json={"data": {"content": "over the wire"}})
        assert created.status_code == 201
        assert created.json()["links"]["self"].startswith(server.base_url)
        listed = c.get(f"{BOARD}/items", params={"limit": "10"})
        assert listed.json()["total"] == 1
        assert int(listed.headers["X-RateLimit-Remaining"]) == 99_800
        assert c.delete(f"{BOARD}/items/{created.json()['id']}").status_code == 204
        assert c.get(BOARD, headers={"Authorization": ""}).status_code == 401
    assert [call.status for call in sandbox.calls] == [201, 200, 204, 401]


def test_dropped_connection_and_stall(sandbox: MiroSandbox) -> None:
    sandbox.inject(Fault.disconnect("GET", "/v2/boards/*/items"))
    sandbox.inject(Fault.timeout("GET", "/v2/boards/*", stall_seconds=30))
    with sandbox.serve() as server, httpx.Client(base_url=server.base_url, headers={"Authorization": "Bearer t"}) as c:
        with pytest.raises(httpx.RemoteProtocolError):
            c.get(f"{BOARD}/items")
        with pytest.raises(httpx.ReadTimeout):
            c.get(BOARD, timeout=httpx.Timeout(5.0, read=0.05))
        assert c.get(BOARD).status_code == 200  # shutdown below also releases the stalled handler


def test_concurrent_clients_get_unique_ids(sandbox: MiroSandbox) -> None:
    ids: list[str] = []
    with sandbox.serve() as server:

        def worker() -> None:
            with httpx.Client(base_url=server.base_url, headers={"Authorization": "Bearer t"}) as c:
                ids.extend(c.post(f"{BOARD}/cards", json={}).json()["id"] for _ in range(10))

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(set(ids)) == 40


def test_run_server_announces_its_url_and_stops_on_ctrl_c(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(self: SandboxServer) -> None:
        assert httpx.get(f"{self.base_url}{BOARD}", headers={"Authorization": "Bearer t"}).status_code == 200
        raise KeyboardInterrupt

    monkeypatch.setattr(SandboxServer, "wait", interrupted)
    run_server(0)
    out = capsys.readouterr().out
    announced, where = out.strip().splitlines()
    assert announced.startswith("Miro sandbox listening on http://127.0.0.1:")
    assert where == "boards in memory only"
    port = int(announced.rsplit(":", 1)[1])
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}{BOARD}")


def test_each_answer_leaves_in_one_write_on_a_no_delay_socket(
    sandbox: MiroSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Headers and body in separate writes let Nagle's algorithm hold the body until the client's delayed
    ACK (~40 ms a request on a kept-alive connection); one write per answer on a TCP_NODELAY socket cannot."""
    writes: list[tuple[int, bytes]] = []  # (TCP_NODELAY, data) of each server-side send
    real_send, real_sendall = socket.socket.send, socket.socket.sendall
    port = 0

    def record(sock: socket.socket, data: bytes) -> None:
        if sock.getsockname()[1] == port:
            writes.append((sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY), bytes(data)))

    def send(sock: socket.socket, data: bytes, *args: int) -> int:
        record(sock, data)
        return real_send(sock, data, *args)

    def sendall(sock: socket.socket, data: bytes, *args: int) -> None:
        record(sock, data)
        real_sendall(sock, data, *args)

    with sandbox.serve() as server, httpx.Client(base_url=server.base_url, headers={"Authorization": "Bearer t"}) as c:
        port = server.port
        monkeypatch.setattr(socket.socket, "send", send)
        monkeypatch.setattr(socket.socket, "sendall", sendall)
        answers = [c.post(f"{BOARD}/sticky_notes", json={"data": {"content": "一"}}), c.get(f"{BOARD}/items")]
        answers.append(c.delete(f"{BOARD}/items/{answers[0].json()['id']}"))
        monkeypatch.undo()
    assert [a.status_code for a in answers] == [201, 200, 204]
    assert len(writes) == 3, [data[:40] for _, data in writes]  # one write per answer, one kept-alive connection
    for (nodelay, data), answer in zip(writes, answers, strict=True):
        assert nodelay
        assert data.startswith(f"HTTP/1.1 {answer.status_code} ".encode())
        assert data.endswith(b"\r\n\r\n" + answer.content)
