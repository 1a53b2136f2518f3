"""Source-key checks for ``cjm-sync validate``: each connector checks the shape of its own keys."""

from __future__ import annotations

from collections.abc import Callable

from cjm_sync.errors import CjmSyncError
from cjm_sync.plugins.capabilities import ConnectorKind
from cjm_sync.plugins.crm import LinkKind
from cjm_sync.plugins.registry import available_connectors, load_connector
from cjm_sync.schema import Journey, source_connector

Path = tuple[str | int, ...]
KeyCheck = Callable[[str, LinkKind], "str | None"]


def _checker(name: str) -> KeyCheck | str:
    """The connector's ``check_source_key``, or a message saying why there is none."""
    if name not in available_connectors():
        crms = sorted(n for n in available_connectors() if _is_crm(n))
        return f"unknown CRM connector '{name}' (installed: {', '.join(crms) or 'none'})"
    try:
        cls = load_connector(name)
    except (CjmSyncError, ImportError) as exc:
        return f"connector '{name}' cannot be loaded: {exc}"
    check = getattr(cls, "check_source_key", None)
    if getattr(cls, "kind", None) is not ConnectorKind.CRM or not callable(check):
        return f"'{name}' is not a CRM connector, so it cannot feed stages or touchpoints"
    return check  # type: ignore[no-any-return]


def _is_crm(name: str) -> bool:
    try:
        return getattr(load_connector(name), "kind", None) is ConnectorKind.CRM
    except (CjmSyncError, ImportError):
        return False


def source_key_problems(journey: Journey) -> list[tuple[Path, str]]:
    """Every malformed source key of ``journey`` (``sources`` and ``inbox`` keys) as ``(path, message)``,
    path into the document; a key of the wrong role (a stage key on a touchpoint or in the inbox, a
    touchpoint key on a stage) is malformed there."""
    problems: list[tuple[Path, str]] = []
    checkers: dict[str, KeyCheck | str] = {}
    keys: list[tuple[Path, LinkKind, str]] = [
        (("stages", i, "sources", j), "stage", key)
        for i, s in enumerate(journey.stages)
        for j, key in enumerate(s.sources)
    ]
    keys += [
        (("touchpoints", i, "sources", j), "touchpoint", key)
        for i, t in enumerate(journey.touchpoints)
        for j, key in enumerate(t.sources)
    ]
    keys += [(("inbox", i, "key"), "touchpoint", item.key) for i, item in enumerate(journey.inbox)]
    for path, kind, key in keys:
        name = source_connector(key)
        if name not in checkers:
            checkers[name] = _checker(name)
        check = checkers[name]
        message = check if isinstance(check, str) else check(key, kind)
        if message:
            problems.append((path, message))
    return problems
