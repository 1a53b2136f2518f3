"""Through the CLI against the loopback sandbox at 10 % faults: a first sync finishes in one run (issue 7).

The server is the one ``cjm-sync sandbox miro --fault …`` builds (captured instead of blocking), the sync
is ``cjm-sync sync`` with ``CJM_MIRO_BASE_URL`` pointing at it. Retry waits are zero in tests.
"""

from __future__ import annotations

import json
from collections import Counter
from importlib.resources import files
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cjm_sync.cli.main import main
from connectors.miro.sandbox import MiroSandbox

BOARD = "uXjVflaky="
FAULTS = (
    "500:rate=0.03",
    "502:rate=0.02",
    "503:rate=0.02",
    "disconnect:rate=0.02",
    "disconnect:rate=0.02,after-commit=true",
)


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def _main(ctx: click.Context) -> None:
    main(list(ctx.args))


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(_main, list(args), env=env)
    return result.exit_code, result.output


def test_a_first_sync_through_a_flaky_server_succeeds_in_one_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("j.yaml").write_text(files("cjm_sync").joinpath("examples/trial-signup.yaml").read_text("utf-8"), "utf-8")
    built: list[MiroSandbox] = []
    monkeypatch.setattr("connectors.miro.sandbox.run_server", lambda _port, _host, sandbox: built.append(sandbox))
    faults = [arg for spec in FAULTS for arg in ("--fault", f"{spec},path=/v2/*")]
    code, output = run("sandbox", "miro", "--port", "0", "--create-boards", "--seed", "7", *faults)
    assert code == 0, output
    sandbox = built[0]
    with sandbox.serve() as server:
        env = {"CJM_MIRO_BASE_URL": server.base_url, "MIRO_ACCESS_TOKEN": "any-token-1234"}
        code, output = run("sync", "--journey", "j.yaml", "--board", BOARD, "--json", env=env)
        assert code == 0, output
        assert [c for c in sandbox.calls if c.fault]  # faults did fire
        code, output = run("plan", "--journey", "j.yaml", "--json", env=env)
        assert code == 0, output
        report = json.loads(output)
        assert (report["plan"]["board"], report["plan"]["file"]) == ([], [])  # nothing left to repair
        assert report["unplaced"] == []  # no stray copy anywhere on the board
    board = sandbox.store.board(BOARD)
    kinds = Counter(item.type for item in board.items.values())
    assert kinds["app_card"] == 6  # one card per touchpoint of the example, no duplicates
    frames = [str(item.data.get("title")) for item in board.items.values() if item.type == "frame"]
    assert len(frames) == len(set(frames))  # the journey's frame (and the analysis matrix) once each
