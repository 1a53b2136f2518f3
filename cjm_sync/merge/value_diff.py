"""What differs inside a structured field value, for the plan's text.

A field such as a touchpoint's ``metrics`` or an app card's ``data.fields`` is a list of objects; a
plan line that prints both whole values cut to 60 characters shows two identical prefixes. Instead the
plan names the leaves that differ (``metrics[volume].value: 118 → 121``) and folds the same change
repeated across list members (a CRM pull moving every metric's ``as_of``) into one line with a count.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

_MEMBER_KEYS = ("id", "key", "tooltip")
"""List members that are objects with one of these (unique) keys are matched by it, not by position."""


@dataclass(frozen=True)
class LeafChange:
    """One differing leaf: ``path`` like ``[volume].provenance.as_of``; ``shape`` the same path with every
    list member written ``[*]`` (used to fold repeats); ``old``/``new`` the leaf values (``None`` when
    absent on that side)."""

    path: str
    shape: str
    old: Any
    new: Any


def _member_key(*sides: list[Any]) -> str | None:
    for name in _MEMBER_KEYS:
        keyed = all(isinstance(i, dict) and isinstance(i.get(name), str | int) for side in sides for i in side)
        if keyed and all(len({i[name] for i in side}) == len(side) for side in sides):
            return name
    return None


def _members(items: list[Any], key: str | None) -> dict[str, Any]:
    if key is None:
        return {str(index): item for index, item in enumerate(items)}
    return {str(item[key]): item for item in items}


def leaf_changes(old: Any, new: Any, path: str = "", shape: str = "") -> Iterator[LeafChange]:
    """Every leaf where ``old`` and ``new`` (JSON-like values) differ, in a stable order.

    Dicts are compared key by key; lists of objects carrying a unique ``id``/``key``/``tooltip`` member
    by that member (an insertion is one change, not a shift of every later item), other lists by position.
    A member present on one side only is one change, with ``None`` on the other.
    """
    if old == new:
        return
    if old is None or new is None:  # a member added or removed: one change, shown whole
        yield LeafChange(path, shape, old, new)
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for name in [*old, *(k for k in new if k not in old)]:
            yield from leaf_changes(old.get(name), new.get(name), f"{path}.{name}", f"{shape}.{name}")
        return
    if isinstance(old, list) and isinstance(new, list):
        key = _member_key(old, new)
        before, after = _members(old, key), _members(new, key)
        for name in [*before, *(k for k in after if k not in before)]:
            yield from leaf_changes(before.get(name), after.get(name), f"{path}[{name}]", f"{shape}[*]")
        return
    yield LeafChange(path, shape, old, new)


def folded(changes: list[LeafChange]) -> list[tuple[LeafChange, int]]:
    """Changes with the same ``shape``, ``old`` and ``new`` folded into the first one and a count, in the
    order of their first occurrence."""
    groups: dict[tuple[str, str, str], list[LeafChange]] = {}
    for change in changes:
        groups.setdefault((change.shape, repr(change.old), repr(change.new)), []).append(change)
    return [(group[0], len(group)) for group in groups.values()]
