"""Map a field path inside a parsed document to the file line and column it came from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq


def locate(document: Any, path: Sequence[str | int]) -> tuple[int | None, int | None]:
    """1-based (line, column) of the deepest node of ``path`` that exists in ``document``."""
    node = document
    line: int | None = None
    column: int | None = None
    if hasattr(node, "lc"):
        line, column = node.lc.line + 1, node.lc.col + 1
    for step in path:
        if isinstance(node, CommentedMap) and step in node:
            key_line, key_col = node.lc.key(step)
            line, column = key_line + 1, key_col + 1
            node = node[step]
        elif isinstance(node, CommentedSeq) and isinstance(step, int) and 0 <= step < len(node):
            item_line, item_col = node.lc.item(step)
            line, column = item_line + 1, item_col + 1
            node = node[step]
        else:
            break
    return line, column


def format_path(path: Sequence[str | int]) -> str:
    """``touchpoints[2].emotion.score`` style rendering of a path."""
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


def path_at_line(document: Any, line: int | None, text: str) -> tuple[str | int, ...]:
    """Best guess of the field path a (broken) 1-based ``line`` with content ``text`` belongs to.

    Descends into the containers that enclose the line by indentation, then adds the key written on
    the line itself (and, for a ``- `` line, the index of the new list item).
    """
    if line is None:
        return ()
    target, indent = line - 1, len(text) - len(text.lstrip(" "))
    path: tuple[str | int, ...] = ()
    node = document
    while True:
        best: tuple[str | int, Any] | None = None
        if isinstance(node, CommentedMap):
            for key in node:
                key_line, key_col = node.lc.key(key)
                if key_line < target and key_col < indent:
                    best = (key, node[key])
        elif isinstance(node, CommentedSeq):
            for index in range(len(node)):
                item_line, item_col = node.lc.item(index)
                if item_line < target and item_col - 2 < indent:
                    best = (index, node[index])
        if best is None:
            break
        path, node = (*path, best[0]), best[1]
    stripped = text.strip()
    if stripped.startswith("- ") and isinstance(node, CommentedSeq):
        path, stripped = (*path, len(node)), stripped[2:]
    # the key written on the line; without a ':' the first word is most likely the key meant
    key = stripped.split(":", 1)[0].strip() if ":" in stripped else (stripped.split() or [""])[0]
    if key.replace("_", "").isalnum():
        path = (*path, key)
    return path
