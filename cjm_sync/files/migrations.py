"""Journey file schema migrations: an older file loads, and is upgraded explicitly (``cjm-sync migrate``).

Version history:
  1  pre-release draft format: ``type`` instead of ``map_type``; touchpoint ``importance`` and
     ``performance`` were single numbers (the internal view only).
  2  current: ``map_type``; importance/performance hold internal and external ratings with provenance.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

from cjm_sync.schema import CURRENT_SCHEMA_VERSION

Document = MutableMapping[str, Any]


def _v1_to_v2(doc: Document) -> None:
    if "type" in doc and "map_type" not in doc:
        keys = list(doc)
        value = doc.pop("type")
        _insert(doc, keys.index("type"), "map_type", value)
    for tp in doc.get("touchpoints") or []:
        for dimension in ("importance", "performance"):
            value = tp.get(dimension)
            if isinstance(value, int | float) and not isinstance(value, bool):
                tp[dimension] = {"internal": {"value": value, "provenance": {"source": "manual"}}}
    if "schema_version" in doc:
        doc["schema_version"] = 2
    else:
        _insert(doc, 0, "schema_version", 2)


def _insert(doc: Document, index: int, key: str, value: Any) -> None:
    insert = getattr(doc, "insert", None)
    if callable(insert):
        insert(index, key, value)
    else:
        doc[key] = value


MIGRATIONS: dict[int, Callable[[Document], None]] = {1: _v1_to_v2}


def document_version(doc: Document) -> int:
    """The schema version a document declares (files without one are version 1)."""
    version = doc.get("schema_version", 1)
    return version if isinstance(version, int) and not isinstance(version, bool) else -1


def migrate(doc: Document) -> list[int]:
    """Upgrade ``doc`` in place to the current version; returns the versions it passed through."""
    passed: list[int] = []
    version = document_version(doc)
    while version < CURRENT_SCHEMA_VERSION and version in MIGRATIONS:
        MIGRATIONS[version](doc)
        passed.append(version)
        version = document_version(doc)
    return passed
