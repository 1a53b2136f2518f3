"""Turn flags and config into sync jobs: which journey, which board, which connector, which state store."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cjm_sync.cli.context import AppContext
from cjm_sync.config import LOCAL_STATE_DIR
from cjm_sync.errors import ConfigError, UsageError, register_secret
from cjm_sync.files import load_journey
from cjm_sync.merge import Policies
from cjm_sync.plugins import WhiteboardConnector, load_connector
from cjm_sync.plugins.targets import normalise_target
from cjm_sync.plugins.whiteboard import ACCESS_TOKEN_OPTION
from cjm_sync.state import StateStore, open_store, sqlite_path

SANDBOX_FILE = "sandbox-{name}.json"


@dataclass(frozen=True)
class Job:
    """One journey to sync with one board."""

    journey_path: Path
    connector: str
    target: str | None
    crm: tuple[str, ...] = ()
    """CRM connectors whose metrics the sync pulls first (config ``crm = [...]`` or ``--crm``)."""
    token_env: str | None = None
    """Name of the environment variable holding this journey's board token (config ``board.token_env``);
    None: the connector's own variable (``MIRO_ACCESS_TOKEN``)."""


def state_dir(app: AppContext) -> Path:
    """``.cjm-sync/`` beside the config file, else in the working directory."""
    config = app.config()
    return (config.base_dir if config else Path(".")) / LOCAL_STATE_DIR


STATE_URL_ENV = "CJM_STATE_URL"


def state_url(app: AppContext) -> str:
    """``$CJM_STATE_URL``, else the config's ``[state] url``, else ``.cjm-sync/state.db`` here."""
    config = app.config()
    from_env = os.environ.get(STATE_URL_ENV, "").strip()
    return from_env or (config.state_url() if config else str(state_dir(app) / "state.db"))


def open_state(app: AppContext) -> StateStore:
    """The state store (see :func:`state_url`), created when it does not exist yet."""
    return open_store(state_url(app))


def existing_state(app: AppContext) -> StateStore | None:
    """The state store for commands that only read it; None when its SQLite file does not exist yet,
    so ``status``, ``log`` and ``conflicts`` in a folder never synced create nothing."""
    url = state_url(app)
    path = sqlite_path(url)
    if path is not None and not path.expanduser().exists():
        return None
    return open_store(url)


def policies(app: AppContext) -> Policies:
    """Conflict policies from the config's ``[policies]`` table (defaults otherwise)."""
    config = app.config()
    return Policies.from_config(config.policies if config else {})


def select_jobs(
    app: AppContext, journey: Path | None, all_journeys: bool, connector: str, board: str | None
) -> list[Job]:
    """The jobs named by ``--journey``/``--board`` or, with ``--all`` (or no flags), by the config."""
    config = app.config()
    board = normalise_target(board, source="--board") if board is not None else None
    if journey is not None:
        bound = token_env = None
        crm: tuple[str, ...] = ()
        if config is not None:
            for entry in config.journeys:
                if config.journey_path(entry).resolve() == journey.resolve():
                    crm = tuple(entry.crm)
                    if entry.board:
                        bound, token_env = entry.board.target, entry.board.token_env
                        connector = entry.board.connector
        return [Job(journey, connector, board or bound, crm, token_env)]
    if config is None or not config.journeys:
        raise UsageError("no journey given: pass --journey FILE (or list journeys in cjm-sync.toml and use --all)")
    if not all_journeys and len(config.journeys) > 1:
        raise UsageError("the config lists several journeys: pass --journey FILE or --all")
    return [
        Job(
            config.journey_path(entry),
            entry.board.connector if entry.board else connector,
            board or (entry.board.target if entry.board else None),
            tuple(entry.crm),
            entry.board.token_env if entry.board else None,
        )
        for entry in config.journeys
    ]


def resolve_target(store: StateStore, job: Job) -> str:
    """The board id from the flag/config, else the one an earlier run of this journey used."""
    if job.target:
        return job.target
    journey_id = load_journey(job.journey_path).journey.id
    earlier = store.get_memo(journey_id, job.connector, "*").get("last_target")
    if isinstance(earlier, str) and earlier:
        return normalise_target(earlier, source="the board of the last run")
    variable = f"CJM_{job.connector.upper()}_BOARD_ID"
    env = os.environ.get(variable)
    if env:
        return normalise_target(env, source=variable)
    raise UsageError(
        f"no board known for {job.journey_path}: pass --board ID (or set it in cjm-sync.toml)",
        hint="the board id is remembered after the first successful run; "
        f"CJM_{job.connector.upper()}_BOARD_ID works too",
    )


def sandbox_path(app: AppContext, name: str) -> Path:
    """The file the built-in emulator of connector ``name`` keeps its boards in."""
    return state_dir(app) / SANDBOX_FILE.format(name=name)


def _sandbox_class(name: str) -> Any:
    if name == "miro":
        from connectors.miro.sandbox import MiroSandbox  # noqa: PLC0415 - only loaded in sandbox mode

        return MiroSandbox
    raise UsageError(f"connector '{name}' has no built-in sandbox")


def board_token(job: Job) -> str | None:
    """The access token of ``job``'s board from the variable its config names (``board.token_env``),
    registered for redaction before anything can print it; None when the job names no variable.

    Raises :class:`ConfigError` (exit 2) naming the variable and the journey, never a value, when the
    variable is unset or empty.
    """
    if job.token_env is None:
        return None
    token = os.environ.get(job.token_env, "").strip()
    if not token:
        raise ConfigError(
            f"environment variable {job.token_env} is not set (or empty): it holds the {job.connector} token "
            f"for journey {job.journey_path}",
            hint=f"export {job.token_env}=<that board's access token>, or remove token_env from the journey's "
            "board in cjm-sync.toml to use the default token",
        )
    register_secret(token)
    return token


@contextmanager
def open_whiteboard(
    app: AppContext, name: str, *, sandbox: bool, create_board: str | None = None, token: str | None = None
) -> Iterator[WhiteboardConnector]:
    """An instance of connector ``name`` from config and environment.

    With ``sandbox``, it talks to the built-in emulator in-process; the emulated boards live in
    ``.cjm-sync/sandbox-<name>.json``, shared (under a file lock, every change saved at once) with other
    commands and with ``cjm-sync sandbox <name>`` serving the same directory.
    The emulator answers 404 for boards it does not hold, as the vendor does, except ``create_board``:
    the board a writing command (sync, push) is about to draw on, created on its first push.
    ``token`` (see :func:`board_token`) replaces the connector's default credentials for this instance
    only: every call builds its own connector, auth and HTTP clients, so concurrent jobs never share them.
    """
    config = app.config()
    options: dict[str, Any] = {}
    if config is not None and name in config.connectors:
        section = config.connectors[name]
        options = {**section.settings(), **({"base_url": section.base_url} if section.base_url else {})}
    if token is not None:
        options[ACCESS_TOKEN_OPTION] = token
    factory = load_connector(name)
    if not sandbox:
        connector = factory.from_config(options)
        try:
            yield connector
        finally:
            connector.close()
        return
    emulator = _sandbox_class(name).open(sandbox_path(app, name), auto_create_boards=False)
    if create_board is not None:
        emulator.ensure_board(create_board)
    connector = factory.from_config({**options, "sandbox": True}, transport=emulator.transport())
    try:
        yield connector
    finally:
        connector.close()
