"""``cjm-sync sandbox miro`` flags: latency, jitter, credit budget and faults, as a benchmark sets them."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sandbox_helpers import BOARD

from cjm_sync.cli.main import main
from connectors.miro.sandbox import Fault, FaultKind, MiroSandbox, SandboxServer


def _serve(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *args: str) -> tuple[int, list[MiroSandbox]]:
    """Run the command; instead of blocking, hand back the sandbox it built."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CJM_SYNC_CONFIG", raising=False)
    built: list[MiroSandbox] = []

    def run_server(port: int, host: str = "127.0.0.1", sandbox: MiroSandbox | None = None) -> None:
        assert sandbox is not None
        built.append(sandbox)

    monkeypatch.setattr("connectors.miro.sandbox.run_server", run_server)
    with pytest.raises(SystemExit) as done:
        main(["sandbox", "miro", "--port", "0", *args])
    return int(done.value.code or 0), built


def test_flags_set_latency_jitter_credit_budget_and_faults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    code, built = _serve(
        monkeypatch,
        tmp_path,
        *("--latency", "100", "--jitter", "50", "--credits-per-minute", "250", "--seed", "3"),
        *("--fault", "503:method=POST,times=2", "--fault", "disconnect:path=/v2/boards/*/items,after-commit=true"),
        "--create-boards",
    )
    assert code == 0
    (sandbox,) = built
    assert sandbox.auto_create_boards
    assert sandbox.latency is not None
    delays = [sandbox.latency.next_delay() for _ in range(50)]
    assert all(0.1 <= d < 0.15 for d in delays)
    assert len(set(delays)) == 50
    sandbox.latency = None  # keep the test fast; the delays above are what every request waits
    with sandbox.serve() as server, httpx.Client(base_url=server.base_url, headers={"Authorization": "Bearer t"}) as c:
        answers = [c.post(f"{BOARD}/cards", json={}) for _ in range(5)]  # a create costs 100 credits
        assert [a.status_code for a in answers] == [503, 503, 201, 201, 429]
        assert [a.headers["X-RateLimit-Remaining"] for a in answers[2:]] == ["150", "50", "50"]
        assert answers[-1].headers["X-RateLimit-Limit"] == "250"
        with pytest.raises(httpx.RemoteProtocolError):
            c.get(f"{BOARD}/items")


def test_unknown_boards_get_miros_404_unless_asked_to_create_them(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    code, built = _serve(monkeypatch, tmp_path)
    assert code == 0
    (sandbox,) = built
    with sandbox.serve() as server, httpx.Client(base_url=server.base_url, headers={"Authorization": "Bearer t"}) as c:
        missing = c.post(f"{BOARD}/cards", json={})
        assert missing.status_code == 404
        assert missing.json()["code"] == "notFound"
        created = c.post("/v2/boards", json={"name": "Journeys"})
        assert created.status_code == 201
        assert c.post(f"/v2/boards/{created.json()['id']}/cards", json={}).status_code == 201


def test_a_bad_fault_spec_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, built = _serve(monkeypatch, tmp_path, "--fault", "503:rate=2")
    assert code == 2
    assert built == []
    assert "--fault" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("429", Fault(FaultKind.STATUS, 429)),
        (
            "503:method=POST,path=/v2/boards/*/items/bulk,times=3,skip=1",
            Fault.http(503, "POST", "/v2/boards/*/items/bulk", times=3, skip=1),
        ),
        ("500:rate=0.1", Fault(FaultKind.STATUS, 500, times=None, rate=0.1)),
        ("timeout:after-commit=true,stall=2", Fault.timeout(after_commit=True, stall_seconds=2)),
        ("disconnect:times=forever", Fault.disconnect(times=None)),
    ],
)
def test_fault_specs(spec: str, expected: Fault) -> None:
    assert Fault.parse(spec) == expected


@pytest.mark.parametrize(
    "spec", ["oops", "200", "503:rate=0", "503:times=0", "503:colour=red", "503:after-commit=true", "timeout:skip=-1"]
)
def test_bad_fault_specs_say_what_is_wrong(spec: str) -> None:
    with pytest.raises(ValueError, match="fault"):
        Fault.parse(spec)


def test_a_fault_rate_fires_on_that_share_of_requests_reproducibly() -> None:
    runs = []
    for _ in range(2):
        sandbox = MiroSandbox(seed=11)
        sandbox.inject(Fault.parse("503:rate=0.25"))
        with httpx.Client(transport=sandbox.transport(), headers={"Authorization": "Bearer t"}) as c:
            runs.append([c.get(f"https://api.miro.com{BOARD}").status_code for _ in range(400)])
    assert runs[0] == runs[1]
    assert 60 <= runs[0].count(503) <= 140
    assert set(runs[0]) == {200, 503}


def test_the_server_class_is_reexported() -> None:
    assert SandboxServer.__name__ == "SandboxServer"
