"""Short, human-typable ids for runs, conflicts (``c-7f3a``) and logged changes (``ch-1b2c3d``).

Conflict and change ids are hash prefixes of what they identify, so they are stable and reproducible;
on a collision the prefix grows (and, if a whole digest is taken, a counter is mixed in).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime

CONFLICT_PREFIX = "c-"
CHANGE_PREFIX = "ch-"


def short_id(prefix: str, seed: str, taken: Callable[[str], bool], *, min_len: int = 4) -> str:
    """The shortest ``prefix + hex`` (at least ``min_len`` digits) derived from ``seed`` not ``taken``."""
    attempt = 0
    while True:
        text = seed if attempt == 0 else f"{seed}#{attempt}"
        digest = hashlib.sha256(text.encode()).hexdigest()
        for length in range(min_len, len(digest) + 1):
            candidate = prefix + digest[:length]
            if not taken(candidate):
                return candidate
        attempt += 1


def conflict_seed(journey: str, target: str, key: str, field: str | None) -> str:
    """What identifies a conflict: the same field of the same entity on the same target."""
    return "\x1f".join((journey, target, key, field or ""))


def new_run_id(now: datetime) -> str:
    """A sortable, unique run id such as ``20240501T101502Z-3f9a1c``."""
    return f"{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def normalize_id(text: str) -> str:
    """Ids as a user may type them: surrounding blanks and upper case are forgiven."""
    return text.strip().lower()
