"""Settling a conflict so that the very next merge converges.

The trick: the new base becomes the *board's* value. The next merge then sees the board as unchanged
and the file as changed (unless the file already holds the board's value), so it carries the chosen
value to the board without a new conflict:

* take ``file``  → file keeps its value, base := board value → next merge pushes the file value.
* take ``board`` → file := board value, base := board value → all three agree.
* take ``base``  → file := old base value, base := board value → next merge pushes the old value.

For an entity conflict (``field`` None) the values are whole entities, None meaning "absent".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from cjm_sync.errors import UsageError
from cjm_sync.merge.entities import Entity, group_of, is_nested_model, split_key
from cjm_sync.merge.result import Conflict

Take = Literal["file", "board", "base"]


def resolve_conflict(conflict: Conflict, take: Take) -> tuple[Any, Any]:
    """``(value_for_file, new_base_value)`` settling ``conflict`` with the ``take`` side's value."""
    if take == "file":
        chosen = conflict.ours
    elif take == "board":
        chosen = conflict.theirs
    elif take == "base" and conflict.has_base:
        chosen = conflict.base
    elif take == "base":
        raise UsageError(f"{conflict.key} {conflict.field}: there is no base value to go back to")
    else:
        raise UsageError(f"cannot take '{take}': choose file, board or base")
    return chosen, conflict.theirs


def apply_value(entities: Mapping[str, Entity], conflict: Conflict, value: Any) -> dict[str, Entity]:
    """Copy of ``entities`` with ``value`` (as :func:`resolve_conflict` returns it) set for ``conflict``.

    An entity conflict replaces the whole entity (None removes it); a nested-model conflict
    (``emotion``) replaces all its dotted fields by the dict ``value`` (None removes them).
    """
    out = {k: dict(v) for k, v in entities.items()}
    key, name = conflict.key, conflict.field
    if name is None:
        out.pop(key, None)
        if value is not None:
            out[key] = dict(value)
        return out
    entity = out.setdefault(key, {})
    if is_nested_model(split_key(key)[0], name):
        out[key] = {f: v for f, v in entity.items() if group_of(f) != name} | (value or {})
    else:
        entity[name] = value
    return out
