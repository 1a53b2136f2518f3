"""Map a field path of a TOML config file to the line it is written on (tomllib keeps no positions)."""

from __future__ import annotations

import re
from collections.abc import Sequence

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=""")


def _dotted(text: str) -> list[str]:
    return [part.strip().strip("\"'") for part in re.findall(r"""(?:"[^"]*"|'[^']*'|[^.]+)""", text)]


def toml_line(text: str, path: Sequence[str | int]) -> int | None:
    """1-based line of the deepest part of ``path`` (``("journeys", 0, "board", "target")``) that is
    written in TOML ``text`` as a table header or a key; None when not even the first part is.

    Arrays of tables (``[[journeys]]``) count their entries; values inside inline tables or arrays
    are located at the line of the key that holds them.
    """
    wanted = list(path)
    best_line: int | None = None
    best_depth = 0
    table: list[str | int] = []
    counters: dict[tuple[str | int, ...], int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            names = _dotted(header[2])
            table = []
            for name in names[:-1]:
                table.append(name)
                if (key := tuple(table)) in counters:
                    table.append(counters[key])
            table.append(names[-1])
            if header[1] == "[[":
                key = tuple(table)
                counters[key] = counters.get(key, -1) + 1
                table.append(counters[key])
            full: list[str | int] = list(table)
        else:
            match = _KEY.match(line)
            if not match:
                continue
            full = [*table, *_dotted(match[1])]
        depth = 0
        while depth < min(len(full), len(wanted)) and full[depth] == wanted[depth]:
            depth += 1
        if depth == len(full) and depth > best_depth:
            best_line, best_depth = number, depth
    return best_line
