"""The SQLite backend: file creation, URLs, migrations, corruption and concurrent processes."""

from __future__ import annotations

import os
import socket
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from cjm_sync.errors import ConfigError, LockedError, StateUnavailable
from cjm_sync.state import LATEST_VERSION, Change, Side, SQLiteStateStore, open_store


@pytest.fixture
def no_umask() -> Iterator[None]:
    """Without a umask, only our explicit 0600 keeps the file private."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("no_umask")
def test_new_file_is_private_and_in_wal_mode(db_path: Path) -> None:
    store = SQLiteStateStore.open(db_path)  # the parent directory does not exist yet
    store.set_memo("j", "miro", "b", {"x": 1})
    assert _mode(db_path) == 0o600
    wal = db_path.with_name(db_path.name + "-wal")
    assert wal.exists()
    assert _mode(wal) == 0o600
    assert store._query("PRAGMA journal_mode") == [("wal",)]
    assert store._query("PRAGMA foreign_keys") == [(1,)]
    assert store._query("PRAGMA busy_timeout")[0][0] > 0
    store.close()


def tables(path: Path) -> set[str]:
    with closing(sqlite3.connect(path)) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_v1_database_is_migrated(db_path: Path) -> None:
    old = SQLiteStateStore.open(db_path, upto=1)
    old.set_id("j", "miro", "b", "touchpoint:a", "1")
    run = old.start_run("j", "sync")
    assert old.schema_version() == 1
    old.close()
    assert "change_log" not in tables(db_path)

    store = SQLiteStateStore.open(db_path)
    assert store.schema_version() == LATEST_VERSION == 4
    assert store._query("SELECT version FROM schema_migrations ORDER BY version") == [(1,), (2,), (3,), (4,)]
    assert store.get_id_map("j", "miro", "b") == {"touchpoint:a": "1"}  # data survives
    (change,) = store.record_changes(run.run_id, [Change("touchpoint:a", "title", Side.FILE, "A", "B", None, "merge")])
    assert store.get_change(change.id) == change  # the v2 tables work with v1 rows
    store.close()


def test_newer_database_is_refused(db_path: Path) -> None:
    SQLiteStateStore.open(db_path).close()
    with sqlite3.connect(db_path) as conn:
        conn.execute("INSERT INTO schema_migrations VALUES (?, 'from the future', '2030-01-01')", (LATEST_VERSION + 1,))
    conn.close()
    with pytest.raises(ConfigError, match="newer than this cjm-sync") as err:
        open_store(db_path)
    assert str(db_path) in err.value.message


def test_garbage_file_gives_config_error(db_path: Path) -> None:
    db_path.parent.mkdir()
    db_path.write_bytes(b"this is not an SQLite file\n" * 200)
    with pytest.raises(ConfigError, match="corrupt") as err:
        open_store(db_path)
    assert str(db_path) in err.value.message
    assert err.value.hint


def test_damaged_table_gives_config_error_when_read(db_path: Path) -> None:
    store = SQLiteStateStore.open(db_path)
    store.replace_base("j", "miro", "b", {f"touchpoint:{i}": {"title": "x" * 200} for i in range(200)})
    ((root,),) = store._query("SELECT rootpage FROM sqlite_master WHERE name = 'base_snapshot'")
    ((page,),) = store._query("PRAGMA page_size")
    store.close()
    data = bytearray(db_path.read_bytes())
    data[(root - 1) * page : root * page] = b"\xff" * page  # smash the table's root page only
    db_path.write_bytes(bytes(data))

    damaged = open_store(db_path)  # the schema is intact, so opening works …
    with pytest.raises(ConfigError, match="malformed") as err:
        damaged.get_base("j", "miro", "b")  # … and reading the table fails cleanly
    assert str(db_path) in err.value.message
    damaged.close()


def test_foreign_sqlite_database_is_refused(db_path: Path) -> None:
    db_path.parent.mkdir()
    with sqlite3.connect(db_path) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER)")
    conn.close()
    with pytest.raises(ConfigError, match="not a cjm-sync state file"):
        open_store(db_path)
    assert tables(db_path) == {"customers"}  # left untouched


@pytest.mark.parametrize(
    ("url", "relative"),
    [("sqlite:///rel/state.db", "rel/state.db"), ("rel/state.db", "rel/state.db")],
)
def test_open_store_relative(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, relative: str) -> None:
    monkeypatch.chdir(tmp_path)
    open_store(url).close()
    assert (tmp_path / relative).is_file()


def test_open_store_absolute_url(tmp_path: Path) -> None:
    target = tmp_path / "abs.db"
    store = open_store(f"sqlite:///{target}")  # four slashes: sqlite:// + /absolute/path
    assert isinstance(store, SQLiteStateStore)
    assert store.path == target
    store.close()


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("postgresql://cjm:hunter2@db.invalid/cjm", r"cannot connect to the state database postgresql://cjm:\*\*\*@"),
        ("postgresql+psycopg://cjm:hunter2@db.invalid/cjm", "cannot connect to the state database"),
        ("mysql://cjm:hunter2@db/cjm", "unsupported state store URL scheme 'mysql'"),
        ("sqlite:///", "names no file"),
    ],
)
def test_open_store_refuses_other_urls(url: str, match: str) -> None:
    with pytest.raises(ConfigError, match=match) as err:
        open_store(url)
    assert "hunter2" not in str(err.value.to_dict())


def test_two_processes_share_the_file(db_path: Path) -> None:
    a = SQLiteStateStore.open(db_path)
    b = SQLiteStateStore.open(db_path, busy_timeout=0.05)
    with a.transaction():
        a.set_memo("j", "miro", "b", {"by": "a"})
        with pytest.raises(LockedError, match="busy"):  # b cannot write while a's transaction is open
            b.set_memo("j", "miro", "b", {"by": "b"})
        assert b.get_memo("j", "miro", "b") == {}  # nor see a's uncommitted write
    assert b.get_memo("j", "miro", "b") == {"by": "a"}
    b.set_memo("j", "miro", "b", {"by": "b"})
    assert a.get_memo("j", "miro", "b") == {"by": "b"}
    a.close()
    b.close()


def test_an_unreachable_state_server_is_a_runtime_failure_a_retry_may_pass(tmp_path: Path) -> None:
    """Nothing listens on the port (a restart, an outage): exit 1, so a worker retries the job; a wrong
    password or database stays a configuration error (exit 2, above)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(StateUnavailable, match="cannot connect to the state database") as err:
        open_store(f"postgresql://cjm:hunter2@127.0.0.1:{port}/cjm?connect_timeout=2")
    assert err.value.exit_code == 1
    assert "hunter2" not in str(err.value.to_dict())
