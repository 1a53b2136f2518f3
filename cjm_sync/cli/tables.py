"""Plain-text tables for terminal output (rich renders them; the result is a string like any output)."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table


def short(value: Any, width: int = 40) -> str:
    """A value as compact JSON (UTF-8), cut to ``width`` characters."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= width else text[: width - 1] + "…"


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Render rows as a boxed table and return the text."""
    grid = Table(title=title, title_justify="left", show_lines=False)
    for column in columns:
        grid.add_column(column, overflow="fold")
    for row in rows:
        grid.add_row(*(str(cell) if cell is not None else "" for cell in row))
    buffer = io.StringIO()
    Console(file=buffer, width=140, no_color=True, highlight=False, emoji=False).print(grid)
    return buffer.getvalue().rstrip("\n")
