"""The official spec files the contract tests use live in the repository, byte-for-byte as
specs/SOURCES.md records them (sha256), so a fresh clone needs nothing beside it."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

SPECS = Path(__file__).resolve().parents[2] / "specs"
_ROW = re.compile(r"^\|\s*`(?P<file>[^`]+\.json)`\s*\|.*`(?P<sha>[0-9a-f]{64})`\s*\|\s*$")


def _recorded() -> dict[str, str]:
    rows = {}
    for line in (SPECS / "SOURCES.md").read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if match:
            rows[match["file"]] = match["sha"]
    return rows


def test_every_official_spec_file_matches_its_recorded_checksum() -> None:
    recorded = _recorded()
    assert len(recorded) >= 20, "SOURCES.md lost its checksum table"
    for name, sha in recorded.items():
        path = SPECS / name
        assert path.is_file(), f"specs/{name} is listed in SOURCES.md but missing"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == sha, f"specs/{name} differs from its source"


def test_every_official_spec_file_is_recorded() -> None:
    on_disk = {p.relative_to(SPECS).as_posix() for p in SPECS.rglob("*.json") if not p.name.endswith(".prism.json")}
    assert on_disk == set(_recorded())
