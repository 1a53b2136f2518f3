#!/usr/bin/env python3
"""One-command set-up and tasks for cjm-sync (needs only Python 3.11+).

    python3 dev.py demo   # create .venv, install, run a full sync against the built-in sandbox
    python3 dev.py test   # create .venv, install with test extras, run the test suite
    python3 dev.py lint   # ruff + mypy (strict) on the package

The virtual environment is created in .venv on first use and reinstalled when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".cjm-sync-installed"


def _python() -> str:
    return str(BIN / ("python.exe" if os.name == "nt" else "python"))


def ensure_env() -> None:
    """Create the virtualenv and install the project with test extras when needed."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this script is what tells users on older Pythons
        sys.exit("cjm-sync needs Python 3.11 or newer")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not BIN.exists():
        print("creating .venv …", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("installing cjm-sync and its test dependencies …", file=sys.stderr)
    subprocess.run(  # noqa: S603 - fixed argv: our venv's python and pip
        [_python(), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", f"{ROOT}[test]"],
        check=True,
    )
    STAMP.write_text(wanted)


def run(*args: str) -> int:
    """Run a command from the virtualenv, returning its exit code."""
    return subprocess.call([_python(), "-m", *args], cwd=ROOT)  # noqa: S603 - fixed tools from our venv


def main() -> int:
    """Dispatch ``demo``, ``test`` or ``lint``; extra arguments are passed through."""
    task, extra = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("help", [])
    if task not in {"demo", "test", "lint"}:
        print(__doc__)
        return 0 if task in {"help", "-h", "--help"} else 2
    ensure_env()
    if task == "demo":
        return run("cjm_sync", "demo", *extra)
    if task == "test":
        return run("pytest", *extra)
    return run("ruff", "check", ".") or run("ruff", "format", "--check", ".") or run("mypy")


if __name__ == "__main__":
    sys.exit(main())
