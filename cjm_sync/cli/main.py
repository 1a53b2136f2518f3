"""Entry point: global options, command registration and the one error boundary.

Exit codes: 0 ok · 1 runtime failure · 2 usage or validation error · 3 sync finished with conflicts pending.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import click

from cjm_sync import __version__
from cjm_sync.cli.commands_analysis import annotate_cmd, gap_cmd, report_cmd
from cjm_sync.cli.commands_files import fmt_cmd, init_cmd, migrate_cmd, schema_cmd, validate_cmd
from cjm_sync.cli.commands_state import conflicts_group, log_cmd, restore_cmd, status_cmd
from cjm_sync.cli.commands_sync import plan_cmd, pull_cmd, push_cmd, sync_cmd
from cjm_sync.cli.commands_vendor import import_group, sandbox_group
from cjm_sync.cli.commands_workers import enqueue_cmd, jobs_cmd, worker_cmd
from cjm_sync.cli.context import AppContext
from cjm_sync.cli.crm import discover_cmd
from cjm_sync.cli.demo import demo_cmd
from cjm_sync.cli.logs import configure_logging, json_log_line
from cjm_sync.errors import EXIT_FAILURE, EXIT_USAGE, CjmSyncError, FileAccessError, redact

log = logging.getLogger("cjm_sync.cli")


def _json_flag(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.ensure_object(AppContext).json_output = True


def _quiet_flag(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        app = ctx.ensure_object(AppContext)
        app.verbosity = -1
        configure_logging(app.verbosity, app.log_format)


def _verbose_flag(ctx: click.Context, _param: click.Parameter, value: int) -> None:
    if value:
        app = ctx.ensure_object(AppContext)
        app.verbosity = max(app.verbosity, 0) + value
        configure_logging(app.verbosity, app.log_format)


class _Group(click.Group):
    """A group whose commands all accept ``--json``, ``-q`` and ``-v`` after the command name too."""

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        cmd.params.extend(
            [
                click.Option(
                    ["--json"], is_flag=True, expose_value=False, callback=_json_flag, help="Machine-readable output."
                ),
                click.Option(
                    ["-q", "--quiet"], is_flag=True, expose_value=False, callback=_quiet_flag, help="Only errors."
                ),
                click.Option(
                    ["-v", "--verbose"], count=True, expose_value=False, callback=_verbose_flag, help="More log output."
                ),
            ]
        )
        super().add_command(cmd, name)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="cjm-sync")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Config file (default: ./cjm-sync.toml or $CJM_SYNC_CONFIG).",
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.option("--json", "json_output", is_flag=True, help="Machine-readable JSON output for every command.")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Log line format (json for scheduled jobs).",
)
@click.pass_context
def cli(
    ctx: click.Context,
    config_path: Path | None,
    verbose: int,
    quiet: bool,
    json_output: bool,
    log_format: str,
) -> None:
    """cjm-sync keeps customer journey maps alive between journey files, whiteboards and CRMs."""
    verbosity = -1 if quiet else verbose
    configure_logging(verbosity, log_format)
    ctx.obj = AppContext(config_path=config_path, json_output=json_output, verbosity=verbosity, log_format=log_format)


for command in (
    init_cmd,
    validate_cmd,
    schema_cmd,
    fmt_cmd,
    migrate_cmd,
    sync_cmd,
    plan_cmd,
    push_cmd,
    pull_cmd,
    discover_cmd,
    status_cmd,
    conflicts_group,
    log_cmd,
    restore_cmd,
    import_group,
    sandbox_group,
    demo_cmd,
    annotate_cmd,
    report_cmd,
    gap_cmd,
    worker_cmd,
    enqueue_cmd,
    jobs_cmd,
):
    cli.add_command(command)


def _log_format(args: list[str]) -> str:
    """The ``--log-format`` of ``args`` as typed (the error boundary runs before or without click)."""
    for index, arg in enumerate(args):
        if arg.startswith("--log-format="):
            return arg.split("=", 1)[1]
        if arg == "--log-format" and index + 1 < len(args):
            return args[index + 1]
    return "text"


@dataclass(frozen=True)
class _Output:
    """How errors are printed: ``--json`` and ``--log-format`` as typed on the command line."""

    json_output: bool
    log_format: str

    def report(self, data: Mapping[str, object], message: str, hint: str | None) -> None:
        """A JSON document on stdout with ``--json``, a JSON log line on stderr with
        ``--log-format json``, else ``error: …`` and ``hint: …`` lines on stderr."""
        if self.json_output:
            click.echo(json.dumps({"ok": False, **data}, ensure_ascii=False, indent=2))
            return
        if self.log_format == "json":
            click.echo(json_log_line("error", message, logger="cjm_sync.cli", **data), err=True)
            return
        click.secho(f"error: {message}", fg="red", err=True)
        if hint:
            click.echo(f"hint: {hint}", err=True)

    def internal(self, error: Exception) -> NoReturn:
        """Report a bug (no traceback unless -vv) and exit 1."""
        log.debug("internal error", exc_info=True)
        message = f"internal error: {redact(str(error)) or type(error).__name__}"
        hint = "rerun with -vv for details and report it"
        if self.json_output or self.log_format == "json":
            self.report({"error": "InternalError", "message": message, "hint": hint}, message, hint)
        else:
            click.secho(message, fg="red", err=True)
            click.echo(f"hint: {hint}", err=True)
        sys.exit(EXIT_FAILURE)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI, turning every error into a message and a documented exit code."""
    args = sys.argv[1:] if argv is None else argv
    output = _Output("--json" in args, _log_format(args))
    try:
        code = cli.main(args=args, prog_name="cjm-sync", standalone_mode=False)
    except CjmSyncError as error:
        output.report(error.to_dict(), error.message, error.hint)
        sys.exit(error.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as error:
        if not (output.json_output or output.log_format == "json"):
            error.show()
        else:
            usage = error.ctx.command_path if isinstance(error, click.UsageError) and error.ctx else "cjm-sync"
            message = error.format_message()
            output.report({"error": "UsageError", "message": message, "hint": f"see `{usage} --help`"}, message, None)
        sys.exit(EXIT_USAGE if isinstance(error, click.UsageError) else error.exit_code)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except OSError as error:  # a file or folder the user named (or its permissions)
        if error.filename is None:
            output.internal(error)
        failed = FileAccessError(error.filename, error)
        output.report(failed.to_dict(), failed.message, None)
        sys.exit(failed.exit_code)
    except Exception as error:  # the boundary: no traceback for users unless -vv
        output.internal(error)
    sys.exit(code if isinstance(code, int) else 0)
