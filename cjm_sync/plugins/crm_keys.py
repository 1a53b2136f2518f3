"""Source-key checks for ``cjm-sync validate``: each connector checks the shape of its own keys."""

from __future__ import annotations

import inspect
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
    if len(inspect.signature(check).parameters) < 2:  # written against the one-argument form: shape only
        shape_only: Callable[[str], str | None] = check
        return lambda key, kind: shape_only(key)
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
    return _problems(keys)


def document_key_problems(document: object) -> list[tuple[Path, str]]:
    """:func:`source_key_problems` over a parsed but invalid journey document (plain dicts and lists), so
    that ``validate`` reports a wrong key beside the schema's errors instead of after they are fixed. Keys
    the schema itself rejects (no ``<connector>:`` shape) are left to the schema's message."""
    keys: list[tuple[Path, LinkKind, object]] = []
    data = document if isinstance(document, dict) else {}
    roles: tuple[tuple[str, LinkKind], ...] = (("stages", "stage"), ("touchpoints", "touchpoint"))
    for collection, kind in roles:
        items = data.get(collection)
        for i, item in enumerate(items if isinstance(items, list) else []):
            sources = item.get("sources") if isinstance(item, dict) else None
            for j, key in enumerate(sources if isinstance(sources, list) else []):
                keys.append(((collection, i, "sources", j), kind, key))
    inbox = data.get("inbox")
    for i, item in enumerate(inbox if isinstance(inbox, list) else []):
        if isinstance(item, dict):
            keys.append((("inbox", i, "key"), "touchpoint", item.get("key")))
    return _problems([(p, k, key) for p, k, key in keys if isinstance(key, str) and _well_shaped(key)])


def _well_shaped(key: str) -> bool:
    try:
        source_connector(key)
    except ValueError:
        return False
    return True


def _problems(keys: list[tuple[Path, LinkKind, str]]) -> list[tuple[Path, str]]:
    problems: list[tuple[Path, str]] = []
    checkers: dict[str, KeyCheck | str] = {}
    for path, kind, key in keys:
        name = source_connector(key)
        if name not in checkers:
            checkers[name] = _checker(name)
        check = checkers[name]
        message = check if isinstance(check, str) else check(key, kind)
        if message:
            problems.append((path, message))
    return problems
