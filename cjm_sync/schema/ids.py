"""Stable, human-readable ids: slugs unique per journey that never change when a title changes."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Annotated

from pydantic import StringConstraints

SLUG_PATTERN = r"^[\w][\w.-]{0,79}$"
_SLUG_RE = re.compile(SLUG_PATTERN)
_UNSAFE = re.compile(r"[^\w]+")

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
"""An id: letters (any script), digits, ``_``, ``-`` and ``.``; at most 80 characters."""


def is_slug(value: str) -> bool:
    """True when ``value`` is a valid id."""
    return bool(_SLUG_RE.match(value))


def slugify(text: str, taken: Iterable[str] = (), *, fallback: str = "item") -> str:
    """Make a new id from ``text`` that is not in ``taken``.

    ASCII letters are lower-cased; other scripts (Chinese, Cyrillic, …) are kept as they are, so a
    Chinese title gives a readable Chinese id.
    """
    normalized = unicodedata.normalize("NFKC", text).strip().lower()
    base = _UNSAFE.sub("-", normalized).strip("-_.")[:60].strip("-_.") or fallback
    used = set(taken)
    candidate, n = base, 2
    while candidate in used:
        candidate = f"{base}-{n}"
        n += 1
    return candidate
