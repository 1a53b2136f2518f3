"""Vendor limits on journey values, from every installed connector that states some.

A connector class may define ``limit_problems(journey) -> list[(path, message)]``: values its vendor
would refuse (e.g. Miro's 200-character connector captions). ``validate`` and every sync report them
with the file, line and field like any other validation problem, before anything is written.
"""

from __future__ import annotations

from typing import Any

from cjm_sync.plugins.registry import available_connectors
from cjm_sync.schema import Journey

Path = tuple[str | int, ...]


def vendor_limit_problems(journey: Journey) -> list[tuple[Path, str]]:
    """Every installed connector's limit problems for ``journey``, each message prefixed with its name."""
    problems: list[tuple[Path, str]] = []
    for name, target in sorted(available_connectors().items()):
        try:
            factory: Any = target.load() if hasattr(target, "load") else target
        except ImportError:  # a connector whose optional dependencies are missing states no limits
            continue
        check = getattr(factory, "limit_problems", None)
        if callable(check):
            problems += [(path, f"{name}: {message}") for path, message in check(journey)]
    return problems
