"""Validate every request the Miro and HubSpot connectors send with Stoplight Prism (independent of our
own checks).

Installs Prism from npm into a cache directory when missing, starts ``prism mock --errors`` on loopback
with Miro's spec (``miro-v2.prism.json``) and a second one with HubSpot's objects spec
(``crm-objects-2026-09.prism.json``), runs ``tests/independent/`` against them, stops them and prints a
summary. Exit status: pytest's (0 = no request rejected); 2 when Prism cannot be installed or started.

    .venv/bin/python scripts/prism_check.py            # or: bash scripts/prism-check.sh
    .venv/bin/python scripts/prism_check.py --install-only
    .venv/bin/python scripts/prism_check.py -- -k bulk  # extra pytest arguments after --

Standard library only. See scripts/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import NoReturn

REPO = Path(__file__).resolve().parents[1]
PRISM_PACKAGE = "@stoplight/prism-cli@5.14.2"
HOST = "127.0.0.1"  # loopback only


def fail(message: str) -> NoReturn:
    """Exit 2: Prism could not be installed or started (pytest's own failures exit 1)."""
    print(message, file=sys.stderr)
    raise SystemExit(2)


def default_cache() -> Path:
    """``$CJM_PRISM_HOME``, else ``$XDG_CACHE_HOME/cjm-sync/prism`` (``~/.cache/...``)."""
    if os.environ.get("CJM_PRISM_HOME"):
        return Path(os.environ["CJM_PRISM_HOME"])
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "cjm-sync" / "prism"


def default_spec() -> Path:
    """The Prism-loadable Miro spec: ``$CJM_SPECS_DIR`` or the repository's own ``specs/``."""
    specs = Path(os.environ.get("CJM_SPECS_DIR") or REPO / "specs")
    return specs / "miro" / "miro-v2.prism.json"


def default_hubspot_spec() -> Path:
    """HubSpot's Prism-loadable objects spec (date-versioned ``/crm/objects/2026-09/…`` paths)."""
    specs = Path(os.environ.get("CJM_SPECS_DIR") or REPO / "specs")
    return specs / "hubspot" / "2026-09" / "crm-objects-2026-09.prism.json"


def start(binary: Path, spec: Path, log: Path, timeout: float) -> tuple[subprocess.Popen[bytes], str]:
    """A ``prism mock --errors`` of ``spec`` on a free loopback port, listening; and its URL."""
    port = free_port()
    url = f"http://{HOST}:{port}"
    command = [str(binary), "mock", "-h", HOST, "-p", str(port), "--errors", str(spec)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)  # noqa: S603
    try:
        took = wait_until_listening(url, process, log, timeout)
    except SystemExit:
        stop(process)
        raise
    print(f"prism-check: Prism listening on {url} after {took:.1f} s ({spec.name}, --errors)", flush=True)
    return process, url


def install(prefix: Path) -> tuple[Path, float]:
    """The ``prism`` executable under ``prefix``, installed with npm if missing; and the install seconds."""
    binary = prefix / "node_modules" / ".bin" / "prism"
    if binary.exists():
        return binary, 0.0
    npm = shutil.which("npm")
    if npm is None:
        fail("prism-check: npm is not installed (needs Node.js 18+ and npm)")
    prefix.mkdir(parents=True, exist_ok=True)
    print(f"prism-check: installing {PRISM_PACKAGE} into {prefix} …", flush=True)
    started = time.monotonic()
    command = [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--loglevel=error", PRISM_PACKAGE]
    result = subprocess.run(command, check=False)  # noqa: S603 - fixed argv, npm from PATH
    if result.returncode != 0 or not binary.exists():
        fail(f"prism-check: npm install failed (exit {result.returncode})")
    return binary, time.monotonic() - started


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_until_listening(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float) -> float:
    """Seconds until Prism answers HTTP on ``url`` (any status); exits if it dies or takes too long."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            fail(f"prism-check: Prism exited with {process.returncode}:\n{log.read_text()[-2000:]}")
        try:
            urllib.request.urlopen(url + "/", timeout=1)  # noqa: S310 - our own loopback URL
        except urllib.error.HTTPError:
            return time.monotonic() - started  # 404 "no path matched": it is up
        except OSError:
            time.sleep(0.2)
            continue
        return time.monotonic() - started
    fail(f"prism-check: Prism did not start within {timeout:.0f} s:\n{log.read_text()[-2000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the Prism we started (its own process group, by id)."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def summarise(report: Path) -> None:
    if not report.exists():
        print("prism-check: no replay report (tests skipped or failed before replaying)")
        return
    data = json.loads(report.read_text(encoding="utf-8"))
    replay, bulk = data.get("replay", {}), data.get("bulk_items", {})
    if replay:
        outcomes = replay["outcomes"]
        print(f"prism-check: replayed {replay['requests']} requests {replay['by_method']} over {replay['by_step']}")
        print(
            f"prism-check:   accepted {outcomes.get('accepted', 0)}, accepted but Prism's mock response broke the spec "
            f"{outcomes.get('mock-quirk', 0)}, bulk creates hitting the undiscriminated-oneOf spec defect "
            f"{outcomes.get('oneof-quirk', 0)}, REJECTED {outcomes.get('rejected', 0)}"
        )
        for rejection in replay["rejections"]:
            print("  " + rejection)
    if bulk:
        print(f"prism-check: bulk items re-validated as per-type creates: {bulk['items']}, rejected {bulk['rejected']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prism-home", type=Path, default=default_cache(), help="npm prefix for Prism (cache)")
    parser.add_argument("--spec", type=Path, default=default_spec(), help="OpenAPI file Prism loads")
    parser.add_argument(
        "--hubspot-spec", type=Path, default=default_hubspot_spec(), help="HubSpot objects spec a second Prism loads"
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--start-timeout", type=float, default=90.0)
    parser.add_argument("--report", type=Path, help="keep the JSON replay report here")
    parser.add_argument("--install-only", action="store_true", help="install Prism and exit")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args(argv)

    binary, installed_in = install(args.prism_home)
    version = subprocess.run([str(binary), "--version"], capture_output=True, text=True, check=False)  # noqa: S603
    installed = f" (installed in {installed_in:.1f} s)" if installed_in else ""
    print(f"prism-check: Prism {version.stdout.strip()} at {binary}{installed}")
    if args.install_only:
        return 0
    for spec in (args.spec, args.hubspot_spec):
        if not spec.exists():
            fail(f"prism-check: spec not found: {spec} (set CJM_SPECS_DIR)")

    port = args.port or free_port()
    url = f"http://{HOST}:{port}"
    with tempfile.TemporaryDirectory(prefix="prism-check-") as tmp:
        log = Path(tmp) / "prism.log"
        report = args.report or Path(tmp) / "report.json"
        report.unlink(missing_ok=True)
        command = [str(binary), "mock", "-h", HOST, "-p", str(port), "--errors", str(args.spec)]
        with log.open("wb") as out:
            process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)  # noqa: S603
        try:
            took = wait_until_listening(url, process, log, args.start_timeout)
            print(f"prism-check: Prism listening on {url} after {took:.1f} s ({args.spec.name}, --errors)", flush=True)
            hubspot, hubspot_url = start(binary, args.hubspot_spec, Path(tmp) / "prism-hubspot.log", args.start_timeout)
            try:
                env = {
                    **os.environ,
                    "CJM_PRISM_URL": url,
                    "CJM_PRISM_REPORT": str(report),
                    "CJM_PRISM_HUBSPOT_URL": hubspot_url,
                }
                pytest = [sys.executable, "-m", "pytest", "tests/independent", "-p", "no:cacheprovider"]
                code = subprocess.run([*pytest, *args.pytest_args], cwd=REPO, env=env, check=False).returncode  # noqa: S603
            finally:
                stop(hubspot)
        finally:
            stop(process)
        summarise(report)
    return code


if __name__ == "__main__":
    sys.exit(main())
