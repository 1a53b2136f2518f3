# ruff: noqa: S608 - SQL text only interpolates module constants (table names); values use placeholders.
"""Schema step 3: board ids in state rows get their one spelling (percent-decoded, see
:func:`cjm_sync.plugins.targets.normalise_target`).

Before it, ``--board uXjV…%3D`` and ``--board uXjV…=`` kept two sets of rows for one board. Rows are
re-keyed to the decoded id; when both spellings hold an id map, base or memo for the same journey, the
set whose memo was written last wins (it describes the board as the latest run left it) and the other
set's id map, base and memo are dropped — items only the dropped set knew are found again by content
and position on the next read. Journal, change-log and conflict rows are re-keyed and kept; an open
conflict that duplicates one under the decoded id is closed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cjm_sync.plugins.targets import InvalidTarget, normalise_target
from cjm_sync.state._codec import dump_json, load_json

if TYPE_CHECKING:
    from cjm_sync.state.migrations import MigrationTarget

__all__ = ["canonical_slot", "decode_target_keys"]

_KEYED = ("id_map", "base_snapshot", "connector_memo")
"""Tables whose primary key includes (journey, connector, target)."""
_HISTORY = ("op_journal", "change_log")
_SLOT_SEPARATOR = "#"


def canonical_slot(target: str) -> str:
    """``target`` with its board id decoded; memo slots such as ``<id>#before-writes`` and ``*`` keep
    their suffix; a value that is not a board id at all is returned unchanged."""
    board, separator, suffix = target.partition(_SLOT_SEPARATOR)
    if board in ("", "*"):
        return target
    try:
        return normalise_target(board) + separator + suffix
    except InvalidTarget:
        return target


def decode_target_keys(db: MigrationTarget) -> None:
    """Re-key every state row written under a percent-encoded board id (runs inside the step's transaction)."""
    triples: set[tuple[str, str, str]] = set()
    for table in _KEYED:
        triples.update(
            (str(j), str(c), str(t)) for j, c, t in db._query(f"SELECT journey, connector, target FROM {table}")
        )
    for journey, connector, target in sorted(triples):
        canonical = canonical_slot(target)
        if canonical != target:
            _rekey_slot(db, journey, connector, target, canonical)
    for table in _HISTORY:
        for (target,) in db._query(f"SELECT DISTINCT target FROM {table} WHERE target IS NOT NULL"):
            canonical = canonical_slot(str(target))
            if canonical != target:
                db._exec(f"UPDATE {table} SET target = ? WHERE target = ?", (canonical, target))
    _rekey_conflicts(db)
    _decode_last_targets(db)


def _memo_time(db: MigrationTarget, journey: str, connector: str, target: str) -> str | None:
    rows = db._query(
        "SELECT updated_at FROM connector_memo WHERE journey = ? AND connector = ? AND target = ?",
        (journey, connector, target.partition(_SLOT_SEPARATOR)[0]),
    )
    return str(rows[0][0]) if rows else None


def _holds(db: MigrationTarget, journey: str, connector: str, target: str) -> bool:
    return any(
        db._query(
            f"SELECT 1 FROM {table} WHERE journey = ? AND connector = ? AND target = ?", (journey, connector, target)
        )
        for table in _KEYED
    )


def _rekey_slot(db: MigrationTarget, journey: str, connector: str, old: str, new: str) -> None:
    where = (journey, connector)
    if _holds(db, journey, connector, new):
        old_time, new_time = _memo_time(db, journey, connector, old), _memo_time(db, journey, connector, new)
        loser = new if (old_time or "") > (new_time or "") else old
        for table in _KEYED:
            db._exec(f"DELETE FROM {table} WHERE journey = ? AND connector = ? AND target = ?", (*where, loser))
        if loser == old:
            return
    for table in _KEYED:
        db._exec(
            f"UPDATE {table} SET target = ? WHERE journey = ? AND connector = ? AND target = ?", (new, *where, old)
        )


def _rekey_conflicts(db: MigrationTarget) -> None:
    rows: list[Any] = db._query("SELECT conflict_id, journey, target, entity_key, field_name, status FROM conflicts")
    for conflict_id, journey, target, key, field_name, status in rows:
        canonical = canonical_slot(str(target))
        if canonical == target:
            continue
        duplicate = status == "open" and db._query(
            "SELECT 1 FROM conflicts WHERE journey = ? AND target = ? AND entity_key = ? AND field_name = ? "
            "AND status = 'open'",
            (journey, canonical, key, field_name),
        )
        if duplicate:
            db._exec(
                "UPDATE conflicts SET status = 'resolved', resolved_at = ? WHERE conflict_id = ?",
                (db._now_text(), conflict_id),
            )
        db._exec("UPDATE conflicts SET target = ? WHERE conflict_id = ?", (canonical, conflict_id))


def _decode_last_targets(db: MigrationTarget) -> None:
    """The ``*`` memo slot remembers each journey's last board (``last_target``): decode it too."""
    for journey, connector, memo in db._query("SELECT journey, connector, memo FROM connector_memo WHERE target = '*'"):
        data = load_json(str(memo))
        last = data.get("last_target") if isinstance(data, dict) else None
        if isinstance(last, str) and canonical_slot(last) != last:
            data["last_target"] = canonical_slot(last)
            db._exec(
                "UPDATE connector_memo SET memo = ? WHERE journey = ? AND connector = ? AND target = '*'",
                (dump_json(data), journey, connector),
            )
