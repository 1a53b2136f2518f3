"""``cjm-sync demo``: a full sync story against the built-in Miro sandbox, no accounts needed.

1. the example journey goes onto a board; 2. a person edits the board while 3. the CX lead edits the
file; 4. a sync merges both and finds one real conflict; 5. it is resolved in one command; 6. the next
sync converges; 7. a last sync has nothing to do. Then the board is drawn as ``board.svg`` and the
output says what to open and which commands (with the full path of the CLI) carry on from there.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import shlex
import shutil
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

import click

from cjm_sync.analysis import AnalysisSettings, analyse
from cjm_sync.cli.commands_sync import run_jobs
from cjm_sync.cli.context import AppContext, pass_app
from cjm_sync.cli.jobs import open_state, sandbox_path
from cjm_sync.engine.resolution import resolve
from cjm_sync.errors import EXIT_CONFLICTS, UsageError
from cjm_sync.files import atomic_write, load_journey, save_journey
from cjm_sync.plugins import ConnectorKind, load_connector
from cjm_sync.schema import inbox_title
from cjm_sync.state.records import ConflictStatus

BOARD = "demo-board"
JOURNEY = "trial-signup.yaml"
MARKER = ".cjm-sync-demo"
PERSON = "Li Na"
PERSON_ID = "3458764512345678901"  # Miro user ids are numbers; the board's member list names them


def _step(app: AppContext, text: str) -> None:
    app.info(click.style(f"\n── {text}", bold=True))


def _sync(app: AppContext, command: str = "sync", crm: tuple[str, ...] = (), as_of: str | None = None) -> int:
    try:
        run_jobs(
            app,
            command=command,
            connector="miro",
            journey=Path(JOURNEY),
            all_journeys=False,
            board=BOARD,
            sandbox=True,
            wait=False,
            wait_timeout=0.0,
            write_file=True,
            write_board=True,
            dry_run=command == "plan",
            crm=crm,
            as_of=as_of,
        )
    except SystemExit as done:
        return int(done.code or 0)
    return 0


def _edit_board(app: AppContext, edit: Callable[[Any, dict[str, str], dict[str, Any]], None]) -> None:
    from connectors.miro.sandbox import MiroSandbox  # noqa: PLC0415 - the demo is the only CLI user

    sandbox = MiroSandbox.open(sandbox_path(app, "miro"))  # each edit is saved as it is made
    store = open_state(app)
    try:
        id_map = store.get_id_map("trial-signup", "miro", BOARD)
    finally:
        store.close()
    items = sandbox.dump()["boards"][0]["items"]
    edit(sandbox.as_user(PERSON_ID, name=PERSON), id_map, items)


def _person_edits(human: Any, ids: dict[str, str], items: dict[str, Any]) -> None:
    human.update_item(
        BOARD, ids["pain_point:unclear-pricing"], data={"content": "<p>Plans are hard to compare on mobile</p>"}
    )
    human.update_item(BOARD, ids["touchpoint:sales-call"], data={"title": "Video call with sales"})
    header, row = items[ids["stage:purchase"]], items[ids["lane:opportunities"]]
    human.create_item(
        BOARD,
        "sticky_note",
        data={"content": "<p>Offer an annual-billing discount</p>"},
        style={"fillColor": "light_green"},
        position={"x": header["x"], "y": row["y"]},
        parent_id=ids["frame:trial-signup"],
    )
    inbox = sorted(key for key in ids if key.startswith("inbox:"))
    if inbox:  # with --crm: a card from the "Unassigned" area dragged into a stage becomes its touchpoint
        lane = items[ids["lane:actions"]]
        human.move_item(BOARD, ids[inbox[0]], header["x"], lane["y"], parent_id=ids["frame:trial-signup"])


def _link_crm(name: str) -> list[str]:
    """Link the example journey's stages and touchpoints to CRM ``name``'s sandbox data (its
    ``demo_sources()``: ``{"touchpoint:<id>" | "stage:<id>": [source key, ...]}``); the keys linked."""
    factory = load_connector(name)
    if getattr(factory, "kind", None) is not ConnectorKind.CRM or not hasattr(factory, "demo_sources"):
        raise UsageError(f"--crm {name}: the connector has no demo data for the example journey")
    sources: dict[str, list[str]] = factory.demo_sources()
    loaded = load_journey(Path(JOURNEY))
    journey = loaded.journey.model_copy(deep=True)
    for kind, items in (("stage", journey.stages), ("touchpoint", journey.touchpoints)):
        for item in items:
            item.sources = list(sources.get(f"{kind}:{item.id}", item.sources))
    save_journey(loaded, journey)
    return [key for keys in sources.values() for key in keys]


def _write_report() -> None:
    from cjm_sync.report import render_report  # noqa: PLC0415 - matplotlib is only needed here

    journey = load_journey(Path(JOURNEY)).journey
    html = render_report(journey, analyse(journey, AnalysisSettings()), "html", datetime.now(UTC))
    atomic_write(Path(REPORT), html)


def _lead_edits() -> None:
    loaded = load_journey(Path(JOURNEY))
    journey = loaded.journey.model_copy(deep=True)
    for tp in journey.touchpoints:
        if tp.id == "sales-call":
            tp.title = "Talks to an account executive"
        if tp.id == "pricing-page":
            tp.description = "Three plans; the Team plan is the one most visitors need."
    save_journey(loaded, journey)


@click.command("demo")
@click.option(
    "--dir",
    "workdir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("cjm-sync-demo"),
    show_default=True,
    help="Working folder (recreated on every run).",
)
@click.option(
    "--crm",
    metavar="NAME",
    default="hubspot",
    show_default=True,
    help="Pull this CRM's metrics (its built-in sandbox) onto the journey at every sync (hubspot, dynamics).",
)
@pass_app
def demo_cmd(app: AppContext, /, workdir: Path, crm: str | None) -> None:
    """Run a full two-way sync story on the built-in Miro sandbox (no accounts or credentials).

    With --crm, the example journey is first linked to that CRM's sandbox data and every sync pulls its
    metrics (as of today, midnight UTC) before reading the board.
    """
    if workdir.exists():
        if not (workdir / MARKER).exists():
            raise UsageError(f"{workdir} exists and was not made by `cjm-sync demo`; pass another --dir")
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    (workdir / MARKER).write_text("made by cjm-sync demo\n", encoding="utf-8")
    shutil.copyfile(str(files("cjm_sync") / "examples" / JOURNEY), workdir / JOURNEY)
    codes: dict[str, int] = {}
    final = app
    if app.json_output:  # one JSON document: the steps run silently, the summary is the output
        app = dataclasses.replace(app, json_output=False, verbosity=-1)
    crms: tuple[str, ...] = (crm,) if crm else ()
    as_of = datetime.now(UTC).strftime("%Y-%m-%dT00:00:00Z") if crm else None
    sync = functools.partial(_sync, crm=crms, as_of=as_of)
    with contextlib.chdir(workdir):
        if crm:
            keys = _link_crm(crm)
            _step(
                app,
                f"0. Link the journey to {crm}: {len(keys)} source keys; each sync pulls their metrics first and "
                f"lists the keys the map does not use in an '{inbox_title(crm)}' area beside the grid",
            )
        _step(app, "1. Sync: the journey file goes onto an empty board")
        codes["initial"] = sync(app)
        dragged = f", and drags a card from '{inbox_title(crm)}' into Purchase" if crm else ""
        _step(app, f"2. {PERSON} edits the board: a pain point, a card title, a new opportunity sticky{dragged}")
        _edit_board(app, _person_edits)
        _step(app, "3. The CX lead edits the file: the same card title (!) and a description")
        _lead_edits()
        _step(app, "4. Sync: both sides merge field by field; the same-field edit is a conflict (exit 3)")
        codes["merge"] = sync(app)
        store = open_state(app)
        try:
            open_conflicts = store.conflicts("trial-signup", status=ConflictStatus.OPEN)
            for conflict in open_conflicts:
                _step(
                    app,
                    f"5. Resolve {conflict.id} in one command: cjm-sync conflicts resolve {conflict.id} --take board",
                )
                resolve(store, conflict.id, "board")
        finally:
            store.close()
        _step(app, "6. Sync: the resolution reaches both sides")
        codes["resolved"] = sync(app)
        _step(app, "7. Sync again: nothing left to do")
        codes["converged"] = sync(app)
        _step(app, "8. The analysis report (IPA matrix, emotion curve, funnel, pain points, action plan): report.html")
        _write_report()
        picture = _draw_board(app)
    ok = (
        codes["initial"] == 0
        and codes["merge"] == EXIT_CONFLICTS
        and codes["resolved"] == 0
        and codes["converged"] == 0
    )
    folder = workdir.resolve()
    command = cli_command()
    final.emit(
        {
            "ok": ok,
            "dir": str(folder),
            "exit_codes": codes,
            "journey": str(folder / JOURNEY),
            "picture": str(folder / picture),
            "report": str(folder / REPORT),
            "cli": command,
        },
        lambda: _next_steps(ok, folder, picture, command, crm, as_of),
    )
    if not ok:
        raise SystemExit(1)


PICTURE = "board.svg"
REPORT = "report.html"


def _draw_board(app: AppContext) -> str:
    """Write the sandbox board's frame as ``board.svg`` (in the working folder); returns its name."""
    from connectors.miro.sandbox import MiroSandbox  # noqa: PLC0415 - the demo is the only CLI user
    from connectors.miro.sandbox.picture import board_svg  # noqa: PLC0415

    board = MiroSandbox.open(sandbox_path(app, "miro")).store.boards[BOARD]
    Path(PICTURE).write_text(board_svg(board), encoding="utf-8")
    return PICTURE


def cli_command() -> str:
    """How to run this very cjm-sync from anywhere: the console script beside the running Python
    (``.venv/bin/cjm-sync`` after ``python3 dev.py demo``), else ``PYTHON -m cjm_sync``; full paths."""
    folder = Path(sys.executable).parent
    for name in ("cjm-sync", "cjm-sync.exe"):
        script = folder / name
        if script.is_file():
            return shlex.quote(str(script.absolute()))
    return f"{shlex.quote(str(Path(sys.executable).absolute()))} -m cjm_sync"


def _next_steps(ok: bool, folder: Path, picture: str, command: str, crm: str | None, as_of: str | None) -> str:
    where = shlex.quote(str(folder))
    job = f"--journey {JOURNEY} --board {BOARD} --sandbox" + (f" --crm {crm}" if crm else "")
    pinned = f" --as-of {as_of}" if as_of else ""  # the demo's metrics are as of this instant
    activate = Path(sys.executable).parent / "activate"
    lines = [
        "",
        f"Demo {'finished' if ok else 'FAILED'}. What it left in {folder}/:",
        f"  {JOURNEY:<20} the journey file after the sync (open it in an editor)",
        f"  {picture:<20} the sandbox board as a picture (open it in a browser)",
        f"  {REPORT:<20} the analysis report: IPA matrix, emotion curve, action plan (open it in a browser)",
        "  .cjm-sync/          state store and the sandbox's boards",
        "Carry on by hand (edit the journey file, then plan and sync again):",
        f"  cd {where}",
        f"  {command} plan {job}{pinned}",
        f"  {command} sync {job}{pinned}",
        *(
            ["  (--as-of keeps the demo's metric window; without it the CRM metrics are recomputed as of now)"]
            if as_of
            else []
        ),
        f"  {command} log    ·    {command} status",
        f"  {command} report --journey {JOURNEY} -o {REPORT}   # the analysis report again, after your edits",
        f"  {command} sandbox miro --port 8765   # the same board over HTTP, for curl or the Miro SDK",
    ]
    if activate.is_file() and sys.prefix != sys.base_prefix:
        lines.append(f"Or put `cjm-sync` on your PATH for this shell: source {shlex.quote(str(activate.absolute()))}")
    return "\n".join(lines)
