"""What only the PostgreSQL store has: advisory journey locks, pooled connections, concurrent migration,
and the whole CLI on a PostgreSQL state (``CJM_STATE_URL``), against a real server the tests start."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest

from cjm_sync.errors import ConfigError, LockedError, StateUnavailable
from cjm_sync.files import load_journey
from cjm_sync.state import open_store
from cjm_sync.state.migrations import LATEST_VERSION
from cjm_sync.state.pg_lock import AdvisoryJourneyLock
from cjm_sync.state.postgres_store import PostgresStateStore, safe_location


def test_second_acquire_is_refused_naming_the_holder(pg_url: str) -> None:
    store = PostgresStateStore.open(pg_url)
    try:
        with store.acquire_lock("onboarding", "ana@laptop") as held:
            assert isinstance(held, AdvisoryJourneyLock)
            with pytest.raises(LockedError) as err:
                store.acquire_lock("onboarding", "cron")
            assert f"cjm-sync ana@laptop pid {os.getpid()}@" in err.value.message
            assert " since 20" in err.value.message
            assert err.value.hint == "use --wait to wait for it"
            store.acquire_lock("checkout", "cron").release()  # other journeys are independent
        assert not held.held
        store.acquire_lock("onboarding", "cron").release()  # free again after the block
    finally:
        store.close()


def test_wait_gets_the_lock_when_the_holder_releases_and_gives_up_after_timeout(pg_url: str) -> None:
    store = PostgresStateStore.open(pg_url)
    first = store.acquire_lock("onboarding", "first")
    with pytest.raises(LockedError, match=r"waited 0\.1s"):
        store.acquire_lock("onboarding", "second", wait=True, timeout=0.1)
    got: list[AdvisoryJourneyLock] = []

    def second() -> None:
        got.append(store.acquire_lock("onboarding", "second", wait=True, timeout=20))

    waiter = threading.Thread(target=second)
    waiter.start()
    waiter.join(0.2)
    assert waiter.is_alive()  # waiting, not failing
    first.release()
    waiter.join(20)
    assert len(got) == 1
    assert got[0].held
    got[0].release()
    got[0].release()  # idempotent
    store.close()


_CHILD = """
import sys, time
from cjm_sync.state.postgres_store import PostgresStateStore
store = PostgresStateStore.open(sys.argv[1])
held = store.acquire_lock("onboarding", "child")
print("locked", flush=True)
time.sleep(60)
"""


def test_lock_of_a_killed_worker_is_free_at_once(pg_url: str, tmp_path: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", _CHILD, pg_url], stdout=subprocess.PIPE, text=True, cwd=tmp_path)
    store = PostgresStateStore.open(pg_url)
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "locked"
        with pytest.raises(LockedError, match="cjm-sync child pid"):
            store.acquire_lock("onboarding", "parent")
        child.send_signal(signal.SIGKILL)  # no chance to unlock
        child.wait(10)
        # The server notices the closed socket immediately on loopback; allow it a moment, never minutes.
        store.acquire_lock("onboarding", "parent", wait=True, timeout=5).release()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if child.stdout is not None:
            child.stdout.close()
        store.close()


def test_concurrent_first_opens_migrate_once(pg_url: str) -> None:
    errors: list[BaseException] = []
    stores: list[PostgresStateStore] = []

    def open_one() -> None:
        try:
            stores.append(PostgresStateStore.open(pg_url, pooled=False))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    assert [s.schema_version() for s in stores] == [LATEST_VERSION] * 4
    rows = stores[0]._query("SELECT version FROM schema_migrations ORDER BY version")
    assert rows == [(v,) for v in range(1, LATEST_VERSION + 1)]  # each step recorded once
    for s in stores:
        s.close()


def test_pool_reuses_connections_between_stores(pg_url: str) -> None:
    first = PostgresStateStore.open(pg_url)
    backend = first._query("SELECT pg_backend_pid()")[0][0]
    first.close()
    second = PostgresStateStore.open(pg_url)
    assert second._query("SELECT pg_backend_pid()")[0][0] == backend  # same pooled session
    second.close()


def test_a_foreign_database_is_refused(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE invoices (id int)")
    with pytest.raises(ConfigError, match="not a cjm-sync state store"):
        PostgresStateStore.open(pg_url, pooled=False)


def test_password_never_shows(pg_url: str) -> None:
    with_password = pg_url.replace("postgres@", "postgres:s3cr3t-pw@")
    store = open_store(with_password)  # trust auth ignores the password; it must still never show
    try:
        assert "s3cr3t-pw" not in store.location
        assert store.location == safe_location(with_password)
    finally:
        store.close()
    wrong_port = with_password.rsplit(":", 1)[0] + ":1/x"
    with pytest.raises(StateUnavailable) as err:  # nothing listens there: a retry may find it up
        open_store(wrong_port)
    assert "s3cr3t-pw" not in json.dumps(err.value.to_dict())


def _cli(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cjm_sync", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_sync_on_postgres_state(pg_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "CJM_STATE_URL": pg_url}
    assert _cli(tmp_path, env, "init", "--title", "Onboarding · 入职", "-o", "j.yaml").returncode == 0
    first = _cli(tmp_path, env, "--json", "sync", "--journey", "j.yaml", "--board", "uXjVpg1=", "--sandbox")
    assert first.returncode == 0, first.stderr
    assert not (tmp_path / ".cjm-sync" / "state.db").exists()  # the state went to PostgreSQL
    again = _cli(tmp_path, env, "--json", "plan", "--journey", "j.yaml", "--sandbox")
    assert again.returncode == 0, again.stderr
    plan = json.loads(again.stdout)
    assert plan["plan"]["summary"]["board"] == {"create": 0, "update": 0, "delete": 0}, plan["plan"]
    status = _cli(tmp_path, env, "--json", "status", "--journey", "j.yaml")
    assert status.returncode == 0, status.stderr
    store = open_store(pg_url)
    try:
        runs = store.runs()
        assert [r.outcome.value if r.outcome else None for r in runs] == ["ok"]
    finally:
        store.close()


def test_two_processes_never_run_one_journey_at_once(pg_url: str, tmp_path: Path) -> None:
    """A second run while the first holds the journey's advisory lock exits 1 naming the holder."""
    env = {**os.environ, "CJM_STATE_URL": pg_url}
    assert _cli(tmp_path, env, "init", "--title", "Race", "-o", "j.yaml").returncode == 0
    assert load_journey(tmp_path / "j.yaml").journey.id == "race"
    holder = subprocess.Popen(
        [sys.executable, "-c", _CHILD.replace("onboarding", "race"), pg_url], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        blocked = _cli(tmp_path, env, "sync", "--journey", "j.yaml", "--board", "uXjVpg2=", "--sandbox")
        assert blocked.returncode == 1
        assert "being synced by cjm-sync child" in blocked.stderr
        assert time.monotonic() - started < 60
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        time.sleep(0.2)
        done = _cli(
            tmp_path,
            env,
            "sync",
            "--journey",
            "j.yaml",
            "--board",
            "uXjVpg2=",
            "--sandbox",
            "--wait",
            "--wait-timeout",
            "10",
        )
        assert done.returncode == 0, done.stderr
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()


def test_a_wrong_database_or_role_is_a_configuration_error_not_an_outage(pg_url: str) -> None:
    """libpq's connect errors carry no SQLSTATE: a database or role that does not exist is still exit 2
    (a worker does not retry it), while a server that is down is exit 1 (test_password_never_shows)."""
    base, _, _ = pg_url.rpartition("/")
    with pytest.raises(ConfigError, match="does not exist") as err:
        open_store(f"{base}/no_such_database")
    assert err.value.exit_code == 2
    with pytest.raises(ConfigError, match="does not exist"):
        open_store(pg_url.replace("://postgres@", "://nobody_here@", 1))
