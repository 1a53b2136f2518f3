"""A throw-away PostgreSQL server for the tests: ``initdb`` + ``pg_ctl`` on loopback, in a temp folder.

The server binaries come from the machine (Debian's ``postgresql`` package; ``.ci/run`` installs it when
missing). PostgreSQL refuses to run as root, so under root the cluster is made and started as the
``postgres`` system user (``runuser``). ``CJM_TEST_POSTGRES_URL`` points the tests at an existing server
instead. Nothing here mocks the database.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg


def _bindir() -> Path | None:
    for name in ("initdb", "pg_ctl"):
        found = shutil.which(name)
        if found and name == "initdb":
            return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PgCluster:
    """A running server; :meth:`new_database` gives each test an empty database of its own."""

    admin_url: str
    _stop: list[str] | None
    _dir: Path | None
    _count: int = 0

    def url(self, database: str) -> str:
        """The URL of ``database`` on this server."""
        return self.admin_url.rsplit("/", 1)[0] + "/" + database

    def new_database(self) -> str:
        """Create an empty database and return its URL."""
        self._count += 1
        name = f"cjm_test_{os.getpid()}_{self._count}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        """Stop the server and remove its folder (a cluster from the environment is left alone)."""
        if self._stop is not None:
            subprocess.run(self._stop, check=False, capture_output=True, timeout=60)
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)


def start_cluster() -> PgCluster | str:
    """A started cluster, or the reason none can be had (for ``pytest.skip``)."""
    external = os.environ.get("CJM_TEST_POSTGRES_URL")
    if external:
        return PgCluster(external, None, None)
    bindir = _bindir()
    if bindir is None:
        return "PostgreSQL server binaries not found (install Debian's postgresql, as .ci/run does)"
    root = Path(tempfile.mkdtemp(prefix="cjm-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    prefix: list[str] = []
    if os.geteuid() == 0:
        runuser = shutil.which("runuser")
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' user to run the server as"
        if runuser is None:
            return "running as root and 'runuser' is missing"
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")
        root.chmod(0o700)
        prefix = [runuser, "-u", "postgres", "--"]
    port = _free_port()
    initdb = [*prefix, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8"]
    done = subprocess.run([*initdb, "--no-sync"], capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        return f"initdb failed: {done.stderr.strip()[-300:]}"
    options = f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={sock} -c fsync=off"
    start = [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start"]
    done = subprocess.run(start, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        log = (root / "log").read_text(errors="replace")[-500:] if (root / "log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        return f"pg_ctl start failed: {done.stderr.strip()[-300:]} {log}"
    stop = [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    deadline = time.monotonic() + 30
    while True:
        try:
            psycopg.connect(url, connect_timeout=2).close()
            break
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                subprocess.run(stop, check=False, capture_output=True, timeout=60)
                return "the test PostgreSQL server did not accept connections"
            time.sleep(0.1)
    return PgCluster(url, stop, root)
