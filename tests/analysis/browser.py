"""Headless Chromium for the report tests: render a local file offline, dump its DOM, take a screenshot."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chromium() -> str:
    """Path of a Chromium binary, or skip the test saying how to get one."""
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("headless Chromium is not installed (Debian: apt-get install chromium; .ci/run installs it)")


def _run(binary: str, page: Path, profile: Path, *extra: str) -> str:
    args = [
        binary,
        "--headless",
        "--no-sandbox",  # tests may run as root in containers
        "--disable-gpu",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        "--proxy-server=127.0.0.1:9",  # offline: any network request would fail
        "--host-resolver-rules=MAP * ~NOTFOUND",
        *extra,
        page.resolve().as_uri(),
    ]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def dump_dom(page: Path, workdir: Path, size: str = "1280,2400") -> str:
    """The DOM after Chromium rendered ``page`` at ``size`` (width,height) (serialised HTML)."""
    return _run(chromium(), page, workdir / "profile-dom", "--dump-dom", f"--window-size={size}")


def screenshot(page: Path, out: Path, workdir: Path, size: str = "1280,2400") -> Path:
    """A PNG screenshot of ``page`` at ``size`` (width,height) saved as ``out``."""
    _run(chromium(), page, workdir / "profile-shot", f"--screenshot={out}", f"--window-size={size}")
    return out


def print_pdf(page: Path, out: Path, workdir: Path) -> Path:
    """``page`` printed to PDF the way a person would (print media styles apply)."""
    _run(chromium(), page, workdir / "profile-pdf", f"--print-to-pdf={out}", "--no-pdf-header-footer")
    return out
