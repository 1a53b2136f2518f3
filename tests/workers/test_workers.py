"""Workers on the PostgreSQL task queue, against a real server: queueing, schedules, the git pattern,
and a worker killed with SIGKILL mid-sync (nothing lost, nothing duplicated, no journey ever run twice at
once). In-process jobs and their outcomes: tests/workers/test_in_process.py."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from cjm_sync.config import load_config
from cjm_sync.state import open_store
from cjm_sync.workers.checkout import GitCheckout
from cjm_sync.workers.queue import TASK_NAME
from cjm_sync.workers.worker import WorkerSettings, build_app


def cli(cwd: Path, env: dict[str, str], *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cjm_sync", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def fleet(root: Path, names: list[str], *, schedule: str | None = None) -> None:
    """A config with one journey (and board) per name, each a starter map."""
    (root / "journeys").mkdir(parents=True, exist_ok=True)
    entries = []
    for name in names:
        done = cli(root, dict(os.environ), "init", "--title", name, "-o", f"journeys/{name}.yaml")
        assert done.returncode == 0, done.stderr
        line = (
            f'[[journeys]]\npath = "journeys/{name}.yaml"\nboard = {{ connector = "miro", target = "uXjV{name}=" }}\n'
        )
        entries.append(line + (f'schedule = "{schedule}"\n' if schedule else ""))
    (root / "cjm-sync.toml").write_text("\n".join(entries), encoding="utf-8")


def job_rows(url: str) -> list[tuple[str, str, int]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT args->>'journey', status::text, attempts FROM procrastinate_jobs WHERE task_name = %s ORDER BY id",
            (TASK_NAME,),
        ).fetchall()
    return [(str(a), str(b), int(c)) for a, b, c in rows]


def test_enqueue_keeps_one_waiting_job_per_journey_and_a_worker_drains_it(pg_url: str, tmp_path: Path) -> None:
    fleet(tmp_path, ["alpha", "beta"])
    server, base = _serve_sandbox(tmp_path, latency=0)
    env = {**os.environ, "CJM_STATE_URL": pg_url, "CJM_MIRO_BASE_URL": base, "MIRO_ACCESS_TOKEN": "t"}
    try:
        first = cli(tmp_path, env, "--json", "enqueue", "--all")
        assert first.returncode == 0, first.stderr
        assert [j["queued"] for j in json.loads(first.stdout)["jobs"]] == [True, True]
        again = cli(tmp_path, env, "enqueue", "--journey", "journeys/alpha.yaml")
        assert again.returncode == 0
        assert "journeys/alpha.yaml: already queued" in again.stdout
        assert job_rows(pg_url) == [("journeys/alpha.yaml", "todo", 0), ("journeys/beta.yaml", "todo", 0)]

        done = cli(tmp_path, env, "worker", "--until-empty", "--concurrency", "2")
        assert done.returncode == 0, done.stderr
        assert [status for _, status, _ in job_rows(pg_url)] == ["succeeded", "succeeded"]
        status = json.loads(cli(tmp_path, env, "--json", "status", "--all").stdout)["journeys"]
        assert {s["journey"]: [r["outcome"] for r in s["runs"]] for s in status} == {"alpha": ["ok"], "beta": ["ok"]}
        jobs = json.loads(cli(tmp_path, env, "--json", "jobs").stdout)["jobs"]
        assert {j["status"] for j in jobs} == {"succeeded"}

        # A second tick writes nothing: the shared state holds the bases.
        assert cli(tmp_path, env, "enqueue", "--all").returncode == 0
        assert cli(tmp_path, env, "worker", "--until-empty", "--concurrency", "2").returncode == 0
        store = open_store(pg_url)
        try:
            for name in ("alpha", "beta"):
                latest = store.runs(name, limit=1)[0]
                assert latest.changes == {"board": 0, "conflicts": 0, "file": 0}, (name, latest.changes)
        finally:
            store.close()
    finally:
        _stop(server)


def test_workers_need_postgres_state_and_known_journeys(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CJM_STATE_URL"}
    fleet(tmp_path, ["alpha"])
    bare = cli(tmp_path, env, "enqueue")
    assert bare.returncode == 2
    assert "pass --journey FILE or --all" in bare.stderr  # the missing flag first, before any server is needed
    refused = cli(tmp_path, env, "worker", "--until-empty")
    assert refused.returncode == 2
    assert "workers need a PostgreSQL state store" in refused.stderr
    unknown = cli(tmp_path, {**env, "CJM_STATE_URL": "postgresql://u@127.0.0.1:1/x"}, "enqueue", "--journey", "x.yaml")
    assert unknown.returncode == 2
    assert "is not a journey of the config" in unknown.stderr


def test_each_schedule_becomes_one_periodic_task(pg_url: str, tmp_path: Path) -> None:
    fleet(tmp_path, ["alpha", "beta"], schedule="*/15 * * * *")
    config = load_config(tmp_path / "cjm-sync.toml")
    app = build_app(pg_url, config, tmp_path / "cjm-sync.toml", WorkerSettings())
    periodic = app.periodic_registry.periodic_tasks
    assert sorted(key for _, key in periodic) == ["journeys/alpha.yaml", "journeys/beta.yaml"]
    one = next(p for (_, key), p in periodic.items() if key == "journeys/alpha.yaml")
    assert one.cron == "*/15 * * * *"
    assert one.configure_kwargs["task_kwargs"] == {"journey": "journeys/alpha.yaml"}
    assert one.configure_kwargs["queueing_lock"] == one.configure_kwargs["lock"] == "cjm-sync:journeys/alpha.yaml"


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture
def origin(tmp_path: Path) -> Iterator[Path]:
    bare = tmp_path / "origin.git"
    _git(tmp_path, "init", "--quiet", "--bare", "-b", "main", str(bare))
    seed = tmp_path / "seed"
    _git(tmp_path, "clone", "--quiet", str(bare), str(seed))
    (seed / "a.yaml").write_text("a: 1\n")
    (seed / "b.yaml").write_text("b: 1\n")
    _git(seed, "add", ".")
    _git(seed, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "seed")
    _git(seed, "push", "--quiet", "origin", "HEAD:main")
    return bare


def test_git_publish_retries_a_non_fast_forward_push(
    origin: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Also on a machine with no git identity of its own (CI's fresh machine): the rebase of a pull
    commits too."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-global-gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(name, raising=False)
    one, two = tmp_path / "w1", tmp_path / "w2"
    _git(tmp_path, "clone", "--quiet", str(origin), str(one))
    _git(tmp_path, "clone", "--quiet", str(origin), str(two))

    async def scenario() -> tuple[bool, bool, bool]:
        first, second = GitCheckout(one), GitCheckout(two)
        await first.pull()
        await second.pull()
        (one / "a.yaml").write_text("a: 2\n")
        (two / "b.yaml").write_text("b: 2\n")
        pushed_one = await first.publish(one / "a.yaml", "cjm-sync: sync a.yaml")
        pushed_two = await second.publish(two / "b.yaml", "cjm-sync: sync b.yaml")  # behind: pull, then push
        unchanged = await second.publish(two / "b.yaml", "nothing to say")
        return pushed_one, pushed_two, unchanged

    assert asyncio.run(scenario()) == (True, True, False)
    check = tmp_path / "check"
    _git(tmp_path, "clone", "--quiet", str(origin), str(check))
    assert (check / "a.yaml").read_text() == "a: 2\n"
    assert (check / "b.yaml").read_text() == "b: 2\n"
    log = _git(check, "log", "--format=%s")
    assert log.splitlines() == ["cjm-sync: sync b.yaml", "cjm-sync: sync a.yaml", "seed"]  # linear history


def test_worker_git_mode_commits_and_pushes_synced_journeys(pg_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "CJM_STATE_URL": pg_url}
    bare = tmp_path / "journeys.git"
    _git(tmp_path, "init", "--quiet", "--bare", "-b", "main", str(bare))
    work = tmp_path / "worker1"
    _git(tmp_path, "clone", "--quiet", str(bare), str(work))
    fleet(work, ["alpha"])
    (work / ".gitignore").write_text(".cjm-sync/\n")
    _git(work, "add", ".")
    _git(work, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "journeys")
    _git(work, "push", "--quiet", "origin", "HEAD:main")
    # someone edits the journey title upstream: the worker must pull it before syncing
    other = tmp_path / "editor"
    _git(tmp_path, "clone", "--quiet", str(bare), str(other))
    path = other / "journeys" / "alpha.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("title: alpha", "title: Alpha · 阿尔法"), encoding="utf-8")
    _git(other, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-am", "retitle")
    _git(other, "push", "--quiet", "origin", "HEAD:main")

    assert cli(work, env, "enqueue", "--all").returncode == 0
    done = cli(work, env, "worker", "--until-empty", "--sandbox", "--git")
    assert done.returncode == 0, done.stderr
    assert "Alpha · 阿尔法" in (work / "journeys" / "alpha.yaml").read_text(encoding="utf-8")  # pulled first
    assert _git(work, "status", "--porcelain") == ""  # nothing left uncommitted
    assert _git(work, "rev-parse", "HEAD") == _git(work, "rev-parse", "origin/main")


def _serve_sandbox(tmp_path: Path, latency: int = 40) -> tuple[subprocess.Popen[str], str]:
    """The loopback Miro sandbox (one process, boards in memory) with Miro-like latency."""
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cjm_sync",
            "sandbox",
            "miro",
            "--port",
            "0",
            "--fresh",
            "--create-boards",
            "--latency",
            str(latency),
            "--jitter",
            str(latency // 2),
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert server.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = server.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+", line)
        if found:
            return server, found.group(0)
    server.kill()
    pytest.fail("the sandbox server did not start")


def _stop(server: subprocess.Popen[str]) -> None:
    server.kill()
    server.wait(10)
    if server.stdout is not None:
        server.stdout.close()


def _items(base: str, board: str) -> int:
    count, cursor = 0, None
    with httpx.Client(base_url=base, headers={"Authorization": "Bearer t"}) as client:
        while True:
            params = {"limit": "50", **({"cursor": cursor} if cursor else {})}
            page = client.get(f"/v2/boards/{board}/items", params=params).json()
            count += len(page["data"])
            cursor = page.get("cursor")
            if not cursor:
                return count


def test_a_worker_killed_mid_sync_loses_and_duplicates_nothing(pg_url: str, tmp_path: Path) -> None:
    names = ["j1", "j2", "j3", "j4", "j5"]
    fleet(tmp_path, names)
    fleet(tmp_path / "clean", ["reference"])
    server, base = _serve_sandbox(tmp_path)
    env = {**os.environ, "CJM_STATE_URL": pg_url, "CJM_MIRO_BASE_URL": base, "MIRO_ACCESS_TOKEN": "t"}
    workers: list[subprocess.Popen[str]] = []
    try:
        reference = cli(tmp_path / "clean", env, "sync", "--journey", "journeys/reference.yaml")
        assert reference.returncode == 0, reference.stderr
        expected = _items(base, "uXjVreference=")
        assert cli(tmp_path, env, "enqueue", "--all").returncode == 0
        args = [sys.executable, "-m", "cjm_sync", "worker", "--concurrency", "3", "--stalled-after", "3"]
        victim = subprocess.Popen(args, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(s == "doing" for _, s, _ in job_rows(pg_url)):
            time.sleep(0.05)
        time.sleep(0.5)  # mid-sync: writes are under way
        assert any(s == "doing" for _, s, _ in job_rows(pg_url))
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
        workers.append(
            subprocess.Popen(args, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        )
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline:
            rows = job_rows(pg_url)
            if rows and all(status == "succeeded" for _, status, _ in rows):
                break
            time.sleep(0.25)
        rows = job_rows(pg_url)
        assert all(status == "succeeded" for _, status, _ in rows), rows
        assert sorted(j for j, _, _ in rows) == sorted(f"journeys/{n}.yaml" for n in names)  # once per tick
        for name in names:
            assert _items(base, f"uXjV{name}=") == expected, name  # nothing missing, nothing twice
        store = open_store(pg_url)
        try:
            for name in names:
                runs = sorted(store.runs(name, limit=50), key=lambda r: r.started_at)
                assert runs[-1].outcome is not None
                assert runs[-1].outcome.value == "ok"
                for earlier, later in itertools.pairwise(runs):
                    # an interrupted run never ended; any run that did end ended before the next began
                    assert earlier.ended_at is None or earlier.ended_at <= later.started_at, name
            for name in names:
                plan = cli(tmp_path, env, "--json", "plan", "--journey", f"journeys/{name}.yaml")
                assert json.loads(plan.stdout)["plan"]["summary"]["board"] == {"create": 0, "update": 0, "delete": 0}
        finally:
            store.close()
    finally:
        for proc in workers:
            proc.kill()
            proc.wait(10)
        _stop(server)
