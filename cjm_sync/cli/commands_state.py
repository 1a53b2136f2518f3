"""Commands over the state store: status, conflicts (list / resolve), log, restore."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from cjm_sync.cli.commands_sync import run_jobs
from cjm_sync.cli.context import AppContext, pass_app
from cjm_sync.cli.jobs import existing_state, open_state
from cjm_sync.cli.tables import short, table
from cjm_sync.engine.resolution import journey_location, resolve, restore
from cjm_sync.files import load_journey
from cjm_sync.state import StateStore
from cjm_sync.state.records import ConflictRecord, ConflictStatus, blank_change


class _NoState:
    """The state of a folder where nothing was synced yet: no runs, conflicts or changes."""

    def runs(self, journey: str | None, limit: int = 20) -> list[Any]:
        return []

    def conflicts(self, journey: str, status: Any = None) -> list[Any]:
        return []

    def changes(self, journey: str, limit: int = 50) -> list[Any]:
        return []

    def close(self) -> None:
        return None


_EMPTY: Any = _NoState()

_journey_option = click.option(
    "--journey", type=click.Path(path_type=Path, dir_okay=False), help="Only this journey file."
)


def _journey_ids(app: AppContext, store: StateStore, journey: Path | None, every: bool = False) -> list[str]:
    if every:  # every journey the (possibly shared) store has runs of, whichever config ran them
        return sorted({run.journey for run in store.runs(None, limit=100_000)})
    if journey is not None:
        return [load_journey(journey).journey.id]
    config = app.config()
    if config is not None and config.journeys:
        return [load_journey(config.journey_path(j)).journey.id for j in config.journeys]
    return sorted({run.journey for run in store.runs(None, limit=1000)})


def _conflict_dict(record: ConflictRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "journey": record.journey,
        "board": record.target,
        "key": record.key,
        "field": record.field,
        "base": record.base,
        "file": record.file,
        "board_value": record.board,
        "board_author": record.board_author,
        "board_at": record.board_at.isoformat() if record.board_at else None,
        "status": record.status.value,
        "resolution": record.resolution.value if record.resolution else None,
        "created_at": record.created_at.isoformat(),
    }


@click.command("status")
@_journey_option
@click.option("--all", "every", is_flag=True, help="Every journey in the state store (e.g. a fleet's shared one).")
@click.option("--limit", default=5, show_default=True, help="Runs to show per journey.")
@pass_app
def status_cmd(app: AppContext, /, journey: Path | None, every: bool, limit: int) -> None:
    """Last runs, pending conflicts and API calls spent, per journey."""
    store = existing_state(app) or _EMPTY
    try:
        data: list[dict[str, Any]] = []
        blocks: list[str] = []
        for journey_id in _journey_ids(app, store, journey, every):
            runs = store.runs(journey_id, limit=limit)
            conflicts = store.conflicts(journey_id)
            data.append(
                {
                    "journey": journey_id,
                    "synced": bool(runs),
                    "open_conflicts": len(conflicts),
                    "runs": [
                        {
                            "run_id": r.run_id,
                            "command": r.command,
                            "started_at": r.started_at.isoformat(),
                            "ended_at": r.ended_at.isoformat() if r.ended_at else None,
                            "outcome": r.outcome.value if r.outcome else "running",
                            "api_calls": r.api_calls,
                            "changes": r.changes,
                            "error": r.error,
                        }
                        for r in runs
                    ],
                }
            )
            rows = [
                (
                    r.started_at.strftime("%Y-%m-%d %H:%M:%S"),
                    r.command,
                    r.outcome.value if r.outcome else "running",
                    r.api_calls.get("calls", ""),
                    r.api_calls.get("credits", ""),
                    ", ".join(f"{k} {v}" for k, v in r.changes.items()),
                    short(r.error or "", 50),
                )
                for r in runs
            ]
            if not runs:
                blocks.append(f"{journey_id}: never synced (no run recorded); `cjm-sync sync` makes the first one")
                continue
            title = f"{journey_id}: {len(conflicts)} open conflict(s)"
            blocks.append(
                table(title, ["started (UTC)", "command", "outcome", "calls", "credits", "changes", "error"], rows)
            )
        app.emit({"journeys": data}, "\n\n".join(blocks) or "no runs recorded yet (nothing has been synced here)")
    finally:
        store.close()


@click.group("conflicts", invoke_without_command=True)
@_journey_option
@click.option("--all", "show_all", is_flag=True, help="Include resolved conflicts.")
@click.pass_context
def conflicts_group(ctx: click.Context, journey: Path | None, show_all: bool) -> None:
    """List open conflicts (both values, who changed the board and when)."""
    if ctx.invoked_subcommand is not None:
        return
    app = ctx.ensure_object(AppContext)
    store = existing_state(app) or _EMPTY
    try:
        status = None if show_all else ConflictStatus.OPEN
        records = [r for j in _journey_ids(app, store, journey) for r in store.conflicts(j, status=status)]
        rows = [
            (
                r.id,
                r.journey,
                f"{r.key}.{r.field}" if r.field else f"{r.key} (deleted vs edited)",
                short(r.file),
                short(r.board),
                r.board_author or "",
                r.status.value,
            )
            for r in records
        ]
        app.emit(
            {"conflicts": [_conflict_dict(r) for r in records]},
            (
                table("Conflicts", ["id", "journey", "field", "file", "board", "board author", "status"], rows)
                + "\nresolve with: cjm-sync conflicts resolve ID --take file|board|base"
            )
            if records
            else "no open conflicts",
        )
    finally:
        store.close()


@conflicts_group.command("resolve")
@click.argument("conflict_id")
@click.option("--take", type=click.Choice(["file", "board", "base"]), required=True, help="Which value wins.")
@click.option(
    "--journey", type=click.Path(path_type=Path, dir_okay=False), help="Journey file (default: the synced one)."
)
@click.option("--sync", "then_sync", is_flag=True, help="Sync right away so the board shows the choice too.")
@click.option("--sandbox", is_flag=True, help="With --sync: use the built-in emulator.")
@pass_app
def resolve_cmd(
    app: AppContext, /, conflict_id: str, take: str, journey: Path | None, then_sync: bool, sandbox: bool
) -> None:
    """Settle a conflict: the chosen value goes into the file now and onto the board at the next sync."""
    store = open_state(app)
    try:
        record = resolve(store, conflict_id, take, journey)  # type: ignore[arg-type]
        connector, synced_path = journey_location(store, record.journey, record.target) if then_sync else ("", None)
    finally:
        store.close()
    app.emit(
        {"ok": True, "resolved": _conflict_dict(record)},
        f"resolved {record.id}: took the {take} value for {record.key}.{record.field or ''}"
        + ("" if then_sync else "; the board follows at the next sync"),
    )
    if then_sync:
        run_jobs(  # the conflict's own journey and board, whether or not --journey was given
            app,
            command="sync",
            connector=connector,
            journey=journey or synced_path,
            all_journeys=False,
            board=record.target,
            sandbox=sandbox,
            wait=True,
            wait_timeout=600.0,
            write_file=True,
            write_board=True,
            dry_run=False,
        )


@click.command("log")
@_journey_option
@click.option("--limit", default=50, show_default=True, help="Most recent changes to show.")
@pass_app
def log_cmd(app: AppContext, /, journey: Path | None, limit: int) -> None:
    """The activity log of synced changes: what, which side, who, when (ids work with `restore`)."""
    store = existing_state(app) or _EMPTY
    try:
        records = [
            c
            for j in _journey_ids(app, store, journey)
            for c in store.changes(j, limit=limit)
            if not blank_change(c.old, c.new)  # nothing to show: a field that stayed unset or empty
        ]
        records.sort(key=lambda c: c.ts, reverse=True)
        rows = [
            (
                c.id,
                c.ts.strftime("%Y-%m-%d %H:%M:%S"),
                c.side.value,
                f"{c.key}.{c.field}" if c.field else c.key,
                short(c.old, 30),
                short(c.new, 30),
                c.author or "",
                c.reason,
            )
            for c in records[:limit]
        ]
        app.emit(
            {
                "changes": [
                    {
                        "id": c.id,
                        "ts": c.ts.isoformat(),
                        "journey": c.journey,
                        "board": c.target,
                        "side": c.side.value,
                        "key": c.key,
                        "field": c.field,
                        "old": c.old,
                        "new": c.new,
                        "author": c.author,
                        "reason": c.reason,
                    }
                    for c in records[:limit]
                ]
            },
            table("Synced changes", ["id", "when (UTC)", "written to", "what", "old", "new", "by", "why"], rows)
            if rows
            else "no synced changes recorded yet",
        )
    finally:
        store.close()


@click.command("restore")
@click.argument("change_id")
@click.option(
    "--journey", type=click.Path(path_type=Path, dir_okay=False), help="Journey file (default: the synced one)."
)
@pass_app
def restore_cmd(app: AppContext, /, change_id: str, journey: Path | None) -> None:
    """Put back the value a synced change overwrote (into the file; the next sync pushes it)."""
    store = open_state(app)
    try:
        record, value = restore(store, change_id, journey)
    finally:
        store.close()
    app.emit(
        {"ok": True, "change": record.id, "key": record.key, "field": record.field, "restored": value},
        f"restored {record.key}.{record.field} = {short(value)}; the board follows at the next sync",
    )
