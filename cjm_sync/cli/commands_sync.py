"""Commands that sync: sync, plan, push, pull."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cjm_sync.cli.analysis_options import analysis_inputs, analysis_options, annotation_step
from cjm_sync.cli.context import AppContext, pass_app
from cjm_sync.cli.crm import inbox_lines, is_crm, open_crms, run_crm_pull, window_options
from cjm_sync.cli.jobs import (
    Job,
    board_token,
    open_state,
    open_whiteboard,
    policies,
    resolve_target,
    select_jobs,
)
from cjm_sync.cli.logs import json_log_line
from cjm_sync.engine import JourneyStep, SyncEngine, SyncReport, SyncRequest
from cjm_sync.errors import EXIT_CONFLICTS, EXIT_FAILURE, EXIT_HELD, EXIT_USAGE, CjmSyncError, UsageError
from cjm_sync.http.waits import listening
from cjm_sync.merge import plan_to_dict, render_plan
from cjm_sync.plugins import Window
from cjm_sync.state import StateStore


def job_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--journey``, ``--all``, ``--board``, ``--sandbox``, ``--wait`` shared by the sync commands."""
    for option in reversed(
        [
            click.option("--journey", type=click.Path(path_type=Path, dir_okay=False), help="Journey file to sync."),
            click.option("--all", "all_journeys", is_flag=True, help="Every journey in cjm-sync.toml."),
            click.option("--board", help="Board id (default: config, then the board of the last run)."),
            click.option(
                "--sandbox", is_flag=True, help="Use the built-in emulator instead of the vendor API (no credentials)."
            ),
            click.option("--wait", is_flag=True, help="Wait for another run on the same journey instead of failing."),
            click.option("--wait-timeout", type=float, default=600.0, show_default=True, help="Seconds --wait waits."),
        ]
    ):
        func = option(func)
    return analysis_options(func)


def allow_mass_delete_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--allow-mass-delete`` for the commands that write."""
    return click.option(
        "--allow-mass-delete",
        is_flag=True,
        help="Apply even if one side deletes more than half of the journey (or more than 20 entities).",
    )(func)


def crm_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--crm`` (repeatable), ``--window``, ``--as-of`` and ``--full`` for commands that can pull CRM metrics."""
    func = click.option("--full", is_flag=True, help="CRM: ignore the record cache and read everything afresh.")(func)
    func = window_options(func)
    return click.option(
        "--crm", "crm", multiple=True, help="Pull this CRM's metrics first (repeatable; adds to config `crm`)."
    )(func)


def report_dict(report: SyncReport) -> dict[str, Any]:
    """JSON form of a run: the plan plus what was applied."""
    return {
        "journey": report.journey,
        "connector": report.connector,
        "board": report.target,
        "mode": report.mode,
        "applied": report.applied,
        "run_id": report.run_id,
        "plan": {
            **plan_to_dict(report.file_changes, report.board_ops, report.conflicts),
            "renames": [r.to_dict() for r in report.renames],
        },
        "conflict_ids": report.conflict_ids,
        "file_written": report.file_written,
        "board_writes": report.board_writes,
        "overwritten": [
            {"key": o.key, "field": o.field, "side": o.side, "old": o.old, "new": o.new, "reason": o.reason}
            for o in report.overwritten
        ],
        "dropped": report.dropped,
        "unplaced": report.unplaced,
        "notes": report.notes,
        "held": report.held.to_dict() if report.held else None,
        "metric_changes": [c.to_dict() for c in report.metric_changes],
        "inbox": [e.to_dict() for e in report.inbox],
        "api_calls": report.api_calls,
    }


def report_text(report: SyncReport) -> str:
    """Human form: header, Terraform-like plan, conflict ids and hints, what was done."""
    lines = [f"{report.journey} ⇄ {report.connector}:{report.target} ({report.mode})"]
    lines.append(render_plan(report.file_changes, report.board_ops, report.conflicts))
    lines += inbox_lines(report.inbox)
    for ref, conflict_id in report.conflict_ids.items():
        if conflict_id == "new":
            lines.append(f"  conflict {ref.rstrip('#')}: gets an id when a sync records it (`cjm-sync conflicts`)")
            continue
        lines.append(
            f"  conflict {conflict_id}: {ref.rstrip('#')} — "
            f"resolve: cjm-sync conflicts resolve {conflict_id} --take file|board|base"
        )
    lines.extend(f"  note: {r.explain()}" for r in report.renames)
    lines.extend(f"  note: {n}" for n in report.notes + report.dropped)
    lines.extend(f"  left alone on the board: {u}" for u in report.unplaced)
    for o in report.overwritten:
        lines.append(
            f"  overwrote {o.side} {o.key}.{o.field} ({o.reason}); "
            "`cjm-sync log` shows it, `cjm-sync restore` undoes it"
        )
    if report.held is not None:
        lines.append(f"Held: {report.held.explain()}.")
    calls = report.api_calls.get("calls") if isinstance(report.api_calls.get("calls"), int) else None
    if report.applied:
        lines.append(
            f"Applied: {report.board_writes} board write(s), file {'written' if report.file_written else 'unchanged'}"
            + (f", {calls} API call(s)" if calls is not None else "")
            + "."
        )
    return "\n".join(lines)


@contextmanager
def progress_bar(app: AppContext) -> Iterator[Callable[[int, int], None] | None]:
    """A board-writes progress bar on an interactive stderr (none with --quiet, --json or in a pipe)."""
    console = Console(stderr=True)
    if app.json_output or app.log_format == "json" or app.verbosity < 0 or not console.is_terminal:
        yield None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("board writes", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, description="board writes")

        def waiting(message: str) -> None:
            bar.update(task, description=message)  # until the next write lands

        with listening(waiting):
            yield update


@dataclass(frozen=True)
class RunSettings:
    """How every job of one invocation runs: the command's flags plus the config's settings."""

    command: str
    sandbox: bool
    wait: bool
    wait_timeout: float
    write_file: bool
    write_board: bool
    dry_run: bool
    allow_mass_delete: bool
    crm: Sequence[str]
    window: Window
    annotate: JourneyStep
    full: bool


def run_job(
    app: AppContext, store: StateStore, job: Job, run: RunSettings, progress: Callable[[int, int], None] | None = None
) -> SyncReport:
    """One run of ``run.command`` for ``job`` (its CRMs' metrics pulled first) with ``store``: the
    engine's report. Raises what the engine raises (:class:`~cjm_sync.errors.CjmSyncError` and its kin).

    The CLI runs its jobs one after another; a worker calls this from several threads at once, each
    with its own ``app`` and ``store`` (stores are not thread-safe; connectors are opened per call).
    """
    token = board_token(job)  # a missing variable fails this job before anything is read or written
    target = resolve_target(store, job)
    drawing = target if run.write_board and not run.dry_run else None
    crms = [*job.crm, *run.crm] if run.command in {"sync", "plan"} else []
    with (
        open_whiteboard(app, job.connector, sandbox=run.sandbox, create_board=drawing, token=token) as whiteboard,
        open_crms(app, crms, sandbox=run.sandbox) as crm_connectors,
    ):
        engine = SyncEngine(store, whiteboard, crms=crm_connectors)
        app.info(f"{run.command}: {job.journey_path} ⇄ {job.connector}:{target} …")
        return engine.run(
            SyncRequest(
                journey_path=job.journey_path,
                target=target,
                command=run.command,
                write_file=run.write_file,
                write_board=run.write_board,
                dry_run=run.dry_run,
                wait=run.wait,
                wait_timeout=run.wait_timeout,
                policies=policies(app),
                annotate=[run.annotate],
                progress=progress,
                allow_mass_delete=run.allow_mass_delete,
                window=run.window,
                full=run.full,
            )
        )


def run_settings(
    app: AppContext,
    *,
    command: str,
    sandbox: bool,
    wait: bool,
    wait_timeout: float,
    write_file: bool,
    write_board: bool,
    dry_run: bool,
    allow_mass_delete: bool = False,
    crm: Sequence[str] = (),
    window: str | None = None,
    as_of: str | None = None,
    full: bool = False,
    **analysis: Any,
) -> RunSettings:
    """The flags of a sync command over the config (``[sync] allow_mass_delete``, ``[analysis]``).

    ``analysis``: the analysis flags (see :func:`analysis_options`). Raises UsageError on a bad flag.
    """
    config = app.config()
    return RunSettings(
        command=command,
        sandbox=sandbox,
        wait=wait,
        wait_timeout=wait_timeout,
        write_file=write_file,
        write_board=write_board,
        dry_run=dry_run,
        allow_mass_delete=allow_mass_delete or bool(config and config.sync.allow_mass_delete),
        crm=tuple(crm),
        window=Window.from_options(window, as_of),
        annotate=annotation_step(analysis_inputs(app, **analysis)),
        full=full,
    )


def run_jobs(
    app: AppContext,
    *,
    connector: str,
    journey: Path | None,
    all_journeys: bool,
    board: str | None,
    **options: Any,
) -> None:
    """Run the command for every selected job (see :func:`run_settings` for ``options``).

    With several journeys (``--all``), one journey's error (invalid file, missing token, vendor down,
    lock held) is reported and the others still run; the command then exits 1 if any failed at run time,
    else 2. Otherwise exit 4 if any was held for deleting too much, else 3 if any left conflicts open.
    ``--json`` prints one document: ``{"runs": [{"file", "journey", …}], "failed": [{"file", "error",
    "message", "hint", "exit_code", …}]}`` (``file``: the journey file as configured, in both lists).
    """
    jobs = select_jobs(app, journey, all_journeys, connector, board)
    run = run_settings(app, **options)
    reports: list[SyncReport] = []
    files: list[str] = []
    failed: list[dict[str, Any]] = []
    store = open_state(app)
    try:
        for job in jobs:
            try:
                with progress_bar(app) as progress:
                    report = run_job(app, store, job, run, progress)
            except CjmSyncError as error:
                if len(jobs) == 1:
                    raise
                failed.append(
                    {
                        **error.to_dict(),
                        "file": str(job.journey_path),
                        "error": type(error).__name__,
                        "message": error.message,
                        "hint": error.hint,
                        "exit_code": error.exit_code,
                    }
                )
                _journey_failed(app, job.journey_path, error)
                continue
            reports.append(report)
            files.append(str(job.journey_path))
            if len(jobs) == 1 or not app.json_output:
                app.emit(report_dict(report), partial(report_text, report))
    finally:
        store.close()
    if len(jobs) > 1:
        runs = [{"file": file, **report_dict(r)} for file, r in zip(files, reports, strict=True)]
        app.emit({"runs": runs, "failed": failed})
    if failed:
        code = EXIT_USAGE if all(f["exit_code"] == EXIT_USAGE for f in failed) else EXIT_FAILURE
        if app.json_output:
            raise SystemExit(code)
        names = ", ".join(f"{f['file']} (exit {f['exit_code']})" for f in failed)
        summary = CjmSyncError(f"{len(failed)} of {len(jobs)} journeys failed: {names}", hint="see each error above")
        summary.exit_code = code
        raise summary
    if not run.dry_run and any(r.held for r in reports):
        raise SystemExit(EXIT_HELD)
    if not run.dry_run and any(r.conflicts for r in reports):
        raise SystemExit(EXIT_CONFLICTS)


def _journey_failed(app: AppContext, journey: Path, error: CjmSyncError) -> None:
    """One journey's error in a run of several, where it happens (stderr; a JSON log line with
    ``--log-format json``; in the final document with ``--json``)."""
    if app.json_output:
        return
    message = f"{journey}: {error.message}"
    if app.log_format == "json":
        click.echo(json_log_line("error", message, logger="cjm_sync.cli", journey=str(journey)), err=True)
        return
    click.secho(f"error: {message}", fg="red", err=True)
    if error.hint:
        click.echo(f"hint: {error.hint}", err=True)


@click.command("sync")
@job_options
@click.option("--connector", default="miro", show_default=True, help="Whiteboard connector.")
@crm_options
@click.option("--dry-run", is_flag=True, help="Only print the plan (same as `cjm-sync plan`).")
@allow_mass_delete_option
@pass_app
def sync_cmd(app: AppContext, /, connector: str, dry_run: bool, **job: Any) -> None:
    """Full sync: pull CRM metrics → read board → merge with the file → push board → write file →
    record the run, all under the journey's lock.

    Exits 3 when conflicts are left open (so schedulers alert), 4 when it applied nothing because one
    side deleted more than half of the journey (or more than 20 entities): confirm with --allow-mass-delete.
    """
    run_jobs(app, command="sync", connector=connector, write_file=True, write_board=True, dry_run=dry_run, **job)


@click.command("plan")
@job_options
@click.option("--connector", default="miro", show_default=True, help="Whiteboard connector.")
@crm_options
@pass_app
def plan_cmd(app: AppContext, /, connector: str, **job: Any) -> None:
    """Show every operation a sync would perform on each side, changing nothing."""
    run_jobs(app, command="plan", connector=connector, write_file=True, write_board=True, dry_run=True, **job)


@click.command("push")
@click.argument("connector", default="miro")
@job_options
@click.option("--dry-run", is_flag=True, help="Only print what would be written to the board.")
@allow_mass_delete_option
@pass_app
def push_cmd(app: AppContext, /, connector: str, dry_run: bool, **job: Any) -> None:
    """Journey file → board. Board edits are merged in (never overwritten) but the file is not written."""
    run_jobs(app, command="push", connector=connector, write_file=False, write_board=True, dry_run=dry_run, **job)


@click.command("pull")
@click.argument("connector", default="miro")
@job_options
@window_options
@click.option("--full", is_flag=True, help="CRM: ignore the record cache and read everything afresh.")
@click.option("--dry-run", is_flag=True, help="Only print what would change in the file.")
@allow_mass_delete_option
@pass_app
def pull_cmd(
    app: AppContext,
    /,
    connector: str,
    dry_run: bool,
    window: str | None,
    as_of: str | None,
    full: bool,
    **job: Any,
) -> None:
    """Board → journey file (the board is not written), or with a CRM connector (``pull hubspot``):
    the CRM's metrics → journey file, with provenance."""
    if is_crm(connector):
        if job["all_journeys"] or job["board"]:
            raise UsageError(f"`pull {connector}` takes --journey (a CRM pull has no board)")
        run_crm_pull(
            app,
            name=connector,
            journey=job["journey"],
            window=Window.from_options(window, as_of),
            full=full,
            dry_run=dry_run,
            sandbox=job["sandbox"],
            wait=job["wait"],
            wait_timeout=job["wait_timeout"],
        )
        return
    if window or as_of or full:
        raise UsageError("--window, --as-of and --full apply to CRM connectors (e.g. `pull hubspot`)")
    run_jobs(app, command="pull", connector=connector, write_file=True, write_board=False, dry_run=dry_run, **job)
