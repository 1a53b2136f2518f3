"""Architecture rule: the HTTP core knows no vendor. Vendor names, rate-limit header families, quota
policy names and OData shapes live in each connector's rules module (``connectors/<name>/rules.py``),
handed to ``ApiClient(rules=...)``; the core's own defaults are standard HTTP only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import cjm_sync.http

CORE = Path(cjm_sync.http.__file__).parent
FORBIDDEN = [
    "miro",
    "hubspot",
    "dataverse",
    "dynamics",
    "microsoft",
    "odata",
    "x-ratelimit-",
    "x-ms-",
    "policyname",
    "ten_secondly",
    "daily limit",
]
"""Matched case-insensitively in every source line (code, docstrings and comments alike)."""


def core_sources() -> list[Path]:
    return sorted(CORE.rglob("*.py"))


def test_the_core_has_sources_to_check() -> None:
    names = {path.name for path in core_sources()}
    assert {"client.py", "retry.py", "ratelimit.py", "rules.py", "error_body.py", "waits.py"} <= names


@pytest.mark.parametrize("word", FORBIDDEN)
def test_no_vendor_word_in_the_http_core(word: str) -> None:
    pattern = re.compile(re.escape(word), re.IGNORECASE)
    hits = [
        f"{path.relative_to(CORE.parent.parent)}:{number}: {line.strip()}"
        for path in core_sources()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert hits == [], f"vendor detail {word!r} in cjm_sync/http (move it to the connector's rules):\n" + "\n".join(
        hits
    )


def test_every_connector_ships_its_rules() -> None:
    connectors = CORE.parent.parent / "connectors"
    for name in ("miro", "hubspot", "dynamics"):
        source = (connectors / name / "rules.py").read_text(encoding="utf-8")
        assert "VendorRules(" in source, name
