"""One run per journey: the journey lock (an OS file lock through filelock: flock, or msvcrt on Windows)."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from cjm_sync.errors import LockedError
from cjm_sync.state import FileJourneyLock, SQLiteStateStore


def test_second_acquire_is_refused_with_holder_and_hint(store: SQLiteStateStore) -> None:
    with store.acquire_lock("onboarding", "ana@laptop"):
        with pytest.raises(LockedError) as err:
            store.acquire_lock("onboarding", "cron")
        assert f"journey 'onboarding' is being synced by pid {os.getpid()} (ana@laptop" in err.value.message
        assert " since 20" in err.value.message
        assert err.value.hint == "use --wait to wait for it"
        store.acquire_lock("checkout", "cron").release()  # other journeys are independent
    store.acquire_lock("onboarding", "cron").release()  # free again after the block


def test_lock_file_is_private_and_beside_the_db(store: SQLiteStateStore, db_path: Path) -> None:
    lock = store.acquire_lock("onboarding", "ana")
    assert isinstance(lock, FileJourneyLock)
    assert lock.path == db_path.with_name("cjm.db.onboarding.lock")
    assert stat.S_IMODE(lock.path.stat().st_mode) == 0o600
    lock.release()
    lock.release()  # idempotent
    assert not lock.held
    odd = store.acquire_lock("../weird name", "ana")
    assert isinstance(odd, FileJourneyLock)
    assert odd.path.parent == db_path.parent
    odd.release()


def test_wait_gets_the_lock_when_the_holder_releases(store: SQLiteStateStore) -> None:
    first = store.acquire_lock("onboarding", "first")
    got: list[FileJourneyLock] = []
    errors: list[BaseException] = []

    def second() -> None:
        try:
            lock = store.acquire_lock("onboarding", "second", wait=True, timeout=10)
            assert isinstance(lock, FileJourneyLock)
            got.append(lock)
        except BaseException as exc:
            errors.append(exc)

    waiter = threading.Thread(target=second)
    waiter.start()
    waiter.join(0.05)
    assert waiter.is_alive()  # it is waiting, not failing
    assert not got
    first.release()
    waiter.join(10)
    assert not errors
    assert len(got) == 1
    assert got[0].held
    got[0].release()


def test_wait_gives_up_after_the_timeout(store: SQLiteStateStore) -> None:
    with store.acquire_lock("onboarding", "first"), pytest.raises(LockedError, match=r"waited 0\.05s"):
        store.acquire_lock("onboarding", "second", wait=True, timeout=0.05)


_CHILD = """
import sys, time
from pathlib import Path
from cjm_sync.state.lock import FileJourneyLock
held = FileJourneyLock.acquire(Path(sys.argv[1]), "onboarding", "child")
print("locked", flush=True)
time.sleep(60)
"""


def test_lock_of_a_killed_process_does_not_block(tmp_path: Path, store: SQLiteStateStore) -> None:
    path = store.acquire_lock("onboarding", "probe")
    assert isinstance(path, FileJourneyLock)
    lock_file = path.path
    path.release()
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(lock_file)], stdout=subprocess.PIPE, text=True, cwd=tmp_path
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "locked"
        with pytest.raises(LockedError, match=f"pid {child.pid} "):
            store.acquire_lock("onboarding", "parent")
        child.send_signal(signal.SIGKILL)  # no chance to clean up
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if child.stdout is not None:
            child.stdout.close()
    store.acquire_lock("onboarding", "parent").release()  # the kernel released it
