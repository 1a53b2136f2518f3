"""Guards a run passes before it writes anything: no mass deletion without a human's yes, no invalid file.

Both are checked after planning and before the first write, so a refused run changes neither side.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cjm_sync.errors import Issue, ValidationFailed
from cjm_sync.merge import Entity
from cjm_sync.merge.entities import INBOX, JOURNEY, split_key
from cjm_sync.merge.result import Change, ChangeKind, Side
from cjm_sync.schema import Journey
from cjm_sync.schema.checks import cross_reference_problems

MASS_DELETE_MAX = 20
"""More deletions than this on one side in one run need confirmation, whatever the journey's size."""
MASS_DELETE_SHARE = 0.5
"""Deleting more than this share of the journey's entities on one side in one run needs confirmation."""


@dataclass(frozen=True)
class MassDelete:
    """A run that would delete ``keys`` (entity keys) on ``side``, out of ``total`` entities in the journey."""

    side: Side
    keys: tuple[str, ...]
    total: int

    def explain(self) -> str:
        """One sentence saying what was held back and how to let it through."""
        where = "from the journey file" if self.side == "file" else "from the board"
        cause = "the board" if self.side == "file" else "the journey file"
        return (
            f"this run would delete {len(self.keys)} of the journey's {self.total} entities {where} "
            f"(deleted on {cause}): {', '.join(self.keys)}. Nothing was applied. If that is intended, run again "
            "with --allow-mass-delete (or set allow_mass_delete = true under [sync] in cjm-sync.toml)"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {"side": self.side, "deletes": list(self.keys), "total": self.total}


_NOT_CONTENT = frozenset({JOURNEY, INBOX})
"""Kinds a deletion guard does not count: the journey itself, and inbox items (the CRM's list, kept by the
pull; adopting or dismissing one is not losing map content)."""


def _content(entities: Mapping[str, Entity]) -> int:
    return sum(1 for key in entities if split_key(key)[0] not in _NOT_CONTENT)


def mass_deletions(changes: Sequence[Change], base: Mapping[str, Entity], sides: Sequence[Side]) -> MassDelete | None:
    """The first of ``sides`` on which ``changes`` delete more than :data:`MASS_DELETE_MAX` entities, or
    more than :data:`MASS_DELETE_SHARE` of the ``total`` entities the journey had at the last sync
    (``base``), else None. The journey entity itself and inbox items are not counted."""
    total = _content(base)
    for side in sides:
        keys = tuple(
            sorted(
                c.key
                for c in changes
                if c.side == side and c.kind is ChangeKind.DELETE and split_key(c.key)[0] not in _NOT_CONTENT
            )
        )
        if keys and (len(keys) > MASS_DELETE_MAX or len(keys) > total * MASS_DELETE_SHARE):
            return MassDelete(side, keys, total)
    return None


class MergedJourneyInvalid(ValidationFailed):
    """The journey a run would write fails validation; nothing was written on either side."""

    def __init__(self, path: Path, side: str, problems: Sequence[tuple[tuple[str | int, ...], str]]) -> None:
        issues = [
            Issue(str(path), None, None, _dotted(where), f"{message} (in the merged journey for the {side})")
            for where, message in problems
        ]
        super().__init__(issues)
        self.message = (
            "the merged journey would not be valid, so nothing was written to the board or the file:\n"
            + "\n".join(str(i) for i in issues)
        )
        self.hint = "fix the reference in the journey file (or undo the board change) and run again"
        self.args = (self.message,)


def _dotted(path: tuple[str | int, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def check_writable(journey: Journey, path: Path, side: str) -> None:
    """Raise :class:`MergedJourneyInvalid` if ``journey`` (about to be written to ``side``) fails the
    cross-reference checks ``cjm-sync validate`` runs (see :func:`cjm_sync.schema.checks.cross_reference_problems`)."""
    problems = cross_reference_problems(journey)
    if problems:
        raise MergedJourneyInvalid(path, side, problems)
