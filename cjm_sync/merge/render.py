"""A sync plan as deterministic, Terraform-like text and as a JSON-able dict."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from cjm_sync.merge.result import Change, Conflict
from cjm_sync.merge.value_diff import folded, leaf_changes
from cjm_sync.plugins import BoardOp, FieldChange

_SYMBOL = {"create": "+", "update": "~", "delete": "-", "move": "→", "tag": "~", "untag": "~"}
_BUCKET = {"create": "create", "delete": "delete"}  # everything else counts as an update
_MAX_LEAVES = 8
"""Differing leaves shown per structured field before ``… and N more``."""


def _value(value: Any, width: int) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= width else text[: width - 1] + "…"


def _empty(value: Any) -> bool:
    return value is None or value is False or (isinstance(value, list | dict) and not value)


def _structured(change: FieldChange, width: int) -> bool:
    containers = all(isinstance(v, list | dict) for v in (change.old, change.new))
    return containers and max(len(_value(change.old, width + 1)), len(_value(change.new, width + 1))) > width


def _member(value: Any, width: int) -> str:
    """A list member added or removed whole: a measured value (a metric) reads as its value and unit."""
    if isinstance(value, dict) and "value" in value:
        unit = value.get("unit")
        return _value(value["value"], width) + (f" {unit}" if isinstance(unit, str) and unit else "")
    return _value(value, width)


def _leaf(old: Any, new: Any, width: int) -> str:
    if old is None and isinstance(new, dict):
        return f"added: {_member(new, width)}"
    if new is None and isinstance(old, dict):
        return f"removed (was {_member(old, width)})"
    return f"{_value(old, width)} → {_value(new, width)}"


def _leaf_lines(change: FieldChange, width: int) -> list[str]:
    """``field[member].leaf: old → new`` per differing leaf; a change repeated across list members once,
    with its count."""
    groups = folded(list(leaf_changes(change.old, change.new)))
    lines = []
    for leaf, count in groups[:_MAX_LEAVES]:
        where = change.field + (leaf.shape if count > 1 else leaf.path)
        times = f" (×{count})" if count > 1 else ""
        lines.append(f"      {where}: {_leaf(leaf.old, leaf.new, width)}{times}")
    if len(groups) > _MAX_LEAVES:
        more = len(groups) - _MAX_LEAVES
        noun = "difference" if more == 1 else "differences"
        lines.append(f"      {change.field}: … and {more} more {noun} (--json has them all)")
    return lines


def _field_lines(kind: str, fields: Iterable[FieldChange], width: int) -> list[str]:
    if kind == "create":  # empty defaults would drown the fields that say what is created
        return [f"      {c.field}: {_value(c.new, width)}" for c in fields if not _empty(c.new)]
    lines: list[str] = []
    for c in fields:
        old, new = _value(c.old, width), _value(c.new, width)
        if old == new and c.old in (None, [], {}) and c.new in (None, [], {}):
            continue  # absent → empty (null → null, null → []): nothing a reader could act on
        if _structured(c, width):
            lines += _leaf_lines(c, width)
        else:
            lines.append(f"      {c.field}: {old} → {new}")
    return lines


def _entry(kind: str, title: str, fields: Iterable[FieldChange], width: int) -> list[str]:
    return [f"  {_SYMBOL[kind]} {kind} {title}", *_field_lines(kind, fields, width)]


def _counts(kinds: Iterable[str]) -> Counter[str]:
    return Counter(_BUCKET.get(kind, "update") for kind in kinds)


def _summary(board: Counter[str], file: Counter[str], conflicts: int) -> str:
    def part(counts: Counter[str], where: str) -> str:
        return f"{counts['create']} to create, {counts['update']} to update, {counts['delete']} to delete {where}"

    noun = "conflict" if conflicts == 1 else "conflicts"
    return f"Plan: {part(board, 'on the board')}; {part(file, 'in the file')}; {conflicts} {noun}."


def render_plan(
    file_changes: Sequence[Change],
    board_ops: Sequence[BoardOp],
    conflicts: Sequence[Conflict],
    *,
    width: int = 60,
) -> str:
    """The plan as text: board ops (in apply order), file changes, conflicts, then a summary line.

    Values are shown as JSON (UTF-8, not escaped) cut to ``width`` characters; created entities list
    only their non-empty fields. An update of a list or object too long for one line shows the leaves
    that differ instead (:mod:`cjm_sync.merge.value_diff`), a change repeated across members folded.
    """
    lines = ["Board:"]
    for op in board_ops:
        lines += _entry(op.kind.value, f"{op.key} ({op.item_type})", op.changes, width)
    lines += ["  (no changes)"] if not board_ops else []
    lines.append("File:")
    for change in file_changes:
        lines += _entry(change.kind.value, change.key, change.fields, width)
    lines += ["  (no changes)"] if not file_changes else []
    if conflicts:
        lines.append("Conflicts:")
    for c in conflicts:
        lines.append(f"  ! conflict {c.key}" + (f" {c.field}" if c.field else " (deleted on one side)"))
        lines += [f"      base:  {_value(c.base, width)}"] if c.has_base else []
        lines += [f"      file:  {_value(c.ours, width)}", f"      board: {_value(c.theirs, width)}"]
    lines += ["", _summary(_board_counts(board_ops), _file_counts(file_changes), len(conflicts))]
    return "\n".join(lines) + "\n"


def _board_counts(ops: Sequence[BoardOp]) -> Counter[str]:
    return _counts(op.kind.value for op in ops)


def _file_counts(changes: Sequence[Change]) -> Counter[str]:
    return _counts(c.kind.value for c in changes)


def plan_to_dict(
    file_changes: Sequence[Change], board_ops: Sequence[BoardOp], conflicts: Sequence[Conflict]
) -> dict[str, Any]:
    """The plan for ``--json``: full values, plus the summary counts."""
    board, file = _board_counts(board_ops), _file_counts(file_changes)
    keys = ("create", "update", "delete")
    return {
        "board": [op.to_dict() for op in board_ops],
        "file": [c.to_dict() for c in file_changes],
        "conflicts": [c.to_dict() for c in conflicts],
        "summary": {
            "board": {k: board[k] for k in keys},
            "file": {k: file[k] for k in keys},
            "conflicts": len(conflicts),
        },
    }
