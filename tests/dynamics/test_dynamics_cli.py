"""The CEO's checks, from the CLI, against the sandbox served over loopback with Entra ID tokens:
discover lists BPF stages in process order and counts; pull writes metrics with provenance; a rerun is
incremental; a wrong client secret fails clearly and leaves the journey untouched."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from dynamics_support import ANCHOR

from cjm_sync.cli.main import main
from cjm_sync.http import retry
from connectors.dynamics.sandbox import DataverseSandbox
from connectors.dynamics.sandbox.serve import SandboxServers, serve

AS_OF = "2026-11-01T00:00:00Z"


@pytest.fixture
def servers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SandboxServers]:
    sandbox = DataverseSandbox(records=4000, seed=17, anchor=ANCHOR, now=lambda: ANCHOR)
    with serve(sandbox, tmp_path / "ca.pem") as running:
        for name, value in running.environment().items():
            monkeypatch.setenv(name, value)
        monkeypatch.chdir(tmp_path)
        yield running


def run(*args: str) -> tuple[int, str]:
    runner = CliRunner()
    with runner.isolation() as (out, err, _):
        try:
            main(list(args))
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else 1
    return code, out.getvalue().decode() + err.getvalue().decode()


def _journey(servers: SandboxServers) -> str:
    process = servers.sandbox.generated.processes[0]
    stages = "\n".join(
        f"  - id: s{i}\n    title: {name}\n    sources: [dynamics:bpf:{process.entity_set}:{sid}]"
        for i, (sid, name) in enumerate(process.stages)
    )
    return (
        "schema_version: 2\nid: b2b\ntitle: B2B 旅程 🚀\nmap_type: current_state\n"
        f"stages:\n{stages}\n"
        "touchpoints:\n"
        "  - id: hotline  # the support line\n    title: Support hotline\n    stage: s3\n    channel: phone\n"
        "    sources: [dynamics:incident:phone, dynamics:phonecall:incoming]\n"
        "  - id: survey\n    title: 满意度调查\n    stage: s3\n"
        "    sources: [dynamics:msfp_surveyresponse:客户关系调查-2026]\n"
    )


def test_discover_lists_stages_in_process_order(servers: SandboxServers) -> None:
    code, out = run("discover", "dynamics", "--as-of", AS_OF, "--window", "30d", "--json")
    assert code == 0, out
    found = json.loads(out)
    for process in servers.sandbox.generated.processes:
        keys = [s["key"] for s in found["stages"] if s["key"].startswith(f"dynamics:bpf:{process.entity_set}:")]
        assert keys == [f"dynamics:bpf:{process.entity_set}:{sid}" for sid, _ in process.stages]
    assert all({"key", "label", "order", "reached"} <= set(s) for s in found["stages"])
    assert all({"key", "label", "count", "count_previous"} <= set(t) for t in found["touchpoints"])
    assert servers.sandbox.login.token_requests == 1


def test_pull_writes_metrics_with_provenance_then_runs_incrementally(servers: SandboxServers) -> None:
    path = Path("b2b.yaml")
    path.write_text(_journey(servers), encoding="utf-8")
    code, out = run("pull", "dynamics", "--journey", str(path), "--as-of", AS_OF, "--json")
    assert code == 0, out
    text = path.read_text(encoding="utf-8")
    assert "# the support line" in text
    assert "source: dynamics" in text
    assert "time-to-first-response" in text
    assert "unit: hours" in text
    assert "sample_size:" in text
    assert "window: 2026-10-02T00:00:00Z/2026-11-01T00:00:00Z" in text
    full_rows = servers.sandbox.rows_served()
    case = next(c for c in servers.sandbox.rows("incidents") if c["caseorigincode"] == 1)
    servers.sandbox.update("incidents", case["incidentid"], title="touched")
    before = servers.sandbox.rows_served()
    code, out = run("pull", "dynamics", "--journey", str(path), "--as-of", AS_OF)
    assert code == 0, out
    assert servers.sandbox.rows_served() - before <= full_rows / 5
    assert path.read_text(encoding="utf-8") == text


def test_wrong_client_secret_fails_clearly_and_keeps_the_journey(
    servers: SandboxServers, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = Path("b2b.yaml")
    path.write_text(_journey(servers), encoding="utf-8")
    before = path.read_bytes()
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "wrong-secret-value-42")
    code, out = run("pull", "dynamics", "--journey", str(path), "--as-of", AS_OF)
    assert code != 0
    assert "AZURE_CLIENT_SECRET" in out
    assert "AZURE_CLIENT_ID" in out
    assert "wrong-secret-value-42" not in out
    assert "Traceback" not in out
    assert path.read_bytes() == before


def test_missing_credentials_name_the_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DYNAMICS_URL", "https://contoso.crm4.dynamics.com")
    code, out = run("discover", "dynamics")
    assert code == 2
    assert "AZURE_TENANT_ID" in out
    assert "AZURE_CLIENT_SECRET" in out


def test_demo_with_dynamics(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out = run("demo", "--dir", "demo", "--crm", "dynamics", "--json")
    assert code == 0, out
    assert json.loads(out)["ok"] is True
    text = (tmp_path / "demo" / "trial-signup.yaml").read_text(encoding="utf-8")
    assert "dynamics:phonecall:outgoing" in text
    assert text.count("source: dynamics") >= 20
    assert "time-to-resolve" in text
    assert "conversion" in text


def test_a_429_with_retry_after_2_is_waited_out(servers: SandboxServers) -> None:
    servers.sandbox.protection.throttle(1, retry_after=2)
    retry.set_testing(False)  # real waits: this is what the CLI does
    try:
        started = time.monotonic()
        code, out = run("discover", "dynamics", "--as-of", AS_OF, "--json")
    finally:
        retry.set_testing(True)
    assert code == 0, out
    assert time.monotonic() - started >= 2.0
    refused = [c for c in servers.sandbox.calls if c.status == 429]
    assert len(refused) == 1
    document, end = json.JSONDecoder().raw_decode(out)  # stderr follows: the wait is said out loud
    assert document["api_calls"]["retries"] == 1
    assert "waiting 2 s for Dynamics 365's rate limit" in out[end:]
