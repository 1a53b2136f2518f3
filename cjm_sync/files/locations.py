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
            written = written_in(node, step)
            if written is not None:
                key_line, key_col = written.lc.key(step)
                line, column = key_line + 1, key_col + 1
            node = node[step]
        elif isinstance(node, CommentedSeq) and isinstance(step, int) and 0 <= step < len(node):
            item_line, item_col = node.lc.item(step)
            line, column = item_line + 1, item_col + 1
            node = node[step]
        else:
            break
    return line, column


def merged_maps(node: CommentedMap) -> list[CommentedMap]:
    """The mappings merged into ``node`` with YAML merge keys (``<<: *anchor``), in priority order."""
    sources = []
    for entry in getattr(node, "merge", None) or []:
        source = entry[1] if isinstance(entry, tuple) else entry  # ruamel < 0.19 keeps (position, map)
        if isinstance(source, CommentedMap):
            sources.append(source)
    return sources


def written_in(node: CommentedMap, key: Any) -> CommentedMap | None:
    """The mapping where ``key`` of ``node`` is written: ``node`` itself, or the mapping it was merged
    from (``<<: *anchor``, followed through nested merges); None when no line is known."""
    if key in node.lc.data:
        return node
    for source in merged_maps(node):
        if key in source:
            return written_in(source, key)
    return None


def format_path(path: Sequence[str | int]) -> str:
    """``touchpoints[2].emotion.score`` style rendering of a path."""
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


def _indent(lines: Sequence[str], index: int) -> int:
    """Indentation of line ``index``. A line indented with tabs (not allowed in YAML) is taken to
    belong with the previous written line, where the person most likely meant to align it: its
    content column, past any ``- `` list markers."""
    text = lines[index]
    leading = text[: len(text) - len(text.lstrip(" \t"))]
    if "\t" not in leading:
        return len(leading)
    for previous in reversed(lines[:index]):
        stripped = previous.lstrip(" ")
        if stripped.strip() and not stripped.startswith("#") and "\t" not in previous[: len(previous) - len(stripped)]:
            column = len(previous) - len(stripped)
            while stripped.startswith("- "):
                rest = stripped[2:].lstrip(" ")
                column += len(stripped) - len(rest)
                stripped = rest
            return column
    return 0


def path_at_line(document: Any, line: int | None, lines: Sequence[str]) -> tuple[str | int, ...]:
    """Best guess of the field path a (broken) 1-based ``line`` of ``lines`` belongs to.

    Descends into the containers that enclose the line by indentation, then adds the key written on
    the line itself (and, for a ``- `` line, the index of the new list item).
    """
    if line is None or not 0 < line <= len(lines):
        return ()
    target, indent = line - 1, _indent(lines, line - 1)
    path: tuple[str | int, ...] = ()
    node = document
    while True:
        best: tuple[str | int, Any] | None = None
        if isinstance(node, CommentedMap):
            for key in node:
                if key not in node.lc.data:
                    continue  # a key merged in with `<<: *anchor` is written elsewhere
                key_line, key_col = node.lc.key(key)
                if key_line < target and key_col < indent:
                    best = (key, node[key])
        elif isinstance(node, CommentedSeq):
            for index in range(len(node)):
                item_line, item_col = node.lc.item(index)
                if item_line < target and item_col - 2 < indent:
                    best = (index, node[index])
        if best is not None and not isinstance(best[1], CommentedMap | CommentedSeq):
            best = None  # a line indented under a plain value belongs beside it (over-indented)
        if best is None:
            break
        path, node = (*path, best[0]), best[1]
    stripped = lines[target].strip()
    if stripped.startswith("- ") and isinstance(node, CommentedSeq):
        path, stripped = (*path, len(node)), stripped[2:]
    # the key written on the line; without a ':' the first word is most likely the key meant
    key = stripped.split(":", 1)[0].strip() if ":" in stripped else (stripped.split() or [""])[0]
    if key.replace("_", "").isalnum():
        path = (*path, key)
    return path
