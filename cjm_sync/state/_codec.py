"""Row codecs of the SQL store: JSON and timestamps as TEXT, and rows → record dataclasses."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from cjm_sync.state.records import (
    ChangeRecord,
    ConflictRecord,
    ConflictStatus,
    JournalEntry,
    JournalState,
    JSONValue,
    Resolution,
    RunOutcome,
    RunRecord,
    Side,
)

Row = tuple[Any, ...]


def dump_json(value: JSONValue) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def load_json(text: str | None) -> JSONValue:
    return None if text is None else json.loads(text)


def ts_text(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: state timestamps must be timezone-aware")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def opt_ts_text(value: datetime | None) -> str | None:
    return None if value is None else ts_text(value)


def parse_ts(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def req_ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


def field_out(text: str) -> str | None:
    return text or None


RUN_COLS = "run_id, journey, command, started_at, ended_at, outcome, api_calls, changes, error"
JOURNAL_COLS = "run_id, seq, connector, target, op, state, external_id, error, created_at, updated_at"
CHANGE_COLS = (
    "change_id, run_id, ts, journey, target, entity_key, field_name, side, old_value, new_value, author, reason"
)
CONFLICT_COLS = (
    "conflict_id, journey, target, entity_key, field_name, base_value, file_value, board_value, "
    "file_author, file_at, board_author, board_at, created_at, resolved_at, resolution, status"
)


def run_from_row(row: Row) -> RunRecord:
    return RunRecord(
        run_id=row[0],
        journey=row[1],
        command=row[2],
        started_at=req_ts(row[3]),
        ended_at=parse_ts(row[4]),
        outcome=None if row[5] is None else RunOutcome(row[5]),
        api_calls=load_json(row[6]),
        changes=load_json(row[7]),
        error=row[8],
    )


def journal_from_row(row: Row) -> JournalEntry:
    return JournalEntry(
        run_id=row[0],
        seq=int(row[1]),
        connector=row[2],
        target=row[3],
        op=load_json(row[4]),
        state=JournalState(row[5]),
        external_id=row[6],
        error=row[7],
        created_at=req_ts(row[8]),
        updated_at=req_ts(row[9]),
    )


def change_from_row(row: Row) -> ChangeRecord:
    return ChangeRecord(
        id=row[0],
        run_id=row[1],
        ts=req_ts(row[2]),
        journey=row[3],
        target=row[4],
        key=row[5],
        field=field_out(row[6]),
        side=Side(row[7]),
        old=load_json(row[8]),
        new=load_json(row[9]),
        author=row[10],
        reason=row[11],
    )


def conflict_from_row(row: Row) -> ConflictRecord:
    return ConflictRecord(
        id=row[0],
        journey=row[1],
        target=row[2],
        key=row[3],
        field=field_out(row[4]),
        base=load_json(row[5]),
        file=load_json(row[6]),
        board=load_json(row[7]),
        file_author=row[8],
        file_at=parse_ts(row[9]),
        board_author=row[10],
        board_at=parse_ts(row[11]),
        created_at=req_ts(row[12]),
        resolved_at=parse_ts(row[13]),
        resolution=None if row[14] is None else Resolution(row[14]),
        status=ConflictStatus(row[15]),
    )


def check_unique_ids(id_map: Mapping[str, str]) -> None:
    seen: dict[str, str] = {}
    for key, external_id in id_map.items():
        if external_id in seen:
            raise ValueError(f"external id {external_id!r} mapped to both {seen[external_id]!r} and {key!r}")
        seen[external_id] = key
