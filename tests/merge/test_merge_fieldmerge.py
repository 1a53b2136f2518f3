"""Automatic merges of long text and string lists."""

from __future__ import annotations

from typing import Any

import pytest

from cjm_sync.merge.fieldmerge import auto_merge

CASES: dict[str, tuple[Any, Any, Any, tuple[bool, Any]]] = {
    "words-apart": ("a b c d", "A b c d", "a b c D", (True, "A b c D")),
    "same-word": ("a b c", "a X c", "a Y c", (False, None)),
    "same-edit-both": ("a b c", "a X c", "a X c", (True, "a X c")),
    "insert-before-edited-word": ("a b c", "a new b c", "a B c", (True, "a new B c")),
    "same-insertion-point": ("a c", "a b c", "a x c", (False, None)),
    "lines": ("one\ntwo\nthree", "ONE\ntwo\nthree", "one\ntwo\nthree\nfour", (True, "ONE\ntwo\nthree\nfour")),
    "cjk-and-emoji": ("我 喜欢 旅行 😀", "你 喜欢 旅行 😀", "我 喜欢 旅行 🚀", (True, "你 喜欢 旅行 🚀")),
    "deletes-apart": ("a b c d e", "b c d e", "a b c d", (True, "b c d")),
    "short-text-is-not-merged": ("ab", "Ab", "aB", (False, None)),
    "list-add-both-ends": (["a", "b"], ["z", "a", "b"], ["a", "b", "c"], (True, ["z", "a", "b", "c"])),
    "list-remove-both": (["a", "b", "c"], ["b", "c"], ["a", "b"], (True, ["b"])),
    "list-add-same-item-elsewhere": (["a", "b"], ["x", "a", "b"], ["a", "b", "x"], (False, None)),
    "list-duplicates": (["a"], ["a", "a"], ["a", "b"], (False, None)),
    "list-not-strings": ([1], [1, 2], [1, 3], (False, None)),
    "numbers": (1, 2, 3, (False, None)),
}


@pytest.mark.parametrize(("base", "ours", "theirs", "expected"), CASES.values(), ids=CASES.keys())
def test_auto_merge(base: Any, ours: Any, theirs: Any, expected: tuple[bool, Any]) -> None:
    assert auto_merge(base, ours, theirs) == expected
    assert auto_merge(base, theirs, ours) == expected  # symmetric
