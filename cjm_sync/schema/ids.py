"""Stable, human-readable ids: slugs unique per journey that never change when a title changes."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Annotated

from pydantic import AfterValidator, WithJsonSchema

MAX_SLUG = 80
_PUNCT = "_-."


def _is_word_char(ch: str) -> bool:
    """Letters, combining marks and digits of any script (so Hindi or Thai words stay whole), and ``_``."""
    return ch == "_" or unicodedata.category(ch)[0] in "LMN"


def is_slug(value: str) -> bool:
    """True when ``value`` is a valid id: word characters of any script plus ``-`` and ``.``, ≤ 80 long,
    starting with a word character."""
    return (
        0 < len(value) <= MAX_SLUG
        and _is_word_char(value[0])
        and all(_is_word_char(ch) or ch in _PUNCT for ch in value)
    )


def _check_slug(value: str) -> str:
    if not is_slug(value):
        raise ValueError(
            f"invalid id {value!r}: use letters or digits of any script, '_', '-' and '.', "
            f"start with a letter or digit, at most {MAX_SLUG} characters"
        )
    return value


Slug = Annotated[
    str,
    AfterValidator(_check_slug),
    WithJsonSchema(
        {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_SLUG,
            "pattern": r"^[^\s/#:?]+$",
            "description": "Stable id: letters or digits of any script, '_', '-', '.'; never changes with the title.",
        }
    ),
]
"""An id: letters, marks and digits of any script, ``_``, ``-`` and ``.``; at most 80 characters."""


def slugify(text: str, taken: Iterable[str] = (), *, fallback: str = "item") -> str:
    """Make a new id from ``text`` that is not in ``taken``.

    ASCII letters are lower-cased; other scripts (Chinese, Hindi, Cyrillic …) are kept as they are, so a
    Chinese title gives a readable Chinese id. A combining mark is kept only on a letter or digit (a
    Hindi vowel sign), never alone (an emoji's variation selector), so no id ends in an invisible mark.
    """
    normalized = unicodedata.normalize("NFKC", text).strip().lower()
    chars: list[str] = []
    for ch in normalized:
        attached = unicodedata.category(ch)[0] != "M" or (bool(chars) and chars[-1] not in "-.")
        chars.append(ch if (_is_word_char(ch) and attached) or ch == "." else "-")
    base = "-".join(part for part in "".join(chars).split("-") if part)
    base = base[:60].strip("-_.") or fallback
    if not _is_word_char(base[0]):
        base = f"{fallback}-{base}"
    used = set(taken)
    candidate, n = base, 2
    while candidate in used:
        candidate = f"{base}-{n}"
        n += 1
    return candidate
