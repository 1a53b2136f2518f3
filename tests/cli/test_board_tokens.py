"""Per-journey board credentials: ``board = { ..., token_env = "VAR" }`` (issue 13's agency case).

Before, cjm-sync read one Miro token per process (``MIRO_ACCESS_TOKEN``): every journey's board was
reached as the same user, so an agency could not sync its clients' boards with each client's own user.
Each journey's requests now carry the token its variable holds; a missing variable fails that journey
by name; no token ever reaches output or state.
"""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

import httpx
import pytest
from cli_runner import cli

from cjm_sync.config import load_config
from cjm_sync.errors import ValidationFailed
from cjm_sync.workers.runner import Outcome, SyncJob, SyncJobRejected, run_sync
from connectors.miro.sandbox import MiroSandbox
from connectors.miro.sandbox.auth import token_user

ACME, GLOBEX = "uXjVacme=", "uXjVglobex="


def write_config(root: Path, acme_env: str = "MIRO_TOKEN_ACME", globex_env: str = "MIRO_TOKEN_GLOBEX") -> Path:
    """Two starter journeys, each board reached through its own token variable."""
    (root / "journeys").mkdir(parents=True, exist_ok=True)
    for name in ("acme", "globex"):
        if (root / "journeys" / f"{name}.yaml").exists():
            continue
        code, _, err = cli("init", "--title", f"{name} 旅程 🚀", "-o", str(root / "journeys" / f"{name}.yaml"))
        assert code == 0, err
    config = root / "cjm-sync.toml"
    config.write_text(
        f'[[journeys]]\npath = "journeys/acme.yaml"\n'
        f'board = {{ connector = "miro", target = "{ACME}", token_env = "{acme_env}" }}\n\n'
        f'[[journeys]]\npath = "journeys/globex.yaml"\n'
        f'board = {{ connector = "miro", target = "{GLOBEX}", token_env = "{globex_env}" }}\n',
        encoding="utf-8",
    )
    return config


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("CJM_STATE_URL", "CJM_SYNC_CONFIG", "MIRO_ACCESS_TOKEN", "MIRO_REFRESH_TOKEN", "CJM_MIRO_BOARD_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def sandbox(monkeypatch: pytest.MonkeyPatch) -> MiroSandbox:
    """A loopback sandbox that knows only the tokens it issued: acme's user and globex's user."""
    box = MiroSandbox(strict_tokens=True)
    monkeypatch.setenv("MIRO_TOKEN_ACME", box.issue_tokens("user-acme").access_token)
    monkeypatch.setenv("MIRO_TOKEN_GLOBEX", box.issue_tokens("user-globex").access_token)
    return box


def users_by_board(box: MiroSandbox) -> dict[str, set[str | None]]:
    seen: dict[str, set[str | None]] = {}
    for call in box.calls:
        board = call.path.split("/")[3] if call.path.startswith("/v2/boards/") else ""
        seen.setdefault(board, set()).add(call.user)
    return seen


def test_a_token_env_name_validates_and_a_bad_one_is_refused_with_file_and_line(root: Path) -> None:
    config = load_config(write_config(root))
    assert [j.board.token_env for j in config.journeys if j.board] == ["MIRO_TOKEN_ACME", "MIRO_TOKEN_GLOBEX"]

    pasted = "eyJtaXJvIjoidG9rZW4ifQ.secret-value"  # a token pasted where its variable's name belongs
    for bad in (pasted, "1ACME", "MIRO TOKEN", ""):
        path = write_config(root, globex_env=bad)
        with pytest.raises(ValidationFailed) as failed:
            load_config(path)
        (issue,) = failed.value.issues
        assert (issue.line, issue.path) == (7, "journeys[1].board.token_env"), issue
        assert "environment variable name" in issue.message
        code, out, err = cli("--config", str(path), "sync", "--all", "--sandbox")
        assert code == 2
        assert "cjm-sync.toml:7" in err
        assert "token_env" in err
        assert pasted not in out + err


def stored_bytes(root: Path) -> bytes:
    """Everything cjm-sync keeps beside the config: the state db (and its journal files), sandbox files."""
    return b"".join(p.read_bytes() for p in sorted((root / ".cjm-sync").rglob("*")) if p.is_file())


def test_each_journey_s_board_is_reached_with_its_own_token(
    root: Path, sandbox: MiroSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(root)
    with sandbox.serve() as server:
        monkeypatch.setenv("CJM_MIRO_BASE_URL", server.base_url)
        code, out, err = cli("-v", "sync", "--all")
    assert code == 0, err
    seen = users_by_board(sandbox)
    assert seen[ACME] == {"user-acme"}
    assert seen[GLOBEX] == {"user-globex"}
    for variable in ("MIRO_TOKEN_ACME", "MIRO_TOKEN_GLOBEX"):
        token = os.environ[variable]
        assert token not in out + err
        assert token.encode() not in stored_bytes(root)


@pytest.mark.parametrize("value", [None, "", "   "])
def test_a_missing_token_variable_fails_its_journey_by_name_and_prints_no_token(
    root: Path, sandbox: MiroSandbox, monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    write_config(root)
    if value is None:
        monkeypatch.delenv("MIRO_TOKEN_GLOBEX")
    else:
        monkeypatch.setenv("MIRO_TOKEN_GLOBEX", value)
    monkeypatch.setenv("MIRO_ACCESS_TOKEN", "default-token-must-not-stand-in")
    with sandbox.serve() as server:
        monkeypatch.setenv("CJM_MIRO_BASE_URL", server.base_url)
        code, out, err = cli("sync", "--journey", "journeys/globex.yaml")
        assert code == 2
        assert "MIRO_TOKEN_GLOBEX" in err
        assert "journeys/globex.yaml" in err
        assert not [c for c in sandbox.calls if GLOBEX in c.path]  # nothing was read or written
        code, out, err = cli("sync", "--all")
    assert code == 2
    assert "MIRO_TOKEN_GLOBEX" in err
    assert users_by_board(sandbox)[ACME] == {"user-acme"}  # the journey before it synced with its own token
    for secret in (os.environ["MIRO_TOKEN_ACME"], "default-token-must-not-stand-in"):
        assert secret not in out + err
        assert secret.encode() not in stored_bytes(root)


def test_concurrent_worker_jobs_never_share_a_token(
    root: Path, sandbox: MiroSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(root)
    job = SyncJob(config=config.resolve())
    outcomes: list[Outcome] = []
    start = threading.Barrier(2)

    def sync(name: str) -> None:
        start.wait()
        outcomes.append(asyncio.run(run_sync(job, (root / "journeys" / f"{name}.yaml").resolve())))

    with sandbox.serve() as server:
        monkeypatch.setenv("CJM_MIRO_BASE_URL", server.base_url)
        threads = [threading.Thread(target=sync, args=(name,)) for name in ("acme", "globex")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    assert outcomes == [Outcome.DONE, Outcome.DONE]
    seen = users_by_board(sandbox)
    assert (seen[ACME], seen[GLOBEX]) == ({"user-acme"}, {"user-globex"})


def test_distinct_unknown_tokens_are_distinct_users_with_their_own_budget() -> None:
    box = MiroSandbox(credits_per_minute=100)  # lenient: any token works
    board = box.create_board("one-board", ACME)
    with box.serve() as server:

        def get(token: str) -> httpx.Response:
            return httpx.get(f"{server.base_url}/v2/boards/{board}", headers={"Authorization": f"Bearer {token}"})

        assert get("first-token").status_code == 200  # 50 credits (level 1)
        assert get("first-token").status_code == 200
        assert get("first-token").status_code == 429  # first-token's minute is spent
        assert get("second-token").status_code == 200  # another user: a budget of its own
        assert get("second-token").headers["X-RateLimit-Remaining"] == "0"
    users = [c.user for c in box.calls]
    assert users[0] == box.user_id  # the first token is the sandbox's API user, as before
    assert users[3] == users[4] == token_user("second-token") != box.user_id


def test_a_worker_job_without_its_token_is_refused_by_name(
    root: Path, sandbox: MiroSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(root)
    monkeypatch.delenv("MIRO_TOKEN_ACME")
    with sandbox.serve() as server:
        monkeypatch.setenv("CJM_MIRO_BASE_URL", server.base_url)
        with pytest.raises(SyncJobRejected) as refused:
            asyncio.run(run_sync(SyncJob(config=config.resolve()), (root / "journeys" / "acme.yaml").resolve()))
    assert "MIRO_TOKEN_ACME" in str(refused.value)
    assert "acme.yaml" in str(refused.value)
    assert os.environ["MIRO_TOKEN_GLOBEX"] not in str(refused.value)
    assert not sandbox.calls
