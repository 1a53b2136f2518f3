"""Automatic three-way merges of one field changed differently on both sides.

Long text merges word by word (whitespace runs, newlines included, are tokens of their own); lists of
strings merge as sets of additions and removals. Both return ``None`` when the edits collide, and both
are symmetric: swapping ``ours`` and ``theirs`` gives the same result.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Any

_TOKEN = re.compile(r"\s+|\S+")
_Edit = tuple[int, int, tuple[str, ...]]


def _edits(base: list[str], side: list[str]) -> list[_Edit]:
    matcher = SequenceMatcher(None, base, side, autojunk=False)
    return [(i1, i2, tuple(side[j1:j2])) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def _clash(a: _Edit, b: _Edit) -> bool:
    if a == b:
        return False
    (a1, a2, _), (b1, b2, _) = a, b
    if a1 == a2 or b1 == b2:  # an insertion touching the other edit: order would be a guess
        return a1 <= b2 and b1 <= a2
    return a1 < b2 and b1 < a2


def merge_text(base: str, ours: str, theirs: str) -> str | None:
    """Both sides' word-level edits applied to ``base``, or None when their changed regions overlap."""
    tokens = _TOKEN.findall(base)
    mine, yours = _edits(tokens, _TOKEN.findall(ours)), _edits(tokens, _TOKEN.findall(theirs))
    if any(_clash(a, b) for a in mine for b in yours):
        return None
    out, pos = [], 0
    for i1, i2, replacement in sorted(set(mine) | set(yours)):
        out.extend(tokens[pos:i1])
        out.extend(replacement)
        pos = i2
    out.extend(tokens[pos:])
    return "".join(out)


def _anchored_additions(base: set[str], kept: list[str], side: list[str]) -> dict[str | None, list[str]]:
    """Items ``side`` added, grouped by the kept item they follow (None: the start)."""
    groups: dict[str | None, list[str]] = {}
    anchor: str | None = None
    keep = set(kept)
    for item in side:
        if item in keep:
            anchor = item
        elif item not in base:
            groups.setdefault(anchor, []).append(item)
    return groups


def merge_string_lists(base: list[str], ours: list[str], theirs: list[str]) -> list[str] | None:
    """Removals from either side dropped, additions from both kept in place, or None on a collision.

    Collisions: duplicates, kept items in a different order on each side, or one item added on both
    sides at different places. Additions after the same item are ordered by value, for symmetry.
    """
    if any(len(set(x)) != len(x) for x in (base, ours, theirs)):
        return None
    kept = [x for x in ours if x in base and x in theirs]
    if kept != [x for x in theirs if x in base and x in ours]:
        return None
    base_set = set(base)
    mine = _anchored_additions(base_set, kept, ours)
    yours = _anchored_additions(base_set, kept, theirs)
    placed_mine = {item: anchor for anchor, items in mine.items() for item in items}
    for anchor, items in yours.items():
        if any(placed_mine.get(item, anchor) != anchor for item in items):
            return None
    out: list[str] = []
    for anchor in [None, *kept]:
        if anchor is not None:
            out.append(anchor)
        first, second = sorted([mine.get(anchor, []), yours.get(anchor, [])])
        out.extend(first)
        out.extend(x for x in second if x not in first)
    return out


LONG_TEXT_FIELDS = frozenset({"description", "text", "details", "action", "solution", "quote", "goal", "note"})
"""Free-text fields merged word by word. Titles and labels are not: a word merge of two different
titles gives a title nobody wrote, so two different title edits are a conflict."""


def auto_merge(base: Any, ours: Any, theirs: Any, *, field: str = "description") -> tuple[bool, Any]:
    """``(True, merged)`` when long text or string lists merge cleanly, else ``(False, None)``."""
    values = (base, ours, theirs)
    long_text = field.rsplit(".", 1)[-1] in LONG_TEXT_FIELDS
    if long_text and all(isinstance(v, str) for v in values) and any(re.search(r"\s", v) for v in values):
        text = merge_text(base, ours, theirs)
        return text is not None, text
    if all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in values):
        items = merge_string_lists(base, ours, theirs)
        return items is not None, items
    return False, None
