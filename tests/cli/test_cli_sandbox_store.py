"""``cjm-sync sandbox miro`` and ``--sandbox`` runs see one board (issue 7).

Before, the server never saved its boards: a sync through the server pushed a new title, and the next
``--sandbox`` run worked from the stale file, took the old title for a board edit and reverted the
journey file (exit 0).
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cjm_sync.cli.main import main
from connectors.miro.sandbox import MiroSandbox

BOARD = "uXjVshared="


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def _main(ctx: click.Context) -> None:
    main(list(ctx.args))


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(_main, list(args), env=env)
    return result.exit_code, result.output


def served_sandbox(monkeypatch: pytest.MonkeyPatch) -> MiroSandbox:
    """The sandbox ``cjm-sync sandbox miro`` builds (captured instead of blocking on it)."""
    built: list[MiroSandbox] = []
    monkeypatch.setattr("connectors.miro.sandbox.run_server", lambda _port, _host, sandbox: built.append(sandbox))
    code, output = run("sandbox", "miro", "--port", "0")
    assert code == 0, output
    return built[0]


def test_a_sync_through_the_server_is_seen_by_the_next_sandbox_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    journey = Path("j.yaml")
    journey.write_text(files("cjm_sync").joinpath("examples/trial-signup.yaml").read_text("utf-8"), "utf-8")
    code, output = run("sync", "--journey", "j.yaml", "--board", BOARD, "--sandbox")
    assert code == 0, output

    sandbox = served_sandbox(monkeypatch)
    journey.write_text(journey.read_text("utf-8").replace("Talks to sales", "Talks to an account executive"), "utf-8")
    with sandbox.serve() as server:
        env = {"CJM_MIRO_BASE_URL": server.base_url, "MIRO_ACCESS_TOKEN": "any-token-1234"}
        code, output = run("sync", "--journey", "j.yaml", "--json", env=env)
        assert code == 0, output
        assert json.loads(output)["board_writes"] > 0

    code, output = run("sync", "--journey", "j.yaml", "--sandbox", "--json")
    assert code == 0, output
    report = json.loads(output)
    assert report["plan"]["board"] == []
    assert report["plan"]["file"] == []
    assert "Talks to an account executive" in journey.read_text("utf-8")


def test_fresh_serves_boards_kept_in_memory_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    built: list[MiroSandbox] = []
    monkeypatch.setattr("connectors.miro.sandbox.run_server", lambda _port, _host, sandbox: built.append(sandbox))
    code, output = run("sandbox", "miro", "--port", "0", "--fresh", "--create-boards")
    assert code == 0, output
    built[0].create_board(board_id=BOARD)
    assert built[0].path is None
    assert not Path(".cjm-sync/sandbox-miro.json").exists()
