"""Sync jobs run in the worker process: each outcome of the engine becomes the right job outcome (done,
needs a human, held, refused, retried), a crash in one job is that job's alone, and two workers on one
queue never run a journey twice at once."""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from cli_runner import cli

from cjm_sync.config import load_config
from cjm_sync.errors import register_secret
from cjm_sync.state import open_store
from cjm_sync.workers import runner
from cjm_sync.workers.queue import TASK_NAME, enqueue, ensure_schema, make_app
from cjm_sync.workers.runner import JourneyField, Outcome, SyncJob, SyncJobFailed, SyncJobRejected, run_sync
from cjm_sync.workers.worker import WorkerSettings, run_worker
from connectors.miro.sandbox import MiroSandbox

HUMAN = "3458764599999999999"


def make_fleet(root: Path, names: list[str]) -> Path:
    """``root/cjm-sync.toml`` with one starter journey (and board ``uXjV<name>=``) per name."""
    (root / "journeys").mkdir(parents=True, exist_ok=True)
    entries = []
    for name in names:
        code, _, err = cli("init", "--title", name, "-o", str(root / "journeys" / f"{name}.yaml"))
        assert code == 0, err
        entries.append(
            f'[[journeys]]\npath = "journeys/{name}.yaml"\nboard = {{ connector = "miro", target = "uXjV{name}=" }}\n'
        )
    config = root / "cjm-sync.toml"
    config.write_text("\n".join(entries), encoding="utf-8")
    return config


@pytest.fixture
def fleet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Five starter journeys in a config (SQLite state beside it, boards in the file sandbox)."""
    monkeypatch.delenv("CJM_STATE_URL", raising=False)
    monkeypatch.delenv("CJM_SYNC_CONFIG", raising=False)
    monkeypatch.setenv("CJM_SYNC_AUTHOR", "tester")
    return make_fleet(tmp_path, ["ok", "conflict", "held", "invalid", "bug"])


def _sync(job: SyncJob, journey: Path) -> Outcome:
    return asyncio.run(run_sync(job, journey))


def _board_edit(root: Path, journey: str, title: str) -> None:
    """A person retitles the journey's touchpoint card on its board (the persisted file sandbox)."""
    store = open_store(root / ".cjm-sync" / "state.db")
    try:
        card = store.get_id_map(journey, "miro", f"uXjV{journey}=")["touchpoint:first-contact"]
    finally:
        store.close()
    sandbox = MiroSandbox.open(root / ".cjm-sync" / "sandbox-miro.json")
    sandbox.as_user(HUMAN).update_item(f"uXjV{journey}=", card, data={"title": title})


def _runs(root: Path, journey: str) -> list[tuple[str, str | None]]:
    store = open_store(root / ".cjm-sync" / "state.db")
    try:
        return [(r.outcome.value if r.outcome else "running", r.error) for r in store.runs(journey, limit=10)]
    finally:
        store.close()


def test_each_engine_outcome_maps_to_the_job_outcome_of_its_exit_code(fleet: Path) -> None:
    root = fleet.parent
    job = SyncJob(config=fleet, sandbox=True, wait_timeout=5)
    path = {name: root / "journeys" / f"{name}.yaml" for name in ("ok", "conflict", "held", "invalid")}
    for name in ("ok", "conflict", "held"):
        assert _sync(job, path[name]) is Outcome.DONE  # exit 0: the first push
    assert _sync(job, path["ok"]) is Outcome.DONE  # and a second sync that changes nothing

    # exit 3: the same field edited differently on the board and in the file
    _board_edit(root, "conflict", "First contact (board)")
    text = path["conflict"].read_text(encoding="utf-8")
    path["conflict"].write_text(text.replace("title: First contact", "title: First contact (file)"), encoding="utf-8")
    assert _sync(job, path["conflict"]) is Outcome.NEEDS_HUMAN
    assert _runs(root, "conflict")[0][0] == "conflicts"

    # exit 4: the file lost most of the journey (all stages but one, all lanes but one): nothing applied
    text = path["held"].read_text(encoding="utf-8")
    head, _, rest = text.partition("stages:\n")
    _, _, tail = rest.partition("touchpoints:\n")
    kept = "stages:\n  - id: awareness\n    title: Awareness\nlanes:\n  - id: touchpoints\n    kind: touchpoints\n"
    path["held"].write_text(head + kept + "touchpoints:\n" + tail, encoding="utf-8")
    before = path["held"].read_bytes()
    assert _sync(job, path["held"]) is Outcome.HELD
    assert path["held"].read_bytes() == before
    assert "delete" in (_runs(root, "held")[0][1] or "")

    # exit 2: an invalid journey is refused, naming the file and line; never retried
    path["invalid"].write_text("schema_version: 2\nid: invalid\ntitle: [unclosed\n", encoding="utf-8")
    with pytest.raises(SyncJobRejected, match=r"(?s)refused \(exit 2\).*invalid\.yaml:3:8: title: invalid YAML"):
        _sync(job, path["invalid"])


def test_a_vendor_failure_is_retried_and_its_message_keeps_no_secret(
    fleet: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "tok-in-process-very-secret-42"
    monkeypatch.setenv("MIRO_ACCESS_TOKEN", secret)
    monkeypatch.setenv("CJM_MIRO_BASE_URL", "http://127.0.0.1:9")  # discard port: nothing listens
    register_secret(secret)
    with pytest.raises(SyncJobFailed, match=r"failed \(exit 1\)") as failed:
        _sync(SyncJob(config=fleet), fleet.parent / "journeys" / "ok.yaml")
    assert secret not in str(failed.value)


def test_a_crash_inside_one_sync_fails_that_job_only(
    fleet: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real = runner.run_job

    def crashing(app: Any, store: Any, job: Any, run: Any, progress: Any = None) -> Any:
        if job.journey_path.name == "bug.yaml":
            raise RuntimeError("bug while holding Bearer abcdefgh12345678")
        return real(app, store, job, run, progress)

    monkeypatch.setattr(runner, "run_job", crashing)
    job = SyncJob(config=fleet, sandbox=True, wait_timeout=5)
    journeys = [fleet.parent / "journeys" / f"{n}.yaml" for n in ("ok", "bug", "held")]

    async def together() -> list[Outcome | BaseException]:
        return await asyncio.gather(*(run_sync(job, j, key=j.name) for j in journeys), return_exceptions=True)

    with caplog.at_level(logging.INFO, logger="cjm_sync.workers"):
        handler = caplog.handler
        handler.addFilter(JourneyField())
        ok, bug, held = asyncio.run(together())
    assert ok is Outcome.DONE
    assert held is Outcome.DONE
    assert isinstance(bug, SyncJobFailed)
    assert "internal error" in str(bug)
    assert "abcdefgh12345678" not in str(bug)
    tagged = {getattr(r, "journey", None) for r in caplog.records if "synced" in r.getMessage()}
    assert tagged == {"ok.yaml", "held.yaml"}  # each job's log lines name its journey


def _jobs(url: str) -> dict[str, tuple[str, int]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT args->>'journey', status::text, attempts FROM procrastinate_jobs WHERE task_name = %s",
            (TASK_NAME,),
        ).fetchall()
    return {str(j).removeprefix("journeys/").removesuffix(".yaml"): (str(s), int(a)) for j, s, a in rows}


def test_a_worker_records_every_outcome_in_the_queue_and_the_state(
    fleet: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = fleet.parent
    monkeypatch.setenv("CJM_STATE_URL", pg_url)
    real = runner.run_job

    def crashing(app: Any, store: Any, job: Any, run: Any, progress: Any = None) -> Any:
        if job.journey_path.name == "bug.yaml":
            raise RuntimeError("a bug")
        return real(app, store, job, run, progress)

    monkeypatch.setattr(runner, "run_job", crashing)
    text = (root / "journeys" / "invalid.yaml").read_text(encoding="utf-8")
    (root / "journeys" / "invalid.yaml").write_text(text.replace("title: invalid", "title: [x"), encoding="utf-8")
    config = load_config(fleet)
    settings = WorkerSettings(concurrency=3, until_empty=True, sandbox=True, attempts=2, backoff=0)
    keys = sorted(f"journeys/{n}.yaml" for n in ("ok", "conflict", "invalid", "bug"))

    async def tick() -> None:
        await enqueue(make_app(pg_url), keys, options={})
        await run_worker(pg_url, config, fleet, settings)

    asyncio.run(ensure_schema(make_app(pg_url), pg_url))
    asyncio.run(tick())
    assert _jobs(pg_url) == {
        "ok": ("succeeded", 1),
        "conflict": ("succeeded", 1),
        "invalid": ("failed", 1),  # refused: never retried
        "bug": ("failed", 2),  # a transient failure: run twice (attempts=2), then given up
    }
    # exit 3: a second tick after a conflicting edit is a success that needs a human
    store = open_store(pg_url)
    try:
        card = store.get_id_map("conflict", "miro", "uXjVconflict=")["touchpoint:first-contact"]
    finally:
        store.close()
    MiroSandbox.open(root / ".cjm-sync" / "sandbox-miro.json").as_user(HUMAN).update_item(
        "uXjVconflict=", card, data={"title": "Board title"}
    )
    path = root / "journeys" / "conflict.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("title: First contact", "title: File title"), "utf-8")
    asyncio.run(enqueue(make_app(pg_url), ["journeys/conflict.yaml"], options={}))
    asyncio.run(run_worker(pg_url, config, fleet, settings))
    store = open_store(pg_url)
    try:
        assert [r.outcome.value for r in store.runs("conflict", limit=5) if r.outcome] == ["conflicts", "ok"]
        assert [r.outcome.value for r in store.runs("ok", limit=5) if r.outcome] == ["ok"]
        bug_runs = store.runs("bug", limit=5)
        assert bug_runs == []  # the crash came before the engine: no run started, nothing half-done
    finally:
        store.close()
    with psycopg.connect(pg_url) as conn:
        statuses = conn.execute(
            "SELECT status::text FROM procrastinate_jobs WHERE args->>'journey' = 'journeys/conflict.yaml'"
        ).fetchall()
    assert [s for (s,) in statuses] == ["succeeded", "succeeded"]


def _serve(root: Path) -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen(
        [sys.executable, "-m", "cjm_sync", "sandbox", "miro", "--port", "0", "--fresh", "--create-boards",
         "--latency", "30", "--jitter", "20"],
        cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert server.stdout is not None
    for line in server.stdout:
        if "http://127.0.0.1:" in line:
            return server, line[line.index("http://") :].split()[0]
    server.kill()
    pytest.fail("the sandbox server did not start")


def test_two_workers_never_run_one_journey_twice_at_once(tmp_path: Path, pg_url: str) -> None:
    names = ["a", "b", "c"]
    make_fleet(tmp_path, names)
    server, base = _serve(tmp_path)
    env = {**os.environ, "CJM_STATE_URL": pg_url, "CJM_MIRO_BASE_URL": base, "MIRO_ACCESS_TOKEN": "t"}
    keys = [f"journeys/{n}.yaml" for n in names]
    args = [sys.executable, "-m", "cjm_sync", "worker", "--concurrency", "2", "--stalled-after", "5"]
    workers: list[subprocess.Popen[bytes]] = []
    try:
        asyncio.run(ensure_schema(make_app(pg_url), pg_url))
        for _ in range(2):
            workers.append(
                subprocess.Popen(args, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            )
        deadline = time.monotonic() + 120
        for _ in range(3):  # three ticks; each also re-queued while its jobs run (the queueing lock allows it)
            asyncio.run(enqueue(make_app(pg_url), keys, options={}))
            while time.monotonic() < deadline and not any(s == "doing" for s, _ in _jobs(pg_url).values()):
                time.sleep(0.02)
            asyncio.run(enqueue(make_app(pg_url), keys, options={}))
            while time.monotonic() < deadline:
                with psycopg.connect(pg_url) as conn:
                    open_jobs = conn.execute(
                        "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')"
                    ).fetchone()
                if open_jobs and open_jobs[0] == 0:
                    break
                time.sleep(0.1)
        with psycopg.connect(pg_url) as conn:
            rows = conn.execute("SELECT status::text, worker_id FROM procrastinate_jobs").fetchall()
        assert {s for s, _ in rows} == {"succeeded"}, rows
        assert len(rows) >= 12  # each tick queued at least one journey again while its job ran
        store = open_store(pg_url)
        try:
            for name in names:
                runs = sorted(store.runs(name, limit=50), key=lambda r: r.started_at)
                assert len(runs) >= 3, name
                assert all(r.outcome is not None and r.outcome.value == "ok" for r in runs), name
                for earlier, later in itertools.pairwise(runs):
                    assert earlier.ended_at is not None
                    assert earlier.ended_at <= later.started_at, (name, earlier, later)
        finally:
            store.close()
    finally:
        for proc in workers:
            proc.terminate()
        for proc in workers:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        server.kill()
        server.wait(10)
        if server.stdout is not None:
            server.stdout.close()


def test_a_journey_no_longer_in_the_config_is_refused_not_synced_with_defaults(fleet: Path) -> None:
    """A queued job whose journey a `git pull` removed from the config: its board, token and CRMs came
    from there, so it is refused (no retries) instead of syncing with the default token and last board."""
    root = fleet.parent
    job = SyncJob(config=fleet, sandbox=True, wait_timeout=5)
    stray = root / "journeys" / "stray.yaml"
    stray.write_text((root / "journeys" / "ok.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(SyncJobRejected, match="no longer in"):
        _sync(job, stray)
    assert not (root / ".cjm-sync" / "state.db").exists() or _runs(root, "ok") == []
