"""Matching journey entities to board items whose text people edited, when the id map is lost.

Exact text in the same cell is matched first (by the planner). What is left is paired here, within a
group (same item type in the same grid cell — the cell's row says the entity kind — or the same
header row / label column): first
by text similarity, most similar first, then — when a group has as many items left on both sides —
by position (the board's reading order against the journey's order). Text similarity is difflib's
ratio of the normalised texts (0..1); pairs below :data:`SIMILAR` are not taken on text alone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

SIMILAR = 0.6
"""Least text similarity that pairs an edited item with an entity on text alone."""


@dataclass(frozen=True)
class Wanted:
    """An entity still without a board item: its key, expected text and group, in journey order."""

    key: str
    text: str
    group: Hashable


@dataclass(frozen=True)
class Found:
    """An unmapped board item: its id, text, group and reading position (row, column: top to bottom,
    left to right)."""

    item_id: str
    text: str
    group: Hashable
    place: tuple[float, float]


def similarity(a: str, b: str) -> float:
    """Text similarity in 0..1 (difflib's ratio)."""
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def pair_edited(wanted: Sequence[Wanted], found: Sequence[Found]) -> dict[str, str]:
    """Entity key → board item id for the pairs described in the module docstring; each item and key
    is used at most once."""
    pairs: dict[str, str] = {}
    groups: dict[Hashable, tuple[list[Wanted], list[Found]]] = defaultdict(lambda: ([], []))
    for w in wanted:
        groups[w.group][0].append(w)
    for f in found:
        groups[f.group][1].append(f)
    for keys, items in groups.values():
        scored = sorted(
            ((similarity(w.text, f.text), i, j) for i, w in enumerate(keys) for j, f in enumerate(items)),
            key=lambda s: (-s[0], s[1], s[2]),
        )
        used_keys: set[int] = set()
        used_items: set[int] = set()
        for score, i, j in scored:
            if score < SIMILAR:
                break
            if i in used_keys or j in used_items:
                continue
            pairs[keys[i].key] = items[j].item_id
            used_keys.add(i)
            used_items.add(j)
        left_keys = [w for i, w in enumerate(keys) if i not in used_keys]
        left_items = sorted((f for j, f in enumerate(items) if j not in used_items), key=lambda f: f.place)
        if left_keys and len(left_keys) == len(left_items):
            pairs.update((w.key, f.item_id) for w, f in zip(left_keys, left_items, strict=True))
    return pairs
