"""Vendor-specific commands: import a hand-made board, run a sandbox server."""

from __future__ import annotations

import contextlib
import errno
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from cjm_sync.cli.context import AppContext, pass_app
from cjm_sync.cli.jobs import open_state, open_whiteboard, sandbox_path, state_dir
from cjm_sync.errors import UsageError
from cjm_sync.files import atomic_write, file_format, render_journey
from cjm_sync.merge import flatten
from cjm_sync.plugins.targets import normalise_target


@click.group("import")
def import_group() -> None:
    """Build a journey file from a board the tool did not make."""


@import_group.command("miro")
@click.option("--board", required=True, help="Miro board id.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True, help="Journey file.")
@click.option("--sandbox", is_flag=True, help="Read from the built-in emulator.")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@pass_app
def import_miro_cmd(app: AppContext, /, board: str, output: Path, sandbox: bool, force: bool) -> None:
    """Import a CJM made from Miro's template: stage headers on top, lane labels on the left, stickies in cells."""
    from connectors.miro.importer import import_board  # noqa: PLC0415 - vendor code only for this command

    board = normalise_target(board, source="--board")
    if output.exists() and not force:
        raise UsageError(f"{output} already exists; use --force to overwrite it")
    with open_whiteboard(app, "miro", sandbox=sandbox) as whiteboard:
        journey, report, adoption = import_board(whiteboard.client(board), board)  # type: ignore[attr-defined]
    atomic_write(output, render_journey(journey, fmt=file_format(output)))
    # the next sync edits these very items in place instead of drawing a second map
    store = open_state(app)
    try:
        with store.transaction():
            store.replace_id_map(journey.id, "miro", board, adoption.id_map)
            store.replace_base(journey.id, "miro", board, flatten(journey))  # file and board agree
            store.set_memo(journey.id, "miro", board, adoption.memo(journey))
            store.set_memo(journey.id, "miro", "*", {"last_target": board, "path": str(output.resolve())})
    finally:
        store.close()
    app.emit(
        {
            "ok": True,
            "path": str(output),
            "stages": report.stages,
            "lanes": report.lanes,
            "placed": report.placed,
            "unplaced": report.unplaced,
            "guesses": report.guesses,
        },
        "\n".join(
            [f"wrote {output}: {report.stages} stage(s), {report.lanes} lane(s), {report.placed} item(s) placed"]
            + [f"  could not place: {u}" for u in report.unplaced]
            + [f"  guessed: {g}" for g in report.guesses]
        ),
    )


@click.group("sandbox")
def sandbox_group() -> None:
    """Run a vendor emulator over loopback for other clients (curl, the official SDKs)."""


@sandbox_group.command("miro")
@click.option("--port", type=int, default=8765, show_default=True, help="Port (0 picks a free one).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Loopback address to bind.")
@click.option(
    "--state/--fresh",
    "use_state",
    default=True,
    help="Share the boards of `--sandbox` commands (.cjm-sync/sandbox-miro.json, every change saved at once), "
    "or serve empty boards kept in memory only.",
)
@click.option(
    "--latency", type=click.FloatRange(min=0), default=0.0, show_default=True, help="Added to every request, in ms."
)
@click.option(
    "--jitter", type=click.FloatRange(min=0), default=0.0, show_default=True, help="Plus uniform 0..JITTER ms."
)
@click.option(
    "--credits-per-minute",
    type=click.IntRange(min=1),
    default=100_000,
    show_default=True,
    help="Miro's credit budget per user; over it the sandbox answers 429 with X-RateLimit-* headers.",
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    metavar="SPEC",
    help="Inject failures: KIND[:key=value,...], KIND = HTTP status | timeout | disconnect; keys method, path, "
    "times, skip, rate, after-commit, stall (repeatable; see docs/sandbox.md).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the jitter and of faults with a rate.")
@click.option(
    "--create-boards",
    is_flag=True,
    help="Create a board on the first request naming it (default: 404 for unknown boards, as Miro answers).",
)
@pass_app
def sandbox_miro_cmd(
    app: AppContext,
    /,
    port: int,
    host: str,
    use_state: bool,
    latency: float,
    jitter: float,
    credits_per_minute: int,
    faults: tuple[str, ...],
    seed: int,
    create_boards: bool,
) -> None:
    """Serve the Miro sandbox and print its base URL; Ctrl-C stops it.

    Unknown board ids get Miro's 404 unless --create-boards is given; `POST /v2/boards` creates one.

    --latency, --jitter, --credits-per-minute and --fault reproduce the conditions of the benchmarks
    (e.g. --latency 100 --jitter 50) for curl, the official SDK or cjm-sync itself.
    """
    from connectors.miro.sandbox import Fault, Latency, MiroSandbox, run_server  # noqa: PLC0415

    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise UsageError("the sandbox only listens on loopback (127.0.0.1, localhost or ::1)")
    try:
        rules = [Fault.parse(spec) for spec in faults]
    except ValueError as exc:
        raise UsageError(f"--fault: {exc}") from None
    delay = Latency(latency / 1000, jitter / 1000, seed) if latency or jitter else None
    options: dict[str, Any] = {
        "latency": delay,
        "credits_per_minute": credits_per_minute,
        "seed": seed,
        "auto_create_boards": create_boards,
    }
    sandbox = MiroSandbox.open(sandbox_path(app, "miro"), **options) if use_state else MiroSandbox(**options)
    for rule in rules:
        sandbox.inject(rule)
    with _port_errors(host, port):
        run_server(port, host, sandbox)


@sandbox_group.command("dynamics")
@click.option("--port", type=int, default=8766, show_default=True, help="Web API port (0 picks a free one).")
@click.option("--login-port", type=int, default=0, help="Port of the https token endpoint (default: a free one).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Loopback address to bind.")
@click.option("--records", type=click.IntRange(min=10, max=1_000_000), default=20_000, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of the generated environment.")
@click.option(
    "--latency", type=click.FloatRange(min=0), default=0.0, show_default=True, help="Added to every request, in ms."
)
@click.option("--https", "data_tls", is_flag=True, help="Serve the Web API over https too (for the official client).")
@pass_app
def sandbox_dynamics_cmd(
    app: AppContext, /, port: int, login_port: int, host: str, records: int, seed: int, latency: float, data_tls: bool
) -> None:
    """Serve the Dataverse sandbox and its Entra ID token endpoint; print the environment to use; Ctrl-C stops it.

    The data is generated (deterministic for --seed and --records, ending today). The token endpoint is
    https with a certificate from a CA made at start; its PEM is written under the state directory and
    REQUESTS_CA_BUNDLE / SSL_CERT_FILE point at it in the printed environment.
    """
    from connectors.dynamics.sandbox import DataverseSandbox  # noqa: PLC0415
    from connectors.dynamics.sandbox.serve import run  # noqa: PLC0415

    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise UsageError("the sandbox only listens on loopback (127.0.0.1, localhost or ::1)")
    sandbox = DataverseSandbox(records=records, seed=seed, latency=latency / 1000)
    with _port_errors(host, port, login_port):
        run(
            sandbox,
            state_dir(app),
            host=host,
            port=port,
            login_port=login_port,
            data_tls=data_tls,
            emit=click.echo,
        )


@sandbox_group.command("hubspot")
@click.option("--port", type=int, default=8767, show_default=True, help="Port (0 picks a free one).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Loopback address to bind.")
@click.option("--scenario", type=click.Choice(["b2b_saas", "b2c_retail"]), default="b2b_saas", show_default=True)
@click.option("--records", type=click.IntRange(min=50, max=2_000_000), default=3000, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of the generated portal.")
@click.option(
    "--as-of", "anchor", help="The portal's 'now' (ISO UTC); records end before it. Default: today 00:00 UTC."
)
@click.option(
    "--latency", type=click.FloatRange(min=0), default=0.0, show_default=True, help="Added to every request, in ms."
)
@click.option("--burst", type=click.IntRange(min=1), default=190, show_default=True, help="Requests per 10 s.")
@click.option("--daily", type=click.IntRange(min=1), default=1_000_000, show_default=True, help="Requests per day.")
@pass_app
def sandbox_hubspot_cmd(
    app: AppContext,
    /,
    port: int,
    host: str,
    scenario: str,
    records: int,
    seed: int,
    anchor: str | None,
    latency: float,
    burst: int,
    daily: int,
) -> None:
    """Serve a generated HubSpot portal (objects, search, pipelines, properties; both path styles, real
    rate-limit headers and 429 bodies) and print the environment to use; Ctrl-C stops it."""
    from cjm_sync.plugins import parse_as_of  # noqa: PLC0415
    from connectors.hubspot.sandbox import TOKEN, HubSpotSandbox, RateLimits, SandboxServer  # noqa: PLC0415

    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise UsageError("the sandbox only listens on loopback (127.0.0.1, localhost or ::1)")
    sandbox = HubSpotSandbox.generate(scenario, records, seed=seed, anchor=parse_as_of(anchor) if anchor else None)
    sandbox.limits = RateLimits(burst=burst, daily=daily)
    sandbox.latency = latency / 1000
    with _port_errors(host, port), SandboxServer(sandbox, host, port) as server:
        app.emit(
            {"base_url": server.base_url, "token": TOKEN, "scenario": scenario, "records": records},
            f"HubSpot sandbox ({scenario}, {records} records) at {server.base_url}\n"
            f"  export CJM_HUBSPOT_BASE_URL={server.base_url} HUBSPOT_ACCESS_TOKEN={TOKEN}\n"
            "Ctrl-C stops it.",
        )
        with contextlib.suppress(KeyboardInterrupt):
            server.wait()


@contextmanager
def _port_errors(host: str, *ports: int) -> Iterator[None]:
    """Turn "address in use" (and the like) while binding a server into a usage error naming the port."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in {errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL}:
            raise
        named = " or ".join(f"{host}:{port}" for port in ports if port)
        raise UsageError(
            f"cannot listen on {named or host}: {exc.strerror}",
            hint="another program (or another sandbox) uses that port: pick another with --port, "
            "or --port 0 for any free one",
        ) from None
