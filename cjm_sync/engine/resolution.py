"""Settle a conflict or restore an overwritten value: both edit the journey file and the base so the
next sync carries the chosen value to the board without a new conflict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cjm_sync.errors import UsageError
from cjm_sync.files import load_journey, save_journey
from cjm_sync.merge import Conflict, Take, apply_value, build_journey, flatten, resolve_conflict
from cjm_sync.plugins import available_connectors
from cjm_sync.state import StateStore
from cjm_sync.state.records import ChangeRecord, ConflictRecord, ConflictStatus, Resolution


def journey_location(store: StateStore, journey_id: str, target: str | None = None) -> tuple[str, Path]:
    """(connector, journey file path) an earlier run of ``journey_id`` (with ``target``) used."""
    for name in sorted(available_connectors()):
        memo = store.get_memo(journey_id, name, "*")
        if memo.get("path") and (target is None or memo.get("last_target") == target):
            return name, Path(str(memo["path"]))
    raise UsageError(f"no earlier sync of journey '{journey_id}' is recorded; pass --journey FILE")


def _as_conflict(record: ConflictRecord) -> Conflict:
    # A stored base of None means "the field was unset", which --take base restores by unsetting it.
    return Conflict(record.key, record.field, record.base, record.file, record.board, has_base=True)


def resolve(store: StateStore, conflict_id: str, take: Take, journey_path: Path | None = None) -> ConflictRecord:
    """Settle conflict ``conflict_id`` with the ``take`` side's value (file written now, board on next sync)."""
    record = store.get_conflict(conflict_id)
    if record is None:
        raise UsageError(f"no conflict '{conflict_id}' (see `cjm-sync conflicts`)")
    if record.status is not ConflictStatus.OPEN:
        raise UsageError(f"conflict {record.id} is already resolved ({record.resolution})")
    connector, recorded_path = journey_location(store, record.journey, record.target)
    path = journey_path or recorded_path
    conflict = _as_conflict(record)
    file_value, base_value = resolve_conflict(conflict, take)
    with store.acquire_lock(record.journey, f"conflicts resolve {record.id}"):
        loaded = load_journey(path)
        entities = apply_value(flatten(loaded.journey), conflict, file_value)
        save_journey(loaded, build_journey(entities, loaded.journey))
        with store.transaction():
            base = store.get_base(record.journey, connector, record.target)
            store.replace_base(record.journey, connector, record.target, apply_value(base, conflict, base_value))
            return store.resolve_conflict(record.id, Resolution(take))


def restore(store: StateStore, change_id: str, journey_path: Path | None = None) -> tuple[ChangeRecord, Any]:
    """Write the value a logged change overwrote back into the journey file (the next sync pushes it)."""
    record = store.get_change(change_id)
    if record is None:
        raise UsageError(f"no logged change '{change_id}' (see `cjm-sync log`)")
    if record.field is None:
        raise UsageError(
            f"change {record.id} created or deleted {record.key} as a whole; restore works on field values",
            hint="a deleted entity comes back from the journey file's git history",
        )
    path = journey_path or journey_location(store, record.journey, record.target)[1]
    with store.acquire_lock(record.journey, f"restore {record.id}"):
        loaded = load_journey(path)
        entities = flatten(loaded.journey)
        if record.key not in entities:
            raise UsageError(f"{record.key} no longer exists in {path}")
        marker = Conflict(record.key, record.field, None, None, None)
        save_journey(loaded, build_journey(apply_value(entities, marker, record.old), loaded.journey))
    return record, record.old
